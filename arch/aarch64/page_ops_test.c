/* Self-tests of the aarch64 page zeroing beyond what tests/ktest/mm_page_ops_test.c covers: the
 * store fallback used when DCZID_EL0.DZP prohibits `dc zva` (never the case under QEMU, so it
 * would otherwise run nowhere), and the `dc zva` block size being one arch_page_zero can use. */
#include "kernel/ktest.h"
#include "kernel/string.h"
#include "mm/arch_mmu.h"
#include "mm/frame.h"
#include "arch/aarch64/sysreg.h"

void aarch64_page_zero_stores(void *page);

KTEST(aarch64_dczid_block_fits_a_page)
{
	uint64_t dczid = read_sysreg(dczid_el0);
	ktest_log("DCZID_EL0 %#llx: block %u bytes, dc zva %s", (unsigned long long)dczid,
		  4u << (dczid & 0xf), dczid & 0x10 ? "prohibited" : "allowed");
	/* BS is log2 of the block in words, at most 9 (2 KiB) by the architecture: arch_page_zero
	 * steps through a page in whole blocks. */
	EXPECT_LE(dczid & 0xf, 9);
}

KTEST(aarch64_page_zero_stores_clears_exactly_one_page)
{
	paddr_t base;
	if (frame_alloc_contig_flags(3, 1, FRAME_DIRECT, &base)) {
		ktest_skip("no three contiguous frames");
		return;
	}
	uint8_t *p = arch_phys_to_virt(base);
	memset(p, 0x5c, 3 * FRAME_SIZE);
	aarch64_page_zero_stores(p + FRAME_SIZE);
	unsigned bad_before = 0, bad_page = 0, bad_after = 0;
	for (unsigned i = 0; i < FRAME_SIZE; i++) {
		bad_before += p[i] != 0x5c;
		bad_page += p[FRAME_SIZE + i] != 0;
		bad_after += p[2 * FRAME_SIZE + i] != 0x5c;
	}
	EXPECT_EQ(bad_before, 0);
	EXPECT_EQ(bad_page, 0);
	EXPECT_EQ(bad_after, 0);
	frame_free_contig(base, 3);
}
