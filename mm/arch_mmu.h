/* The MMU half of the arch contract: every function an arch must provide to the arch-neutral mm
 * code. (The CPU half is kernel/arch.h.) Each arch implements this header once, under arch/; mm/
 * never touches a page-table bit or a mapping itself.
 *
 * Two parts: access to frame contents (direct map, kmap), and the page tables of user address
 * spaces (map/unmap/protect/query one entry, TLB flushes, create/destroy/activate a root, a walk
 * over present entries). The generic code decides what to map; the arch only translates the
 * arch-neutral MMU_* attributes into entries and back.
 *
 * This header uses no arch types, so the pure-logic mm code which includes it also builds on the
 * host (tests/host/ implements it over a buffer and a software page table there). */
#ifndef MM_ARCH_MMU_H
#define MM_ARCH_MMU_H

#include "kernel/compiler.h"
#include "mm/page.h"

/* ---- The direct map ----
 * A fixed kernel mapping of physical memory, linear from some base. On x86_64 and aarch64 it
 * covers all RAM; on i686 it cannot (1 GiB of kernel address space), so it covers only RAM below
 * a limit the arch chooses, and the rest is reached through kmap_frame. */

/* Returns whether the byte at PADDR is inside the direct map. Callable at any time after the
 * arch has set up its kernel page tables (before mm_init). */
bool arch_phys_in_direct_map(paddr_t paddr);

/* Returns the direct-map virtual address of PADDR; PADDR must be inside the direct map
 * (arch_phys_in_direct_map), anything else is a kernel bug the arch may panic on. */
void *arch_phys_to_virt(paddr_t paddr);

/* ---- Temporary mappings of one frame ----
 * kmap_frame(FRAME) returns a kernel virtual address at which the 4 KiB frame at FRAME (frame
 * aligned) can be read and written, for any frame of RAM, inside the direct map or not. For a
 * frame inside the direct map it may simply return the direct-map address. Other frames get a
 * per-CPU mapping slot: mappings nest (at most 4 deep, released in reverse order) and the caller
 * must stay on this CPU, with no sleeping, until it calls kunmap_frame with exactly the address
 * it got. Neither function fails or allocates memory. */
void *kmap_frame(paddr_t frame);
void kunmap_frame(void *vaddr);

/* ---- Page contents ----
 * The fastest way the arch has to fill or copy one 4 KiB page (x86: rep stos / rep movs;
 * aarch64: dc zva and paired loads and stores). Both addresses are kernel virtual addresses of
 * whole pages (page aligned: from kmap_frame or the direct map); the pages must not overlap.
 * Neither function fails; the bytes outside the page are never touched. */

/* Fills the page at PAGE with zero bytes. */
void arch_page_zero(void *page);

/* Copies the page at SRC to the page at DST. */
void arch_page_copy(void *dst, const void *src);

/* The same by physical address, for frames of the frame allocator (RAM with a pageinfo) that the
 * caller owns or holds a reference to: the arch reaches them the cheapest way it knows is valid
 * for allocator frames (the direct map without looking it up, else a kmap slot). */

/* Fills the frame FRAME with zero bytes. */
void arch_frame_zero(paddr_t frame);

/* Copies frame SRC to frame DST (two different frames). */
void arch_frame_copy(paddr_t dst, paddr_t src);

/* ---- User address spaces ----
 * The arch keeps the hardware root of one address space in struct mmu_space; its fields belong
 * to the arch (root's physical address, ASID, ...). Only the user half is described here: the
 * kernel half is the same in every space and the arch sets it up itself.
 *
 * Every page-table frame comes from frame_alloc() and is tagged PAGEINFO_PAGE_TABLE with its level
 * (0 = the table of leaf entries); its pageinfo refcount is the number of upper-level entries, in
 * all address spaces, that point at it (0 for a root); the last reference frees it
 * (arch_mmu_space_destroy, arch_mmu_detach). Leaf entries never take or drop frame references:
 * the generic code does that around each call ("every entry made or removed changes the frame's
 * refcount"), and only after the TLB flush for a removed or downgraded entry ("TLB before free").
 * The caller serializes all calls on one space (the address-space lock). */
