/* Taking references in the loops of copy-on-write page tables (COW_PT, the mmu_share.c of each
 * arch): fork adds one reference per 2 MiB span it shares to the leaf table, and the first write
 * under a shared table adds one to each frame of the table it copies, so these are the inner
 * steps of a fork and of that write, kept to a section range check (the section of the previous
 * frame kept by the caller) and one atomic operation. The rules of the counts are in
 * mm/pageinfo.h and mm/arch_mmu.h. */
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

/* Loads CACHE with the section of frame number PFN; returns false when no section holds it. */
static inline bool table_ref_fill(struct table_ref_cache *cache, unsigned long pfn)
{
	struct section *s = section_table_active() ? section_find(section_table_active(), pfn) : NULL;
	if (s)
		*cache = (struct table_ref_cache){ (unsigned long)s->base_pfn, s->count, s->pages };
	return s != NULL;
}

/* Adds the reference of one more leaf entry to the frame at frame number PFN (a leaf table being
 * copied); a count going from 1 to 2 becomes copy-on-write (mode bit cleared in the same step,
 * the rule of mm/pageinfo.h). Frames without a pageinfo (device pages) take none. Panics on a
 * frame without references or at the limit. Needs no lock. */
static inline void frame_ref_get_cow(struct table_ref_cache *cache, unsigned long pfn)
{
	if (unlikely(pfn - cache->base >= cache->count) && !table_ref_fill(cache, pfn))
		return;
	struct pageinfo *pi = &cache->pages[pfn - cache->base];
	uint32_t old = atomic_load_explicit(&pi->refcount, memory_order_relaxed), new;
	do {
		uint32_t count = old & PAGEINFO_COUNT_MASK;
		if (unlikely(count - 1 >= PAGEINFO_COUNT_MAX - 1))
			panic("mapped frame number %#lx has count %u", pfn, (unsigned)count);
		new = (count == 1 ? count : old) + 1;
	} while (!atomic_compare_exchange_weak_explicit(&pi->refcount, &old, new,
							memory_order_relaxed, memory_order_relaxed));
}

/* Adds the reference of one more upper entry to the leaf table at PA, which must be a leaf
 * table already referenced (by the entry being copied); panics otherwise. Needs no lock. */
static inline void table_ref_get(struct table_ref_cache *cache, paddr_t pa)
{
	/* A word holds the frame number on every arch (i686: 32 bits reach 16 TiB, PAE RAM ends at
	 * 64 GiB), so the hit path needs no 64-bit arithmetic on i686. */
	unsigned long pfn = (unsigned long)paddr_to_pfn(pa);
	if (unlikely(pfn - cache->base >= cache->count) && !table_ref_fill(cache, pfn))
		panic("table at frame number %#lx has no pageinfo", pfn);
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
