/* Host tests of the section builder and lookup (mm/section.c): synthetic memory maps with holes,
 * overlaps, unsorted input, unaligned edges, ranges of exactly 32768 and 32769 frames, reserved
 * ranges cut out of the middle, metadata placement; and random maps checked frame by frame
 * against a brute-force oracle. */
#include <stdlib.h>
#include <string.h>

#include "htest.h"
#include "kernel/boot_info.h"
#include "kernel/errno.h"
#include "mm/section.h"

#define KiB(x) ((paddr_t)(x) << 10)
#define MiB(x) ((paddr_t)(x) << 20)
#define FRAMES(n) ((paddr_t)(n) << FRAME_SHIFT)
#define U(base, size) { (base), (size), BOOT_MEM_USABLE }
#define R(base, size, type) { (base), (size), (type) }

struct map {
	struct boot_mem_range mem[64];
	unsigned n;
	struct boot_mem_range res[8];
	unsigned nres;
};

/* ---- The metadata callback: a heap buffer, refusing places outside [accept_lo, accept_hi) ---- */

static void *meta_buf;
static size_t meta_len;
static unsigned meta_calls;
static paddr_t accept_lo, accept_hi = PHYS_LIMIT;

static void *meta_cb(void *ctx, paddr_t base, size_t size)
{
	(void)ctx;
	meta_calls++;
	if (base < accept_lo || base + size > accept_hi)
		return NULL;
	free(meta_buf);
	meta_buf = malloc(size);
	memset(meta_buf, 0xa5, size);              /* the builder must zero it */
	meta_len = size;
	return meta_buf;
}

static struct section_table t;

static int build(const struct map *m)
{
	meta_calls = 0;
	return section_build(&t, m->mem, m->n, m->res, m->nres, meta_cb, NULL);
}

static void accept_all(void)
{
	accept_lo = 0;
	accept_hi = PHYS_LIMIT;
}

/* ---- Brute-force oracle: is the frame at A owned? ---- */

static bool clip(const struct boot_mem_range *r, paddr_t *lo, paddr_t *hi)
{
	if (r->size == 0 || r->base >= PHYS_LIMIT)
		return false;
	*lo = r->base;
	*hi = r->base + r->size < r->base || r->base + r->size > PHYS_LIMIT ? PHYS_LIMIT
									      : r->base + r->size;
	return true;
}

static bool oracle_owned(const struct map *m, paddr_t a)
{
	paddr_t b = a + FRAME_SIZE, lo, hi;
	if (b > PHYS_LIMIT)
		return false;
	/* Every byte covered by usable ranges. */
	paddr_t pos = a;
	for (bool progress = true; pos < b && progress;) {
		progress = false;
		for (unsigned i = 0; i < m->n; i++)
			if (m->mem[i].type == BOOT_MEM_USABLE && clip(&m->mem[i], &lo, &hi) &&
			    lo <= pos && pos < hi) {
				pos = hi;
				progress = true;
			}
	}
	if (pos < b)
		return false;
	/* No byte in a cut. */
	for (unsigned i = 0; i < m->n; i++)
		if (m->mem[i].type != BOOT_MEM_USABLE && clip(&m->mem[i], &lo, &hi) && lo < b && hi > a)
			return false;
	for (unsigned i = 0; i < m->nres; i++)
		if (clip(&m->res[i], &lo, &hi) && lo < b && hi > a)
			return false;
	if (t.meta_size && t.meta_base < b && t.meta_base + t.meta_size > a)
		return false;
	return true;
}

/* ---- Structural checks of the table ---- */

static bool in_meta(const void *p, size_t bytes)
{
	return (const char *)p >= (const char *)meta_buf &&
	       (const char *)p + bytes <= (const char *)meta_buf + meta_len;
}