struct mmu_space {
	paddr_t root;           /* physical address of the top-level table (PML4 / PDPT / L0) */
	unsigned long table_frames;  /* page-table frames this space owns, the root included */
	unsigned long shared_links;  /* its read-only upper entries to leaf tables (COW_PT: shared,
				      * or shared until the other sharers left); 0 lets
				      * arch_mmu_unshare and arch_mmu_detach return at once */
	unsigned asid;          /* aarch64: ASID in TTBR0; unused elsewhere */
};

/* Arch-neutral attributes of one mapping. A present entry is always readable by the kernel;
 * MMU_READ is what user mode may do. */
#define MMU_READ        (1u << 0)
#define MMU_WRITE       (1u << 1)
#define MMU_EXEC        (1u << 2)
#define MMU_USER        (1u << 3)   /* reachable from user mode */
#define MMU_CACHE_SHIFT 4
#define MMU_CACHE_MASK  (3u << MMU_CACHE_SHIFT)
#define MMU_CACHE_WB    (0u << MMU_CACHE_SHIFT)   /* normal memory, write-back */
#define MMU_CACHE_UC    (1u << MMU_CACHE_SHIFT)   /* device / uncached */
#define MMU_CACHE_WC    (2u << MMU_CACHE_SHIFT)   /* write-combining */
#define MMU_ACCESSED    (1u << 6)   /* reported by query: the hardware set the accessed bit */
#define MMU_DIRTY       (1u << 7)   /* reported by query: the hardware set the dirty bit */

/* The user half of every address space: [MMU_USER_BASE, arch_mmu_user_top()). The first page is
 * never mapped, so that NULL faults. */
#define MMU_USER_BASE   0x1000ul
uintptr_t arch_mmu_user_top(void);

/* Creates an empty user address space with its own root (the kernel half shared). Returns 0, or
 * -ENOMEM with nothing allocated. */
int arch_mmu_space_create(struct mmu_space *space);

/* Frees every page-table frame of SPACE. Every leaf entry must already have been unmapped (the
 * arch panics, naming the address, if one is still present). SPACE must not be active on any CPU. */
void arch_mmu_space_destroy(struct mmu_space *space);

/* Makes SPACE the user half of this CPU; NULL leaves only the kernel mapped. The generic code
 * calls it only through addrspace_activate (mm/tlb.c), which keeps the CPU sets. */
void arch_mmu_space_activate(struct mmu_space *space);

/* Maps the 4 KiB page at VA (page aligned, inside the user half) to the frame at PA with FLAGS.
 * The entry must not be present (a kernel bug otherwise: panics). Returns 0, or -ENOMEM when an
 * intermediate table could not be allocated, with nothing changed. No TLB flush is needed. */
int arch_mmu_map(struct mmu_space *space, uintptr_t va, paddr_t pa, unsigned flags);

/* Removes the entry for VA. Returns true and the old frame in *OLD_PA when one was present.
 * The caller must flush the TLB before it drops the frame's reference. Empty intermediate tables
 * stay until arch_mmu_space_destroy. */
bool arch_mmu_unmap(struct mmu_space *space, uintptr_t va, paddr_t *old_pa);

/* Changes the attributes of the present entry for VA (panics if none) and keeps its frame. When
 * rights are removed, the caller flushes the TLB before relying on it. */
void arch_mmu_protect(struct mmu_space *space, uintptr_t va, unsigned flags);

/* Returns whether VA has a present entry, and then its frame and attributes (MMU_ACCESSED and
 * MMU_DIRTY included). Either out-pointer may be NULL. */
bool arch_mmu_query(struct mmu_space *space, uintptr_t va, paddr_t *pa, unsigned *flags);

/* Calls FN for every present leaf entry of SPACE with START <= va < END, in address order. FN
 * must not change SPACE. */
typedef void (*mmu_walk_fn)(void *ctx, uintptr_t va, paddr_t pa, unsigned flags);
void arch_mmu_walk(struct mmu_space *space, uintptr_t start, uintptr_t end, mmu_walk_fn fn, void *ctx);

/* Calls FN for every page-table frame of SPACE (the root included) with its level (0 = the table
 * of leaf entries, as in pageinfo). For the invariant checker. */
typedef void (*mmu_table_fn)(void *ctx, paddr_t table, unsigned level);
void arch_mmu_walk_tables(struct mmu_space *space, mmu_table_fn fn, void *ctx);

