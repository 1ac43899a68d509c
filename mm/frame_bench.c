/* The frame allocator benchmark (mm/frame_bench.h). Averages with shifts: 64-bit division would
 * need libgcc on i686. */
#include "mm/frame_bench.h"
#include "mm/frame.h"
#include "kernel/errno.h"
#include "kernel/kprintf.h"

#define OPS_SHIFT 12                /* log2(FRAME_BENCH_BATCH * FRAME_BENCH_ROUNDS) */
_Static_assert(FRAME_BENCH_BATCH * FRAME_BENCH_ROUNDS == 1u << OPS_SHIFT, "averaging by shift");

static paddr_t bench_frames[FRAME_BENCH_BATCH];

/* Runs the rounds for runs of COUNT frames (1 or 16), adding ticks to *ALLOC_TICKS and
 * *FREE_TICKS; returns 0 or -ENOMEM. Everything it allocated is freed before it returns. */
static int bench_runs(uint64_t (*clock)(void), size_t count, uint64_t *alloc_ticks,
		      uint64_t *free_ticks)
{
	for (unsigned r = 0; r < FRAME_BENCH_ROUNDS; r++) {
		unsigned n = 0;
		int err = 0;
		uint64_t t0 = clock();
		for (; n < FRAME_BENCH_BATCH; n++) {
			err = count == 1 ? frame_alloc(&bench_frames[n])
					 : frame_alloc_contig(count, count, &bench_frames[n]);
			if (err)
				break;
		}
		uint64_t t1 = clock();
		for (unsigned i = 0; i < n; i++) {
			if (count == 1)
				frame_free(bench_frames[i]);
			else
				frame_free_contig(bench_frames[i], count);
		}
		uint64_t t2 = clock();
		if (err)
			return err;
		*alloc_ticks += t1 - t0;
		*free_ticks += t2 - t1;
	}
	return 0;
}

int frame_bench_run(uint64_t (*clock)(void), struct frame_bench_result *res)
{
	*res = (struct frame_bench_result){ .junk_fill = MM_DEBUG };
	int err = bench_runs(clock, 1, &res->alloc_one, &res->free_one);
	if (!err)
		err = bench_runs(clock, 16, &res->alloc_contig16, &res->free_contig16);
	res->alloc_one >>= OPS_SHIFT;
	res->free_one >>= OPS_SHIFT;
	res->alloc_contig16 >>= OPS_SHIFT;
	res->free_contig16 >>= OPS_SHIFT;
	return err;
}

void frame_bench_print(const struct frame_bench_result *res)
{
	kprintf("bench: frame_alloc %llu ticks/frame, frame_free %llu ticks/frame%s\n",
		(unsigned long long)res->alloc_one, (unsigned long long)res->free_one,
		res->junk_fill ? " (MM_DEBUG junk fill on)" : "");
	kprintf("bench: frame_alloc_contig(16) %llu ticks/run (%llu/frame), frame_free_contig %llu "
		"ticks/run (%llu/frame)\n",
		(unsigned long long)res->alloc_contig16, (unsigned long long)(res->alloc_contig16 >> 4),
		(unsigned long long)res->free_contig16, (unsigned long long)(res->free_contig16 >> 4));
}
