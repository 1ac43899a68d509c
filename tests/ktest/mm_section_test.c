/* Self-tests of the section table built by mm_init from the real boot memory map: it covers
 * exactly the usable RAM minus what the kernel reserved (to the frame), its edges have pageinfo
 * and nothing past them does, and MMIO, firmware and the kernel image have none. */
#include "kernel/ktest.h"
#include "kernel/boot_info.h"
#include "mm/mm.h"
#include "mm/frame.h"
#include "mm/section.h"

extern struct boot_info *boot_info;

/* A physical address of device memory, never RAM. arch_types.h may name its own. */
#ifndef ARCH_TEST_MMIO_PADDR
#if defined(ARCH_aarch64)
#define ARCH_TEST_MMIO_PADDR 0x09000000ull     /* QEMU virt: the PL011 UART */
#else
#define ARCH_TEST_MMIO_PADDR 0xfee00000ull     /* x86: the local APIC */
#endif
#endif

/* Returns whether the frame at A overlaps a reserved range or the metadata block. */
static bool frame_is_cut(paddr_t a)
{
	paddr_t b = a + FRAME_SIZE;
	for (unsigned i = 0; i < boot_info->reserved_count; i++) {
		const struct boot_mem_range *r = &boot_info->reserved[i];
		if (r->size && r->base < b && r->base + r->size > a)
			return true;
	}
	return mm_sections.meta_base < b && mm_sections.meta_base + mm_sections.meta_size > a;
}

KTEST(mm_sections_cover_usable_minus_reserved_to_the_frame)
{
	ASSERT_TRUE(section_table_active() == &mm_sections);   /* kernel_main called mm_init */
	/* Counted frame by frame, independently of the builder: whole frames of usable ranges
	 * (the boot map is sorted and disjoint) that no reserved range nor the metadata touches. */
	uint64_t expected = 0, cut = 0, missing = 0;
	paddr_t first_missing = 0;
	for (unsigned i = 0; i < boot_info->mem_count; i++) {
		const struct boot_mem_range *r = &boot_info->mem[i];
		if (r->type != BOOT_MEM_USABLE)
			continue;
		paddr_t a = ALIGN_UP(r->base, (paddr_t)FRAME_SIZE);
		paddr_t end = ALIGN_DOWN(r->base + r->size, (paddr_t)FRAME_SIZE);
		for (; a < end; a += FRAME_SIZE) {
			if (frame_is_cut(a)) {
				cut++;
			} else {
				expected++;
				if (!pageinfo_of(a) && !missing++)
					first_missing = a;
			}
		}
	}
	ktest_log("%llu frames owned, %llu usable frames reserved or metadata",
		  (unsigned long long)mm_sections.total_frames, (unsigned long long)cut);
	if (missing)
		ktest_log("first usable frame without pageinfo: %#llx", (unsigned long long)first_missing);
	EXPECT_EQ(missing, 0);
	EXPECT_EQ(mm_sections.total_frames, expected);
	EXPECT_EQ(frame_count_total(), expected);
	EXPECT_GE(cut, mm_sections.meta_size / FRAME_SIZE + 1);     /* kernel image + metadata */
}

KTEST(mm_sections_sorted_disjoint_and_bounded)
{
	ASSERT_TRUE(section_table_active() == &mm_sections);
	uint64_t sum = 0;
	for (uint32_t i = 0; i < mm_sections.count; i++) {
		const struct section *s = &mm_sections.sections[i];
		EXPECT_GE(s->count, 1);
		EXPECT_LE(s->count, SECTION_MAX_FRAMES);
		EXPECT_EQ(s->index, i);
		if (i > 0)
			EXPECT_LE(mm_sections.sections[i - 1].base_pfn + mm_sections.sections[i - 1].count,
				  s->base_pfn);
		sum += s->count;
	}
	EXPECT_EQ(sum, mm_sections.total_frames);
}

KTEST(mm_sections_edges_have_pageinfo_and_nothing_past_them)
{
	ASSERT_TRUE(section_table_active() == &mm_sections);
	for (uint32_t i = 0; i < mm_sections.count; i++) {
		const struct section *s = &mm_sections.sections[i];
		const struct section *next = i + 1 < mm_sections.count ? s + 1 : NULL;
		const struct section *prev = i > 0 ? s - 1 : NULL;
		paddr_t first = pfn_to_paddr(s->base_pfn);
		paddr_t last = pfn_to_paddr(s->base_pfn + s->count - 1);
		EXPECT_EQ((uintptr_t)pageinfo_of(first), (uintptr_t)&s->pages[0]);
		EXPECT_EQ((uintptr_t)pageinfo_of(last), (uintptr_t)&s->pages[s->count - 1]);
		EXPECT_EQ((uintptr_t)pageinfo_of(last + FRAME_SIZE - 1), (uintptr_t)&s->pages[s->count - 1]);
		/* The frame after the last one belongs to the next section or to nobody. */
		if (next && next->base_pfn == s->base_pfn + s->count)
			EXPECT_EQ((uintptr_t)pageinfo_of(last + FRAME_SIZE), (uintptr_t)&next->pages[0]);
		else
			EXPECT_TRUE(pageinfo_of(last + FRAME_SIZE) == NULL);
		if (s->base_pfn > 0) {
			if (prev && prev->base_pfn + prev->count == s->base_pfn)
				EXPECT_EQ((uintptr_t)pageinfo_of(first - 1),
					  (uintptr_t)&prev->pages[prev->count - 1]);
			else
				EXPECT_TRUE(pageinfo_of(first - 1) == NULL);
		}
		paddr_t back = 0;
		EXPECT_TRUE(pageinfo_to_paddr(&s->pages[s->count - 1], &back));
		EXPECT_EQ(back, last);
	}
}

KTEST(mm_pageinfo_of_mmio_firmware_and_kernel_is_null)
{
	ASSERT_TRUE(section_table_active() == &mm_sections);
	EXPECT_TRUE(pageinfo_of(ARCH_TEST_MMIO_PADDR) == NULL);
	for (unsigned i = 0; i < boot_info->mem_count; i++) {
		const struct boot_mem_range *r = &boot_info->mem[i];
		if (r->type == BOOT_MEM_USABLE)
			continue;
		EXPECT_TRUE(pageinfo_of(r->base) == NULL);
		EXPECT_TRUE(pageinfo_of(r->base + r->size - 1) == NULL);
	}
	for (unsigned i = 0; i < boot_info->reserved_count; i++) {
		const struct boot_mem_range *r = &boot_info->reserved[i];
		if (r->size) {
			EXPECT_TRUE(pageinfo_of(r->base) == NULL);
			EXPECT_TRUE(pageinfo_of(r->base + r->size - 1) == NULL);
		}
	}
	EXPECT_TRUE(pageinfo_of(mm_sections.meta_base) == NULL);
	EXPECT_TRUE(pageinfo_of(mm_sections.meta_base + mm_sections.meta_size - 1) == NULL);
	EXPECT_TRUE(pageinfo_of(PHYS_LIMIT) == NULL);
	EXPECT_TRUE(pageinfo_of(~(paddr_t)0) == NULL);
}
