/* mm_init: the boot-time bring-up of sections and the frame allocator. Uses only the arch MMU
 * contract, so it also builds on the host (with tests/host/fake_ram.c standing in for the arch). */
#include "mm/mm.h"
#include "mm/arch_mmu.h"
#include "mm/frame.h"
#include "kernel/kprintf.h"
#include "kernel/panic.h"

struct section_table mm_sections;

/* The usable RAM ranges of the memory map, copied by mm_init (boot, before other CPUs). */
static struct boot_mem_range ram[BOOT_MEM_MAX_RANGES];
static unsigned ram_count;

/* The section_build callback: the metadata may live anywhere inside the direct map (the pageinfo
 * arrays are read on every refcount change, so they must be reachable without kmap). */
static void *meta_in_direct_map(void *ctx, paddr_t base, size_t size)
{
	(void)ctx;
	if (!arch_phys_in_direct_map(base) || !arch_phys_in_direct_map(base + size - 1))
		return NULL;
	return arch_phys_to_virt(base);
}

void mm_init(struct boot_info *bi)
{
	int err = section_build(&mm_sections, bi->mem, bi->mem_count, bi->reserved,
				bi->reserved_count, meta_in_direct_map, NULL);
	if (err)
		panic("no room in the direct map for the frame metadata: err=%d usable=%llu KiB", err,
		      (unsigned long long)(boot_mem_usable_total(bi) >> 10));
	section_table_install(&mm_sections);
	frame_init();
	ram_count = 0;
	for (unsigned i = 0; i < bi->mem_count && ram_count < BOOT_MEM_MAX_RANGES; i++)
		if (bi->mem[i].type == BOOT_MEM_USABLE)
			ram[ram_count++] = bi->mem[i];

	unsigned long long frames = mm_sections.total_frames;
	kprintf("mm: %u sections, %llu frames (%llu MiB), PageInfo %u B, overhead %llu KiB\n",
		(unsigned)mm_sections.count, frames, frames >> (20 - FRAME_SHIFT),
		(unsigned)sizeof(struct pageinfo), (unsigned long long)(mm_sections.meta_size >> 10));
}

bool mm_phys_is_ram(paddr_t base, paddr_t size)
{
	for (unsigned i = 0; i < ram_count; i++)
		if (base < ram[i].base + ram[i].size && ram[i].base < base + size)
			return true;
	return false;
}
