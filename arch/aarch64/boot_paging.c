/* The boot page tables: built once by the UEFI stub after ExitBootServices, from a pool of pages
 * UEFI allocated, while UEFI's identity map is still on (table pointers are physical addresses).
 *
 * TTBR1 (kernel half), kept for good:
 *   KERNEL_VBASE...      the image in 4 KiB pages: headers RO, text RX, rodata RO, data and bss
 *                        RW; the page below the boot stack is left unmapped as a guard
 *   DEVICE_VBASE         the 2 MiB block holding the PL011, Device-nGnRE
 *   GIC_VBASE            the 2 MiB block holding the GICv2 distributor and CPU interface
 *   DIRECT_MAP_BASE + pa every RAM range of the UEFI map, 1 GiB / 2 MiB blocks where aligned,
 *                        4 KiB pages at unaligned edges, read/write, never executable
 * TTBR0: an identity map of the one page of switch code in head.S, dropped right after the
 * switch. Nothing here is executable at EL0 or writable and executable at once. */
#include "arch/aarch64/boot.h"
#include "arch/aarch64/memlayout.h"
#include "arch/aarch64/sysreg.h"
#include "kernel/string.h"

struct aarch64_direct_map aarch64_direct_map;

/* Returns a zeroed page from POOL; halts when the pool is used up. */
static pte_t *pt_alloc(struct boot_pt_pool *pool)
{
	if (pool->used == pool->pages)
		boot_fail("boot page-table pool exhausted");
	pte_t *table = (pte_t *)(uintptr_t)(pool->base + (paddr_t)pool->used++ * PAGE_SIZE);
	memset(table, 0, PAGE_SIZE);
	return table;
}

/* Returns the next-level table the entry for VA in TABLE (at LEVEL) points to, creating it. */
static pte_t *pt_descend(struct boot_pt_pool *pool, pte_t *table, unsigned level, uint64_t va)
{
	pte_t *entry = &table[PT_INDEX(va, level)];
	if (!(*entry & PTE_VALID)) {
		pte_t *next = pt_alloc(pool);
		*entry = (uintptr_t)next | PTE_TABLE;
		return next;
	}
	if ((*entry & PTE_TYPE_MASK) != PTE_TABLE)
		boot_fail("boot mappings overlap (a block where a table is needed)");
	return (pte_t *)(uintptr_t)(*entry & PTE_ADDR_MASK);
}

/* Stores DESC into ENTRY, which must be empty or already hold exactly DESC. */
static void pt_set(pte_t *entry, pte_t desc)
{
	if (*entry && *entry != desc)
		boot_fail("boot mappings overlap (an entry mapped twice)");
	*entry = desc;
}

/* Maps [VA, VA+SIZE) to [PA, ...) with ATTRS; with BLOCKS, uses 1 GiB and 2 MiB blocks wherever
 * VA, PA and the remaining size allow. All three must be page aligned. */
static void map_range(struct boot_pt_pool *pool, pte_t *root, uint64_t va, paddr_t pa,
		      uint64_t size, pte_t attrs, bool blocks)
{
	while (size) {
		pte_t *l1 = pt_descend(pool, root, 0, va);
		if (blocks && IS_ALIGNED(va | pa, BLOCK_SIZE_L1) && size >= BLOCK_SIZE_L1) {
			pt_set(&l1[PT_INDEX(va, 1)], pa | attrs | PTE_BLOCK);
			va += BLOCK_SIZE_L1, pa += BLOCK_SIZE_L1, size -= BLOCK_SIZE_L1;
			continue;
		}
		pte_t *l2 = pt_descend(pool, l1, 1, va);
		if (blocks && IS_ALIGNED(va | pa, BLOCK_SIZE_L2) && size >= BLOCK_SIZE_L2) {
			pt_set(&l2[PT_INDEX(va, 2)], pa | attrs | PTE_BLOCK);
			va += BLOCK_SIZE_L2, pa += BLOCK_SIZE_L2, size -= BLOCK_SIZE_L2;
			continue;
		}
		pte_t *l3 = pt_descend(pool, l2, 2, va);
		pt_set(&l3[PT_INDEX(va, 3)], pa | attrs | PTE_PAGE);
		va += PAGE_SIZE, pa += PAGE_SIZE, size -= PAGE_SIZE;
	}
}

/* Maps the image range [START, END) (run-time physical addresses) at its linked address. */
static void map_image_part(struct boot_pt_pool *pool, pte_t *root, const char *start,
			   const char *end, pte_t attrs)
{
	uintptr_t pa = (uintptr_t)start;
	uint64_t va = KERNEL_VBASE + (pa - (uintptr_t)_image_start);
	map_range(pool, root, va, pa, (uintptr_t)end - pa, attrs, false);
}

/* Whether the direct map covers a UEFI range: RAM (cacheable) that is not MMIO, defective, or
 * reserved (a reserved cacheable range may belong to the secure world). */
