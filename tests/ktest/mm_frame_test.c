/* Self-tests of the frame allocator on the real machine: every frame can be allocated, written
 * and read back distinctly, and freed, with the free count back where it started; contiguous
 * runs are contiguous, aligned and disjoint from every other allocation; freed frames are junk
 * filled (MM_DEBUG). Frames are reached through kmap_frame, so on i686 this also covers RAM
 * beyond the direct map. */
#include "kernel/ktest.h"
#include "kernel/errno.h"
#include "mm/arch_mmu.h"
#include "mm/frame.h"
#include "mm/mm.h"
#include "mm/pageinfo.h"
#include "mm/section.h"

#define CHAIN_END   (~(paddr_t)0)
#define TAG         0x5a17c0de00000000ull
#define WORD_STRIDE 64                      /* check one word in 64: 8 per frame */

/* Writes the test pattern into FRAME: word 0 links to NEXT, word 1 holds SEQ, the rest of the
 * checked words depend on the frame's address. */
static void pattern_write(paddr_t frame, paddr_t next, uint64_t seq)
{
	uint64_t *p = kmap_frame(frame);
	p[0] = next;
	p[1] = seq ^ TAG;
	for (unsigned i = WORD_STRIDE; i < FRAME_SIZE / 8; i += WORD_STRIDE)
		p[i] = (frame | i) ^ TAG;
	kunmap_frame(p);
}

/* Returns whether FRAME still holds the pattern with SEQ, storing its link in *NEXT. */
static bool pattern_check(paddr_t frame, uint64_t seq, paddr_t *next)
{
	const uint64_t *p = kmap_frame(frame);
	bool ok = p[1] == (seq ^ TAG);
	for (unsigned i = WORD_STRIDE; i < FRAME_SIZE / 8; i += WORD_STRIDE)
		ok &= p[i] == ((frame | i) ^ TAG);
	*next = p[0];
	kunmap_frame((void *)p);
	return ok;
}

KTEST(mm_frame_alloc_all_write_read_free_all)
{
	ASSERT_TRUE(section_table_active() == &mm_sections);
	uint64_t start = frame_count_free();
	ASSERT_GE(start, 1);

	/* Allocate until the allocator says no; the frames themselves hold the list of frames. */
	paddr_t head = CHAIN_END, frame;
	uint64_t n = 0, no_pageinfo = 0, not_allocated = 0;
	while (frame_alloc(&frame) == 0) {
		struct pageinfo *pi = pageinfo_of(frame);
		if (!pi)
			no_pageinfo++;
		else if (pageinfo_type(pi) != PAGEINFO_ALLOCATED || pageinfo_refcount(pi) != 0)
			not_allocated++;
		pattern_write(frame, head, n++);
		head = frame;
	}
	EXPECT_EQ(n, start);
	EXPECT_EQ(frame_count_free(), 0);
	EXPECT_EQ(no_pageinfo, 0);
	EXPECT_EQ(not_allocated, 0);
	EXPECT_EQ(frame_alloc_contig(1, 1, &frame), -ENOMEM);

	/* Read every pattern back before freeing any: a frame handed out twice breaks the
	 * sequence (and the chain). */
	uint64_t bad = 0, seen = 0;
	for (paddr_t f = head, next; f != CHAIN_END && seen < n; f = next, seen++)
		bad += !pattern_check(f, n - 1 - seen, &next);
	EXPECT_EQ(bad, 0);
	EXPECT_EQ(seen, n);

	/* Free everything (read the link first: the junk fill overwrites it). */
	uint64_t freed = 0;
	for (paddr_t f = head, next; f != CHAIN_END && freed < n; f = next, freed++) {
		const uint64_t *p = kmap_frame(f);
		next = p[0];
		kunmap_frame((void *)p);
		frame_free(f);
#if MM_DEBUG
		if (freed < 16)
			EXPECT_TRUE(frame_is_junk(f));
#endif
	}
	EXPECT_EQ(freed, n);
	EXPECT_EQ(frame_count_free(), start);

	/* And it still works. */
	ASSERT_EQ(frame_alloc(&frame), 0);
	EXPECT_TRUE(pageinfo_of(frame) != NULL);
	frame_free(frame);
	EXPECT_EQ(frame_count_free(), start);
}

