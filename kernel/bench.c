/* The benchmark kernel (built with BENCH=1): instead of the self-tests it measures, prints one
 * "bench: <name> <cycles>" line per operation (the median of BENCH_REPS runs) and exits: the
 * frame allocator and the steps of the fault path from here, then the user program bench_vm
 * (tests/user/bench_vm.c) measures faults, fork and mmap from user mode and prints its own lines
 * the same way. tests/run-bench.sh turns those lines into a table. Benchmarks assert nothing. */
#include "kernel/bench.h"
#include "kernel/arch.h"
#include "kernel/kprintf.h"
#include "mm/frame.h"
#include "mm/frame_bench.h"
#include "mm/fault_bench.h"
#include "kernel/proc.h"

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
			kprintf("bench: error frame allocator ran out of memory\n");
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

/* The fault path's steps (mm/fault_bench.h) over 64 MiB, or a quarter of free RAM if less. */
static void bench_fault_split(void)
{
	size_t pages = MIN((size_t)16384, (size_t)(frame_count_free() / 4) & ~(size_t)63);
	uint64_t fault[BENCH_REPS], lookup[BENCH_REPS], alloc[BENCH_REPS], zero[BENCH_REPS],
		 map[BENCH_REPS], query[BENCH_REPS], pi[BENCH_REPS], lock[BENCH_REPS];
	for (unsigned r = 0; r < BENCH_REPS; r++) {
		struct fault_bench_result res;
		int err = fault_bench_run(arch_cycles, pages, &res);
		if (err) {
			kprintf("bench: error fault path breakdown failed (%d)\n", err);
			return;
		}
		fault[r] = res.vm_fault;
		lookup[r] = res.grant_lookup;
		alloc[r] = res.frame_alloc;
		zero[r] = res.zero;
		map[r] = res.pte_map;
		query[r] = res.pte_query;
		pi[r] = res.pageinfo;
		lock[r] = res.lock;
	}
	kprintf("bench: kfault_vm_fault %llu\n", (unsigned long long)median(fault));
	kprintf("bench: kfault_grant_lookup %llu\n", (unsigned long long)median(lookup));
	kprintf("bench: kfault_frame_alloc %llu\n", (unsigned long long)median(alloc));
	kprintf("bench: kfault_zero_4k %llu\n", (unsigned long long)median(zero));
	kprintf("bench: kfault_pte_map %llu\n", (unsigned long long)median(map));
	kprintf("bench: kfault_pte_query %llu\n", (unsigned long long)median(query));
	kprintf("bench: kfault_pageinfo %llu\n", (unsigned long long)median(pi));
	kprintf("bench: kfault_lock %llu\n", (unsigned long long)median(lock));
}

/* Runs the user-mode benchmarks (tests/user/bench_vm.c) to their end. */
static void bench_user(void)
{
	int pid = proc_spawn("bench_vm");
	int status = -1;
	if (pid < 0 || proc_wait(pid, &status) != pid || status != 0)
		kprintf("bench: error bench_vm failed (pid %d, status %d)\n", pid, status);
}

void bench_run_all(void)
{
	kprintf("bench: begin cycles_hz=%llu frames=%llu junk_fill=%d\n",
		(unsigned long long)arch_cycles_hz(), (unsigned long long)frame_count_total(), MM_DEBUG);
	bench_frames();
	bench_fault_split();
	bench_user();
	kprintf("bench: end\n");
}
