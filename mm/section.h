/* Sections: the table that says which frames the kernel owns and where their pageinfo lives.
 * Each section is a run of at most SECTION_MAX_FRAMES physically contiguous frames with its own
 * pageinfo array and free bitmap; the table is sorted by frame number and the sections are
 * disjoint. A frame has a pageinfo exactly when a section covers it.
 *
 * The table is built once at boot by section_build (pure logic, also run on the host), from the
 * memory map, the reserved ranges and a callback that says where the metadata may live; it never
 * changes afterwards (no memory hotplug), so lookups take no lock. */
#ifndef MM_SECTION_H
#define MM_SECTION_H

#include "kernel/compiler.h"
#include "kernel/boot_info.h"
#include "mm/page.h"
#include "mm/pageinfo.h"

/* 32768 frames = 128 MiB per section: a pageinfo array of 256 KiB, a free bitmap of 4 KiB. */
#define SECTION_MAX_FRAMES 32768u
#define SECTION_MAP_WORDS  (SECTION_MAX_FRAMES / 64)     /* free bitmap: 512 words */
#define SECTION_SUM_WORDS  (SECTION_MAP_WORDS / 64)      /* summary of the bitmap: 8 words */

struct section {
	pfn_t base_pfn;              /* first frame */
	uint32_t count;              /* frames, 1..SECTION_MAX_FRAMES */
	uint32_t index;              /* position in the table */
	struct pageinfo *pages;      /* count entries, pages[i] is frame base_pfn + i */

	/* Allocator state, owned by mm/frame.c and protected by its frame_lock. Bit i of free_map
	 * is set when frame base_pfn + i is free (bits past count stay 0); bit j of free_sum is
	 * set when free_map[j] != 0; bit k of free_top when free_sum[k] != 0. */
	uint64_t *free_map;          /* ceil(count / 64) words, in the metadata block */
	uint64_t free_sum[SECTION_SUM_WORDS];
	uint32_t free_top;
	uint32_t free_count;         /* set bits in free_map */
	uint32_t direct_count;       /* frames 0..direct_count-1 are inside the direct map */
	int32_t avail_next;          /* list of sections with free frames: indices, -1 ends */
	int32_t avail_prev;
};

struct section_table {
	struct section *sections;    /* sorted by base_pfn, disjoint */
	uint32_t count;
	pfn_t total_frames;          /* sum of the sections' counts */
	paddr_t meta_base;           /* the metadata block: table, pageinfo arrays, bitmaps */
	size_t meta_size;            /* bytes, a multiple of FRAME_SIZE; 0 when there is none */
};

/* Asked by section_build, lowest candidate first: may SIZE bytes of metadata live at the physical
 * address BASE (frame aligned, inside usable RAM that nothing else uses)? Returns the kernel
 * virtual address at which [BASE, BASE + SIZE) can be accessed, or NULL to refuse (for example
 * because it is outside the direct map). */
typedef void *(*section_meta_map_fn)(void *ctx, paddr_t base, size_t size);

/* Builds TABLE from the memory map MEM (any order; ranges may overlap, non-usable types win over
 * usable) and the RESERVED ranges (usable RAM in use at boot). The owned frames are the whole
 * frames of usable RAM minus the reserved ranges, the non-usable ranges and the metadata block,
 * which is placed at the start of the lowest free run big enough that META_MAP accepts, then
 * zeroed (every pageinfo free, count 0). Returns 0, or -ENOMEM when no place for the metadata was
 * accepted (TABLE is then empty). No memory map leaves TABLE empty and returns 0. */
int section_build(struct section_table *table,
		  const struct boot_mem_range *mem, unsigned mem_count,
		  const struct boot_mem_range *reserved, unsigned reserved_count,
		  section_meta_map_fn meta_map, void *ctx);

/* Returns the section of TABLE containing frame PFN, or NULL; O(log n) binary search. */
struct section *section_find(const struct section_table *table, pfn_t pfn);

/* Makes TABLE the one pageinfo_of and the frame allocator use. Called once at boot before other
 * CPUs run (host tests call it again with new tables). */
void section_table_install(struct section_table *table);

/* Returns the installed table, or NULL before section_table_install. */
struct section_table *section_table_active(void);

/* Returns the pageinfo of the frame containing PADDR, or NULL when the allocator does not own
 * that frame (MMIO, firmware, the kernel image, holes, or no table installed yet). */
struct pageinfo *pageinfo_of(paddr_t paddr);
struct pageinfo *pageinfo_of_pfn(pfn_t pfn);

/* Reverse lookup: stores the frame address of PI (an entry of the installed table) in *PADDR and
 * returns true, or returns false when PI is not an entry of any section. O(log n). */
bool pageinfo_to_paddr(const struct pageinfo *pi, paddr_t *paddr);

#endif
