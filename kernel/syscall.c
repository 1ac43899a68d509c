/* Syscall dispatch. Every pointer argument is a user address and is only touched through
 * arch_copy_from_user / arch_copy_to_user; every error is returned as -errno. */
#include "kernel/syscall.h"
#include "kernel/proc.h"
#include "kernel/kprintf.h"
#include "kernel/errno.h"
#include "mm/addrspace.h"
#include "mm/frame.h"
#include "mm/check.h"
#include "mm/vm.h"
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

static long sys_mmap(uintptr_t addr, size_t len, unsigned prot, unsigned flags, long fd, long offset)
{
	if (fd != -1 || offset != 0)
		return -EINVAL;           /* file mappings arrive with schemes */
	uintptr_t at;
	int err = vm_mmap(proc_current()->as, addr, len, prot, flags, &at);
	return err ? err : (long)at;
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
	case SYS_YIELD:         sched_yield(); r = 0; break;
	case SYS_GETPID:        r = p->pid; break;
	case SYS_FORK:          r = proc_fork(tf); break;
	case SYS_WAITPID:       r = sys_waitpid((long)a[0], a[1]); break;
	case SYS_MMAP:          r = sys_mmap(a[0], a[1], (unsigned)a[2], (unsigned)a[3], (long)a[4], (long)a[5]); break;
	case SYS_MUNMAP:        r = vm_munmap(p->as, a[0], a[1]); break;
	case SYS_MPROTECT:      r = vm_mprotect(p->as, a[0], a[1], (unsigned)a[2]); break;
	case SYS_FAULT_HANDLER: p->fault_handler = a[0]; r = 0; break;
	case SYS_FREE_FRAMES:   r = (long)frame_count_free(); break;
	case SYS_CHECK:         r = (long)vm_check_all(); break;
	case SYS_CYCLES_HZ:     r = sys_cycles_hz(a[0]); break;
	case SYS_INJECT:        r = sys_inject(a[0], a[1], a[2]); break;
	default:                r = -ENOSYS; break;
	}
	arch_syscall_set_result(tf, r);
}
