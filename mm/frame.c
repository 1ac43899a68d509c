/* The frame allocator (contract in mm/frame.h): free bitmaps with two summary levels per section,
 * and a list of the sections that still have free frames.
 *
 * Why bitmaps and not a buddy allocator or free lists:
 *  - No links inside free frames. A free list threaded through the frames would make the
 *    allocator map a frame just to allocate it, which on i686 (RAM beyond the direct map) means a
 *    kmap per allocation. A buddy allocator with links in the metadata needs two links per frame
 *    (doubly linked, for O(1) removal of a buddy when merging): 4 more bytes per frame next to
 *    the 8-byte pageinfo, which we want to keep for refcount and type. A bitmap costs 1 bit per
 *    frame (4 KiB per 128 MiB section) and never touches frame contents.
 *  - O(1) single frames without a search: bit i of free_map says frame i is free, bit j of
 *    free_sum says free_map[j] has a free frame, bit k of free_top says free_sum[k] is not zero
 *    (32768 frames = 512 map words = 8 summary words = 8 top bits). Finding a free frame in a
 *    section is three count-trailing-zeros, freeing one is three bit sets. The sections that have
 *    free frames are kept on a doubly linked list (links are section indices in struct section),
 *    so frame_alloc takes the list head without looking at full sections.
 *  - Contiguous runs fall out of the bitmap: a first-fit scan for COUNT set bits starting at an
 *    aligned frame number, skipping allocated words 64 frames at a time and empty map words via
 *    the summary. No rounding of COUNT up to a power of two (a buddy allocator would allocate 32
 *    frames for 17, or split and free the tail), no merging on free. Contiguous allocation is
 *    rare (DMA buffers, MAP_PHYS_CONTIGUOUS), so a scan is the right price.
 *  - Double frees are caught exactly: the bit is already set.
 * What a buddy allocator would do better: contiguous allocation in O(log n) and resistance to
 * fragmentation for large runs. If contiguous allocation ever becomes hot, a buddy layer can be
 * put on top of these bitmaps (the bitmaps then say which order-0 frames are free).
 *
 * Direct-map constraint (FRAME_DIRECT, for the kernel heap on i686): frame_init records in each
 * section how many of its first frames lie in the direct map. The direct map covers RAM below a
 * limit (i686) or all RAM (x86_64, aarch64), so inside one section it is always a prefix.
 *
 * Locking: frame_lock (irqsave, written for SMP) protects every bitmap, summary, free count, the
 * list and the global counts. The pageinfo type is written under it when frames change hands.
 * The MM_DEBUG junk fill of freed frames runs before taking the lock (the caller still owns the
 * frames then), through kmap_frame, because on i686 a frame may be outside the direct map. */
#include "mm/frame.h"
#include "mm/section.h"
#include "mm/pageinfo.h"
#include "mm/arch_mmu.h"
#include "mm/alloc_inject.h"
#include "kernel/spinlock.h"
#include "kernel/errno.h"
#include "kernel/panic.h"

static struct spinlock frame_lock = SPINLOCK_INIT_RANKED("frame", LOCK_RANK_FRAME);

static struct section_table *frame_table;   /* frame_lock; set by frame_init */
static int32_t avail_head = -1;             /* frame_lock; first section with free frames */
static uint64_t free_frames;                /* frame_lock */
static uint64_t total_frames;               /* frame_lock */
static unsigned long words_read;            /* frame_lock; MM_DEBUG statistics */
static unsigned long generation;            /* frame_lock; frame_init calls */
static bool have_high;                      /* frame_lock; some frame is outside the direct map */

#if MM_DEBUG
#define COUNT_READS(n) (words_read += (n))
#else
#define COUNT_READS(n) ((void)0)
#endif

/* Count trailing zeros of a non-zero word; two 32-bit halves on 32-bit arches, where
 * __builtin_ctzll would call libgcc's __ctzdi2. */
