/* Host tests of the frame allocator (mm/frame.c) and mm_init, over fake RAM (fake_ram.c): alloc
 * until empty, free, counts, contiguous runs (alignment, disjointness, failure), the O(1) single
 * path, the debug junk fill, the panics on bad frees, frames beyond the direct map (i686), and
 * the bitmap invariants after each of those. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fake_ram.h"
#include "host_kernel.h"
#include "htest.h"
#include "kernel/boot_info.h"
#include "kernel/errno.h"
#include "mm/arch_mmu.h"
#include "mm/frame.h"
#include "mm/frame_bench.h"
#include "mm/mm.h"

#define MiB(x) ((paddr_t)(x) << 20)
#define RAM_TOP MiB(32)
#define MAX_PFN (MiB(80) >> FRAME_SHIFT)        /* the biggest fake RAM of these tests */

static struct boot_info bi;

/* The fake machine: 636 KiB of low memory, 1-16 MiB with the kernel at 1-2 MiB, a firmware hole,
 * 20-28 MiB; direct map below DIRECT_LIMIT. */
static void machine(paddr_t direct_limit)
{
	memset(&bi, 0, sizeof(bi));
	boot_mem_add(&bi, 0, 0x9fc00, BOOT_MEM_USABLE);
	boot_mem_add(&bi, 0xf0000, 0x10000, BOOT_MEM_RESERVED);
	boot_mem_add(&bi, MiB(1), MiB(15), BOOT_MEM_USABLE);
	boot_mem_add(&bi, MiB(16), MiB(1), BOOT_MEM_FW_RUNTIME);
	boot_mem_add(&bi, MiB(20), MiB(8), BOOT_MEM_USABLE);
	boot_reserve(&bi, MiB(1), MiB(1));
	fake_ram_init(0, RAM_TOP, direct_limit);
	host_console_clear();
	mm_init(&bi);
}

/* Checks the allocator's bookkeeping against its bitmaps (white box). */
static void check_bitmaps(void)
{
	const struct section_table *t = section_table_active();
	uint64_t free_total = 0;
	for (uint32_t n = 0; n < t->count; n++) {
		const struct section *s = &t->sections[n];
		uint32_t nwords = (s->count + 63) / 64, set = 0;
		for (uint32_t j = 0; j < nwords; j++) {
			uint64_t w = s->free_map[j];
			set += (uint32_t)__builtin_popcountll(w);
			if (((s->free_sum[j / 64] >> (j % 64)) & 1) != (w != 0))
				htest_fail(__FILE__, __LINE__, "section %u: summary bit of word %u wrong", n, j);
		}
		if (s->count % 64)
			EXPECT_EQ(s->free_map[nwords - 1] >> (s->count % 64), 0);
		for (uint32_t k = 0; k < SECTION_SUM_WORDS; k++)
			if (((s->free_top >> k) & 1) != (s->free_sum[k] != 0))
				htest_fail(__FILE__, __LINE__, "section %u: top bit %u wrong", n, k);
		EXPECT_EQ(set, s->free_count);
		for (uint32_t i = 0; i < s->count; i++) {
			bool is_free = (s->free_map[i / 64] >> (i % 64)) & 1;
			if (is_free != (pageinfo_type(&s->pages[i]) == PAGEINFO_FREE)) {
				htest_fail(__FILE__, __LINE__, "section %u frame %u: bitmap and type disagree",
					   n, i);
				break;
			}
		}
		free_total += s->free_count;
		if (!s->free_count) {
			EXPECT_EQ(s->avail_prev, -1);
			EXPECT_EQ(s->avail_next, -1);
		}
	}
	EXPECT_EQ(free_total, frame_count_free());

	/* The list of sections with free frames: one head, links agree, every such section on it. */
	int32_t head = -1;
	uint32_t with_free = 0, heads = 0, walked = 0;
	for (uint32_t n = 0; n < t->count; n++) {
		if (!t->sections[n].free_count)
			continue;
		with_free++;
		if (t->sections[n].avail_prev < 0) {
			head = (int32_t)n;
			heads++;
		}
	}
	EXPECT_EQ(heads, with_free ? 1 : 0);
	for (int32_t i = head, prev = -1; i >= 0 && walked <= t->count; i = t->sections[i].avail_next) {
		EXPECT_EQ(t->sections[i].avail_prev, prev);
		EXPECT_GT(t->sections[i].free_count, 0);
		prev = i;
		walked++;
	}
	EXPECT_EQ(walked, with_free);
}