static void check_table(void)
{
	pfn_t sum = 0;
	for (uint32_t i = 0; i < t.count; i++) {
		const struct section *s = &t.sections[i];
		EXPECT_EQ(s->index, i);
		EXPECT_GE(s->count, 1);
		EXPECT_LE(s->count, SECTION_MAX_FRAMES);
		if (i > 0)
			EXPECT_LE(t.sections[i - 1].base_pfn + t.sections[i - 1].count, s->base_pfn);
		EXPECT_TRUE(in_meta(s, sizeof(*s)));
		EXPECT_TRUE(in_meta(s->pages, s->count * sizeof(struct pageinfo)));
		EXPECT_TRUE(in_meta(s->free_map, (s->count + 63) / 64 * 8));
		if (i > 0) {
			EXPECT_PTR_EQ(s->pages, t.sections[i - 1].pages + t.sections[i - 1].count);
			EXPECT_PTR_EQ(s->free_map, t.sections[i - 1].free_map +
					(t.sections[i - 1].count + 63) / 64);
		}
		for (uint32_t f = 0; f < s->count; f++)
			if (atomic_load(&s->pages[f].refcount) || atomic_load(&s->pages[f].flags)) {
				htest_fail(__FILE__, __LINE__, "section %u frame %u: pageinfo not zeroed", i, f);
				break;
			}
		sum += s->count;
	}
	EXPECT_EQ(sum, t.total_frames);
	if (t.count) {
		EXPECT_TRUE(IS_ALIGNED(t.meta_base, (paddr_t)FRAME_SIZE));
		EXPECT_TRUE(IS_ALIGNED(t.meta_size, FRAME_SIZE));
		EXPECT_EQ(t.meta_size, meta_len);
		EXPECT_PTR_EQ(t.sections, meta_buf);
	}
}

/* Checks every frame below LIMIT against the oracle, and section_find's answer. */
static void check_against_oracle(const struct map *m, paddr_t limit)
{
	unsigned bad = 0;
	for (paddr_t a = 0; a < limit && bad < 5; a += FRAME_SIZE) {
		struct section *s = section_find(&t, paddr_to_pfn(a));
		bool owned = oracle_owned(m, a);
		if ((s != NULL) != owned) {
			htest_fail(__FILE__, __LINE__, "frame %#llx: oracle says %s, table says %s",
				   (unsigned long long)a, owned ? "owned" : "not owned",
				   s ? "owned" : "not owned");
			bad++;
		}
		if (s && (paddr_to_pfn(a) < s->base_pfn || paddr_to_pfn(a) >= s->base_pfn + s->count)) {
			htest_fail(__FILE__, __LINE__, "frame %#llx: section_find returned the wrong section",
				   (unsigned long long)a);
			bad++;
		}
	}
}

/* ---- Tests ---- */

HTEST(sections_empty_map)
{
	struct map m = { .n = 0 };
	accept_all();
	EXPECT_EQ(build(&m), 0);
	EXPECT_EQ(t.count, 0);
	EXPECT_EQ(t.total_frames, 0);
	EXPECT_EQ(t.meta_size, 0);
	EXPECT_EQ(meta_calls, 0);
	EXPECT_NULL(section_find(&t, 0));
}

HTEST(sections_no_usable_ram)
{
	struct map m = { .mem = { R(0, MiB(1), BOOT_MEM_RESERVED), R(MiB(1), MiB(8), BOOT_MEM_ACPI_NVS),
				  U(MiB(16), KiB(2)) }, .n = 3 };
	accept_all();
	EXPECT_EQ(build(&m), 0);
	EXPECT_EQ(t.count, 0);
	EXPECT_EQ(meta_calls, 0);
}

HTEST(sections_single_range_metadata_at_start)
{
	struct map m = { .mem = { U(MiB(1), MiB(16)) }, .n = 1 };
	accept_all();
	ASSERT_EQ(build(&m), 0);
	check_table();
	ASSERT_EQ(t.count, 1);
	EXPECT_EQ(t.meta_base, MiB(1));
	EXPECT_EQ(t.sections[0].base_pfn, paddr_to_pfn(MiB(1) + t.meta_size));
	EXPECT_EQ(t.total_frames, 4096 - t.meta_size / FRAME_SIZE);
	/* 4096 frames: 32 KiB of pageinfo plus table and bitmap fit in 9 frames. */
	EXPECT_GE(t.meta_size, 4096 * sizeof(struct pageinfo));
	EXPECT_LE(t.meta_size, FRAMES(9));
	check_against_oracle(&m, MiB(20));
}