/* ---- Copy-on-write page tables (COW_PT=1, the default; `make COW_PT=0` turns sharing off) ----
 * fork shares the parent's leaf tables (level 0, MMU_SHARE_SPAN bytes each) with the child
 * instead of copying their entries: the child's upper entry points at the same table, and both
 * upper entries lose the write right (x86: R/W of the PD entry; aarch64: APTable[1] of the L2
 * table descriptor), so every page under them is read-only whatever its leaf says. A leaf table
 * is shared exactly when the upper entries pointing at it are read-only. Before any entry under a
 * shared table changes, the path is unshared (arch_mmu_unshare; arch_mmu_map does it itself,
 * arch_mmu_unmap and arch_mmu_protect panic on a shared table): a table with refcount > 1 is
 * copied, the copy's entries each take a reference on their frame (a count going 1 -> 2 is set
 * CoW first) and lose the write right in both tables (each frame is now mapped twice), and the
 * shared table drops this space's reference; a table with refcount 1 just gets its upper entry's
 * write right back. The hardware accessed/dirty bits of a shared table's entries are the union
 * of what every sharer did; they are copied as they are and nothing relies on them. */
#ifndef COW_PT
#ifdef KERNEL
#define COW_PT 1
#else
#define COW_PT 0            /* the host tests' software MMU has no shared tables */
#endif
#endif
#define MMU_SHARE_SPAN  (512ul * FRAME_SIZE)   /* what one leaf table maps: 2 MiB on every arch */

/* Shares every leaf table of PARENT in [START, END) (MMU_SHARE_SPAN aligned) with CHILD, whose
 * upper tables are created as needed and whose entries there must be empty: both upper entries
 * become read-only and each table gains a reference. Absent subtrees cost nothing. Returns 0 or
 * -ENOMEM (the tables shared so far stay; CHILD's destruction drops them). The caller flushes
 * PARENT's TLB. */
int arch_mmu_share(struct mmu_space *parent, struct mmu_space *child, uintptr_t start,
		   uintptr_t end);

/* Makes every leaf table of SPACE that maps a part of [START, END) private to SPACE (see above),
 * flushing SPACE's TLB where an upper entry changed. Returns 0 or -ENOMEM (the tables unshared so
 * far stay unshared: that changes no mapping). */
int arch_mmu_unshare(struct mmu_space *space, uintptr_t start, uintptr_t end);

/* Removes from SPACE every shared leaf table whose whole span lies in [START, END): clears the
 * upper entry, flushes SPACE's TLB, then drops the reference; the last reference drops every
 * frame reference of the table's entries (freeing frames) and frees the table. Never fails. */
void arch_mmu_detach(struct mmu_space *space, uintptr_t start, uintptr_t end);

/* Returns the leaf table of SPACE covering VA (0 when absent) and whether SPACE's upper entry to
 * it is read-only (shared). For the invariant checker and the tests. */
paddr_t arch_mmu_leaf_table(struct mmu_space *space, uintptr_t va, bool *shared);

/* TLB invalidation for SPACE: on this CPU, or on every CPU when arch_tlb_flush_is_global().
 * The generic code calls them through mm/tlb.c (vm_tlb_flush_*), which adds the IPIs to the
 * other CPUs that may cache SPACE when the arch's flushes are local. */
/* Flushes SPACE's translations on every CPU that may cache them (the IPIs of mm/tlb.c where the
 * arch's flushes are local), for arch code that drops a reference after changing an upper
 * entry (COW_PT's unshare and detach). SPACE must be the mmu of a struct addrspace. */
void mmu_space_shootdown(struct mmu_space *space);

void arch_tlb_flush_page(struct mmu_space *space, uintptr_t va);
void arch_tlb_flush_range(struct mmu_space *space, uintptr_t va, size_t size);
void arch_tlb_flush_space(struct mmu_space *space);

/* Returns whether arch_tlb_flush_* reach every CPU by themselves (aarch64: TLBI ... IS) rather
 * than this CPU only (x86: invlpg, CR3 reload). */
bool arch_tlb_flush_is_global(void);

/* Returns whether switching this CPU to another space (arch_mmu_space_activate) drops every
 * translation of the space it leaves (x86 without PCID: yes; aarch64, entries tagged with the
 * ASID: no). Decides when a CPU leaves a space's CPU set (mm/tlb.c). */
bool arch_tlb_switch_drops_old(void);

#endif