static void write_pattern(paddr_t frame, uint64_t tag)
{
	uint64_t *p = kmap_frame(frame);
	for (size_t i = 0; i < FRAME_SIZE / 8; i += 64)
		p[i] = tag ^ (i * 0x9e3779b97f4a7c15ull);
	kunmap_frame(p);
}

static bool check_pattern(paddr_t frame, uint64_t tag)
{
	const uint64_t *p = kmap_frame(frame);
	bool ok = true;
	for (size_t i = 0; i < FRAME_SIZE / 8; i += 64)
		ok &= p[i] == (tag ^ (i * 0x9e3779b97f4a7c15ull));
	kunmap_frame((void *)p);
	return ok;
}

static paddr_t frames[MAX_PFN];
static unsigned char owner[MAX_PFN];       /* who holds each frame in the test: 0 = nobody */

/* Allocates single frames until the allocator says no; returns how many. */
static size_t alloc_all(void)
{
	size_t n = 0;
	paddr_t p;
	while (n < MAX_PFN && frame_alloc(&p) == 0)
		frames[n++] = p;
	return n;
}

HTEST(mm_init_prints_the_boot_line)
{
	machine(RAM_TOP);
	char expected[160];
	snprintf(expected, sizeof(expected),
		 "mm: 3 sections, %llu frames (%llu MiB), PageInfo 8 B, overhead %llu KiB\n",
		 (unsigned long long)mm_sections.total_frames,
		 (unsigned long long)(mm_sections.total_frames >> 8),
		 (unsigned long long)(mm_sections.meta_size >> 10));
	EXPECT_STREQ(host_console_text(), expected);
	EXPECT_EQ(mm_sections.count, 3);
	EXPECT_PTR_EQ(section_table_active(), &mm_sections);
	/* 159 low frames + 14 MiB + 8 MiB, minus the metadata. */
	EXPECT_EQ(mm_sections.total_frames + mm_sections.meta_size / FRAME_SIZE, 159 + 22 * 256);
	EXPECT_EQ(frame_count_total(), mm_sections.total_frames);
	EXPECT_EQ(frame_count_free(), mm_sections.total_frames);
	check_bitmaps();
}

HTEST(mm_init_panics_without_room_in_the_direct_map)
{
	memset(&bi, 0, sizeof(bi));
	boot_mem_add(&bi, MiB(1), MiB(15), BOOT_MEM_USABLE);
	fake_ram_init(0, RAM_TOP, MiB(1));
	EXPECT_PANIC(mm_init(&bi));
	EXPECT_STRSTR(htest_panic_message, "mm_init: no room in the direct map");
	EXPECT_STRSTR(htest_panic_message, "usable=15360 KiB");
}

HTEST(frame_alloc_until_empty_write_read_free_all)
{
	machine(RAM_TOP);
	uint64_t start = frame_count_free();
	size_t n = alloc_all();
	EXPECT_EQ(n, start);
	EXPECT_EQ(frame_count_free(), 0);
	paddr_t p;
	EXPECT_EQ(frame_alloc(&p), -ENOMEM);
	EXPECT_EQ(frame_alloc_contig(2, 1, &p), -ENOMEM);

	memset(owner, 0, sizeof(owner));
	for (size_t i = 0; i < n; i++) {
		pfn_t pfn = paddr_to_pfn(frames[i]);
		ASSERT_LT(pfn, MAX_PFN);
		ASSERT_TRUE(IS_ALIGNED(frames[i], (paddr_t)FRAME_SIZE));
		if (owner[pfn]++)
			htest_fail(__FILE__, __LINE__, "frame %#llx handed out twice",
				   (unsigned long long)frames[i]);
		struct pageinfo *pi = pageinfo_of(frames[i]);
		ASSERT_NOT_NULL(pi);
		EXPECT_EQ(pageinfo_type(pi), PAGEINFO_ALLOCATED);
		EXPECT_EQ(pageinfo_refcount(pi), 0);
		EXPECT_FALSE(frame_is_free(frames[i]));
		write_pattern(frames[i], i);
	}
	/* Never the kernel, the metadata, the firmware or a hole. */
	for (pfn_t pfn = 0; pfn < MAX_PFN; pfn++)
		if (owner[pfn] != (pageinfo_of_pfn(pfn) != NULL))
			htest_fail(__FILE__, __LINE__, "pfn %#llx: owner %u", (unsigned long long)pfn,
				   owner[pfn]);
	check_bitmaps();

	size_t bad = 0;
	for (size_t i = 0; i < n; i++)
		bad += !check_pattern(frames[i], i);
	EXPECT_EQ(bad, 0);
	for (size_t i = 0; i < n; i++)
		frame_free(frames[i]);
	EXPECT_EQ(frame_count_free(), start);
	check_bitmaps();
#if MM_DEBUG
	for (size_t i = 0; i < n; i++)
		bad += !frame_is_junk(frames[i]);
	EXPECT_EQ(bad, 0);
#endif
	/* Still works, and hands out everything again. */
	EXPECT_EQ(alloc_all(), start);
	for (size_t i = 0; i < n; i++)
		frame_free(frames[i]);
	EXPECT_EQ(frame_count_free(), start);
}

