/* arch/x86 internals of the user page tables (arch/x86/mmu.c, mmu_walk.c): the level geometry
 * shared by both files and the hooks the self-tests use. The contract itself is mm/arch_mmu.h. */
#ifndef ARCH_X86_MMU_H
#define ARCH_X86_MMU_H

#include "mm/arch_mmu.h"
#include "paging.h"

#define X86_MMU_TOP_LEVEL (X86_PT_LEVELS - 1)

#if X86_PT_LEVELS == 4
/* 4-level paging: user half = PML4 entries 0-255, minus the last canonical page (left unmapped
 * so that no user mapping ends right at the non-canonical hole). */
#define X86_USER_TOP          0x00007ffffffff000ull
#define X86_ROOT_USER_ENTRIES 256
#else
/* PAE: PDPT entries 0-2 are the user's 3 GiB; entry 3 is the kernel's page directory, shared by
 * every space. The three user page directories are allocated with the space and never change,
 * because the CPU reads the four PDPT entries only when CR3 is loaded. */
#define X86_USER_TOP          0xc0000000ull
#define X86_ROOT_USER_ENTRIES 3
#endif

/* The log2 of the bytes one entry of a level-LEVEL table covers (12, 21, 30, 39). */
static inline unsigned x86_level_shift(unsigned level)
{
	return 12 + 9 * level;
}

/* The index of VA's entry in its level-LEVEL table. */
static inline unsigned x86_level_index(uint64_t va, unsigned level)
{
	return (unsigned)(va >> x86_level_shift(level)) % X86_PT_ENTRIES;
}

/* Maps the page-table frame at PA for the CPU to read and write (direct map, or a kmap slot for a
 * frame above it on i686); release with x86_table_unmap. */
x86_pte_t *x86_table_map(paddr_t pa);
void x86_table_unmap(x86_pte_t *table);

/* Allocates a zeroed table frame of LEVEL (refcount 0) for SPACE, counted in table_frames;
 * 0 or -ENOMEM. */
int x86_table_alloc(struct mmu_space *space, unsigned level, paddr_t *pa);

/* Frees the table frame PA of LEVEL of SPACE once nothing points at it (refcount 0). */
void x86_table_free(struct mmu_space *space, paddr_t pa, unsigned level);

/* Drops the reference of the one entry that pointed at table PA, which must be its last. */
void x86_table_put_last(paddr_t pa);

/* Stores E at P (a mapped table entry) if P still holds *OLD and returns true; else loads *OLD
 * with what P holds. Atomic on both modes (cmpxchg8b on i686). */
bool x86_pte_cas(x86_pte_t *p, x86_pte_t *old, x86_pte_t e);

/* Replaces entry INDEX of the table at PA with E if it still holds *OLD (returns true), else
 * loads *OLD with what it holds. */
bool x86_table_cas(paddr_t pa, unsigned index, x86_pte_t *old, x86_pte_t e);

/* Stores E in entry INDEX of the table at PA and returns what it held. */
x86_pte_t x86_table_exchange(paddr_t pa, unsigned index, x86_pte_t e);

/* The entry of a level-LEVEL table that links the next-lower table at PA (writable). */
x86_pte_t x86_link_entry(paddr_t pa, unsigned level);

/* Reads entry INDEX of the table at PA. */
x86_pte_t x86_table_read(paddr_t pa, unsigned index);

/* The arch-neutral MMU_* attributes of the present leaf entry E (MMU_READ always). */
unsigned x86_pte_to_mmu_flags(x86_pte_t e);

/* The space whose root is in CR3, or NULL for the kernel's own tables. One CPU for now. */
extern struct mmu_space *x86_active_space;

/* For the self-tests: the raw leaf entry for VA in SPACE, or 0 when there is none. */
x86_pte_t x86_mmu_leaf(struct mmu_space *space, uintptr_t va);

/* For the self-tests: after COUNT more successful page-table allocations, the next one fails
 * (as if the frame allocator were empty), once; X86_MMU_NO_FAILURE turns that off. */
#define X86_MMU_NO_FAILURE (~0u)
void x86_mmu_fail_table_alloc_after(unsigned count);

/* For the self-tests: when set, page-table frames come from this function instead of the frame
 * allocator (0 or -ENOMEM, like frame_alloc), so a test can hand out frames above i686's direct
 * map. The frames still go back with frame_free. */
extern int (*x86_mmu_table_source)(paddr_t *pa);

#endif
