/* Self-tests of the arch page zero and copy (arch_page_zero / arch_page_copy and the frame-address
 * forms arch_frame_zero / arch_frame_copy, mm/arch_mmu.h) and of the VM helpers built on them
 * (vm_frame_new_zeroed / vm_frame_new_copy): every byte of the target page has its exact
 * expected value afterwards and the pages on either side keep theirs.
 * The helpers run on FRAME_HIGH frames, so on i686 with RAM above the direct map they also cover
 * the kmap path. */
#include "kernel/ktest.h"
#include "kernel/string.h"
#include "mm/arch_mmu.h"
#include "mm/frame.h"
#include "mm/pageinfo.h"
#include "mm/section.h"
#include "mm/vm_internal.h"

/* The byte at offset I of test page N of a pattern with seed SEED: never 0, and different for
 * neighbouring bytes and pages. */
static uint8_t pattern_byte(unsigned seed, unsigned n, unsigned i)
{
	return (uint8_t)(((i * 7u + n * 13u + seed * 29u + (i >> 8)) % 255u) + 1u);
}

static void pattern_fill(uint8_t *p, unsigned seed, unsigned n)
{
	for (unsigned i = 0; i < FRAME_SIZE; i++)
		p[i] = pattern_byte(seed, n, i);
}

/* Returns the first offset of page P (test page N) that differs from the pattern, or FRAME_SIZE. */
static unsigned pattern_diff(const uint8_t *p, unsigned seed, unsigned n)
{
	for (unsigned i = 0; i < FRAME_SIZE; i++)
		if (p[i] != pattern_byte(seed, n, i))
			return i;
	return FRAME_SIZE;
}

/* Returns the first offset of P that is not BYTE, or FRAME_SIZE. */
static unsigned byte_diff(const uint8_t *p, uint8_t byte)
{
	for (unsigned i = 0; i < FRAME_SIZE; i++)
		if (p[i] != byte)
			return i;
	return FRAME_SIZE;
}

/* Maps three contiguous frames of the direct map at *PAGES; returns false (test skipped) when
 * none are free. The caller frees *BASE. */
static bool three_pages(paddr_t *base, uint8_t **pages)
{
	if (frame_alloc_contig_flags(3, 1, FRAME_DIRECT, base)) {
		ktest_skip("no three contiguous direct-mapped frames");
		return false;
	}
	*pages = arch_phys_to_virt(*base);
	return true;
}

KTEST(page_zero_clears_exactly_one_page)
{
	paddr_t base;
	uint8_t *p;
	if (!three_pages(&base, &p))
		return;
	for (unsigned n = 0; n < 3; n++)
		pattern_fill(p + n * FRAME_SIZE, 1, n);
	arch_page_zero(p + FRAME_SIZE);
	EXPECT_EQ(byte_diff(p + FRAME_SIZE, 0), FRAME_SIZE);
	EXPECT_EQ(pattern_diff(p, 1, 0), FRAME_SIZE);
	EXPECT_EQ(pattern_diff(p + 2 * FRAME_SIZE, 1, 2), FRAME_SIZE);
	frame_free_contig(base, 3);
}

KTEST(page_copy_copies_exactly_one_page)
{
	paddr_t base;
	uint8_t *p;
	if (!three_pages(&base, &p))
		return;
	/* The source is the first page, the target the middle one (filled with 0xa5 first). */
	pattern_fill(p, 2, 0);
	memset(p + FRAME_SIZE, 0xa5, FRAME_SIZE);
	pattern_fill(p + 2 * FRAME_SIZE, 2, 2);
	arch_page_copy(p + FRAME_SIZE, p);
	EXPECT_EQ(pattern_diff(p + FRAME_SIZE, 2, 0), FRAME_SIZE);
	EXPECT_EQ(pattern_diff(p, 2, 0), FRAME_SIZE);
	EXPECT_EQ(pattern_diff(p + 2 * FRAME_SIZE, 2, 2), FRAME_SIZE);
	/* And backwards: the last page from the middle one. */
	arch_page_copy(p + 2 * FRAME_SIZE, p + FRAME_SIZE);
	EXPECT_EQ(pattern_diff(p + 2 * FRAME_SIZE, 2, 0), FRAME_SIZE);
	EXPECT_EQ(pattern_diff(p, 2, 0), FRAME_SIZE);
	frame_free_contig(base, 3);
}

KTEST(frame_zero_and_copy_by_address_touch_one_frame)
{
	paddr_t base;
	uint8_t *p;
	if (!three_pages(&base, &p))
		return;
	for (unsigned n = 0; n < 3; n++)
		pattern_fill(p + n * FRAME_SIZE, 5, n);
	arch_frame_zero(base + FRAME_SIZE);
	EXPECT_EQ(byte_diff(p + FRAME_SIZE, 0), FRAME_SIZE);
	EXPECT_EQ(pattern_diff(p, 5, 0), FRAME_SIZE);
	EXPECT_EQ(pattern_diff(p + 2 * FRAME_SIZE, 5, 2), FRAME_SIZE);
	arch_frame_copy(base + FRAME_SIZE, base + 2 * FRAME_SIZE);
	EXPECT_EQ(pattern_diff(p + FRAME_SIZE, 5, 2), FRAME_SIZE);
	EXPECT_EQ(pattern_diff(p, 5, 0), FRAME_SIZE);
	EXPECT_EQ(pattern_diff(p + 2 * FRAME_SIZE, 5, 2), FRAME_SIZE);
	frame_free_contig(base, 3);
}

KTEST(vm_frame_new_zeroed_and_copy_give_exact_contents)
{
	/* Dirty a high frame and give it back: the allocator hands the same one out next on an idle
	 * machine, so the zeroing below works on a frame that held a pattern (any frame must come
	 * out all zero anyway). */
	paddr_t dirty, zeroed, copy;
	ASSERT_EQ(frame_alloc_flags(FRAME_HIGH, &dirty), 0);
	uint8_t *p = kmap_frame(dirty);
	pattern_fill(p, 3, 0);
	kunmap_frame(p);
	frame_free(dirty);

	ASSERT_EQ(vm_frame_new_zeroed(&zeroed), 0);
	EXPECT_EQ(pageinfo_type(pageinfo_of(zeroed)), PAGEINFO_USER);
	EXPECT_EQ(pageinfo_refcount(pageinfo_of(zeroed)), 0);
	p = kmap_frame(zeroed);
	EXPECT_EQ(byte_diff(p, 0), FRAME_SIZE);
	pattern_fill(p, 4, 1);
	kunmap_frame(p);

	ASSERT_EQ(vm_frame_new_copy(zeroed, &copy), 0);
	EXPECT_NE(copy, zeroed);
	EXPECT_EQ(pageinfo_type(pageinfo_of(copy)), PAGEINFO_USER);
	p = kmap_frame(copy);
	EXPECT_EQ(pattern_diff(p, 4, 1), FRAME_SIZE);
	kunmap_frame(p);
	p = kmap_frame(zeroed);
	EXPECT_EQ(pattern_diff(p, 4, 1), FRAME_SIZE);
	kunmap_frame(p);
	frame_free(copy);
	frame_free(zeroed);
}