static inline unsigned ctz64(uint64_t x)
{
#if UINTPTR_MAX == 0xffffffffu
	uint32_t lo = (uint32_t)x;
	return lo ? (unsigned)__builtin_ctz(lo) : 32 + (unsigned)__builtin_ctz((uint32_t)(x >> 32));
#else
	return (unsigned)__builtin_ctzll(x);
#endif
}

/* Returns a word with the low N bits set (N at most 64). */
static inline uint64_t low_bits(unsigned n)
{
	return n >= 64 ? ~0ull : (1ull << n) - 1;
}

/* Puts S at the head of the list of sections with free frames. */
static void avail_link_locked(struct section *s)
{
	spin_assert_held(&frame_lock);
	s->avail_prev = -1;
	s->avail_next = avail_head;
	if (avail_head >= 0)
		frame_table->sections[avail_head].avail_prev = (int32_t)s->index;
	avail_head = (int32_t)s->index;
}

/* Takes S off the list of sections with free frames. */
static void avail_unlink_locked(struct section *s)
{
	spin_assert_held(&frame_lock);
	if (s->avail_prev >= 0)
		frame_table->sections[s->avail_prev].avail_next = s->avail_next;
	else
		avail_head = s->avail_next;
	if (s->avail_next >= 0)
		frame_table->sections[s->avail_next].avail_prev = s->avail_prev;
	s->avail_next = s->avail_prev = -1;
}

/* Marks frame I of S allocated (it must be free) and hands its pageinfo to the caller. */
static void take_locked(struct section *s, uint32_t i)
{
	spin_assert_held(&frame_lock);
	uint32_t j = i / 64, k = j / 64;
	s->free_map[j] &= ~(1ull << (i % 64));
	if (!s->free_map[j]) {
		s->free_sum[k] &= ~(1ull << (j % 64));
		if (!s->free_sum[k])
			s->free_top &= ~(1u << k);
	}
	if (--s->free_count == 0)
		avail_unlink_locked(s);
	free_frames--;

	struct pageinfo *pi = &s->pages[i];
	if (unlikely(pageinfo_refcount(pi) != 0 || pageinfo_type(pi) != PAGEINFO_FREE))
		panic("free frame=%#llx has count=%u type=%u",
		      (unsigned long long)pfn_to_paddr(s->base_pfn + i), pageinfo_refcount(pi),
		      (unsigned)pageinfo_type(pi));
	pageinfo_reset(pi, PAGEINFO_ALLOCATED);
}

/* Marks frame I of S free; panics when it already is (a double free). */
static void give_locked(struct section *s, uint32_t i)
{
	spin_assert_held(&frame_lock);
	uint32_t j = i / 64, k = j / 64;
	uint64_t bit = 1ull << (i % 64);
	if (unlikely(s->free_map[j] & bit))
		panic("double free frame=%#llx", (unsigned long long)pfn_to_paddr(s->base_pfn + i));
	pageinfo_reset(&s->pages[i], PAGEINFO_FREE);
	s->free_map[j] |= bit;
	s->free_sum[k] |= 1ull << (j % 64);
	s->free_top |= 1u << k;
	if (s->free_count++ == 0)
		avail_link_locked(s);
	free_frames++;
}