HTEST(frame_alloc_reads_three_words_whatever_the_state)
{
	/* Many small sections (holes between them), all full but the last frame of the last one. */
	memset(&bi, 0, sizeof(bi));
	for (int i = 0; i < 100; i++)
		boot_mem_add(&bi, MiB(1) + (paddr_t)i * 0x30000, 0x20000 + (paddr_t)(i % 7) * 0x1000,
			     BOOT_MEM_USABLE);
	fake_ram_init(0, RAM_TOP, RAM_TOP);
	mm_init(&bi);
	EXPECT_GE(mm_sections.count, 99);
	size_t n = alloc_all();
	const struct section *last = &mm_sections.sections[mm_sections.count - 1];
	paddr_t last_frame = pfn_to_paddr(last->base_pfn + last->count - 1);
	frame_free(last_frame);
	frame_free(frames[n / 2]);
	check_bitmaps();
	paddr_t p;
	for (int round = 0; round < 2; round++) {
		unsigned long before = frame_debug_words_read();
		ASSERT_EQ(frame_alloc(&p), 0);
#if MM_DEBUG
		EXPECT_EQ(frame_debug_words_read() - before, 3);
#else
		(void)before;
#endif
	}
	unsigned long before = frame_debug_words_read();
	EXPECT_EQ(frame_alloc(&p), -ENOMEM);
	EXPECT_EQ(frame_debug_words_read(), before);
	for (size_t i = 0; i < n; i++)
		frame_free(frames[i]);
	EXPECT_EQ(frame_count_free(), frame_count_total());
	check_bitmaps();
}

struct run {
	size_t count, align;
	paddr_t base;
};

HTEST(frame_contig_runs_are_contiguous_aligned_and_disjoint)
{
	machine(RAM_TOP);
	uint64_t start = frame_count_free();
	struct run runs[] = { { 2, 1 }, { 3, 1 }, { 16, 16 }, { 5, 8 }, { 64, 64 }, { 100, 1 },
			      { 1, 512 }, { 256, 256 }, { 17, 4 }, { 1, 1 }, { 1000, 1024 } };
	memset(owner, 0, sizeof(owner));
	for (size_t r = 0; r < ARRAY_SIZE(runs); r++) {
		struct run *run = &runs[r];
		ASSERT_EQ(frame_alloc_contig(run->count, run->align, &run->base), 0);
		pfn_t first = paddr_to_pfn(run->base);
		EXPECT_EQ(first % run->align, 0);
		const struct section *s = section_find(&mm_sections, first);
		ASSERT_NOT_NULL(s);
		EXPECT_LE(first + run->count, s->base_pfn + s->count);
		for (size_t f = 0; f < run->count; f++) {
			ASSERT_LT(first + f, MAX_PFN);
			if (owner[first + f]++)
				htest_fail(__FILE__, __LINE__, "run %zu overlaps another at pfn %#llx", r,
					   (unsigned long long)(first + f));
			EXPECT_PTR_EQ(pageinfo_of_pfn(first + f), &s->pages[first + f - s->base_pfn]);
			EXPECT_FALSE(frame_is_free(pfn_to_paddr(first + f)));
			write_pattern(pfn_to_paddr(first + f), r);
		}
	}
	EXPECT_EQ(frame_count_free(), start - (2 + 3 + 16 + 5 + 64 + 100 + 1 + 256 + 17 + 1 + 1000));
	check_bitmaps();
	/* Everything else as single frames: none inside a run. */
	size_t n = alloc_all();
	for (size_t i = 0; i < n; i++)
		if (owner[paddr_to_pfn(frames[i])]++)
			htest_fail(__FILE__, __LINE__, "frame %#llx is inside a run",
				   (unsigned long long)frames[i]);
	for (size_t r = 0; r < ARRAY_SIZE(runs); r++)
		for (size_t f = 0; f < runs[r].count; f++)
			EXPECT_TRUE(check_pattern(runs[r].base + f * FRAME_SIZE, r));
	for (size_t i = 0; i < n; i++)
		frame_free(frames[i]);
	for (size_t r = 0; r < ARRAY_SIZE(runs); r++)
		frame_free_contig(runs[r].base, runs[r].count);
	EXPECT_EQ(frame_count_free(), start);
	check_bitmaps();
}

