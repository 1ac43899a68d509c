/* A building block for `make bench`: the cost of frame allocation, in ticks of a clock the caller
 * supplies (the benchmark kernel passes the arch cycle counter). Not a test: it checks nothing
 * beyond leaving the allocator as it found it. */
#ifndef MM_FRAME_BENCH_H
#define MM_FRAME_BENCH_H

#include "kernel/compiler.h"

#define FRAME_BENCH_BATCH  64u     /* allocations in flight per round */
#define FRAME_BENCH_ROUNDS 64u     /* rounds averaged over */

struct frame_bench_result {
	uint64_t alloc_one;          /* ticks per frame_alloc */
	uint64_t free_one;           /* ticks per frame_free */
	uint64_t alloc_contig16;     /* ticks per frame_alloc_contig(16, 16), i.e. per 16 frames */
	uint64_t free_contig16;      /* ticks per frame_free_contig of a 16-frame run */
	bool junk_fill;              /* MM_DEBUG: every freed frame was also filled (4 KiB write) */
};

/* Measures FRAME_BENCH_ROUNDS rounds of FRAME_BENCH_BATCH allocations then as many frees, for
 * single frames and for aligned 16-frame runs, with CLOCK (monotonic ticks). Needs
 * 16 * FRAME_BENCH_BATCH free frames. Returns 0, or -ENOMEM when the allocator ran out (the free
 * count is restored either way). */
int frame_bench_run(uint64_t (*clock)(void), struct frame_bench_result *res);

/* Prints RES as "bench: ..." lines on the console. */
void frame_bench_print(const struct frame_bench_result *res);

#endif
