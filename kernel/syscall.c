/* Syscall dispatch. Every pointer argument is a user address and is only touched through
 * arch_copy_from_user / arch_copy_to_user; every error is returned as -errno. Files and schemes
 * (open .. ns_restrict) go through the fd table (kernel/fd.c) to scheme/. */
#include "kernel/syscall.h"
#include "kernel/proc.h"
#include "kernel/smp.h"
#include "kernel/kprintf.h"
#include "kernel/errno.h"
#include "kernel/fd.h"
#include "kernel/string.h"
#include "scheme/scheme.h"
#include "mm/addrspace.h"
#include "mm/frame.h"
#include "mm/check.h"
#include "mm/vm.h"
#include "scheme/memory.h"

#define LONG_MAX_VALUE ((long)(~0ul >> 1))
#include "mm/alloc_inject.h"
#include "tests/ktest/fuzz.h"

/* Prints LEN bytes of user memory at BUF on the console. */
static long sys_debug_write(uintptr_t buf, size_t len)
{
	char chunk[128];
	if (vm_user_check(proc_current()->as, buf, len, VM_ACCESS_READ))
		return -EFAULT;
	for (size_t done = 0; done < len;) {
		size_t n = MIN(len - done, sizeof(chunk));
		if (arch_copy_from_user(chunk, buf + done, n))
			return -EFAULT;
		kprintf("%.*s", (int)n, chunk);
		done += n;
	}
	return (long)len;
}

static long sys_waitpid(long pid, uintptr_t status_ptr)
{
	int status;
	int got = proc_wait((int)pid, &status);
	if (got < 0)
		return got;
	/* the child is reaped either way; a bad status pointer only loses the status */
	if (status_ptr && (vm_user_check(proc_current()->as, status_ptr, sizeof(status), VM_ACCESS_WRITE) ||
			   arch_copy_to_user(status_ptr, &status, sizeof(status))))
		return -EFAULT;
	return got;
}

/* SYS_THREAD_JOIN: the status goes to STATUS_PTR (none when 0); the thread is joined either
 * way, a bad pointer only loses the status. */
static long sys_thread_join(long tid, uintptr_t status_ptr)
{
	int status;
	int err = proc_thread_join(tid, &status);
	if (err)
		return err;
	if (status_ptr && (vm_user_check(proc_current()->as, status_ptr, sizeof(status), VM_ACCESS_WRITE) ||
			   arch_copy_to_user(status_ptr, &status, sizeof(status))))
		return -EFAULT;
	return 0;
}

/* mmap: anonymous memory (MAP_ANONYMOUS; FD is ignored as on Linux, OFFSET must be 0), or
 * [OFFSET, OFFSET + LEN) of the file open as FD (OFFSET in bytes, page aligned, unsigned: on
 * i686 a physical address like 0xfed00000 does not fit a positive long). MAP_PHYS_CONTIGUOUS
 * anonymous memory is vm_mmap_contig, as for memory:zeroed. */
static long sys_mmap(uintptr_t addr, size_t len, unsigned prot, unsigned flags, long fd,
		     unsigned long offset)
{
	struct proc *p = proc_current();
	uintptr_t at;
	int err;
	if (flags & MAP_ANONYMOUS) {
		if (offset != 0)
			return -EINVAL;
		if (flags & MAP_PHYS_CONTIGUOUS)
			err = vm_mmap_contig(p->as, addr, len, prot, flags & ~MAP_ANONYMOUS, &at);
		else
			err = vm_mmap(p->as, addr, len, prot, flags, &at);
	} else {
		err = vm_mmap_check_args(len, prot, flags);
		if (err)
			return err;
		if (!IS_ALIGNED(offset, FRAME_SIZE))
			return -EINVAL;
		struct scheme_file *f = fd_get(p, fd);
		if (!f)
			return -EBADF;
		err = scheme_mmap(f, p->as, addr, len, prot, flags, (uint64_t)offset, &at);
		scheme_file_put(f);
	}
	return err ? err : (long)at;
}

/* Copies the user string [UPTR, UPTR + LEN) into BUF (SIZE bytes) with a NUL after it. Returns 0,
 * -ENAMETOOLONG (LEN >= SIZE), -EFAULT, or -EINVAL (a NUL inside). */
