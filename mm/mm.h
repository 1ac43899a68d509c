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

#endif
