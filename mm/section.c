/* Building and searching the section table (mm/section.h). Pure logic: also built and tested on
 * the host, where the metadata callback hands out a plain buffer.
 *
 * How the owned frames are found: a frame is owned when the union of the usable ranges covers it
 * entirely and no "cut" overlaps it. Cuts are the non-usable ranges of the memory map, the
 * reserved ranges and, in the last pass, the metadata block; cuts are widened to whole frames and
 * usable RAM is narrowed to whole frames. next_free_run walks these runs in address order with a
 * cursor, with no sorting and no scratch memory, so the input needs no size limit and may be
 * unsorted or overlapping; each step is O(n) in the number of input ranges (O(n^2) when usable
 * ranges overlap in odd ways), which for the ~100 ranges of a boot memory map is nothing.
 *
 * Three passes over the runs: count frames and sections; find the lowest run big enough for the
 * metadata sized from that count, which META_MAP accepts; cut the metadata block out and lay out
 * the sections. The metadata block is sized for the first count (plus one spare section): cutting
 * it out can only lower the frame count, and splits at most one run in two. */
#include "mm/section.h"
#include "kernel/errno.h"
#include "kernel/panic.h"
#include "kernel/string.h"

/* [lo, hi) in bytes. */
struct span {
	paddr_t lo, hi;
};

struct build_input {
	const struct boot_mem_range *mem;
	unsigned mem_count;
	const struct boot_mem_range *reserved;
	unsigned reserved_count;
	struct span meta;            /* the metadata block once placed, else empty */
};

/* Written once at boot, before other CPUs run; read without a lock afterwards. */
static struct section_table *active_table;

/* The section of the last pageinfo_of_pfn that found one: a hint, no lock. Lookups come in runs
 * within one section (a fault looks its frame up several times; the allocator hands out
 * neighbouring frames), so most lookups skip section_find's binary search. Any section of the
 * active table is a correct hint (sections never move after section_table_install, which resets
 * it), so CPUs may overwrite each other's hint freely: relaxed atomics suffice. */
static struct section *_Atomic last_section;

/* Stores R as a span clipped to PHYS_LIMIT; returns false when nothing of it is left. */
static bool raw_span(const struct boot_mem_range *r, struct span *s)
{
	if (r->size == 0 || r->base >= PHYS_LIMIT)
		return false;
	paddr_t end = r->base + r->size;
	if (end < r->base || end > PHYS_LIMIT)      /* wraps past 2^64, or beyond the limit */
		end = PHYS_LIMIT;
	s->lo = r->base;
	s->hi = end;
	return true;
}

/* Returns whether memory map entry I is usable RAM, storing its clipped bytes in *S. */
static bool usable_span(const struct build_input *in, unsigned i, struct span *s)
{
	return in->mem[i].type == BOOT_MEM_USABLE && raw_span(&in->mem[i], s);
}

/* Returns how many cut indices cut_span takes (some of them may be empty). */
static unsigned cut_count(const struct build_input *in)
{
	return in->mem_count + in->reserved_count + 1;
}

/* Returns whether cut I exists, storing it widened to whole frames in *S. Cuts are the non-usable
 * map entries, then the reserved ranges, then the metadata block. */
static bool cut_span(const struct build_input *in, unsigned i, struct span *s)
{
	const struct boot_mem_range *r;
	if (i < in->mem_count) {
		r = &in->mem[i];
		if (r->type == BOOT_MEM_USABLE)
			return false;
	} else if (i - in->mem_count < in->reserved_count) {
		r = &in->reserved[i - in->mem_count];
	} else {
		*s = in->meta;
		return s->lo < s->hi;
	}
	if (!raw_span(r, s))
		return false;
	s->lo = ALIGN_DOWN(s->lo, (paddr_t)FRAME_SIZE);
	s->hi = ALIGN_UP(s->hi, (paddr_t)FRAME_SIZE);   /* PHYS_LIMIT is aligned: no overflow */
	return true;
}

