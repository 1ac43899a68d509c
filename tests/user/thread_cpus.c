/* Threads run on every CPU at once: four threads meet (each spins until all four arrived), then
 * each asks SYS_GETCPU in a loop and marks the CPU in a shared mask, until the mask has four
 * CPUs or each did SPIN_LIMIT calls; none ends before all are done, so every mark was made
 * while all four threads were alive and spinning. Exit status: the number of distinct CPUs seen
 * (the kernel side expects min(4, CPUs online)), or 100 + failed checks. */
#include "tests/user/lib/ulib.h"

#define THREADS     4
#define STACK       (4 * U_PAGE)
#define SPIN_LIMIT  20000

static unsigned arrived, finished, mask, bad_cpu;

/* Returns the number of bits set in M. */
static unsigned bits(unsigned m)
{
	unsigned n = 0;
	for (; m; m &= m - 1)
		n++;
	return n;
}

static U_THREAD_ENTRY void spinner(void *arg)
{
	(void)arg;
	__atomic_fetch_add(&arrived, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&arrived, __ATOMIC_ACQUIRE) < THREADS)
		;                                   /* plain spin: preemption rotates one CPU */
	for (unsigned i = 0; i < SPIN_LIMIT; i++) {
		long cpu = u_getcpu();
		if (cpu < 0 || cpu >= 32) {
			__atomic_store_n(&bad_cpu, 1, __ATOMIC_RELAXED);
			break;
		}
		__atomic_fetch_or(&mask, 1u << cpu, __ATOMIC_SEQ_CST);
		if (bits(__atomic_load_n(&mask, __ATOMIC_ACQUIRE)) >= THREADS)
			break;
	}
	__atomic_fetch_add(&finished, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&finished, __ATOMIC_ACQUIRE) < THREADS)
		;                                   /* stay alive until all are done */
	u_thread_exit(0);
}

int user_main(void)
{
	long tids[THREADS];
	for (unsigned i = 0; i < THREADS; i++) {
		void *top = u_thread_stack(STACK);
		U_EXPECT_EQ(top != NULL, 1);
		tids[i] = top ? u_thread_create(spinner, top, NULL) : -1;
		U_EXPECT_EQ(tids[i] > 0, 1);
	}
	for (unsigned i = 0; i < THREADS; i++) {
		int status = -1;
		if (tids[i] > 0) {
			U_EXPECT_EQ(u_thread_join(tids[i], &status), 0);
			U_EXPECT_EQ(status, 0);
		}
	}
	U_EXPECT_EQ(bad_cpu, 0);
	U_EXPECT_EQ(finished, THREADS);
	u_printf("    # thread_cpus: %u distinct CPUs (mask %#x)\n", bits(mask), mask);
	return u_failures() ? 100 + u_failures() : (int)bits(mask);
}
