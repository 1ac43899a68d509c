/* The VMSAv8-64 translation table descriptor format for a 4 KiB granule and 48-bit VAs: four
 * levels (L0..L3) of 512 entries. Used by the boot page-table builder and by the user page
 * tables (mmu_space.c). Bit positions are from the Arm ARM, section D8.3. */
#ifndef ARCH_AARCH64_PTE_H
#define ARCH_AARCH64_PTE_H

#include "kernel/compiler.h"
#include "arch/aarch64/sysreg.h"

#define PT_ENTRIES        512
#define PAGE_SHIFT        12
#define PAGE_SIZE         (1ul << PAGE_SHIFT)
#define PT_LEVEL_SHIFT(l) (PAGE_SHIFT + 9 * (3 - (l)))   /* L0 39, L1 30, L2 21, L3 12 */
#define PT_INDEX(va, l)   (((va) >> PT_LEVEL_SHIFT(l)) & (PT_ENTRIES - 1))
#define BLOCK_SIZE_L1     (1ul << 30)
#define BLOCK_SIZE_L2     (1ul << 21)

typedef uint64_t pte_t;

/* Descriptor kinds (bits 1:0). At L0-L2: table or (L1, L2 only) block; at L3: page. */
#define PTE_VALID         (1ul << 0)
#define PTE_TABLE         (3ul << 0)    /* L0-L2: points to the next-level table */
#define PTE_BLOCK         (1ul << 0)    /* L1/L2: maps 1 GiB / 2 MiB */
#define PTE_PAGE          (3ul << 0)    /* L3: maps 4 KiB */
#define PTE_TYPE_MASK     (3ul << 0)

/* Lower attributes of block and page descriptors. */
#define PTE_ATTR_IDX(i)   ((uint64_t)(i) << 2)   /* index into MAIR_EL1 */
#define PTE_AP_EL0        (1ul << 6)    /* AP[1]: EL0 may access */
#define PTE_AP_RO         (1ul << 7)    /* AP[2]: read-only */
#define PTE_SH_INNER      (3ul << 8)
#define PTE_AF            (1ul << 10)   /* access flag: set, or the first access faults */
#define PTE_NG            (1ul << 11)   /* not global: tagged with the ASID */
#define PTE_ATTR_IDX_MASK (7ul << 2)
/* Upper attributes. */
#define PTE_DBM           (1ul << 51)   /* dirty bit modifier: hardware clears AP[2] on a write */
#define PTE_PXN           (1ul << 53)   /* never executable at EL1 */
#define PTE_UXN           (1ul << 54)   /* never executable at EL0 */
#define PTE_SW_DIRTY      (1ul << 55)   /* software bit (55-58 are ignored by hardware): was dirty
					   before a protect took the write right away */
/* Table descriptor attributes: nothing below this entry is executable at EL1; nothing below it
 * is writable at any EL (APTable[1], the hierarchical permission used by shared page tables). */
#define PTE_PXN_TABLE     (1ul << 59)
#define PTE_APTABLE_RO    (1ul << 62)
#define PTE_ADDR_MASK     0x0000fffffffff000ul   /* output address bits 47:12 */

/* What the kernel's own mappings use. */
#define PTE_KERNEL_NORMAL (PTE_ATTR_IDX(MAIR_IDX_NORMAL_WB) | PTE_SH_INNER | PTE_AF | PTE_UXN)
#define PTE_KERNEL_RW     (PTE_KERNEL_NORMAL | PTE_PXN)
#define PTE_KERNEL_RO     (PTE_KERNEL_NORMAL | PTE_PXN | PTE_AP_RO)
#define PTE_KERNEL_RX     (PTE_KERNEL_NORMAL | PTE_AP_RO)
#define PTE_KERNEL_DEVICE (PTE_ATTR_IDX(MAIR_IDX_DEVICE_NGNRE) | PTE_AF | PTE_PXN | PTE_UXN)

_Static_assert(PT_LEVEL_SHIFT(0) == 39 && PT_LEVEL_SHIFT(2) == 21, "4 KiB granule level shifts");
_Static_assert(PTE_AF == 0x400 && PTE_PXN == 1ul << 53, "descriptor bit positions (D8.3)");
_Static_assert(MAIR_IDX_NORMAL_WB < 8, "AttrIndx is three bits");
_Static_assert(PTE_AP_EL0 == 0x40 && PTE_AP_RO == 0x80 && PTE_SH_INNER == 0x300 && PTE_NG == 0x800,
	       "AP[2:1] at bits 7:6, SH at 9:8, nG at 11 (D8.3)");
_Static_assert(PTE_DBM == 1ul << 51 && PTE_UXN == 1ul << 54 && PTE_PXN_TABLE == 1ul << 59,
	       "DBM, UXN and PXNTable bit positions (D8.3)");
_Static_assert(PTE_ATTR_IDX(7) == PTE_ATTR_IDX_MASK, "AttrIndx at bits 4:2");

#endif
