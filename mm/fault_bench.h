/* A building block for `make bench`: where the cycles of a first-touch write fault go inside the
 * kernel, in ticks of a clock the caller supplies. vm_fault is called directly (no trap) for a
 * write to every page of a fresh private mapping of a scratch address space; then each step that
 * path takes is timed on its own over as many pages: the grant lookup, the frame allocation, the
 * zeroing (kmap + 4 KiB memset + kunmap), the entry write (arch_mmu_map into existing tables), an
 * entry query (the path makes two: before, and the post-check), the pageinfo work on the new
 * frame and the address-space lock. vm_fault minus their sum is calls, checks and page-table
 * allocation; the user-measured fault minus vm_fault is the trap entry and exit. Not a test: it
 * checks nothing beyond leaving memory as it found it. */
#ifndef MM_FAULT_BENCH_H
#define MM_FAULT_BENCH_H

#include "kernel/compiler.h"

struct fault_bench_result {
	uint64_t vm_fault;       /* ticks per vm_fault (write, fresh page; page tables amortized) */
	uint64_t grant_lookup;   /* per grant_tree_find */
	uint64_t frame_alloc;    /* per frame_alloc_flags(FRAME_HIGH, ...) */
	uint64_t zero;           /* per kmap_frame + 4 KiB memset + kunmap_frame */
	uint64_t pte_map;        /* per arch_mmu_map into an existing table */
	uint64_t pte_query;      /* per arch_mmu_query of a present entry */
	uint64_t pageinfo;       /* per frame: 3 pageinfo_of, set_type, refcount, try_get */
	uint64_t lock;           /* per spin_lock_irqsave + spin_unlock_irqrestore */
};

/* Measures the above over PAGES pages (a multiple of 64) with CLOCK. Needs PAGES free frames
 * plus page tables. Returns 0 or -ENOMEM (everything it took is given back either way). */
int fault_bench_run(uint64_t (*clock)(void), size_t pages, struct fault_bench_result *res);

#endif
