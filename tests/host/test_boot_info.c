/* Host tests of kernel/boot_info.c: building a clean memory map out of messy firmware input. */
#include <string.h>
#include "tests/host/htest.h"
#include "kernel/boot_info.h"

static struct boot_info bi;

static void reset(void)
{
	memset(&bi, 0, sizeof(bi));
}

#define EXPECT_RANGE(i, b, s, t) do { \
	EXPECT_EQ(bi.mem[i].base, (b)); EXPECT_EQ(bi.mem[i].size, (s)); EXPECT_EQ(bi.mem[i].type, (t)); \
	} while (0)

HTEST(boot_mem_sorts_unsorted_input)
{
	reset();
	EXPECT_TRUE(boot_mem_add(&bi, 0x100000, 0x100000, BOOT_MEM_USABLE));
	EXPECT_TRUE(boot_mem_add(&bi, 0x0, 0x9f000, BOOT_MEM_USABLE));
	EXPECT_TRUE(boot_mem_add(&bi, 0xf0000, 0x10000, BOOT_MEM_RESERVED));
	ASSERT_EQ(bi.mem_count, 3);
	EXPECT_RANGE(0, 0x0, 0x9f000, BOOT_MEM_USABLE);
	EXPECT_RANGE(1, 0xf0000, 0x10000, BOOT_MEM_RESERVED);
	EXPECT_RANGE(2, 0x100000, 0x100000, BOOT_MEM_USABLE);
}

HTEST(boot_mem_merges_adjacent_ranges_of_one_type)
{
	reset();
	EXPECT_TRUE(boot_mem_add(&bi, 0x1000, 0x1000, BOOT_MEM_USABLE));
	EXPECT_TRUE(boot_mem_add(&bi, 0x3000, 0x1000, BOOT_MEM_USABLE));
	EXPECT_TRUE(boot_mem_add(&bi, 0x2000, 0x1000, BOOT_MEM_USABLE));
	ASSERT_EQ(bi.mem_count, 1);
	EXPECT_RANGE(0, 0x1000, 0x3000, BOOT_MEM_USABLE);
	EXPECT_EQ(boot_mem_usable_total(&bi), 0x3000);
}

HTEST(boot_mem_overlap_goes_to_the_stricter_type)
{
	reset();
	EXPECT_TRUE(boot_mem_add(&bi, 0x0, 0x10000, BOOT_MEM_USABLE));
	EXPECT_TRUE(boot_mem_add(&bi, 0x4000, 0x2000, BOOT_MEM_FW_RUNTIME));
	EXPECT_TRUE(boot_mem_add(&bi, 0x5000, 0x8000, BOOT_MEM_USABLE));    /* must not win */
	ASSERT_EQ(bi.mem_count, 3);
	EXPECT_RANGE(0, 0x0, 0x4000, BOOT_MEM_USABLE);
	EXPECT_RANGE(1, 0x4000, 0x2000, BOOT_MEM_FW_RUNTIME);
	EXPECT_RANGE(2, 0x6000, 0xa000, BOOT_MEM_USABLE);
	EXPECT_EQ(boot_mem_usable_total(&bi), 0xe000);
}

HTEST(boot_mem_keeps_holes_and_memory_above_4g)
{
	reset();
	EXPECT_TRUE(boot_mem_add(&bi, 0x100000000ull, 0x80000000ull, BOOT_MEM_USABLE));
	EXPECT_TRUE(boot_mem_add(&bi, 0x100000, 0xbff00000ull, BOOT_MEM_USABLE));
	ASSERT_EQ(bi.mem_count, 2);
	EXPECT_RANGE(0, 0x100000, 0xbff00000ull, BOOT_MEM_USABLE);
	EXPECT_RANGE(1, 0x100000000ull, 0x80000000ull, BOOT_MEM_USABLE);
}

HTEST(boot_mem_clips_a_range_that_wraps)
{
	reset();
	EXPECT_TRUE(boot_mem_add(&bi, 0xffffffffffffe000ull, 0x3000, BOOT_MEM_RESERVED));
	ASSERT_EQ(bi.mem_count, 1);
	EXPECT_RANGE(0, 0xffffffffffffe000ull, 0x1000, BOOT_MEM_RESERVED);
	EXPECT_TRUE(boot_mem_add(&bi, 0xfffffffffffff000ull, 0x1000, BOOT_MEM_RESERVED));
	EXPECT_EQ(bi.mem_count, 1);
	EXPECT_TRUE(boot_mem_add(&bi, 0x5000, 0, BOOT_MEM_USABLE));        /* empty: ignored */
	EXPECT_EQ(bi.mem_count, 1);
}

HTEST(boot_mem_reports_a_full_table)
{
	reset();
	for (unsigned i = 0; i < BOOT_MEM_MAX_RANGES; i++)
		EXPECT_TRUE(boot_mem_add(&bi, (paddr_t)i * 0x2000, 0x1000,
					 i % 2 ? BOOT_MEM_USABLE : BOOT_MEM_RESERVED));
	EXPECT_EQ(bi.mem_count, BOOT_MEM_MAX_RANGES);
	EXPECT_FALSE(boot_mem_add(&bi, 0x10000000, 0x1000, BOOT_MEM_USABLE));
	EXPECT_EQ(bi.mem_count, BOOT_MEM_MAX_RANGES);   /* unchanged */
}