HTEST(sections_hole_between_ranges)
{
	struct map m = { .mem = { U(0, 0x9f000), R(0x9f000, 0x61000, BOOT_MEM_RESERVED),
				  U(MiB(1), MiB(7)) }, .n = 3 };
	accept_all();
	ASSERT_EQ(build(&m), 0);
	check_table();
	ASSERT_EQ(t.count, 2);
	EXPECT_EQ(t.meta_base, 0);                 /* the low range is big enough */
	EXPECT_EQ(pfn_to_paddr(t.sections[0].base_pfn), t.meta_size);
	EXPECT_EQ(pfn_to_paddr(t.sections[0].base_pfn + t.sections[0].count), 0x9f000);
	EXPECT_EQ(pfn_to_paddr(t.sections[1].base_pfn), MiB(1));
	EXPECT_EQ(t.sections[1].count, 7 * 256);
	EXPECT_NULL(section_find(&t, paddr_to_pfn(0x9f000)));
	EXPECT_NULL(section_find(&t, paddr_to_pfn(0xff000)));
	EXPECT_NULL(section_find(&t, paddr_to_pfn(MiB(8))));
	check_against_oracle(&m, MiB(10));
}

HTEST(sections_overlapping_and_adjacent_usable_ranges_merge)
{
	struct map m = { .mem = { U(MiB(1), MiB(3)), U(MiB(3), MiB(2)), U(MiB(5), MiB(1)),
				  U(MiB(2), KiB(4)) }, .n = 4 };
	accept_all();
	ASSERT_EQ(build(&m), 0);
	check_table();
	ASSERT_EQ(t.count, 1);
	EXPECT_EQ(pfn_to_paddr(t.sections[0].base_pfn + t.sections[0].count), MiB(6));
	EXPECT_EQ(t.total_frames + t.meta_size / FRAME_SIZE, 5 * 256);
	check_against_oracle(&m, MiB(8));
}

HTEST(sections_unsorted_input_gives_sorted_sections)
{
	struct map m = { .mem = { U(MiB(64), MiB(4)), U(MiB(8), MiB(4)), U(MiB(32), MiB(4)),
				  U(MiB(1), MiB(1)) }, .n = 4 };
	accept_all();
	ASSERT_EQ(build(&m), 0);
	check_table();
	ASSERT_EQ(t.count, 4);
	EXPECT_EQ(t.meta_base, MiB(1));
	EXPECT_EQ(pfn_to_paddr(t.sections[1].base_pfn), MiB(8));
	EXPECT_EQ(pfn_to_paddr(t.sections[2].base_pfn), MiB(32));
	EXPECT_EQ(pfn_to_paddr(t.sections[3].base_pfn), MiB(64));
	check_against_oracle(&m, MiB(70));
}

/* A map whose metadata goes to a small low range, so the big range keeps its exact size. */
static struct map big_range_map(pfn_t frames)
{
	struct map m = { .mem = { U(MiB(512), FRAMES(frames)), U(MiB(1), MiB(1)) }, .n = 2 };
	return m;
}

HTEST(sections_range_of_exactly_32768_frames_is_one_section)
{
	struct map m = big_range_map(32768);
	accept_all();
	ASSERT_EQ(build(&m), 0);
	check_table();
	EXPECT_EQ(t.meta_base, MiB(1));
	ASSERT_EQ(t.count, 2);
	const struct section *s = &t.sections[1];
	EXPECT_EQ(pfn_to_paddr(s->base_pfn), MiB(512));
	EXPECT_EQ(s->count, 32768);
	EXPECT_PTR_EQ(section_find(&t, s->base_pfn), s);
	EXPECT_PTR_EQ(section_find(&t, s->base_pfn + 32767), s);
	EXPECT_NULL(section_find(&t, s->base_pfn + 32768));
	EXPECT_NULL(section_find(&t, s->base_pfn - 1));
}