static bool is_direct_mapped(const struct efi_memory_descriptor *d)
{
	if (!(d->attribute & EFI_MEMORY_WB))
		return false;
	switch (d->type) {
	case EFI_RESERVED_MEMORY:
	case EFI_UNUSABLE_MEMORY:
	case EFI_MEMORY_MAPPED_IO:
	case EFI_MEMORY_MAPPED_IO_PORT_SPACE:
		return false;
	default:
		return true;
	}
}

/* Maps every RAM range of the UEFI map at DIRECT_MAP_BASE + pa. Adjacent descriptors are merged
 * first (through boot_mem_add), so that blocks can span them. */
static void map_direct(struct boot_pt_pool *pool, pte_t *root, const struct efi_memory_descriptor *map,
		       uint64_t map_size, uint64_t desc_size)
{
	struct boot_info ram = { .mem_count = 0 };
	for (uint64_t off = 0; off + desc_size <= map_size; off += desc_size) {
		const struct efi_memory_descriptor *d = (const void *)((const char *)map + off);
		if (is_direct_mapped(d) &&
		    !boot_mem_add(&ram, d->physical_start, d->number_of_pages * PAGE_SIZE, BOOT_MEM_USABLE))
			boot_fail("direct map: too many RAM ranges");
	}
	if (ram.mem_count > DIRECT_MAP_MAX_RANGES)
		boot_fail("direct map: more than DIRECT_MAP_MAX_RANGES RAM ranges");
	for (unsigned i = 0; i < ram.mem_count; i++) {
		if (ram.mem[i].base + ram.mem[i].size > (1ull << 48))
			boot_fail("direct map: RAM above 256 TiB");
		aarch64_direct_map.range[i].base = ram.mem[i].base;
		aarch64_direct_map.range[i].end = ram.mem[i].base + ram.mem[i].size;
		aarch64_direct_map.count = i + 1;
		map_range(pool, root, DIRECT_MAP_BASE + ram.mem[i].base, ram.mem[i].base,
			  ram.mem[i].size, PTE_KERNEL_RW, true);
	}
}

pte_t *boot_paging_build(struct boot_pt_pool *pool, const struct efi_memory_descriptor *map,
			 uint64_t map_size, uint64_t desc_size, pte_t **idmap_root, unsigned *kept)
{
	pte_t *root = pt_alloc(pool);

	map_image_part(pool, root, _image_start, _text_start, PTE_KERNEL_RO);
	map_image_part(pool, root, _text_start, _text_end, PTE_KERNEL_RX);
	map_image_part(pool, root, _text_end, _rodata_end, PTE_KERNEL_RO);
	/* [_data_start, __stack_guard + 4K) is the guard page: not mapped. */
	map_image_part(pool, root, __stack_guard + PAGE_SIZE, _image_end, PTE_KERNEL_RW);

	map_range(pool, root, DEVICE_VBASE, ALIGN_DOWN(UART_PHYS, BLOCK_SIZE_L2), BLOCK_SIZE_L2,
		  PTE_KERNEL_DEVICE, true);
	map_range(pool, root, GIC_VBASE, GIC_PHYS, BLOCK_SIZE_L2, PTE_KERNEL_DEVICE, true);
	map_direct(pool, root, map, map_size, desc_size);
	*kept = pool->used;

	/* Last, so that its pages are the ones given back: the switch page at its own address. */
	*idmap_root = pt_alloc(pool);
	uintptr_t idmap = ALIGN_DOWN((uintptr_t)__idmap_start, PAGE_SIZE);
	map_range(pool, *idmap_root, idmap, idmap, PAGE_SIZE, PTE_KERNEL_RX, false);
	return root;
}

uint64_t boot_paging_tcr(void)
{
	/* ID_AA64MMFR0_EL1.PARange uses the TCR.IPS encoding; 52-bit needs LPA2, so stop at 48. */
	uint64_t mmfr0 = read_sysreg(id_aa64mmfr0_el1), mmfr1 = read_sysreg(id_aa64mmfr1_el1);
	uint64_t pa_range = mmfr0 & 0xf;
	if (pa_range > 5)
		pa_range = 5;
	uint64_t tcr = TCR_EL1_BASE | pa_range << TCR_IPS_SHIFT;
	/* 16-bit ASIDs where the CPU has them; hardware access flag and dirty state (FEAT_HAFDBS)
	 * where it has them. The user page tables (mmu_space.c) read TCR to know which it got. */
	if (ID_MMFR0_ASIDBITS(mmfr0) == 2)
		tcr |= TCR_AS;
	if (ID_MMFR1_HAFDBS(mmfr1) >= 1)
		tcr |= TCR_HA;
	if (ID_MMFR1_HAFDBS(mmfr1) >= 2)
		tcr |= TCR_HD;
	return tcr;
}
