/* Self-tests of what the boot code handed over: the memory map and the command line. */
#include "kernel/ktest.h"
#include "kernel/boot_info.h"
#include "kernel/cmdline.h"

extern struct boot_info *boot_info;

/* The test script boots with "mem=<size given to QEMU>" on the command line. Firmware keeps a
 * little RAM for itself (BIOS area and ACPI on x86, runtime services on UEFI), so the usable
 * total may be below that, but only by a few MiB. */
#define MEM_TOLERANCE (16ull << 20)

KTEST(boot_memory_map_sorted_and_disjoint)
{
	ASSERT_GE(boot_info->mem_count, 1);
	for (unsigned i = 0; i < boot_info->mem_count; i++) {
		const struct boot_mem_range *r = &boot_info->mem[i];
		EXPECT_GT(r->size, 0);
		if (i > 0) {
			const struct boot_mem_range *prev = &boot_info->mem[i - 1];
			EXPECT_LE(prev->base + prev->size, r->base);
			/* adjacent ranges of one type would have been merged */
			if (prev->base + prev->size == r->base)
				EXPECT_NE(prev->type, r->type);
		}
	}
}

KTEST(boot_memory_map_matches_qemu_size)
{
	char text[32];
	uint64_t expected;
	ASSERT_TRUE(cmdline_get(boot_info->cmdline, "mem", text, sizeof(text)));
	ASSERT_TRUE(cmdline_parse_size(text, &expected));
	uint64_t usable = boot_mem_usable_total(boot_info);
	ktest_log("usable %llu KiB of %llu KiB given to QEMU", (unsigned long long)(usable >> 10),
		  (unsigned long long)(expected >> 10));
	EXPECT_LE(usable, expected);
	EXPECT_GE(usable + MEM_TOLERANCE, expected);
}

KTEST(boot_kernel_image_is_reserved)
{
	/* The kernel's own frames are usable RAM that the allocator must not hand out. */
	ASSERT_GE(boot_info->reserved_count, 1);
	const struct boot_mem_range *k = &boot_info->reserved[0];
	EXPECT_GT(k->size, 0);
	bool inside_usable = false;
	for (unsigned i = 0; i < boot_info->mem_count; i++) {
		const struct boot_mem_range *r = &boot_info->mem[i];
		if (r->type == BOOT_MEM_USABLE && r->base <= k->base && k->base + k->size <= r->base + r->size)
			inside_usable = true;
	}
	EXPECT_TRUE(inside_usable);
}