HTEST(sections_range_of_32769_frames_is_two_sections)
{
	struct map m = big_range_map(32769);
	accept_all();
	ASSERT_EQ(build(&m), 0);
	check_table();
	ASSERT_EQ(t.count, 3);
	const struct section *a = &t.sections[1], *b = &t.sections[2];
	EXPECT_EQ(a->count, 32768);
	EXPECT_EQ(b->count, 1);
	EXPECT_EQ(b->base_pfn, a->base_pfn + 32768);
	EXPECT_PTR_EQ(section_find(&t, a->base_pfn + 32767), a);
	EXPECT_PTR_EQ(section_find(&t, a->base_pfn + 32768), b);   /* the frame after a's last */
	EXPECT_NULL(section_find(&t, b->base_pfn + 1));
	EXPECT_EQ(t.total_frames, 32769 + 256 - t.meta_size / FRAME_SIZE);
}

HTEST(sections_long_range_is_split_into_full_sections)
{
	struct map m = big_range_map(3 * 32768 + 1000);
	accept_all();
	ASSERT_EQ(build(&m), 0);
	check_table();
	ASSERT_EQ(t.count, 5);
	for (int i = 1; i <= 3; i++)
		EXPECT_EQ(t.sections[i].count, 32768);
	EXPECT_EQ(t.sections[4].count, 1000);
	EXPECT_EQ(pfn_to_paddr(t.sections[4].base_pfn + 1000), MiB(512) + FRAMES(3 * 32768 + 1000));
}

HTEST(sections_reserved_cut_out_of_the_middle)
{
	/* The reserved range is unaligned: it takes the two frames it touches. */
	struct map m = { .mem = { U(MiB(1), MiB(63)) }, .n = 1,
			 .res = { { MiB(8) + 0x800, 0x1000, BOOT_MEM_USABLE } }, .nres = 1 };
	accept_all();
	ASSERT_EQ(build(&m), 0);
	check_table();
	ASSERT_EQ(t.count, 2);
	EXPECT_EQ(pfn_to_paddr(t.sections[0].base_pfn + t.sections[0].count), MiB(8));
	EXPECT_EQ(pfn_to_paddr(t.sections[1].base_pfn), MiB(8) + 0x2000);
	EXPECT_NULL(section_find(&t, paddr_to_pfn(MiB(8))));
	EXPECT_NULL(section_find(&t, paddr_to_pfn(MiB(8) + 0x1000)));
	EXPECT_NOT_NULL(section_find(&t, paddr_to_pfn(MiB(8) - 0x1000)));
	EXPECT_NOT_NULL(section_find(&t, paddr_to_pfn(MiB(8) + 0x2000)));
	EXPECT_EQ(t.total_frames + t.meta_size / FRAME_SIZE + 2, 63 * 256);
	check_against_oracle(&m, MiB(66));
}

HTEST(sections_reserved_ranges_overlapping_each_other_and_the_edges)
{
	struct map m = { .mem = { U(MiB(1), MiB(31)) }, .n = 1,
			 .res = { { MiB(1), MiB(2), BOOT_MEM_USABLE }, { MiB(2), MiB(2), BOOT_MEM_USABLE },
				  { MiB(31), MiB(4), BOOT_MEM_USABLE }, { MiB(10), 0, BOOT_MEM_USABLE } },
			 .nres = 4 };
	accept_all();
	ASSERT_EQ(build(&m), 0);
	check_table();
	EXPECT_EQ(t.meta_base, MiB(4));
	EXPECT_EQ(t.total_frames + t.meta_size / FRAME_SIZE, 27 * 256);
	check_against_oracle(&m, MiB(40));
}

HTEST(sections_unaligned_usable_ranges_round_inward)
{
	struct map m = { .mem = { U(0x1800, 0x5000 - 0x1800), U(MiB(1), MiB(1)) }, .n = 2 };
	accept_lo = MiB(1);
	accept_hi = PHYS_LIMIT;
	ASSERT_EQ(build(&m), 0);
	check_table();
	ASSERT_EQ(t.count, 2);
	EXPECT_EQ(pfn_to_paddr(t.sections[0].base_pfn), 0x2000);
	EXPECT_EQ(t.sections[0].count, 3);
	EXPECT_NULL(section_find(&t, 1));
	EXPECT_NULL(section_find(&t, 5));
	check_against_oracle(&m, MiB(3));
	accept_all();
}

