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
#define SYS_COUNT         15

#endif