/* Finds the lowest run of whole owned frames at or above CURSOR (frame aligned); returns false
 * when there is none. The run is maximal: it ends at a cut or where usable RAM ends. */
static bool next_free_run(const struct build_input *in, paddr_t cursor, struct span *run)
{
	struct span s;
	while (cursor < PHYS_LIMIT) {
		/* The lowest usable byte at or above the cursor. */
		paddr_t lo = PHYS_LIMIT;
		bool found = false;
		for (unsigned i = 0; i < in->mem_count; i++) {
			if (usable_span(in, i, &s) && s.hi > cursor) {
				lo = MIN(lo, MAX(s.lo, cursor));
				found = true;
			}
		}
		if (!found)
			return false;

		/* Inside a cut: continue after it. */
		paddr_t skip = lo;
		for (unsigned i = 0; i < cut_count(in); i++)
			if (cut_span(in, i, &s) && s.lo <= lo && lo < s.hi && s.hi > skip)
				skip = s.hi;
		if (skip != lo) {
			cursor = skip;
			continue;
		}

		/* Grow through usable ranges that touch or overlap, then stop at the first cut. */
		paddr_t hi = lo;
		bool grew;
		do {
			grew = false;
			for (unsigned i = 0; i < in->mem_count; i++) {
				if (usable_span(in, i, &s) && s.lo <= hi && hi < s.hi) {
					hi = s.hi;
					grew = true;
				}
			}
		} while (grew);
		for (unsigned i = 0; i < cut_count(in); i++)
			if (cut_span(in, i, &s) && s.lo > lo && s.lo < hi)
				hi = s.lo;

		paddr_t first = ALIGN_UP(lo, (paddr_t)FRAME_SIZE);
		paddr_t end = ALIGN_DOWN(hi, (paddr_t)FRAME_SIZE);
		if (first < end) {
			run->lo = first;
			run->hi = end;
			return true;
		}
		cursor = hi;                /* less than one whole frame: look further */
	}
	return false;
}

/* Returns how many sections a run of FRAMES frames becomes. */
static uint64_t sections_for(pfn_t frames)
{
	return (frames + SECTION_MAX_FRAMES - 1) / SECTION_MAX_FRAMES;
}

/* Bytes before the first pageinfo: the section structs, rounded to 8. */
static uint64_t table_bytes(uint64_t nsections)
{
	return ALIGN_UP(nsections * sizeof(struct section), (uint64_t)8);
}

/* Bytes of metadata (rounded to whole frames) for up to NSECTIONS sections holding FRAMES frames
 * in all: the table, the pageinfo arrays, and the bitmaps (each rounded up to a whole word). */
static uint64_t meta_bytes(uint64_t nsections, pfn_t frames)
{
	uint64_t bytes = table_bytes(nsections) + frames * sizeof(struct pageinfo) +
			 (frames / 64 + nsections) * sizeof(uint64_t);
	return ALIGN_UP(bytes, (uint64_t)FRAME_SIZE);
}