struct run {
	size_t count, align;
	paddr_t base;
};

KTEST(mm_frame_contig_runs_are_contiguous_aligned_and_disjoint)
{
	ASSERT_TRUE(section_table_active() == &mm_sections);
	uint64_t start = frame_count_free();
	struct run runs[] = { { 16, 16 }, { 3, 1 }, { 8, 64 }, { 1, 1 }, { 64, 64 }, { 256, 512 },
			      { 5, 2 }, { 1024, 1 } };
	for (unsigned r = 0; r < ARRAY_SIZE(runs); r++) {
		struct run *run = &runs[r];
		ASSERT_EQ(frame_alloc_contig(run->count, run->align, &run->base), 0);
		pfn_t first = paddr_to_pfn(run->base);
		EXPECT_EQ(first & (run->align - 1), 0);
		const struct section *s = section_find(&mm_sections, first);
		ASSERT_TRUE(s != NULL);
		EXPECT_LE(first + run->count, s->base_pfn + s->count);
		for (size_t f = 0; f < run->count; f++) {
			paddr_t p = run->base + f * FRAME_SIZE;
			EXPECT_EQ((uintptr_t)pageinfo_of(p), (uintptr_t)&s->pages[first + f - s->base_pfn]);
			EXPECT_FALSE(frame_is_free(p));
			pattern_write(p, 0, r);
		}
		for (unsigned q = 0; q < r; q++)
			EXPECT_TRUE(runs[q].base + runs[q].count * FRAME_SIZE <= run->base ||
				    run->base + run->count * FRAME_SIZE <= runs[q].base);
	}

	/* Single frames allocated now never fall inside a run. */
	paddr_t singles[64];
	for (unsigned i = 0; i < ARRAY_SIZE(singles); i++) {
		ASSERT_EQ(frame_alloc(&singles[i]), 0);
		for (unsigned q = 0; q < ARRAY_SIZE(runs); q++)
			EXPECT_TRUE(singles[i] < runs[q].base ||
				    singles[i] >= runs[q].base + runs[q].count * FRAME_SIZE);
		pattern_write(singles[i], 0, 100 + i);
	}
	paddr_t next;
	for (unsigned r = 0; r < ARRAY_SIZE(runs); r++)
		for (size_t f = 0; f < runs[r].count; f++)
			EXPECT_TRUE(pattern_check(runs[r].base + f * FRAME_SIZE, r, &next));
	for (unsigned i = 0; i < ARRAY_SIZE(singles); i++) {
		EXPECT_TRUE(pattern_check(singles[i], 100 + i, &next));
		frame_free(singles[i]);
	}
	for (unsigned r = 0; r < ARRAY_SIZE(runs); r++)
		frame_free_contig(runs[r].base, runs[r].count);
	EXPECT_EQ(frame_count_free(), start);
}

KTEST(mm_frame_contig_rejects_bad_requests)
{
	paddr_t p = 0x1234;
	uint64_t start = frame_count_free();
	EXPECT_EQ(frame_alloc_contig(0, 1, &p), -EINVAL);
	EXPECT_EQ(frame_alloc_contig(4, 0, &p), -EINVAL);
	EXPECT_EQ(frame_alloc_contig(4, 6, &p), -EINVAL);
	EXPECT_EQ(frame_alloc_contig(SECTION_MAX_FRAMES + 1, 1, &p), -ENOMEM);
	EXPECT_EQ(p, 0x1234);
	EXPECT_EQ(frame_count_free(), start);
}

KTEST(mm_frame_free_fills_junk)
{
	paddr_t p;
	ASSERT_EQ(frame_alloc(&p), 0);
	pattern_write(p, 0, 1);
	EXPECT_FALSE(frame_is_junk(p));
	frame_free(p);
#if MM_DEBUG
	EXPECT_TRUE(frame_is_junk(p));
#endif
}

KTEST(mm_frame_counts)
{
	ASSERT_TRUE(section_table_active() == &mm_sections);
	EXPECT_EQ(frame_count_total(), mm_sections.total_frames);
	EXPECT_LE(frame_count_free(), frame_count_total());
	ktest_log("%llu of %llu frames free", (unsigned long long)frame_count_free(),
		  (unsigned long long)frame_count_total());
}
