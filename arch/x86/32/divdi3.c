/* 64-bit division for i686: the libgcc helpers the compiler calls for uint64_t / and %, written
 * here so the kernel links without libgcc. A divisor that fits 32 bits takes two divl; a larger
 * one takes a shift-and-subtract loop. */
#include "divdi3.h"
#include "kernel/panic.h"

/* Returns N / D and stores N % D in *REM; panics on D == 0. */
static uint64_t udivmod(uint64_t n, uint64_t d, uint64_t *rem)
{
	if (d == 0)
		panic("64-bit division by zero");
	if ((d >> 32) == 0) {
		uint32_t d32 = (uint32_t)d, hi = (uint32_t)(n >> 32);
		uint32_t q_hi = hi / d32, r = hi % d32, q_lo;
		/* EDX:EAX = r:low(n) with r < d32, so the quotient fits 32 bits */
		__asm__("divl %[d]" : "=a"(q_lo), "=d"(r) : "a"((uint32_t)n), "d"(r), [d] "rm"(d32));
		*rem = r;
		return ((uint64_t)q_hi << 32) | q_lo;
	}
	if (d >> 63) {                        /* the quotient is 0 or 1 */
		*rem = n >= d ? n - d : n;
		return n >= d;
	}
	uint64_t q = 0, r = 0;                /* r < d < 2^63 below, so r << 1 cannot overflow */
	for (int bit = 63; bit >= 0; bit--) {
		r = (r << 1) | ((n >> bit) & 1);
		if (r >= d) {
			r -= d;
			q |= 1ull << bit;
		}
	}
	*rem = r;
	return q;
}

/* GCC's combined form: N / D, and N % D in *REM when REM is not NULL. */
uint64_t __udivmoddi4(uint64_t n, uint64_t d, uint64_t *rem)
{
	uint64_t r;
	uint64_t q = udivmod(n, d, &r);
	if (rem)
		*rem = r;
	return q;
}

uint64_t __udivdi3(uint64_t n, uint64_t d)
{
	uint64_t r;
	return udivmod(n, d, &r);
}

uint64_t __umoddi3(uint64_t n, uint64_t d)
{
	uint64_t r;
	udivmod(n, d, &r);
	return r;
}

/* Signed division truncates toward zero; the remainder takes the sign of N. */
int64_t __divdi3(int64_t n, int64_t d)
{
	uint64_t r, un = n < 0 ? -(uint64_t)n : (uint64_t)n, ud = d < 0 ? -(uint64_t)d : (uint64_t)d;
	uint64_t q = udivmod(un, ud, &r);
	return (n < 0) != (d < 0) ? -(int64_t)q : (int64_t)q;
}

int64_t __moddi3(int64_t n, int64_t d)
{
	uint64_t r, un = n < 0 ? -(uint64_t)n : (uint64_t)n, ud = d < 0 ? -(uint64_t)d : (uint64_t)d;
	udivmod(un, ud, &r);
	return n < 0 ? -(int64_t)r : (int64_t)r;
}