HTEST(frame_contig_first_fit_from_the_lowest_frame)
{
	machine(RAM_TOP);
	const struct section *s0 = &mm_sections.sections[0];
	paddr_t p;
	ASSERT_EQ(frame_alloc_contig(4, 1, &p), 0);
	EXPECT_EQ(p, pfn_to_paddr(s0->base_pfn));
	paddr_t q;
	ASSERT_EQ(frame_alloc_contig(8, 8, &q), 0);
	EXPECT_EQ(q, pfn_to_paddr(ALIGN_UP(s0->base_pfn + 4, (pfn_t)8)));
	/* Bigger than the low section: the next section that has room. */
	paddr_t big;
	ASSERT_EQ(frame_alloc_contig(1024, 1, &big), 0);
	EXPECT_EQ(big, pfn_to_paddr(mm_sections.sections[1].base_pfn));
	frame_free_contig(p, 4);
	frame_free_contig(q, 8);
	/* A run can be given back in parts. */
	frame_free_contig(big, 24);
	frame_free(big + 24 * FRAME_SIZE);
	frame_free_contig(big + 25 * FRAME_SIZE, 1024 - 25);
	EXPECT_EQ(frame_count_free(), frame_count_total());
	check_bitmaps();
}

HTEST(frame_contig_finds_exact_fits_anywhere_in_a_big_section)
{
	/* One 64 MiB range: a section of 16384 frames, whose bitmap spans 4 summary words. */
	memset(&bi, 0, sizeof(bi));
	boot_mem_add(&bi, MiB(1), MiB(64), BOOT_MEM_USABLE);
	fake_ram_init(0, MiB(80), MiB(80));
	mm_init(&bi);
	ASSERT_EQ(mm_sections.count, 1);
	pfn_t base = mm_sections.sections[0].base_pfn;
	ASSERT_GE(mm_sections.sections[0].count, 16000);
	size_t n = alloc_all();
	EXPECT_EQ(frame_count_free(), 0);

	/* Holes: 5 frames in word 1; 7 frames across the word 63/64 boundary (summary words 0 and
	 * 1); 9 frames far up in summary word 3; 2 frames at an even frame number near the end. */
	pfn_t a = base + 100, b = base + 4096 - 3, c = base + 13000;
	pfn_t d = ALIGN_UP(base + 15990, (pfn_t)2);
	frame_free_contig(pfn_to_paddr(a), 5);
	frame_free_contig(pfn_to_paddr(b), 7);
	frame_free_contig(pfn_to_paddr(c), 9);
	frame_free_contig(pfn_to_paddr(d), 2);
	check_bitmaps();
	paddr_t p;
	EXPECT_EQ(frame_alloc_contig(10, 1, &p), -ENOMEM);
	ASSERT_EQ(frame_alloc_contig(9, 1, &p), 0);
	EXPECT_EQ(paddr_to_pfn(p), c);
	ASSERT_EQ(frame_alloc_contig(7, 1, &p), 0);
	EXPECT_EQ(paddr_to_pfn(p), b);
	ASSERT_EQ(frame_alloc_contig(5, 1, &p), 0);
	EXPECT_EQ(paddr_to_pfn(p), a);
	ASSERT_EQ(frame_alloc_contig(2, 2, &p), 0);       /* found through the summary */
	EXPECT_EQ(paddr_to_pfn(p), d);
	EXPECT_EQ(frame_count_free(), 0);
	for (size_t i = 0; i < n; i++)         /* the holes are allocated again: all of frames[] */
		frame_free(frames[i]);
	EXPECT_EQ(frame_count_free(), frame_count_total());
	check_bitmaps();
}