HTEST(sections_split_usable_ranges_keep_a_frame_they_share)
{
	/* Two usable ranges meeting in the middle of a frame: together they cover it whole. */
	struct map m = { .mem = { U(MiB(1), MiB(1)), U(0x400000, 0x1800), U(0x401800, 0x2800) },
			 .n = 3 };
	accept_all();
	ASSERT_EQ(build(&m), 0);
	check_table();
	ASSERT_EQ(t.count, 2);
	EXPECT_EQ(pfn_to_paddr(t.sections[1].base_pfn), 0x400000);
	EXPECT_EQ(t.sections[1].count, 4);
	check_against_oracle(&m, MiB(5));
}

HTEST(sections_non_usable_type_wins_over_usable)
{
	struct map m = { .mem = { U(0, MiB(16)), R(MiB(4), MiB(1), BOOT_MEM_RESERVED),
				  R(MiB(9) + 0x10, 0x10, BOOT_MEM_FW_RUNTIME), R(MiB(12), MiB(8), BOOT_MEM_BAD) },
			 .n = 4 };
	accept_all();
	ASSERT_EQ(build(&m), 0);
	check_table();
	ASSERT_EQ(t.count, 3);
	EXPECT_NULL(section_find(&t, paddr_to_pfn(MiB(4))));
	EXPECT_NULL(section_find(&t, paddr_to_pfn(MiB(9))));
	EXPECT_NOT_NULL(section_find(&t, paddr_to_pfn(MiB(9) + 0x1000)));
	EXPECT_NULL(section_find(&t, paddr_to_pfn(MiB(12))));
	EXPECT_EQ(pfn_to_paddr(t.sections[2].base_pfn + t.sections[2].count), MiB(12));
	check_against_oracle(&m, MiB(24));
}

HTEST(sections_metadata_in_first_run_big_enough)
{
	/* 4 frames at 64 KiB are too small for the metadata: they stay a section of their own. */
	struct map m = { .mem = { U(KiB(64), FRAMES(4)), U(MiB(2), MiB(30)) }, .n = 2 };
	accept_all();
	ASSERT_EQ(build(&m), 0);
	check_table();
	EXPECT_GT(t.meta_size, FRAMES(4));
	EXPECT_EQ(t.meta_base, MiB(2));
	ASSERT_EQ(t.count, 2);
	EXPECT_EQ(t.sections[0].count, 4);
	EXPECT_EQ(pfn_to_paddr(t.sections[1].base_pfn), MiB(2) + t.meta_size);
	EXPECT_NULL(section_find(&t, paddr_to_pfn(MiB(2))));
	EXPECT_NULL(section_find(&t, paddr_to_pfn(MiB(2) + t.meta_size - 1)));
}

HTEST(sections_metadata_respects_the_callback)
{
	/* Like i686: only the low 768 MiB are in the direct map, and the first run is refused. */
	struct map m = { .mem = { U(MiB(1), MiB(60)), U(MiB(64), MiB(4000)) }, .n = 2 };
	accept_lo = MiB(62);
	accept_hi = MiB(768);
	ASSERT_EQ(build(&m), 0);
	check_table();
	EXPECT_EQ(t.meta_base, MiB(64));
	EXPECT_EQ(meta_calls, 2);
	EXPECT_EQ(t.total_frames + t.meta_size / FRAME_SIZE, (60 + 4000) * 256);
	/* Nothing acceptable: -ENOMEM and an empty table. */
	accept_lo = MiB(8);
	accept_hi = MiB(9);
	EXPECT_EQ(build(&m), -ENOMEM);
	EXPECT_EQ(t.count, 0);
	EXPECT_NULL(section_find(&t, paddr_to_pfn(MiB(100))));
	accept_all();
}

