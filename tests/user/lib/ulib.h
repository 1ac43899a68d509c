/* The small library of the user test programs: syscall wrappers, printing and checks. User
 * programs are built with -mgeneral-regs-only: the kernel does not save FP/SIMD state yet. */
#ifndef TESTS_USER_ULIB_H
#define TESTS_USER_ULIB_H

#include "tests/user/lib/cycles.h"
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "kernel/syscall_numbers.h"
#include "kernel/string.h"
#include "mm/vm.h"
#include "scheme/scheme_abi.h"

long sys_call(long nr, long a0, long a1, long a2, long a3, long a4, long a5);

static inline long sys0(long nr) { return sys_call(nr, 0, 0, 0, 0, 0, 0); }
static inline long sys1(long nr, long a) { return sys_call(nr, a, 0, 0, 0, 0, 0); }
static inline long sys2(long nr, long a, long b) { return sys_call(nr, a, b, 0, 0, 0, 0); }
static inline long sys3(long nr, long a, long b, long c) { return sys_call(nr, a, b, c, 0, 0, 0); }

static inline __attribute__((noreturn)) void u_exit(int status)
{
	sys1(SYS_EXIT, status);
	__builtin_unreachable();
}
static inline long u_fork(void) { return sys0(SYS_FORK); }
static inline long u_getpid(void) { return sys0(SYS_GETPID); }
static inline long u_yield(void) { return sys0(SYS_YIELD); }
static inline long u_waitpid(long pid, int *status) { return sys2(SYS_WAITPID, pid, (long)status); }
static inline long u_free_frames(void) { return sys0(SYS_FREE_FRAMES); }
static inline long u_check(void) { return sys0(SYS_CHECK); }
static inline void *u_mmap(void *addr, size_t len, int prot, int flags)
{
	return (void *)sys_call(SYS_MMAP, (long)addr, (long)len, prot, flags, -1, 0);
}
static inline long u_munmap(void *addr, size_t len) { return sys2(SYS_MUNMAP, (long)addr, (long)len); }
static inline long u_mprotect(void *addr, size_t len, int prot)
{
	return sys3(SYS_MPROTECT, (long)addr, (long)len, prot);
}

static inline void *u_mmap_fd(void *addr, size_t len, int prot, int flags, long fd, long offset)
{
	return (void *)sys_call(SYS_MMAP, (long)addr, (long)len, prot, flags, fd, offset);
}

/* Files and schemes (scheme/README.md has the semantics; packets in scheme/scheme_abi.h). */
static inline long u_open(const char *path, unsigned flags)
{
	return sys3(SYS_OPEN, (long)path, (long)strlen(path), (long)flags);
}
static inline long u_close(long fd) { return sys1(SYS_CLOSE, fd); }
static inline long u_read(long fd, void *buf, size_t len) { return sys3(SYS_READ, fd, (long)buf, (long)len); }
static inline long u_write(long fd, const void *buf, size_t len)
{
	return sys3(SYS_WRITE, fd, (long)buf, (long)len);
}
static inline long u_lseek(long fd, long offset, int whence) { return sys3(SYS_LSEEK, fd, offset, whence); }
static inline long u_scheme_create(const char *name)
{
	return sys2(SYS_SCHEME_CREATE, (long)name, (long)strlen(name));
}
static inline long u_scheme_recv(long scheme_fd, struct scheme_packet *out)
{
	return sys2(SYS_SCHEME_RECV, scheme_fd, (long)out);
}
static inline long u_scheme_reply(long scheme_fd, uint32_t tag, long result)
{
	return sys3(SYS_SCHEME_REPLY, scheme_fd, (long)tag, result);
}
static inline long u_virt_to_phys(const volatile void *addr, uint64_t *phys)
{
	return sys2(SYS_VIRT_TO_PHYS, (long)addr, (long)phys);
}
static inline long u_ns_restrict(const char *names)
{
	return sys2(SYS_NS_RESTRICT, (long)names, (long)strlen(names));
}

/* ---- Threads (SYS_THREAD_*; kernel/syscall_numbers.h) ----
 * A thread starts at ENTRY with ARG where a fault upcall gets its first argument (x86_64 rdi,
 * i686 eax, aarch64 x0), so a C function declared U_THREAD_ENTRY receives ARG as its parameter.
 * It runs on the stack below STACK_TOP (16-byte aligned, writable) and ends with u_thread_exit
 * (returning from ENTRY faults, which ends the whole process). The threads share the address
 * space and the descriptors; u_try is not for concurrent use (one recovery point). */
