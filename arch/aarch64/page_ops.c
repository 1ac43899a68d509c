/* Zeroing and copying whole frames for aarch64 (the page-contents part of mm/arch_mmu.h): the
 * direct map covers all RAM, so an allocator frame is at DIRECT_MAP_BASE + its address, and the
 * work is done by arch_page_zero (`dc zva`) and arch_page_copy in lib.S. */
#include "mm/arch_mmu.h"
#include "kernel/panic.h"
#include "arch/aarch64/memlayout.h"

/* Returns the direct-map address of allocator frame FRAME (page aligned, else a panic). */
static void *frame_address(paddr_t frame)
{
	if (!IS_ALIGNED(frame, (paddr_t)FRAME_SIZE))
		panic("frame %#llx is not page aligned", (unsigned long long)frame);
	return (void *)(uintptr_t)(DIRECT_MAP_BASE + frame);
}

void arch_frame_zero(paddr_t frame)
{
	arch_page_zero(frame_address(frame));
}

void arch_frame_copy(paddr_t dst, paddr_t src)
{
	if (dst == src)
		panic("frame %#llx copied onto itself", (unsigned long long)dst);
	arch_page_copy(frame_address(dst), frame_address(src));
}
