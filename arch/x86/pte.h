/* The x86 paging-entry format shared by i686 PAE and x86_64 (64-bit entries, same bits; Intel
 * SDM vol. 3, tables 4-11 to 4-20). Also included by the entry assembly. */
#ifndef ARCH_X86_PTE_H
#define ARCH_X86_PTE_H

#define X86_PTE_P    0x001       /* present */
#define X86_PTE_RW   0x002       /* writable */
#define X86_PTE_US   0x004       /* user accessible */
#define X86_PTE_PWT  0x008       /* write-through */
#define X86_PTE_PCD  0x010       /* cache disabled */
#define X86_PTE_A    0x020       /* accessed */
#define X86_PTE_D    0x040       /* dirty */
#define X86_PTE_PS   0x080       /* in a PD or PDPT entry: maps a 2 MiB / 1 GiB page */
#define X86_PTE_G    0x100       /* global: survives CR3 loads (CR4.PGE) */
#define X86_PTE_PAT  0x080       /* in a 4 KiB entry (where bit 7 is not PS): PAT index bit 2 */

/* The memory type of a 4 KiB entry is PAT entry (PAT, PCD, PWT); arch/x86/features.c programs
 * entry 0 = WB, 1 = WC, 3 = UC, so these bit sets select them. */
#define X86_PTE_CACHE_MASK (X86_PTE_PAT | X86_PTE_PCD | X86_PTE_PWT)
#define X86_PTE_CACHE_WB   0
#define X86_PTE_CACHE_WC   X86_PTE_PWT
#define X86_PTE_CACHE_UC   (X86_PTE_PCD | X86_PTE_PWT)

#ifndef __ASSEMBLY__
#include <stdint.h>

#define X86_PTE_NX        (1ull << 63)              /* no execute (EFER.NXE) */
#define X86_PTE_ADDR_MASK 0x000ffffffffff000ull     /* the frame, up to 52-bit physical */
#define X86_PT_ENTRIES    512

typedef uint64_t x86_pte_t;
_Static_assert(sizeof(x86_pte_t) * X86_PT_ENTRIES == 4096, "a page table fills one page");
#endif

#endif