HTEST(frame_contig_fits_right_after_a_used_frame_and_at_the_section_end)
{
	machine(RAM_TOP);
	size_t n = alloc_all();
	const struct section *s = &mm_sections.sections[1];
	pfn_t x = s->base_pfn + 10, end = s->base_pfn + s->count;
	frame_free_contig(pfn_to_paddr(x), 3);           /* x..x+2 free, x+3 used, */
	frame_free_contig(pfn_to_paddr(x + 4), 5);       /* x+4..x+8 free */
	frame_free_contig(pfn_to_paddr(end - 4), 4);     /* the last 4 frames of the section */
	paddr_t p;
	ASSERT_EQ(frame_alloc_contig(5, 1, &p), 0);
	EXPECT_EQ(paddr_to_pfn(p), x + 4);
	ASSERT_EQ(frame_alloc_contig(4, 1, &p), 0);
	EXPECT_EQ(paddr_to_pfn(p), end - 4);
	ASSERT_EQ(frame_alloc_contig(3, 1, &p), 0);
	EXPECT_EQ(paddr_to_pfn(p), x);
	EXPECT_EQ(frame_count_free(), 0);
	for (size_t i = 0; i < n; i++)
		frame_free(frames[i]);
	EXPECT_EQ(frame_count_free(), frame_count_total());
}

HTEST(frame_contig_fails_cleanly)
{
	machine(RAM_TOP);
	uint64_t start = frame_count_free();
	paddr_t p = 0x1234;
	EXPECT_EQ(frame_alloc_contig(0, 1, &p), -EINVAL);
	EXPECT_EQ(frame_alloc_contig(4, 0, &p), -EINVAL);
	EXPECT_EQ(frame_alloc_contig(4, 3, &p), -EINVAL);
	EXPECT_EQ(frame_alloc_contig(SECTION_MAX_FRAMES + 1, 1, &p), -ENOMEM);
	EXPECT_EQ(frame_alloc_contig(4096, 1, &p), -ENOMEM);       /* no section is that long */
	EXPECT_EQ(frame_alloc_contig(1, (size_t)1 << 20, &p), -ENOMEM);   /* no pfn 2^20-aligned */
	EXPECT_EQ(p, 0x1234);
	EXPECT_EQ(frame_count_free(), start);

	/* Fragmented: every other frame free. Single frames work, pairs do not. */
	size_t n = alloc_all();
	for (size_t i = 0; i < n; i++)
		if (paddr_to_pfn(frames[i]) % 2)
			frame_free(frames[i]);
	uint64_t left = frame_count_free();
	EXPECT_GT(left, 1000);
	EXPECT_EQ(frame_alloc_contig(2, 1, &p), -ENOMEM);
	EXPECT_EQ(frame_alloc_contig(1, 2, &p), -ENOMEM);
	EXPECT_EQ(frame_count_free(), left);
	ASSERT_EQ(frame_alloc_contig(1, 1, &p), 0);
	EXPECT_EQ(paddr_to_pfn(p) % 2, 1);
	frame_free(p);
	check_bitmaps();
	for (size_t i = 0; i < n; i++)
		if (paddr_to_pfn(frames[i]) % 2 == 0)
			frame_free(frames[i]);
	EXPECT_EQ(frame_count_free(), start);
}

