/* Taking references on shared leaf page tables in a loop (COW_PT, the mmu_share.c of each
 * arch): fork adds one reference per 2 MiB span it shares, so this is the inner step of a fork,
 * kept to a section range check, one load and one atomic add. The rules of a table's refcount
 * are in mm/pageinfo.h and mm/arch_mmu.h. */
#ifndef MM_TABLE_REF_H
#define MM_TABLE_REF_H

#include "mm/section.h"
#include "kernel/panic.h"

/* The section of the last table referenced, by value so that a loop keeps it in registers:
 * consecutive tables mostly lie in one section (128 MiB). Start it with TABLE_REF_CACHE_INIT
 * (no section: the first lookup misses). */
struct table_ref_cache {
	unsigned long base;              /* frame numbers in a word: see table_ref_get */
	unsigned long count;
	struct pageinfo *pages;
};
#define TABLE_REF_CACHE_INIT { 0, 0, NULL }

/* Adds the reference of one more upper entry to the leaf table at PA, which must be a leaf
 * table already referenced (by the entry being copied); panics otherwise. Needs no lock. */
static inline void table_ref_get(struct table_ref_cache *cache, paddr_t pa)
{
	/* A word holds the frame number on every arch (i686: 32 bits reach 16 TiB, PAE RAM ends at
	 * 64 GiB), so the hit path needs no 64-bit arithmetic on i686. */
	unsigned long pfn = (unsigned long)paddr_to_pfn(pa);
	if (unlikely(pfn - cache->base >= cache->count)) {
		struct section *s = section_table_active() ?
				    section_find(section_table_active(), pfn) : NULL;
		if (unlikely(!s))
			panic("table at frame number %#lx has no pageinfo", pfn);
		*cache = (struct table_ref_cache){ (unsigned long)s->base_pfn, s->count, s->pages };
	}
	struct pageinfo *pi = &cache->pages[pfn - cache->base];
	uint32_t flags = atomic_load_explicit(&pi->flags, memory_order_relaxed);
	uint32_t old = atomic_fetch_add_explicit(&pi->refcount, 1, memory_order_relaxed);
	/* A table's mode bit is never set, so one compare finds a free table (count 0 wraps), an
	 * overflow and a stray mode bit. */
	if (unlikely((flags & (PAGEINFO_TYPE_MASK | PAGEINFO_LEVEL_MASK)) != PAGEINFO_PAGE_TABLE ||
		     old - 1 >= PAGEINFO_COUNT_MAX - 1))
		panic("frame number %#lx (flags %#x, count %#x) is not a linked leaf table", pfn,
		      (unsigned)flags, (unsigned)old);
}

#endif
