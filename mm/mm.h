/* Bringing up the memory subsystem at boot. */
#ifndef MM_MM_H
#define MM_MM_H

#include "kernel/boot_info.h"
#include "mm/section.h"

/* Builds the section table from BI (usable RAM minus BI's reserved ranges and the metadata
 * itself), installs it, starts the frame allocator over it and prints one line such as
 * "mm: 5 sections, 1048576 frames (4096 MiB), PageInfo 8 B, overhead 8192 KiB". Called once by
 * kernel_main, after the arch has its direct map (arch_phys_to_virt) and before anything
 * allocates a frame. Panics when the metadata finds no place in the direct map. */
void mm_init(struct boot_info *bi);

/* The table mm_init built (for the self-tests); empty before mm_init. */
extern struct section_table mm_sections;

/* Returns whether any byte of [BASE, BASE + SIZE) is usable RAM according to the memory map
 * mm_init was given (the allocator's frames, but also the kernel image, boot modules and the
 * frame metadata, which have no pageinfo). Device mappings refuse such ranges. */
bool mm_phys_is_ram(paddr_t base, paddr_t size);

#endif
