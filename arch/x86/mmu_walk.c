/* The two walks over an x86 user address space of mm/arch_mmu.h: every present leaf in address
 * order (arch_mmu_walk) and every page-table frame (arch_mmu_walk_tables). They hold at most one
 * table mapped at a time (a kmap slot on i686 when the table is above the direct map), so the
 * callbacks keep the rest of the kmap slots for themselves. */
#include "mmu.h"
#include "kernel/panic.h"

/* Visits the present leaves of [START, END) in address order, one page table at a time. */
void arch_mmu_walk(struct mmu_space *space, uintptr_t start, uintptr_t end, mmu_walk_fn fn, void *ctx)
{
	uint64_t va = ALIGN_UP((uint64_t)start, (uint64_t)X86_PAGE_SIZE);
	uint64_t stop = MIN((uint64_t)end, (uint64_t)X86_USER_TOP);
	while (va < stop) {
		/* Down to the leaf table of VA, skipping a whole absent subtree at once. */
		paddr_t t = space->root;
		unsigned l = X86_MMU_TOP_LEVEL;
		for (; l > 0; l--) {
			x86_pte_t e = x86_table_read(t, x86_level_index(va, l));
			if (!(e & X86_PTE_P))
				break;
			if (e & X86_PTE_PS)
				panic("arch_mmu_walk: large page at %#llx", (unsigned long long)va);
			t = e & X86_PTE_ADDR_MASK;
		}
		uint64_t span = 1ull << x86_level_shift(l);
		uint64_t next = ALIGN_DOWN(va, span) + span;   /* never wraps: va < 2^47 or 2^32 */
		if (l > 0) {
			va = next;
			continue;
		}
		next = ALIGN_DOWN(va, 1ull << x86_level_shift(1)) + (1ull << x86_level_shift(1));
		x86_pte_t *pt = x86_table_map(t);
		for (; va < stop && va < next; va += X86_PAGE_SIZE) {
			x86_pte_t e = ((volatile x86_pte_t *)pt)[x86_level_index(va, 0)];
			if (e & X86_PTE_P)
				fn(ctx, (uintptr_t)va, e & X86_PTE_ADDR_MASK, x86_pte_to_mmu_flags(e));
		}
		x86_table_unmap(pt);
	}
}

/* Reports the level-LEVEL table at PA and, below it, every table its first COUNT entries lead to. */
static void walk_tables(paddr_t pa, unsigned level, unsigned count, mmu_table_fn fn, void *ctx)
{
	fn(ctx, pa, level);
	if (level == 0)
		return;
	for (unsigned i = 0; i < count; i++) {
		x86_pte_t e = x86_table_read(pa, i);
		if (!(e & X86_PTE_P))
			continue;
		if (e & X86_PTE_PS)
			panic("arch_mmu_walk_tables: large page in table %#llx", (unsigned long long)pa);
		walk_tables(e & X86_PTE_ADDR_MASK, level - 1, X86_PT_ENTRIES, fn, ctx);
	}
}

/* Reports the root, then depth-first every table under the user entries of the root. */
void arch_mmu_walk_tables(struct mmu_space *space, mmu_table_fn fn, void *ctx)
{
	walk_tables(space->root, X86_MMU_TOP_LEVEL, X86_ROOT_USER_ENTRIES, fn, ctx);
}