static int copy_string_in(char *buf, size_t size, uintptr_t uptr, size_t len)
{
	if (len >= size)
		return -ENAMETOOLONG;
	if (len && (vm_user_check(proc_current()->as, uptr, len, VM_ACCESS_READ) ||
		    arch_copy_from_user(buf, uptr, len)))
		return -EFAULT;
	buf[len] = '\0';
	return strlen(buf) == len ? 0 : -EINVAL;
}

/* Installs F (one reference) as a new descriptor of the current process; returns it or
 * -EMFILE (F is closed then). */
static long install_fd(struct scheme_file *f)
{
	int fd = fd_install(proc_current(), f);
	if (fd < 0)
		scheme_file_put(f);
	return fd;
}

static long sys_open(uintptr_t upath, size_t len, unsigned flags)
{
	char path[SCHEME_NAME_MAX + 1 + SCHEME_PATH_MAX + 1];
	int err = copy_string_in(path, sizeof(path), upath, len);
	if (err)
		return err;
	struct scheme_file *f;
	err = scheme_open(path, flags, &f);
	return err ? err : install_fd(f);
}

/* read/write at the file's position, which advances by the bytes done. */
static long sys_rw(long fd, uintptr_t buf, size_t len, bool write)
{
	struct scheme_file *f = fd_get(proc_current(), fd);
	if (!f)
		return -EBADF;
	unsigned mode = f->flags & O_ACCMODE;
	long r;
	if (mode != O_RDWR && mode != (write ? O_WRONLY : O_RDONLY))
		r = -EBADF;
	else
		r = write ? scheme_write(f, f->pos, buf, len) : scheme_read(f, f->pos, buf, len);
	if (r > 0)
		f->pos += (uint64_t)r;
	scheme_file_put(f);
	return r;
}

static long sys_lseek(long fd, long offset, long whence)
{
	struct scheme_file *f = fd_get(proc_current(), fd);
	if (!f)
		return -EBADF;
	int64_t base = 0;
	long r = 0;
	if (whence == SEEK_CUR) {
		base = (int64_t)f->pos;
	} else if (whence == SEEK_END) {
		long size = scheme_fsize(f);
		if (size < 0)
			r = size;
		base = size;
	} else if (whence != SEEK_SET) {
		r = -EINVAL;
	}
	if (!r) {
		int64_t pos = base + offset;
		if (pos < 0)
			r = -EINVAL;
		else if (pos > (int64_t)LONG_MAX_VALUE)
			r = -EOVERFLOW;
		else
			f->pos = (uint64_t)pos, r = (long)pos;
	}
	scheme_file_put(f);
	return r;
}

static long sys_scheme_create(uintptr_t uname, size_t len)
{
	char name[SCHEME_NAME_MAX];
	int err = copy_string_in(name, sizeof(name), uname, len);
	if (err)
		return err == -ENAMETOOLONG ? -EINVAL : err;
	struct scheme_file *end;
	err = scheme_create_user(name, len, &end);
	return err ? err : install_fd(end);
}

/* SYS_SCHEME_RECV and SYS_SCHEME_REPLY: the daemon's end of scheme fd FD. */
static long sys_scheme_op(long fd, bool reply, uintptr_t a, long result)
{
	struct scheme_file *end = fd_get(proc_current(), fd);
	if (!end)
		return -EBADF;
	long r = reply ? scheme_reply(end, (uint32_t)a, result) : scheme_recv(end, a);
	scheme_file_put(end);
	return r;
}

static long sys_ns_restrict(uintptr_t ulist, size_t len)
{
	char list[1024];
	if (len > sizeof(list))
		return -EINVAL;
	if (len && (vm_user_check(proc_current()->as, ulist, len, VM_ACCESS_READ) ||
		    arch_copy_from_user(list, ulist, len)))
		return -EFAULT;
	struct proc *p = proc_current();
	struct scheme_ns *ns;
	int err = scheme_ns_restrict(p->ns, list, len, &ns);
	if (err)
		return err;
	scheme_ns_put(p->ns);
	p->ns = ns;
	return 0;
}

/* Stores the frequency of the cycle counter (arch_cycles_hz: the TSC, CNTVCT_EL0), which user
 * programs read themselves, at user address OUT. A pointer, not the result: the TSC's rate does
 * not fit a 32-bit long on i686. */
