/* The kernel's page tables as boot leaves them (arch/x86/paging.c), for the code that takes over
 * the MMU later. */
#ifndef ARCH_X86_PAGING_H
#define ARCH_X86_PAGING_H

#include "kernel/boot_info.h"
#include "x86.h"

#include "pte.h"

/* Physical address of the kernel's top-level table (PML4 / PAE PDPT), the value loaded in CR3. */
extern paddr_t x86_kernel_root;
/* X86_PTE_NX when EFER.NXE is on, else 0 (the bit is reserved then): OR it into data mappings. */
extern uint64_t x86_pte_nx;

/* Builds the final kernel page tables from BI's memory map (kernel image with per-section
 * permissions, direct map of RAM), loads them, which removes the boot 1:1 map, and records the
 * page-table frames with boot_reserve. Call once, after the memory map and every boot
 * reservation are in BI. */
void x86_paging_init(struct boot_info *bi);

/* The leaf entry (4 KiB, 2 MiB or 1 GiB page) mapping VA in the kernel tables, or 0 if VA is not
 * mapped. After x86_paging_init. */
x86_pte_t x86_paging_lookup(uint64_t va);

/* The page-table entry of kmap slot SLOT (< X86_KMAP_SLOTS), at X86_KMAP_BASE + SLOT * 4 KiB.
 * The caller must invalidate the TLB entry after changing it. After x86_paging_init. */
x86_pte_t *x86_kmap_pte(unsigned slot);

/* The page-table entry of the fixed kernel mapping at X86_KMAP_BASE + INDEX * 4 KiB, for
 * X86_KMAP_SLOTS <= INDEX < X86_PT_ENTRIES: the rest of the kmap window's table, used for device
 * registers that need a kernel address (the local APIC). The caller invalidates the TLB entry
 * after changing it. After x86_paging_init. */
x86_pte_t *x86_fixmap_pte(unsigned index);

/* Maps FRAME into the next kmap slot, even when it is in the direct map, and returns the slot
 * address; kunmap_frame releases it. (kmap_frame uses it for frames outside the direct map.) */
void *x86_kmap_slot(paddr_t frame);

/* The direct-map address of physical address PA; PA must be RAM below X86_DIRECT_MAP_LIMIT. */
static inline void *x86_phys_to_virt(paddr_t pa)
{
	return (void *)(uintptr_t)(X86_DIRECT_MAP_BASE + pa);
}

#endif
