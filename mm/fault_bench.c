/* The fault-path breakdown benchmark (mm/fault_bench.h). The scratch address space is never
 * activated, so entries can be removed and written back without TLB flushes: no TLB ever held
 * them. */
#include "mm/fault_bench.h"
#include "mm/vm_internal.h"
#include "mm/vm.h"
#include "mm/frame.h"
#include "mm/pageinfo.h"
#include "mm/section.h"
#include "kernel/errno.h"
#include "kernel/panic.h"

#define BATCH 64u
static paddr_t batch_pa[BATCH];

/* Times steps taken alone over the PAGES populated pages at BASE of AS. */
static void time_steps_locked(uint64_t (*clock)(void), struct addrspace *as, uintptr_t base,
			      size_t pages, struct fault_bench_result *res)
{
	spin_assert_held(&as->lock);
	uintptr_t end = base + pages * FRAME_SIZE;
	unsigned found = 0;
	uint64_t t0 = clock();
	for (uintptr_t va = base; va < end; va += FRAME_SIZE)
		found += grant_tree_find(&as->grants, va) != NULL;
	uint64_t t1 = clock();
	unsigned flags = 0;
	for (uintptr_t va = base; va < end; va += FRAME_SIZE)
		found += arch_mmu_query(&as->mmu, va, NULL, &flags);
	uint64_t t2 = clock();
	res->grant_lookup = (t1 - t0) / pages;
	res->pte_query = (t2 - t1) / pages;

	unsigned map_flags = grant_mmu_flags(grant_tree_find(&as->grants, base));
	uint64_t map_ticks = 0;
	for (uintptr_t va = base; va < end; va += BATCH * FRAME_SIZE) {
		for (unsigned i = 0; i < BATCH; i++)
			arch_mmu_unmap(&as->mmu, va + i * FRAME_SIZE, &batch_pa[i]);
		uint64_t m0 = clock();
		for (unsigned i = 0; i < BATCH; i++)
			if (unlikely(arch_mmu_map(&as->mmu, va + i * FRAME_SIZE, batch_pa[i], map_flags)))
				panic("fault_bench: remap va=%#lx failed although its table exists",
				      (unsigned long)(va + i * FRAME_SIZE));
		map_ticks += clock() - m0;
	}
	res->pte_map = map_ticks / pages;

	/* what the path does with a new frame's pageinfo: three lookups, the type, the count
	 * read by vm_entry_flags and the entry's reference (dropped again untimed) */
	uint64_t pi_ticks = 0;
	for (uintptr_t va = base; va < end; va += BATCH * FRAME_SIZE) {
		for (unsigned i = 0; i < BATCH; i++)
			arch_mmu_query(&as->mmu, va + i * FRAME_SIZE, &batch_pa[i], NULL);
		uint64_t p0 = clock();
		for (unsigned i = 0; i < BATCH; i++) {
			pageinfo_set_type(pageinfo_of(batch_pa[i]), PAGEINFO_USER, 0);
			found += pageinfo_refcount(pageinfo_of(batch_pa[i]));
			found += pageinfo_try_get(pageinfo_of(batch_pa[i]));
		}
		pi_ticks += clock() - p0;
		for (unsigned i = 0; i < BATCH; i++)
			pageinfo_put(pageinfo_of(batch_pa[i]));
	}
	res->pageinfo = pi_ticks / pages;
	(void)found;
}

static struct spinlock bench_lock = SPINLOCK_INIT("fault_bench");

/* Times PAGES lock + unlock pairs of a spinlock with interrupts masked, as vm_fault takes one. */
static void time_lock(uint64_t (*clock)(void), size_t pages, struct fault_bench_result *res)
{
	uint64_t t0 = clock();
	for (size_t i = 0; i < pages; i++) {
		unsigned long irq = spin_lock_irqsave(&bench_lock);
		spin_unlock_irqrestore(&bench_lock, irq);
	}
	res->lock = (clock() - t0) / pages;
}

/* Times frame allocation and zeroing over PAGES frames, BATCH at a time. */
static int time_frames(uint64_t (*clock)(void), size_t pages, struct fault_bench_result *res)
{
	uint64_t alloc_ticks = 0, zero_ticks = 0;
	for (size_t done = 0; done < pages; done += BATCH) {
		unsigned n = 0;
		int err = 0;
		uint64_t t0 = clock();
		for (; n < BATCH && !err; n++)
			err = frame_alloc_flags(FRAME_HIGH, &batch_pa[n]);
		uint64_t t1 = clock();
		if (err)
			n--;
		for (unsigned i = 0; i < n; i++)
			arch_frame_zero(batch_pa[i]);
		uint64_t t2 = clock();
		for (unsigned i = 0; i < n; i++)
			frame_free(batch_pa[i]);
		if (err)
			return err;
		alloc_ticks += t1 - t0;
		zero_ticks += t2 - t1;
	}
	res->frame_alloc = alloc_ticks / pages;
	res->zero = zero_ticks / pages;
	return 0;
}

int fault_bench_run(uint64_t (*clock)(void), size_t pages, struct fault_bench_result *res)
{
	*res = (struct fault_bench_result){ 0 };
	if (pages == 0 || pages % BATCH)
		return -EINVAL;
	struct addrspace *as;
	int err = addrspace_create(&as);
	if (err)
		return err;
	uintptr_t base;
	err = vm_mmap(as, 0, pages * FRAME_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		      &base);
	if (!err) {
		uint64_t t0 = clock();
		for (size_t i = 0; i < pages && !err; i++)
			err = vm_fault(as, base + i * FRAME_SIZE, VM_ACCESS_WRITE);
		uint64_t t1 = clock();
		res->vm_fault = (t1 - t0) / pages;
	}
	if (!err) {
		unsigned long irq = spin_lock_irqsave(&as->lock);
		time_steps_locked(clock, as, base, pages, res);
		spin_unlock_irqrestore(&as->lock, irq);
	}
	addrspace_destroy(as);
	if (!err)
		err = time_frames(clock, pages, res);
	if (!err)
		time_lock(clock, pages, res);
	return err;
}
