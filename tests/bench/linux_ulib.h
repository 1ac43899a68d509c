/* The Linux side of `make bench`: the few calls of tests/user/lib/ulib.h that the benchmark
 * programs tests/user/bench_vm.c and tests/user/bench_threads.c use, implemented on Linux's own system calls (x86_64 `syscall`,
 * i686 `int $0x80`, aarch64 `svc 0`), so that the same source, built with -DBENCH_LINUX, runs
 * as the only process (/init) of an initramfs under Debian's Linux kernel. No C library: the
 * program is static and freestanding like our user programs, and prints with the kernel's own
 * formatter (kernel/format.c). tests/bench/linux_ulib.c holds _start and the wrappers. */
#ifndef TESTS_BENCH_LINUX_ULIB_H
#define TESTS_BENCH_LINUX_ULIB_H

#include "tests/user/lib/cycles.h"
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "kernel/string.h"
#include "mm/vm.h"

/* Our PROT_ and MAP_ values are Linux's (mm/vm.h); the program passes them through unchanged. */
_Static_assert(PROT_READ == 1 && PROT_WRITE == 2, "PROT_ values differ from Linux");
_Static_assert(MAP_SHARED == 1 && MAP_PRIVATE == 2 && MAP_ANONYMOUS == 0x20,
	       "MAP_ values differ from Linux");

/* Each returns what the Linux system call returns (-errno on failure). */
__attribute__((noreturn)) void u_exit(int status);
long u_fork(void);
/* wait4(PID, ...); *STATUS gets the exit code of a child that exited, -1 if a signal ended it. */
long u_waitpid(long pid, int *status);
/* Free RAM in 4 KiB frames, from sysinfo(2). */
long u_free_frames(void);
void *u_mmap(void *addr, size_t len, int prot, int flags);
long u_munmap(void *addr, size_t len);
long u_mprotect(void *addr, size_t len, int prot);

/* Threads (for tests/user/bench_threads.c), as tests/user/lib/ulib.h declares them: ENTRY(ARG)
 * runs on the stack below STACK_TOP (16-byte aligned) in a clone(CLONE_VM | CLONE_THREAD | ...)
 * thread and ends with u_thread_exit (exit(2): this thread only). u_thread_join waits (yielding)
 * until Linux has cleared the thread's tid word, i.e. the thread has exited; *STATUS gets 0.
 * u_getcpu: getcpu(2). */
#if defined(__i386__)
#define U_THREAD_ENTRY __attribute__((regparm(1), noreturn))
typedef void (*u_thread_fn)(void *arg) __attribute__((regparm(1)));
#else
#define U_THREAD_ENTRY __attribute__((noreturn))
typedef void (*u_thread_fn)(void *arg);
#endif
long u_thread_create(u_thread_fn entry, void *stack_top, void *arg);
__attribute__((noreturn)) void u_thread_exit(int status);
long u_thread_join(long tid, int *status);
void *u_thread_stack(size_t size);
long u_getcpu(void);

/* mmap's error convention: a result in the last page of the address space is -errno. */
static inline bool u_mmap_failed(void *p) { return (uintptr_t)p >= (uintptr_t)-4096; }

/* printf to the console (file descriptor 1, which the kernel opened on /dev/console). */
int u_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The cycle counter's rate into *HZ; returns 0. aarch64: CNTFRQ_EL0. x86: the TSC measured
 * against CLOCK_MONOTONIC over 100 ms (Linux gives user mode no TSC rate). */
long bench_counter_hz(uint64_t *hz);

#define U_PAGE 4096ul

int user_main(void);

#endif
