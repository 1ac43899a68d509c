/* The benchmark kernel (built with BENCH=1): instead of the self-tests it measures, prints one
 * "bench: <name> <cycles>" line per operation (the median of BENCH_REPS runs) and exits.
 * tests/run-bench.sh turns those lines into a table. Benchmarks assert nothing. */
#include "kernel/bench.h"
#include "kernel/arch.h"
#include "kernel/kprintf.h"
#include "mm/frame.h"
#include "mm/frame_bench.h"

#define BENCH_REPS 5

/* Sorts the BENCH_REPS samples in place and returns the middle one. */
static uint64_t median(uint64_t *v)
{
	for (unsigned i = 1; i < BENCH_REPS; i++)
		for (unsigned j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return v[BENCH_REPS / 2];
}

static void bench_frames(void)
{
	uint64_t alloc[BENCH_REPS], free_[BENCH_REPS], alloc16[BENCH_REPS], free16[BENCH_REPS];
	for (unsigned r = 0; r < BENCH_REPS; r++) {
		struct frame_bench_result res;
		if (frame_bench_run(arch_cycles, &res)) {
			kprintf("bench: frame allocator ran out of memory\n");
			return;
		}
		alloc[r] = res.alloc_one;
		free_[r] = res.free_one;
		alloc16[r] = res.alloc_contig16;
		free16[r] = res.free_contig16;
	}
	kprintf("bench: frame_alloc %llu\n", (unsigned long long)median(alloc));
	kprintf("bench: frame_free %llu\n", (unsigned long long)median(free_));
	kprintf("bench: frame_alloc_contig16 %llu\n", (unsigned long long)median(alloc16));
	kprintf("bench: frame_free_contig16 %llu\n", (unsigned long long)median(free16));
}

void bench_run_all(void)
{
	kprintf("bench: begin cycles_hz=%llu frames=%llu junk_fill=%d\n",
		(unsigned long long)arch_cycles_hz(), (unsigned long long)frame_count_total(), MM_DEBUG);
	bench_frames();
	kprintf("bench: end\n");
}
