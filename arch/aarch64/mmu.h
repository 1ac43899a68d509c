/* What the aarch64 MMU files tell each other (not part of the arch contract): ASIDs, the TLB
 * invalidation primitives, I-cache maintenance for executable user pages. */
#ifndef ARCH_AARCH64_MMU_H
#define ARCH_AARCH64_MMU_H

#include "mm/arch_mmu.h"
#include "arch/aarch64/pte.h"

/* The user half: TTBR0 with T0SZ = 16 covers [0, 2^48). */
#define USER_TOP        (1ul << 48)

/* ASID 0 tags the empty TTBR0 root the kernel runs on when no space is active; nothing is ever
 * mapped under it. ASID 1 is shared by every space created while all others are in use: such a
 * space flushes its ASID on each activation. */
#define ASID_NONE       0u
#define ASID_SHARED     1u
#define ASID_FIRST      2u

/* Returns a free ASID (ASID_SHARED when none is left); never fails. */
unsigned aarch64_asid_alloc(void);

/* Invalidates every TLB entry tagged ASID on all CPUs, then makes ASID free for reuse. */
void aarch64_asid_release(unsigned asid);

/* Returns how many ASIDs are handed out (ASID_SHARED not counted); for the tests. */
unsigned aarch64_asid_in_use(void);

/* Invalidates the last-level TLB entry for VA under ASID on all CPUs (no barriers). */
static inline void aarch64_tlbi_page(uintptr_t va, unsigned asid)
{
	uint64_t arg = ((va >> PAGE_SHIFT) & ((1ul << 44) - 1)) | (uint64_t)asid << TTBR_ASID_SHIFT;
	__asm__ volatile("tlbi vale1is, %0" :: "r"(arg) : "memory");
}

/* Makes the instructions in the frame at PA visible to instruction fetch (D-cache clean to the
 * point of unification, I-cache invalidation), where CTR_EL0 says it is needed. */
void aarch64_sync_icache_frame(paddr_t pa);

/* ---- Shared between mmu_space.c and mmu_share.c ---- */

/* Allocates a zeroed table frame (refcount 0) of pageinfo level LEVEL; 0 or -ENOMEM. */
int aarch64_table_alloc(unsigned level, paddr_t *pa);

/* Frees a table frame that nothing points at any more (refcount 0). */
void aarch64_table_free(paddr_t pa);

/* Drops the reference of the one entry that pointed at table PA, which must be its last. */
void aarch64_table_put_last(paddr_t pa);

/* Returns page descriptor D without the write right (AP[2] set, DBM clear), its dirty state kept
 * in PTE_SW_DIRTY. */
pte_t aarch64_leaf_write_protect(pte_t d);

/* The TTBR0 value that maps nothing (the boot's empty root, ASID 0); set by aarch64_cpu_init. */
extern uint64_t aarch64_empty_ttbr0;

#endif
