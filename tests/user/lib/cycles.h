/* The cycle counter user mode may read, for user programs on our kernel and on Linux (the
 * benchmark is built for both): rdtsc on x86, CNTVCT_EL0 on aarch64 (our kernel lets EL0 read
 * it; SYS_CYCLES_HZ gives its frequency). */
#ifndef TESTS_USER_LIB_CYCLES_H
#define TESTS_USER_LIB_CYCLES_H
#include <stdint.h>

/* Returns the counter; the isb on aarch64 keeps the read from moving above the code timed. */
static inline uint64_t u_cycles(void)
{
#if defined(__aarch64__)
	uint64_t v;
	__asm__ volatile("isb\n\tmrs %0, cntvct_el0" : "=r"(v) :: "memory");
	return v;
#else
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
	return (uint64_t)hi << 32 | lo;
#endif
}

#endif