HTEST(sections_top_of_the_physical_address_space)
{
	struct map m = { .mem = { U(MiB(1), MiB(1)), U(PHYS_LIMIT - FRAMES(4), FRAMES(16)),
				  U(PHYS_LIMIT + MiB(1), MiB(1)), U(~(paddr_t)0 - 0xfff, 0x2000),
				  U(~(paddr_t)0 - MiB(1), MiB(2)) }, .n = 5 };
	accept_all();
	ASSERT_EQ(build(&m), 0);
	check_table();
	ASSERT_EQ(t.count, 2);
	EXPECT_EQ(pfn_to_paddr(t.sections[1].base_pfn), PHYS_LIMIT - FRAMES(4));
	EXPECT_EQ(t.sections[1].count, 4);
	EXPECT_NULL(section_find(&t, paddr_to_pfn(PHYS_LIMIT)));
	EXPECT_NULL(section_find(&t, paddr_to_pfn(~(paddr_t)0)));
}

HTEST(sections_many_ranges_lookup_edges)
{
	/* 64 ranges of varying length with holes, some adjacent pairs (split at different types). */
	struct map m = { .n = 0 };
	paddr_t base = MiB(1);
	for (unsigned i = 0; i < 64; i++) {
		paddr_t size = FRAMES(1 + (i * 37) % 200);
		m.mem[m.n++] = (struct boot_mem_range)U(base, size);
		base += size + (i % 3 == 0 ? 0 : FRAMES(1 + i % 5));
	}
	accept_all();
	ASSERT_EQ(build(&m), 0);
	check_table();
	for (uint32_t i = 0; i < t.count; i++) {
		const struct section *s = &t.sections[i];
		EXPECT_PTR_EQ(section_find(&t, s->base_pfn), s);
		EXPECT_PTR_EQ(section_find(&t, s->base_pfn + s->count - 1), s);
		const struct section *after = section_find(&t, s->base_pfn + s->count);
		if (i + 1 < t.count && t.sections[i + 1].base_pfn == s->base_pfn + s->count)
			EXPECT_PTR_EQ(after, &t.sections[i + 1]);
		else
			EXPECT_NULL(after);
	}
	check_against_oracle(&m, base + MiB(1));
}

HTEST(sections_boot_info_map_sum_is_usable_minus_reserved)
{
	/* A QEMU-like x86 map built the way the boot code builds it. */
	static struct boot_info bi;
	memset(&bi, 0, sizeof(bi));
	EXPECT_TRUE(boot_mem_add(&bi, 0, 0x9fc00, BOOT_MEM_USABLE));
	EXPECT_TRUE(boot_mem_add(&bi, 0x9fc00, 0x400, BOOT_MEM_RESERVED));
	EXPECT_TRUE(boot_mem_add(&bi, 0xf0000, 0x10000, BOOT_MEM_RESERVED));
	EXPECT_TRUE(boot_mem_add(&bi, MiB(1), MiB(127) - 0x20000, BOOT_MEM_USABLE));
	EXPECT_TRUE(boot_mem_add(&bi, MiB(128) - 0x20000, 0x20000, BOOT_MEM_RESERVED));
	EXPECT_TRUE(boot_mem_add(&bi, 0xfffc0000, 0x40000, BOOT_MEM_RESERVED));
	EXPECT_TRUE(boot_reserve(&bi, MiB(1), MiB(2) + 0x345));     /* kernel image */
	EXPECT_TRUE(boot_reserve(&bi, 0x9000, 0x1000));             /* boot info */
	EXPECT_TRUE(boot_reserve(&bi, MiB(4), MiB(1)));             /* a module */
	ASSERT_EQ(section_build(&t, bi.mem, bi.mem_count, bi.reserved, bi.reserved_count, meta_cb,
				NULL), 0);
	check_table();
	/* usable frames: 159 below 640 KiB, (127 MiB - 128 KiB) above 1 MiB */
	pfn_t usable = 159 + (MiB(127) - 0x20000) / FRAME_SIZE;
	pfn_t reserved = (MiB(2) + 0x1000) / FRAME_SIZE + 1 + 256;
	EXPECT_EQ(t.total_frames, usable - reserved - t.meta_size / FRAME_SIZE);
	EXPECT_LT(t.meta_base, 0x9f000);            /* 32K frames of metadata fit below 640 KiB */
	struct map m = { .n = bi.mem_count, .nres = bi.reserved_count };
	memcpy(m.mem, bi.mem, sizeof(bi.mem[0]) * bi.mem_count);
	memcpy(m.res, bi.reserved, sizeof(bi.reserved[0]) * bi.reserved_count);
	check_against_oracle(&m, MiB(130));
}

