/* The x86 implementation of the frame-access part of mm/arch_mmu.h: the direct map built by
 * arch/x86/paging.c, and temporary mappings of frames outside it (RAM above 768 MiB on i686) in
 * X86_KMAP_SLOTS pages at X86_KMAP_BASE, used as a stack. */
#include "mm/arch_mmu.h"
#include "kernel/panic.h"
#include "paging.h"

/* Slots in use; one CPU today (SMP will make this per-CPU). Changed only by the innermost
 * kmap_frame / kunmap_frame pair, so an interrupt that nests its own pair leaves it as it was. */
static unsigned kmap_depth;

bool arch_phys_in_direct_map(paddr_t paddr)
{
	return paddr < X86_DIRECT_MAP_LIMIT && x86_paging_lookup(X86_DIRECT_MAP_BASE + paddr) != 0;
}

void *arch_phys_to_virt(paddr_t paddr)
{
	if (paddr >= X86_DIRECT_MAP_LIMIT)
		panic("%#llx is beyond the direct map", (unsigned long long)paddr);
	return x86_phys_to_virt(paddr);
}

/* Maps FRAME into the next free kmap slot and returns the slot's address. */
void *x86_kmap_slot(paddr_t frame)
{
	if (kmap_depth == X86_KMAP_SLOTS)
		panic("more than %u nested mappings", X86_KMAP_SLOTS);
	unsigned slot = kmap_depth++;
	uintptr_t va = X86_KMAP_BASE + slot * X86_PAGE_SIZE;
	*x86_kmap_pte(slot) = frame | X86_PTE_P | X86_PTE_RW | x86_pte_nx;
	x86_invlpg(va);
	return (void *)va;
}

void *kmap_frame(paddr_t frame)
{
	if (!IS_ALIGNED(frame, (paddr_t)X86_PAGE_SIZE))
		panic("frame %#llx is not page aligned", (unsigned long long)frame);
	if (arch_phys_in_direct_map(frame))
		return x86_phys_to_virt(frame);
	return x86_kmap_slot(frame);
}

void kunmap_frame(void *vaddr)
{
	uintptr_t va = (uintptr_t)vaddr;
	if (va < X86_KMAP_BASE || va >= X86_KMAP_BASE + X86_KMAP_SLOTS * X86_PAGE_SIZE)
		return;                             /* a direct-map address: nothing to undo */
	unsigned slot = (unsigned)((va - X86_KMAP_BASE) / X86_PAGE_SIZE);
	if (!IS_ALIGNED(va, X86_PAGE_SIZE) || slot + 1 != kmap_depth)
		panic("%p is not the innermost kmap (depth %u)", vaddr, kmap_depth);
	*x86_kmap_pte(slot) = 0;
	x86_invlpg(va);
	kmap_depth--;
}
