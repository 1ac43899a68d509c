/* Compiler helpers shared by every file of the kernel and by the host builds of pure-logic code. */
#ifndef KERNEL_COMPILER_H
#define KERNEL_COMPILER_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define ARRAY_SIZE(a)      (sizeof(a) / sizeof((a)[0]))
#define ALIGN_DOWN(x, a)   ((x) & ~((__typeof__(x))(a) - 1))
#define ALIGN_UP(x, a)     ALIGN_DOWN((x) + ((__typeof__(x))(a) - 1), (a))
#define IS_ALIGNED(x, a)   (((x) & ((__typeof__(x))(a) - 1)) == 0)
#define MIN(a, b)          ((a) < (b) ? (a) : (b))
#define MAX(a, b)          ((a) > (b) ? (a) : (b))

#define likely(x)          __builtin_expect(!!(x), 1)
#define unlikely(x)        __builtin_expect(!!(x), 0)
#define __unused           __attribute__((unused))
#define __used             __attribute__((used))
#define __section(s)       __attribute__((section(s)))
#define __aligned(n)       __attribute__((aligned(n)))
#define __packed           __attribute__((packed))
#define __printf(f, a)     __attribute__((format(printf, f, a)))
#define __noreturn         __attribute__((noreturn))

/* Stops the compiler from moving memory accesses across this point. */
#define barrier()          __asm__ volatile("" ::: "memory")

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

/* Physical addresses are 64-bit on every arch (i686 uses PAE, which reaches above 4 GiB). */
typedef uint64_t paddr_t;

#endif