/* Returns how many frames at the start of S lie inside the direct map (a prefix, see above). */
static uint32_t direct_prefix(const struct section *s)
{
	paddr_t base = pfn_to_paddr(s->base_pfn);
	if (!arch_phys_in_direct_map(base))
		return 0;
	if (arch_phys_in_direct_map(pfn_to_paddr(s->base_pfn + s->count) - 1))
		return s->count;
	uint32_t lo = 1, hi = s->count - 1;      /* frame lo-1 is inside, frame hi is outside */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (arch_phys_in_direct_map(pfn_to_paddr(s->base_pfn + mid + 1) - 1))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void frame_init(void)
{
	unsigned long flags = spin_lock_irqsave(&frame_lock);
	frame_table = section_table_active();
	avail_head = -1;
	free_frames = total_frames = 0;
	words_read = 0;
	generation++;
	have_high = false;
	/* From the last section down, so that the list starts with the lowest section. */
	for (uint32_t n = frame_table ? frame_table->count : 0; n-- > 0;) {
		struct section *s = &frame_table->sections[n];
		uint32_t nwords = (s->count + 63) / 64;
		for (uint32_t j = 0; j < nwords; j++)
			s->free_map[j] = low_bits(s->count - j * 64);
		for (uint32_t k = 0; k < SECTION_SUM_WORDS; k++)
			s->free_sum[k] = nwords > k * 64 ? low_bits(nwords - k * 64) : 0;
		s->free_top = (uint32_t)low_bits((nwords + 63) / 64);
		s->free_count = s->count;
		s->direct_count = direct_prefix(s);
		have_high |= s->direct_count < s->count;
		avail_link_locked(s);
		free_frames += s->count;
		total_frames += s->count;
	}
	spin_unlock_irqrestore(&frame_lock, flags);
}

/* Takes the first free frame of the first section on the list; O(1). */
static int alloc_one_locked(paddr_t *frame)
{
	spin_assert_held(&frame_lock);
	if (avail_head < 0)
		return -ENOMEM;
	struct section *s = &frame_table->sections[avail_head];
	unsigned k = (unsigned)__builtin_ctz(s->free_top);
	unsigned j = k * 64 + ctz64(s->free_sum[k]);
	uint32_t i = j * 64 + ctz64(s->free_map[j]);
	COUNT_READS(3);
	take_locked(s, i);
	*frame = pfn_to_paddr(s->base_pfn + i);
	return 0;
}

/* Returns the index of the first free frame of S at or after FROM, or S->count. */
static uint64_t next_free_locked(const struct section *s, uint64_t from);

/* Takes the lowest free frame inside the direct map (FRAME_DIRECT). */
static int alloc_direct_locked(paddr_t *frame)
{
	spin_assert_held(&frame_lock);
	if (avail_head < 0)
		return -ENOMEM;
	struct section *head = &frame_table->sections[avail_head];
	if (head->direct_count == head->count)
		return alloc_one_locked(frame);
	/* Sections are sorted and the direct map is a prefix of physical memory: stop at the
	 * first section that starts outside it. */
	for (uint32_t n = 0; n < frame_table->count; n++) {
		struct section *s = &frame_table->sections[n];
		if (s->direct_count == 0)
			break;
		if (s->free_count == 0)
			continue;
		uint64_t i = next_free_locked(s, 0);
		if (i < s->direct_count) {
			take_locked(s, (uint32_t)i);
			*frame = pfn_to_paddr(s->base_pfn + i);
			return 0;
		}
	}
	return -ENOMEM;
}

/* Takes a free frame outside the direct map, from the highest section down (FRAME_HIGH), or
 * any frame when there is none. */
static int alloc_high_locked(paddr_t *frame)
{
	spin_assert_held(&frame_lock);
	for (uint32_t n = have_high ? frame_table->count : 0; n-- > 0;) {
		struct section *s = &frame_table->sections[n];
		if (s->direct_count == s->count)
			break;                   /* this one and all below are direct-mapped */
		if (s->free_count == 0)
			continue;
		uint64_t i = next_free_locked(s, s->direct_count);
		if (i < s->count) {
			take_locked(s, (uint32_t)i);
			*frame = pfn_to_paddr(s->base_pfn + i);
			return 0;
		}
	}
	return alloc_one_locked(frame);
}

int frame_alloc_flags(unsigned flags, paddr_t *frame)
{
	if (alloc_inject_should_fail())
		return -ENOMEM;
	unsigned long irq = spin_lock_irqsave(&frame_lock);
	int err = flags & FRAME_DIRECT ? alloc_direct_locked(frame) :
		  flags & FRAME_HIGH ? alloc_high_locked(frame) : alloc_one_locked(frame);
	spin_unlock_irqrestore(&frame_lock, irq);
	return err;
}

int frame_alloc(paddr_t *frame)
{
	return frame_alloc_flags(0, frame);
}

static uint64_t next_free_locked(const struct section *s, uint64_t from)
{
	spin_assert_held(&frame_lock);
	if (from >= s->count)
		return s->count;
	uint32_t j = (uint32_t)(from / 64);
	uint64_t bits = s->free_map[j] & ~low_bits((unsigned)(from % 64));
	COUNT_READS(1);
	if (bits)
		return (uint64_t)j * 64 + ctz64(bits);
	/* Later words, found through the summary. */
	uint32_t nwords = (s->count + 63) / 64;
	for (j++; j < nwords; j = (j / 64 + 1) * 64) {
		uint64_t sum = s->free_sum[j / 64] & ~low_bits(j % 64);
		COUNT_READS(1);
		if (sum) {
			j = (j / 64) * 64 + ctz64(sum);
			COUNT_READS(1);
			return (uint64_t)j * 64 + ctz64(s->free_map[j]);
		}
	}
	return s->count;
}

/* Returns the index of the first allocated frame of S in [FROM, TO), or TO (TO <= S->count). */
static uint64_t next_used_locked(const struct section *s, uint64_t from, uint64_t to)
{
	spin_assert_held(&frame_lock);
	while (from < to) {
		uint32_t j = (uint32_t)(from / 64);
		uint64_t bits = ~s->free_map[j] & ~low_bits((unsigned)(from % 64));
		COUNT_READS(1);
		if (bits)
			return MIN((uint64_t)j * 64 + ctz64(bits), to);
		from = ((uint64_t)j + 1) * 64;
	}
	return to;
}

/* Returns the index in S of the lowest free run of COUNT frames whose frame number is a multiple
 * of ALIGN (a power of two) and which ends at or below index LIMIT, or -1. */
static int64_t find_run_locked(const struct section *s, uint64_t count, pfn_t align,
			       uint64_t limit)
{
	spin_assert_held(&frame_lock);
	uint64_t i = 0;
	for (;;) {
		uint64_t f = next_free_locked(s, i);
		if (f >= s->count)
			return -1;
		i = ALIGN_UP(s->base_pfn + f, align) - s->base_pfn;
		if (i + count > limit)
			return -1;
		uint64_t used = next_used_locked(s, i, i + count);
		if (used == i + count)
			return (int64_t)i;
		i = used + 1;
	}
}

int frame_alloc_contig_flags(size_t count, size_t align, unsigned flags, paddr_t *base)
{
	if (count == 0 || align == 0 || (align & (align - 1)))
		return -EINVAL;
	if (count > SECTION_MAX_FRAMES)
		return -ENOMEM;
	if (count == 1 && align == 1)
		return frame_alloc_flags(flags, base);
	if (alloc_inject_should_fail())
		return -ENOMEM;

	int err = -ENOMEM;
	unsigned long irq = spin_lock_irqsave(&frame_lock);
	for (uint32_t n = 0; frame_table && n < frame_table->count; n++) {
		struct section *s = &frame_table->sections[n];
		uint64_t limit = flags & FRAME_DIRECT ? s->direct_count : s->count;
		if (s->free_count < count || limit < count)
			continue;
		int64_t i = find_run_locked(s, count, align, limit);
		if (i < 0)
			continue;
		for (uint32_t f = 0; f < count; f++)
			take_locked(s, (uint32_t)i + f);
		*base = pfn_to_paddr(s->base_pfn + (uint64_t)i);
		err = 0;
		break;
	}
	spin_unlock_irqrestore(&frame_lock, irq);
	return err;
}

int frame_alloc_contig(size_t count, size_t align, paddr_t *base)
{
	return frame_alloc_contig_flags(count, align, 0, base);
}

#if MM_DEBUG
/* Fills FRAME with FRAME_JUNK; the caller owns the frame. */
static void junk_fill(paddr_t frame)
{
	uint64_t *p = kmap_frame(frame);
	for (size_t i = 0; i < FRAME_SIZE / sizeof(uint64_t); i++)
		p[i] = FRAME_JUNK;
	kunmap_frame(p);
}
#endif

void frame_free_contig(paddr_t base, size_t count)
{
	struct section_table *table = section_table_active();
	pfn_t pfn = paddr_to_pfn(base);
	struct section *s = table ? section_find(table, pfn) : NULL;
	if (unlikely(!IS_ALIGNED(base, (paddr_t)FRAME_SIZE) || !s))
		panic("frame=%#llx is not a frame of the allocator", (unsigned long long)base);
	uint64_t first = pfn - s->base_pfn;
	if (unlikely(count == 0 || first + count > s->count))
		panic("run frame=%#llx count=%zu is not inside one section", (unsigned long long)base,
		      count);

	for (size_t f = 0; f < count; f++) {
		struct pageinfo *pi = &s->pages[first + f];
		paddr_t frame = pfn_to_paddr(pfn + f);
		if (unlikely(pageinfo_type(pi) == PAGEINFO_FREE))
			panic("double free frame=%#llx", (unsigned long long)frame);
		if (unlikely(pageinfo_refcount(pi) != 0))
			panic("frame=%#llx still has %u references", (unsigned long long)frame,
			      pageinfo_refcount(pi));
#if MM_DEBUG
		junk_fill(frame);
#endif
	}

	unsigned long flags = spin_lock_irqsave(&frame_lock);
	for (size_t f = 0; f < count; f++)
		give_locked(s, (uint32_t)(first + f));
	spin_unlock_irqrestore(&frame_lock, flags);
}

void frame_free(paddr_t frame)
{
	frame_free_contig(frame, 1);
}

unsigned long frame_generation(void)
{
	unsigned long flags = spin_lock_irqsave(&frame_lock);
	unsigned long n = generation;
	spin_unlock_irqrestore(&frame_lock, flags);
	return n;
}

uint64_t frame_count_free(void)
{
	unsigned long flags = spin_lock_irqsave(&frame_lock);
	uint64_t n = free_frames;
	spin_unlock_irqrestore(&frame_lock, flags);
	return n;
}

uint64_t frame_count_total(void)
{
	unsigned long flags = spin_lock_irqsave(&frame_lock);
	uint64_t n = total_frames;
	spin_unlock_irqrestore(&frame_lock, flags);
	return n;
}

bool frame_is_free(paddr_t frame)
{
	bool is_free = false;
	unsigned long flags = spin_lock_irqsave(&frame_lock);
	pfn_t pfn = paddr_to_pfn(frame);
	struct section *s = frame_table ? section_find(frame_table, pfn) : NULL;
	if (s) {
		uint64_t i = pfn - s->base_pfn;
		is_free = (s->free_map[i / 64] >> (i % 64)) & 1;
	}
	spin_unlock_irqrestore(&frame_lock, flags);
	return is_free;
}

bool frame_is_junk(paddr_t frame)
{
	const uint64_t *p = kmap_frame(ALIGN_DOWN(frame, (paddr_t)FRAME_SIZE));
	bool junk = true;
	for (size_t i = 0; i < FRAME_SIZE / sizeof(uint64_t); i++)
		junk &= p[i] == FRAME_JUNK;
	kunmap_frame((void *)p);
	return junk;
}

unsigned long frame_debug_words_read(void)
{
	unsigned long flags = spin_lock_irqsave(&frame_lock);
	unsigned long n = words_read;
	spin_unlock_irqrestore(&frame_lock, flags);
	return n;
}
