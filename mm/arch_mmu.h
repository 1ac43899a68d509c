/* The MMU half of the arch contract: every function an arch must provide to the arch-neutral mm
 * code. (The CPU half is kernel/arch.h.) Each arch implements this header once, under arch/; mm/
 * never touches a page-table bit or a mapping itself.
 *
 * First entries only: access to frame contents. Still to come here: map/unmap/protect/query a
 * page-table entry, TLB flushes (page, range, all), switching address spaces, creating and
 * destroying a page-table root, cache attributes (WB/UC/WC).
 *
 * This header stays free of arch types so that the pure-logic mm code which includes it also
 * builds on the host (tests/host/fake_ram.c implements it over a buffer there). */
#ifndef MM_ARCH_MMU_H
#define MM_ARCH_MMU_H

#include "kernel/compiler.h"
#include "mm/page.h"

/* ---- The direct map ----
 * A fixed kernel mapping of physical memory, linear from some base. On x86_64 and aarch64 it
 * covers all RAM; on i686 it cannot (1 GiB of kernel address space), so it covers only RAM below
 * a limit the arch chooses, and the rest is reached through kmap_frame. */

/* Returns whether the byte at PADDR is inside the direct map. Callable at any time after the
 * arch has set up its kernel page tables (before mm_init). */
bool arch_phys_in_direct_map(paddr_t paddr);

/* Returns the direct-map virtual address of PADDR; PADDR must be inside the direct map
 * (arch_phys_in_direct_map), anything else is a kernel bug the arch may panic on. */
void *arch_phys_to_virt(paddr_t paddr);

/* ---- Temporary mappings of one frame ----
 * kmap_frame(FRAME) returns a kernel virtual address at which the 4 KiB frame at FRAME (frame
 * aligned) can be read and written, for any frame of RAM, inside the direct map or not. For a
 * frame inside the direct map it may simply return the direct-map address. Other frames get a
 * per-CPU mapping slot: mappings nest (at most 4 deep, released in reverse order) and the caller
 * must stay on this CPU, with no sleeping, until it calls kunmap_frame with exactly the address
 * it got. Neither function fails or allocates memory. */
void *kmap_frame(paddr_t frame);
void kunmap_frame(void *vaddr);

#endif
