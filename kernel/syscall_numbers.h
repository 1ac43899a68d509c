/* Syscall numbers, shared by the kernel and the user programs (tests/user/). */
#ifndef KERNEL_SYSCALL_NUMBERS_H
#define KERNEL_SYSCALL_NUMBERS_H

#define SYS_DEBUG_WRITE   1    /* (const char *buf, size_t len) -> len or -EFAULT */
#define SYS_EXIT          2    /* (int status) -> does not return */
#define SYS_YIELD         3    /* () -> 0 */
#define SYS_GETPID        4    /* () -> pid */
#define SYS_FORK          5    /* () -> child pid in the parent, 0 in the child, or -errno */
#define SYS_WAITPID       6    /* (int pid, int *status) -> pid or -ECHILD/-EFAULT */
#define SYS_MMAP          7    /* (addr, len, prot, flags, fd, offset) -> address or -errno */
#define SYS_MUNMAP        8    /* (addr, len) -> 0 or -errno */
#define SYS_MPROTECT      9    /* (addr, len, prot) -> 0 or -errno */
#define SYS_FAULT_HANDLER 10   /* (handler) -> 0: where unresolvable faults are delivered */
#define SYS_FREE_FRAMES   12   /* () -> free frame count (for tests) */
#define SYS_CHECK         13   /* () -> problems found by the mm invariant checker (for tests) */
#define SYS_CYCLES_HZ     14   /* (uint64_t *hz) -> 0 or -EFAULT: the cycle counter's frequency */
/* Files and schemes (scheme/scheme.h; packets in scheme/scheme_abi.h) */
#define SYS_OPEN          15   /* (const char *path, size_t len, unsigned flags O_*) -> fd or -errno */
#define SYS_CLOSE         16   /* (int fd) -> 0 or -EBADF */
#define SYS_READ          17   /* (int fd, void *buf, size_t len) -> bytes read or -errno */
#define SYS_WRITE         18   /* (int fd, const void *buf, size_t len) -> bytes written or -errno */
#define SYS_LSEEK         19   /* (int fd, long offset, int whence SEEK_*) -> new position or -errno */
#define SYS_SCHEME_CREATE 20   /* (const char *name, size_t len) -> scheme fd (the daemon's end) */
#define SYS_SCHEME_RECV   21   /* (int scheme_fd, struct scheme_packet *out) -> 0 or -errno; blocks */
#define SYS_SCHEME_REPLY  22   /* (int scheme_fd, uint32_t tag, long result) -> 0 or -errno */
#define SYS_VIRT_TO_PHYS  23   /* (void *addr, uint64_t *phys) -> 0 or -errno (MAP_PHYS_CONTIGUOUS) */
#define SYS_NS_RESTRICT   24   /* (const char *names, size_t len) -> 0: namespace &= names (comma list) */
#define SYS_INJECT        25   /* (op INJECT_*, a, b) -> see below (for tests: fault injection, fuzz) */
/* Threads (kernel/proc.c): contexts sharing the caller's address space and descriptors. */
#define SYS_THREAD_CREATE 26   /* (void (*entry)(void *arg), void *stack_top, void *arg) -> tid or
				* -errno; the thread starts at entry(arg) on stack_top */
#define SYS_THREAD_EXIT   27   /* (int status) -> does not return; ends the calling thread only,
				* the process ends with its last thread (SYS_EXIT ends all of them) */
#define SYS_THREAD_JOIN   28   /* (long tid, int *status) -> 0 or -errno; waits for a thread of the
				* caller's process to end (-ESRCH: no such thread, -EDEADLK: itself) */
#define SYS_GETTID        29   /* () -> the calling thread's id (the pid for the first thread) */
#define SYS_GETCPU        30   /* () -> the id of the CPU running the caller (for tests) */
#define SYS_COUNT         31

/* SYS_INJECT operations (mm/alloc_inject.h). The modes apply to the calling process only. */
#define INJECT_OFF        0    /* () -> 0: injection off */
#define INJECT_EVERY      1    /* (n) -> 0: every Nth allocation of the caller fails */
#define INJECT_RANDOM     2    /* (seed, per_million) -> 0: each of the caller's allocations fails
				* with probability per_million / 10^6, reproducibly from seed */
#define INJECT_FAILURES   3    /* (kind INJECT_KIND_*) -> failures injected since the mode was set */
#define INJECT_KIND_ALL     0
#define INJECT_KIND_FRAME   1  /* user frames and page-table frames (frame_alloc) */
#define INJECT_KIND_KMALLOC 2  /* kernel objects: grant nodes, address spaces, ... */
#define INJECT_FUZZ_PARAM 4    /* (index FUZZ_PARAM_*, shift) -> bits [shift, shift + 16) of the
				* fuzz run's parameter (tests/ktest/fuzz.h), or -ENOENT */
#define FUZZ_PARAM_SEED   0
#define FUZZ_PARAM_OPS    1
#define FUZZ_PARAM_INJECT 2    /* per-million failure probability, 0 = no injection */
#define FUZZ_PARAM_CHECK  3    /* SYS_CHECK every that many ops */
#define FUZZ_PARAM_TRACE  4    /* print every op from op TRACE - 1 on (0: none) */
#define FUZZ_PARAM_COUNT  5

#endif