#if defined(__i386__)
#define U_THREAD_ENTRY __attribute__((regparm(1), noreturn))
typedef void (*u_thread_fn)(void *arg) __attribute__((regparm(1)));
#else
#define U_THREAD_ENTRY __attribute__((noreturn))
typedef void (*u_thread_fn)(void *arg);
#endif
static inline long u_thread_create(u_thread_fn entry, void *stack_top, void *arg)
{
	return sys3(SYS_THREAD_CREATE, (long)entry, (long)stack_top, (long)arg);
}
static inline __attribute__((noreturn)) void u_thread_exit(int status)
{
	sys1(SYS_THREAD_EXIT, status);
	__builtin_unreachable();
}
static inline long u_thread_join(long tid, int *status) { return sys2(SYS_THREAD_JOIN, tid, (long)status); }
static inline long u_gettid(void) { return sys0(SYS_GETTID); }
static inline long u_getcpu(void) { return sys0(SYS_GETCPU); }

/* A fresh stack of SIZE bytes (a multiple of U_PAGE) for a thread: returns its top, or NULL. */
static inline void *u_thread_stack(size_t size)
{
	uint8_t *m = (uint8_t *)sys_call(SYS_MMAP, 0, (long)size, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return (uintptr_t)m >= (uintptr_t)-4096 ? NULL : m + size;
}

/* A spinlock between threads (test-and-test-and-set; yields while it waits, so a holder that
 * was preempted on the same CPU gets to run). */
struct u_spinlock { int locked; };
static inline void u_spin_lock(struct u_spinlock *l)
{
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			sys0(SYS_YIELD);
}
static inline void u_spin_unlock(struct u_spinlock *l) { __atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE); }

/* mmap's error convention: a result in the last page of the address space is -errno. */
static inline bool u_mmap_failed(void *p) { return (uintptr_t)p >= (uintptr_t)-4096; }

/* printf to the kernel console through SYS_DEBUG_WRITE. */
int u_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Checks for the test programs: on failure they print file:line and both values and count the
 * failure; main returns u_failures() so the exit status says how many checks failed. */
void u_fail(const char *file, int line, const char *what, unsigned long long a, unsigned long long b);
int u_failures(void);
#define U_EXPECT_EQ(a, b) do { \
	unsigned long long u_a_ = (unsigned long long)(a), u_b_ = (unsigned long long)(b); \
	if (u_a_ != u_b_) u_fail(__FILE__, __LINE__, #a " == " #b, u_a_, u_b_); } while (0)
#define U_EXPECT_NE(a, b) do { \
	unsigned long long u_a_ = (unsigned long long)(a), u_b_ = (unsigned long long)(b); \
	if (u_a_ == u_b_) u_fail(__FILE__, __LINE__, #a " != " #b, u_a_, u_b_); } while (0)

/* ---- Surviving faults ----
 * u_try(FN, ARG) runs FN(ARG); if FN takes a fault the kernel cannot resolve, the kernel's
 * upcall lands in u_fault_entry, which jumps back here. Returns true when FN faulted, and the
 * fault's address and access (0 read, 1 write, 2 exec) in *ADDR and *ACCESS (either may be
 * NULL). */
bool u_try(void (*fn)(void *), void *arg, uintptr_t *addr, int *access);

/* One byte read / write that reports a fault instead of dying: true when it faulted. */
bool u_read_faults(const volatile uint8_t *p, uint8_t *out);
bool u_write_faults(volatile uint8_t *p, uint8_t value);

struct u_jmp_buf { unsigned long regs[14]; };
int u_setjmp(struct u_jmp_buf *b) __attribute__((returns_twice));
__attribute__((noreturn)) void u_longjmp(struct u_jmp_buf *b, int value);

#define U_PAGE 4096ul

/* Runs FN in a forked child that exits with its failure count, and checks that the child
 * succeeded and left nothing behind: free frame count back to its value before the fork, and
 * the invariant checker clean. */
void u_run_child_checked(void (*fn)(void));

int user_main(void);

#endif
