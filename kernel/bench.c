/* The benchmark kernel (built with BENCH=1): instead of the self-tests it measures, prints one
 * "bench: <name> <cycles>" line per operation (the median of BENCH_REPS runs) and exits: the
 * frame allocator, the steps of the fault path and the cost of one TLB shootdown from here,
 * then the user program bench_vm
 * (tests/user/bench_vm.c) measures faults, fork and mmap from user mode and prints its own lines
 * the same way. Booted with more than one CPU it measures only what needs them: the shootdown
 * rows, then tests/user/bench_threads.c (first-touch faults from 1, 2 and 4 threads).
 * tests/run-bench.sh turns those lines into a table. Benchmarks assert nothing. */
#include "kernel/bench.h"
#include "kernel/arch.h"
#include "kernel/kprintf.h"
#include "mm/frame.h"
#include "mm/frame_bench.h"
#include "mm/fault_bench.h"
#include "kernel/proc.h"
#include "kernel/smp.h"
#include "mm/addrspace.h"
#include "mm/vm.h"

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

/* Makes ARG (an address space, or NULL) the one this CPU runs (from a cross-CPU call). */
static void bench_activate(void *arg)
{
	addrspace_activate(arg);
}

#define SHOOTDOWN_PAGES 64

/* Stores in *OUT the cycles of one munmap of one populated page of a space that runs on CPUS
 * CPUs (this one and CPUs 1 .. CPUS-1), the median of BENCH_REPS means over SHOOTDOWN_PAGES
 * pages. Returns 0 or an error. */
static int shootdown_cost(unsigned cpus, uint64_t *out)
{
	struct addrspace *as;
	int err = addrspace_create(&as);
	if (err)
		return err;
	addrspace_activate(as);
	for (unsigned i = 1; i < cpus; i++)
		smp_call_on(i, bench_activate, as);
	uint64_t samples[BENCH_REPS];
	for (unsigned r = 0; r < BENCH_REPS && !err; r++) {
		uintptr_t a;
		err = vm_mmap(as, 0, SHOOTDOWN_PAGES * FRAME_SIZE, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, &a);
		uint64_t total = 0;
		for (unsigned k = 0; k < SHOOTDOWN_PAGES && !err; k++) {
			uint8_t one = 1;
			err = vm_space_write(as, a + k * FRAME_SIZE, &one, 1);
			uint64_t t0 = arch_cycles();
			if (!err)
				err = vm_munmap(as, a + k * FRAME_SIZE, FRAME_SIZE);
			total += arch_cycles() - t0;
		}
		samples[r] = total / SHOOTDOWN_PAGES;
	}
	for (unsigned i = 1; i < cpus; i++)
		smp_call_on(i, bench_activate, NULL);
	addrspace_activate(NULL);
	addrspace_destroy(as);
	if (!err)
		*out = median(samples);
	return err;
}

/* The cost of one TLB shootdown: munmap of one page of a space live on this CPU only, then on
 * every CPU (x86: one IPI round to the others; aarch64: broadcast TLBI, no IPI). */
static void bench_shootdown(void)
{
	unsigned counts[2] = { 1, smp_cpu_count() };
	for (unsigned i = 0; i < (counts[1] > 1 ? 2u : 1u); i++) {
		uint64_t cycles;
		int err = shootdown_cost(counts[i], &cycles);
		if (err)
			kprintf("bench: error shootdown on %u CPUs failed (%d)\n", counts[i], err);
		else
			kprintf("bench: shootdown_munmap_live_%ucpu %llu\n", counts[i],
				(unsigned long long)cycles);
	}
}

/* Runs the user-mode benchmark program NAME (tests/user/NAME.c) to its end. */
static void bench_user(const char *name)
{
	int pid = proc_spawn(name);
	int status = -1;
	if (pid < 0 || proc_wait(pid, &status) != pid || status != 0)
		kprintf("bench: error %s failed (pid %d, status %d)\n", name, pid, status);
}

void bench_run_all(void)
{
	kprintf("bench: begin cycles_hz=%llu frames=%llu junk_fill=%d\n",
		(unsigned long long)arch_cycles_hz(), (unsigned long long)frame_count_total(), MM_DEBUG);
	if (smp_cpu_count() > 1) {
		/* the 4-CPU boot of make bench: what needs several CPUs only */
		bench_shootdown();
		bench_user("bench_threads");
	} else {
		bench_frames();
		bench_fault_split();
		bench_shootdown();
		bench_user("bench_vm");
	}
	kprintf("bench: end\n");
}