HTEST(frame_free_catches_kernel_bugs)
{
	machine(RAM_TOP);
	uint64_t start = frame_count_free();
	EXPECT_PANIC(frame_free(0xfee00000));
	EXPECT_STRSTR(htest_panic_message, "frame=0xfee00000 is not a frame of the allocator");
	EXPECT_PANIC(frame_free(MiB(1)));          /* the kernel image */
	EXPECT_STRSTR(htest_panic_message, "frame=0x100000 is not a frame of the allocator");

	paddr_t p;
	ASSERT_EQ(frame_alloc(&p), 0);
	EXPECT_PANIC(frame_free(p + 8));
	EXPECT_STRSTR(htest_panic_message, "is not a frame of the allocator");

	struct pageinfo *pi = pageinfo_of(p);
	pageinfo_get(pi);
	EXPECT_PANIC(frame_free(p));
	EXPECT_STRSTR(htest_panic_message, "still has 1 references");
	EXPECT_TRUE(pageinfo_put(pi));
	frame_free(p);
	EXPECT_PANIC(frame_free(p));
	char expected[64];
	snprintf(expected, sizeof(expected), "double free frame=%#llx", (unsigned long long)p);
	EXPECT_STRSTR(htest_panic_message, expected);
	EXPECT_PANIC(pageinfo_get(pi));            /* no references to a free frame */

	/* A run must stay inside one section. */
	const struct section *s = &mm_sections.sections[0];
	EXPECT_PANIC(frame_free_contig(pfn_to_paddr(s->base_pfn + s->count - 1), 2));
	EXPECT_STRSTR(htest_panic_message, "is not inside one section");

	/* The panics left the allocator whole and unlocked. */
	EXPECT_EQ(frame_count_free(), start);
	ASSERT_EQ(frame_alloc(&p), 0);
	frame_free(p);
	check_bitmaps();
}

HTEST(frame_free_fills_junk)
{
	machine(RAM_TOP);
	paddr_t p;
	ASSERT_EQ(frame_alloc(&p), 0);
	memset(fake_ram_ptr(p), 0, FRAME_SIZE);
	EXPECT_FALSE(frame_is_junk(p));
	frame_free(p);
#if MM_DEBUG
	EXPECT_TRUE(frame_is_junk(p));
	const unsigned char *bytes = fake_ram_ptr(p);
	EXPECT_EQ(bytes[0], 0x6b);
	EXPECT_EQ(bytes[FRAME_SIZE - 1], 0x6b);
#endif
}

HTEST(frame_allocator_reaches_frames_beyond_the_direct_map_through_kmap)
{
	/* Like i686: only the low 8 MiB are in the direct map. The fake arch panics on any direct
	 * map access above it, so the allocator must use kmap_frame there. */
	machine(MiB(8));
	EXPECT_LT(mm_sections.meta_base + mm_sections.meta_size, MiB(8));
	size_t n = alloc_all();
	EXPECT_EQ(n, frame_count_total());
	size_t high = 0;
	for (size_t i = 0; i < n; i++)
		high += frames[i] >= MiB(8);
	EXPECT_GT(high, 2000);
	unsigned long kmaps = fake_ram_high_kmaps();
	for (size_t i = 0; i < n; i++)
		frame_free(frames[i]);
#if MM_DEBUG
	EXPECT_EQ(fake_ram_high_kmaps() - kmaps, high);
#else
	EXPECT_EQ(fake_ram_high_kmaps(), kmaps);
#endif
	EXPECT_EQ(frame_count_free(), frame_count_total());
}

static uint64_t host_clock(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

HTEST(frame_bench_runs_and_leaves_the_allocator_as_it_was)
{
	machine(RAM_TOP);
	uint64_t start = frame_count_free();
	struct frame_bench_result res;
	EXPECT_EQ(frame_bench_run(host_clock, &res), 0);
	EXPECT_EQ(frame_count_free(), start);
	EXPECT_GT(res.alloc_one + res.free_one, 0);
	EXPECT_EQ(res.junk_fill, MM_DEBUG);
	frame_bench_print(&res);
	EXPECT_STRSTR(host_console_text(), "bench: frame_alloc ");
	check_bitmaps();

	/* Too little memory: -ENOMEM, and still nothing lost. */
	size_t n = alloc_all();
	for (size_t i = 0; i < 100; i++)
		frame_free(frames[i]);
	EXPECT_EQ(frame_bench_run(host_clock, &res), -ENOMEM);
	EXPECT_EQ(frame_count_free(), 100);
	for (size_t i = 100; i < n; i++)
		frame_free(frames[i]);
	EXPECT_EQ(frame_count_free(), start);
}