HTEST(sections_pageinfo_of_through_the_installed_table)
{
	struct map m = { .mem = { U(MiB(1), MiB(15)) }, .n = 1 };
	accept_all();
	ASSERT_EQ(build(&m), 0);
	section_table_install(&t);
	EXPECT_PTR_EQ(section_table_active(), &t);
	const struct section *s = &t.sections[0];
	paddr_t p = pfn_to_paddr(s->base_pfn + 10);
	EXPECT_PTR_EQ(pageinfo_of(p), &s->pages[10]);
	EXPECT_PTR_EQ(pageinfo_of(p + 0xfff), &s->pages[10]);
	EXPECT_PTR_EQ(pageinfo_of_pfn(s->base_pfn + 10), &s->pages[10]);
	EXPECT_NULL(pageinfo_of(0xfee00000));      /* the local APIC */
	EXPECT_NULL(pageinfo_of(0x09000000 + MiB(1000)));
	EXPECT_NULL(pageinfo_of(t.meta_base));
	section_table_install(NULL);
	EXPECT_NULL(pageinfo_of(p));
}

/* Deterministic pseudo-random numbers (a 64-bit LCG), so failures reproduce. */
static uint64_t rng_state = 0x2545f4914f6cdd1dull;
static uint64_t rng(uint64_t n)
{
	rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
	return (rng_state >> 33) % n;
}

HTEST(sections_random_maps_match_the_oracle)
{
	const paddr_t window = FRAMES(80000);       /* 312 MiB: room for ranges over 32768 frames */
	unsigned long sections = 0, full = 0, refused = 0;
	for (int iter = 0; iter < 200 && !htest_failures(); iter++) {
		struct map m = { .n = 1 + (unsigned)rng(12), .nres = (unsigned)rng(5) };
		for (unsigned i = 0; i < m.n; i++) {
			paddr_t base = rng(2) ? FRAMES(rng(80000)) : rng(window);
			paddr_t size = rng(4) ? FRAMES(rng(40000)) : rng(MiB(4));
			static const enum boot_mem_type types[] = { BOOT_MEM_RESERVED, BOOT_MEM_ACPI_RECLAIM,
								    BOOT_MEM_FW_RUNTIME, BOOT_MEM_BAD };
			enum boot_mem_type type = rng(3) ? BOOT_MEM_USABLE : types[rng(4)];
			m.mem[i] = (struct boot_mem_range){ base, size, type };
		}
		for (unsigned i = 0; i < m.nres; i++)
			m.res[i] = (struct boot_mem_range){ rng(window), rng(MiB(8)), BOOT_MEM_USABLE };
		accept_lo = rng(2) ? 0 : FRAMES(rng(40000));
		accept_hi = PHYS_LIMIT;
		int err = build(&m);
		if (err) {
			EXPECT_EQ(err, -ENOMEM);
			EXPECT_EQ(t.count, 0);
			refused++;
			continue;
		}
		check_table();
		sections += t.count;
		for (uint32_t i = 0; i < t.count; i++)
			full += t.sections[i].count == SECTION_MAX_FRAMES;
		if (t.count)
			EXPECT_GE(t.meta_base, accept_lo);
		check_against_oracle(&m, window + MiB(8));
	}
	htest_log("%lu sections, %lu of them full, %lu maps without room for metadata", sections,
		  full, refused);
	EXPECT_GT(full, 10);
	accept_all();
}