int section_build(struct section_table *table,
		  const struct boot_mem_range *mem, unsigned mem_count,
		  const struct boot_mem_range *reserved, unsigned reserved_count,
		  section_meta_map_fn meta_map, void *ctx)
{
	struct build_input in = { mem, mem_count, reserved, reserved_count, { 0, 0 } };
	struct span run;
	*table = (struct section_table){ NULL, 0, 0, 0, 0 };

	/* Pass 1: how much is there? */
	uint64_t nsections = 0;
	pfn_t frames = 0;
	for (paddr_t cursor = 0; next_free_run(&in, cursor, &run); cursor = run.hi) {
		pfn_t n = (run.hi - run.lo) >> FRAME_SHIFT;
		frames += n;
		nsections += sections_for(n);
	}
	if (frames == 0)
		return 0;

	/* Pass 2: the lowest place for the metadata that the caller accepts. */
	uint64_t cap_sections = nsections + 1;
	uint64_t size = meta_bytes(cap_sections, frames);
	if (size > SIZE_MAX)
		return -ENOMEM;
	void *meta = NULL;
	for (paddr_t cursor = 0; next_free_run(&in, cursor, &run); cursor = run.hi) {
		if (run.hi - run.lo >= size && (meta = meta_map(ctx, run.lo, (size_t)size)))
			break;
	}
	if (!meta)
		return -ENOMEM;
	in.meta = (struct span){ run.lo, run.lo + size };
	memset(meta, 0, (size_t)size);      /* all-zero pageinfo: count 0, PAGEINFO_FREE */

	/* Pass 3: lay out the sections, cutting the metadata block out. */
	struct section *sections = meta;
	struct pageinfo *pages = (struct pageinfo *)((char *)meta + table_bytes(cap_sections));
	uint64_t *words = (uint64_t *)(pages + frames);
	uint64_t *words_end = (uint64_t *)((char *)meta + size);
	uint32_t n = 0;
	pfn_t placed = 0;
	for (paddr_t cursor = 0; next_free_run(&in, cursor, &run); cursor = run.hi) {
		pfn_t pfn = paddr_to_pfn(run.lo);
		pfn_t left = (run.hi - run.lo) >> FRAME_SHIFT;
		while (left) {
			uint32_t count = (uint32_t)MIN(left, (pfn_t)SECTION_MAX_FRAMES);
			uint32_t nwords = (count + 63) / 64;
			kassert(n < cap_sections && placed + count <= frames &&
				words + nwords <= words_end);
			sections[n] = (struct section){
				.base_pfn = pfn, .count = count, .index = n, .pages = pages + placed,
				.free_map = words, .avail_next = -1, .avail_prev = -1,
			};
			words += nwords;
			placed += count;
			pfn += count;
			left -= count;
			n++;
		}
	}

	*table = (struct section_table){
		.sections = sections, .count = n, .total_frames = placed,
		.meta_base = in.meta.lo, .meta_size = (size_t)size,
	};
	return 0;
}

struct section *section_find(const struct section_table *table, pfn_t pfn)
{
	/* Find the first section starting above PFN; the one before it may contain PFN. */
	uint32_t lo = 0, hi = table->count;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (table->sections[mid].base_pfn <= pfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	struct section *s = &table->sections[lo - 1];
	return pfn - s->base_pfn < s->count ? s : NULL;
}

void section_table_install(struct section_table *table)
{
	atomic_store_explicit(&last_section, NULL, memory_order_relaxed);
	active_table = table;
}

struct section_table *section_table_active(void)
{
	return active_table;
}

struct pageinfo *pageinfo_of_pfn(pfn_t pfn)
{
	struct section *s = atomic_load_explicit(&last_section, memory_order_relaxed);
	if (likely(s && pfn - s->base_pfn < s->count))
		return &s->pages[pfn - s->base_pfn];
	const struct section_table *table = active_table;
	if (!table)
		return NULL;
	s = section_find(table, pfn);
	if (!s)
		return NULL;
	atomic_store_explicit(&last_section, s, memory_order_relaxed);
	return &s->pages[pfn - s->base_pfn];
}

struct pageinfo *pageinfo_of(paddr_t paddr)
{
	return pageinfo_of_pfn(paddr_to_pfn(paddr));
}

bool pageinfo_to_paddr(const struct pageinfo *pi, paddr_t *paddr)
{
	const struct section_table *table = active_table;
	if (!table)
		return false;
	/* The pageinfo arrays lie in the metadata block in table order, so their addresses grow
	 * with the section index. */
	uintptr_t p = (uintptr_t)pi;
	uint32_t lo = 0, hi = table->count;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if ((uintptr_t)table->sections[mid].pages <= p)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return false;
	const struct section *s = &table->sections[lo - 1];
	uintptr_t offset = p - (uintptr_t)s->pages;
	if (offset >= (uintptr_t)s->count * sizeof(struct pageinfo) ||
	    offset % sizeof(struct pageinfo))
		return false;
	*paddr = pfn_to_paddr(s->base_pfn + offset / sizeof(struct pageinfo));
	return true;
}
