/* Frames: the unit of physical memory the allocator hands out, and frame numbers. Pure
 * definitions, shared by the kernel and the host builds of the pure-logic mm code. */
#ifndef MM_PAGE_H
#define MM_PAGE_H

#include "kernel/compiler.h"

/* Every arch uses 4 KiB frames (aarch64 runs with the 4 KiB translation granule). Called FRAME_*
 * rather than PAGE_* so that an arch_types.h defining its own PAGE_SIZE does not collide. */
#define FRAME_SHIFT 12
#define FRAME_SIZE  ((size_t)1 << FRAME_SHIFT)

/* A frame number: a physical address shifted right by FRAME_SHIFT. 64-bit everywhere, because
 * physical addresses are (i686 with PAE reaches above 4 GiB). */
typedef uint64_t pfn_t;

/* The highest physical address the mm code considers at all (52 bits is the architectural limit
 * on both x86_64 and aarch64); memory map entries above it are ignored. Keeps every end address
 * computation far from 64-bit overflow. */
#define PHYS_LIMIT ((paddr_t)1 << 52)

static inline pfn_t paddr_to_pfn(paddr_t paddr)
{
	return paddr >> FRAME_SHIFT;
}

static inline paddr_t pfn_to_paddr(pfn_t pfn)
{
	return (paddr_t)pfn << FRAME_SHIFT;
}

#endif