static long sys_cycles_hz(uintptr_t out)
{
	uint64_t hz = arch_cycles_hz();
	if (vm_user_check(proc_current()->as, out, sizeof(hz), VM_ACCESS_WRITE) ||
	    arch_copy_to_user(out, &hz, sizeof(hz)))
		return -EFAULT;
	return 0;
}

static long current_pid(void)
{
	return proc_current()->pid;
}

/* SYS_INJECT (kernel/syscall_numbers.h): failure injection scoped to the calling process, and
 * the fuzz run's parameters. */
static long sys_inject(unsigned long op, unsigned long a, unsigned long b)
{
	switch (op) {
	case INJECT_OFF:        alloc_inject_off(); return 0;
	case INJECT_EVERY:      alloc_inject_scope(current_pid, current_pid()); alloc_inject_every(a); return 0;
	case INJECT_RANDOM:     alloc_inject_scope(current_pid, current_pid()); alloc_inject_random(a, (uint32_t)b); return 0;
	case INJECT_FAILURES:   return (long)(a ? alloc_inject_failures_kind(a - 1) : alloc_inject_failures());
	case INJECT_FUZZ_PARAM: return fuzz_param(a, b);
	default:                return -EINVAL;
	}
}

void syscall_dispatch(struct trap_frame *tf)
{
	unsigned long a[ARCH_SYSCALL_ARGS];
	arch_syscall_args(tf, a);
	struct proc *p = proc_current();
	long r;

	switch (arch_syscall_number(tf)) {
	case SYS_DEBUG_WRITE:   r = sys_debug_write(a[0], a[1]); break;
	case SYS_EXIT:          proc_exit((int)a[0]);
	case SYS_YIELD:         sched_yield_hint(); r = 0; break;
	case SYS_GETPID:        r = p->pid; break;
	case SYS_FORK:          r = proc_fork(tf); break;
	case SYS_WAITPID:       r = sys_waitpid((long)a[0], a[1]); break;
	case SYS_MMAP:          r = sys_mmap(a[0], a[1], (unsigned)a[2], (unsigned)a[3], (long)a[4], a[5]); break;
	case SYS_MUNMAP:        r = vm_munmap(p->as, a[0], a[1]); break;
	case SYS_MPROTECT:      r = vm_mprotect(p->as, a[0], a[1], (unsigned)a[2]); break;
	case SYS_FAULT_HANDLER: __atomic_store_n(&p->leader->fault_handler, a[0], __ATOMIC_RELAXED); r = 0; break;
	case SYS_FREE_FRAMES:   proc_settle(); r = (long)frame_count_free(); break;
	case SYS_CHECK:         r = proc_check_all(); break;
	case SYS_CYCLES_HZ:     r = sys_cycles_hz(a[0]); break;
	case SYS_OPEN:          r = sys_open(a[0], a[1], (unsigned)a[2]); break;
	case SYS_CLOSE:         r = fd_close(p, (long)a[0]); break;
	case SYS_READ:          r = sys_rw((long)a[0], a[1], a[2], false); break;
	case SYS_WRITE:         r = sys_rw((long)a[0], a[1], a[2], true); break;
	case SYS_LSEEK:         r = sys_lseek((long)a[0], (long)a[1], (long)a[2]); break;
	case SYS_SCHEME_CREATE: r = sys_scheme_create(a[0], a[1]); break;
	case SYS_SCHEME_RECV:   r = sys_scheme_op((long)a[0], false, a[1], 0); break;
	case SYS_SCHEME_REPLY:  r = sys_scheme_op((long)a[0], true, a[1], (long)a[2]); break;
	case SYS_NS_RESTRICT:   r = sys_ns_restrict(a[0], a[1]); break;
	case SYS_VIRT_TO_PHYS:  r = memory_sys_virt_to_phys(a[0], a[1]); break;
	case SYS_INJECT:        r = sys_inject(a[0], a[1], a[2]); break;
	case SYS_THREAD_CREATE: r = proc_thread_create(a[0], a[1], a[2]); break;
	case SYS_THREAD_EXIT:   proc_thread_exit((int)a[0]);
	case SYS_THREAD_JOIN:   r = sys_thread_join((long)a[0], a[1]); break;
	case SYS_GETTID:        r = p->tid; break;
	case SYS_GETCPU:        r = (long)cpu_current()->id; break;
	default:                r = -ENOSYS; break;
	}
	arch_syscall_set_result(tf, r);
}
