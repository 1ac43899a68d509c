/* The MMU half of the arch contract (mm/arch_mmu.h) for aarch64, first part: the direct map,
 * which boot_paging.c built over every RAM range of the UEFI memory map at DIRECT_MAP_BASE, so
 * every frame of RAM is always mapped and kmap_frame needs no temporary slots. The user address
 * spaces are in mmu_space.c (tables) and tlb.c (ASIDs, activation, TLB flushes). */
#include "mm/arch_mmu.h"
#include "kernel/panic.h"
#include "arch/aarch64/boot.h"
#include "arch/aarch64/memlayout.h"

bool arch_phys_in_direct_map(paddr_t paddr)
{
	const struct aarch64_direct_map *dm = &aarch64_direct_map;
	for (unsigned i = 0; i < dm->count; i++)
		if (dm->range[i].base <= paddr && paddr < dm->range[i].end)
			return true;
	return false;
}

void *arch_phys_to_virt(paddr_t paddr)
{
	if (!arch_phys_in_direct_map(paddr))
		panic("physical address %#llx is not RAM in the direct map", (unsigned long long)paddr);
	return (void *)(uintptr_t)(DIRECT_MAP_BASE + paddr);
}

void *kmap_frame(paddr_t frame)
{
	kassert(IS_ALIGNED(frame, FRAME_SIZE));
	return arch_phys_to_virt(frame);
}

void kunmap_frame(void *vaddr)
{
	uintptr_t va = (uintptr_t)vaddr;
	kassert(va >= DIRECT_MAP_BASE && arch_phys_in_direct_map(va - DIRECT_MAP_BASE));
}
