/* Self-tests of the page tables boot left behind: the 1:1 map is gone, the kernel image has its
 * per-section permissions, the direct map reaches the kernel's own frames, and a kmap slot maps
 * and unmaps a frame. */
#include "kernel/ktest.h"
#include "mm/arch_mmu.h"
#include "boot.h"
#include "paging.h"

int arch_probe_read_u8(uintptr_t addr, uint8_t *out);   /* arch/x86/<mode>/probe.S */

static uint8_t test_page[X86_PAGE_SIZE] __aligned(X86_PAGE_SIZE);

KTEST(x86_paging_identity_map_removed)
{
	EXPECT_EQ(x86_paging_lookup(0), 0);
	EXPECT_EQ(x86_paging_lookup(ARCH_TEST_UNMAPPED_ADDR), 0);
	EXPECT_EQ(x86_paging_lookup(KERNEL_LOAD_PHYS), 0);
	EXPECT_EQ(x86_read_cr3() & X86_PTE_ADDR_MASK, x86_kernel_root);
}

KTEST(x86_paging_kernel_sections_permissions)
{
	x86_pte_t text = x86_paging_lookup((uintptr_t)&x86_boot_main);
	x86_pte_t rodata = x86_paging_lookup((uintptr_t)"a string in .rodata");
	x86_pte_t data = x86_paging_lookup((uintptr_t)test_page);
	ASSERT_NE(text, 0);
	ASSERT_NE(rodata, 0);
	ASSERT_NE(data, 0);
	EXPECT_EQ(text & (X86_PTE_RW | X86_PTE_NX), 0);            /* read + execute */
	EXPECT_EQ(rodata & (X86_PTE_RW | X86_PTE_NX), x86_pte_nx); /* read only */
	EXPECT_EQ(data & (X86_PTE_RW | X86_PTE_NX), X86_PTE_RW | x86_pte_nx);
	EXPECT_EQ(x86_paging_lookup((uintptr_t)x86_boot_stack_guard), 0);
	EXPECT_EQ(x86_paging_lookup((uintptr_t)x86_boot_stack_guard + X86_PAGE_SIZE) & X86_PTE_RW,
		  X86_PTE_RW);
	ktest_log("NX %s", x86_pte_nx ? "on" : "off: this CPU has none");
}

KTEST(x86_direct_map_reaches_kernel_frames)
{
	paddr_t pa = x86_kernel_phys(test_page);
	ASSERT_TRUE(arch_phys_in_direct_map(pa));
	volatile uint8_t *alias = arch_phys_to_virt(pa);
	test_page[7] = 0x5e;
	EXPECT_EQ(alias[7], 0x5e);
	x86_pte_t e = x86_paging_lookup((uintptr_t)alias);
	EXPECT_EQ(e & X86_PTE_NX, x86_pte_nx);
	EXPECT_FALSE(arch_phys_in_direct_map((paddr_t)X86_DIRECT_MAP_LIMIT));
}

KTEST(x86_kmap_slot_maps_and_unmaps)
{
	paddr_t pa = x86_kernel_phys(test_page);
	volatile uint8_t *outer = x86_kmap_slot(pa);
	volatile uint8_t *inner = x86_kmap_slot(pa);
	EXPECT_EQ((uintptr_t)outer, X86_KMAP_BASE);
	EXPECT_EQ((uintptr_t)inner, X86_KMAP_BASE + X86_PAGE_SIZE);
	test_page[100] = 0xa7;
	EXPECT_EQ(outer[100], 0xa7);
	inner[101] = 0x3c;
	EXPECT_EQ(test_page[101], 0x3c);
	kunmap_frame((void *)inner);
	kunmap_frame((void *)outer);

	uint8_t byte = 0;
	EXPECT_EQ(arch_probe_read_u8(X86_KMAP_BASE, &byte), -14);   /* unmapped again */
	/* a frame in the direct map needs no slot */
	void *direct = kmap_frame(pa);
	EXPECT_EQ((uintptr_t)direct, (uintptr_t)arch_phys_to_virt(pa));
	kunmap_frame(direct);
}

KTEST(x86_boot_reservations_disjoint)
{
	extern struct boot_info *boot_info;
	const struct boot_info *bi = boot_info;
	/* the kernel image, GRUB's information, the page tables */
	ASSERT_GE(bi->reserved_count, 3);
	EXPECT_EQ(bi->reserved[0].base, x86_kernel_phys(__kernel_start));
	EXPECT_EQ(bi->reserved[0].size, x86_kernel_phys(__kernel_end) - x86_kernel_phys(__kernel_start));
	bool root_reserved = false;
	for (unsigned i = 0; i < bi->reserved_count; i++) {
		const struct boot_mem_range *a = &bi->reserved[i];
		ktest_log("reserved %#llx-%#llx", (unsigned long long)a->base,
			  (unsigned long long)(a->base + a->size - 1));
		EXPECT_GT(a->size, 0);
		if (a->base <= x86_kernel_root && x86_kernel_root < a->base + a->size)
			root_reserved = true;
		for (unsigned j = 0; j < i; j++) {
			const struct boot_mem_range *b = &bi->reserved[j];
			EXPECT_TRUE(a->base + a->size <= b->base || b->base + b->size <= a->base);
		}
	}
	EXPECT_TRUE(root_reserved);
}
