/* The user half of aarch64 address spaces (mm/arch_mmu.h): the TTBR0 translation tables of one
 * struct mmu_space (4 KiB granule, four levels L0-L3, 48-bit VAs, so [0, 2^48) is the user
 * half), and the translation between the arch-neutral MMU_* attributes and page descriptors.
 * Activation, ASIDs and TLB flushes are in tlb.c.
 *
 * Table frames come from frame_alloc, are zeroed, tagged PAGEINFO_PAGE_TABLE with their level
 * (pageinfo level 0 = an L3 table of page entries, 3 = the L0 root) and reached through the
 * direct map. Only tables and 4 KiB pages are ever made, never blocks. Table descriptors carry
 * PXNTable: nothing in the user half is ever executable at EL1.
 *
 * A page descriptor for FLAGS:
 *   AttrIndx  MMU_CACHE_WB -> Normal write-back, MMU_CACHE_UC -> Device-nGnRE, MMU_CACHE_WC ->
 *             Normal non-cacheable (sysreg.h programs MAIR_EL1 with all three at boot)
 *   AP[1]     set (EL0 may access) for MMU_USER with any of READ/WRITE/EXEC: user access always
 *             includes read, as on x86, and query then reports MMU_READ. It is set for
 *             execute-only user pages too: an EL0-executable page with AP[1] = 0 would be
 *             readable by EL1 even with PAN on (before FEAT_PAN3, PAN only checks AP[1]).
 *             MMU_USER without any right leaves AP[1] = 0: EL0 cannot touch it, usercopy neither
 *             (it uses unprivileged loads); PTE_SW_USER remembers MMU_USER for query.
 *   AP[2]     read-only unless MMU_WRITE
 *   UXN       unless MMU_USER | MMU_EXEC; always for MMU_CACHE_UC (no speculative instruction
 *             fetch from Device memory), so query never reports EXEC for a UC page
 *   PXN       always. (The architecture also treats any EL0-writable page as PXN.)
 *   nG        always: user entries are tagged with the space's ASID
 *   SH        inner shareable
 *   AF/DBM    with the hardware access flag (TCR_EL1.HA, FEAT_HAFDBS) pages start with AF = 0
 *             and the CPU sets it on the first access; without it AF starts set. With hardware
 *             dirty state (TCR_EL1.HD) a writable write-back page starts clean: AP[2] = 1
 *             with DBM = 1, and the CPU clears AP[2] on the first write. Without HD, and for
 *             Device and non-cacheable pages (whose dirty state nothing needs, and which
 *             usercopy must not probe with exclusives, see usercopy.S), a writable page has
 *             AP[2] = 0 from the start.
 * arch_mmu_query reports MMU_ACCESSED from AF (so: always, without HA) and MMU_DIRTY when the
 * page is writable at the moment (AP[2] = 0: written since mapped with HD, conservatively always
 * without HD) or PTE_SW_DIRTY says it was dirty before arch_mmu_protect took the write right
 * away. arch_mmu_protect keeps AF and the dirty state. */
#include "arch/aarch64/mmu.h"
#include "arch/aarch64/cpu.h"
#include "arch/aarch64/memlayout.h"
#include "mm/frame.h"
#include "mm/section.h"
#include "kernel/errno.h"
#include "kernel/panic.h"
#include "kernel/string.h"

#define PTE_SW_USER     (1ul << 56)   /* software bit: mapped with MMU_USER */
#define ROOT_PI_LEVEL   3u            /* pageinfo level of the L0 table */

_Static_assert(PTE_SW_USER == 1ul << 56 && PTE_SW_DIRTY == 1ul << 55,
	       "software bits live in 58:55, which the hardware ignores");
_Static_assert(MMU_USER_BASE == PAGE_SIZE, "the NULL page is the only hole below the user half");

/* Returns the direct-map address of the table frame at PA. */
static inline pte_t *pt_virt(paddr_t pa)
{
	return (pte_t *)(uintptr_t)(DIRECT_MAP_BASE + pa);
}

/* Returns the pageinfo level of a table at hardware level HW (L0 = 0 ... L3 = 3). */
static inline unsigned pi_level(unsigned hw)
{
	return 3 - hw;
}

/* Allocates a zeroed table frame (refcount 0) for pageinfo level LEVEL into *PA; returns 0 or
 * -ENOMEM. */
int aarch64_table_alloc(unsigned level, paddr_t *pa)
{
	if (frame_alloc(pa))
		return -ENOMEM;
	struct pageinfo *pi = pageinfo_of(*pa);
	kassert(pi);
	pageinfo_set_type(pi, PAGEINFO_PAGE_TABLE, level);
	memset(pt_virt(*pa), 0, PAGE_SIZE);
	return 0;
}

/* Gives a table frame that nothing points at (refcount 0) back to the frame allocator. */
void aarch64_table_free(paddr_t pa)
{
	struct pageinfo *pi = pageinfo_of(pa);
	if (pageinfo_refcount(pi) != 0)
		panic("table_free: table %#llx still has %u references", (unsigned long long)pa,
		      pageinfo_refcount(pi));
	pageinfo_set_type(pi, PAGEINFO_ALLOCATED, 0);
	frame_free(pa);
}

/* Panics unless VA is a page-aligned address of the user half; WHO names the caller. */
static void check_user_va(uintptr_t va, const char *who)
{
	if (!IS_ALIGNED(va, PAGE_SIZE) || va < MMU_USER_BASE || va >= USER_TOP)
		panic("%s: %p is not a page of the user half", who, (void *)va);
}

/* Returns the descriptor for a 4 KiB page at PA with FLAGS (see the top of this file). */
static pte_t leaf_make(paddr_t pa, unsigned flags)
{
	unsigned cache = flags & MMU_CACHE_MASK;
	bool user_access = (flags & MMU_USER) && (flags & (MMU_READ | MMU_WRITE | MMU_EXEC));
	pte_t d = pa | PTE_PAGE | PTE_SH_INNER | PTE_NG | PTE_PXN;

	if (cache == MMU_CACHE_WB)
		d |= PTE_ATTR_IDX(MAIR_IDX_NORMAL_WB);
	else if (cache == MMU_CACHE_UC)
		d |= PTE_ATTR_IDX(MAIR_IDX_DEVICE_NGNRE);
	else if (cache == MMU_CACHE_WC)
		d |= PTE_ATTR_IDX(MAIR_IDX_NORMAL_NC);
	else
		panic("mmu: cache attribute %#x", cache);

	if (flags & MMU_USER)
		d |= PTE_SW_USER;
	if (user_access)
		d |= PTE_AP_EL0;
	if (!(user_access && (flags & MMU_EXEC) && cache != MMU_CACHE_UC))
		d |= PTE_UXN;
	if (!(flags & MMU_WRITE))
		d |= PTE_AP_RO;
	else if (aarch64_cpu.hw_dirty && cache == MMU_CACHE_WB)
		d |= PTE_AP_RO | PTE_DBM;           /* writable, still clean */
	if (!aarch64_cpu.hw_access_flag)
		d |= PTE_AF;
	return d;
}

/* Returns whether descriptor D says its page has been written (see the top of this file). */
static bool leaf_dirty(pte_t d)
{
	return (d & PTE_SW_DIRTY) || !(d & PTE_AP_RO);
}

pte_t aarch64_leaf_write_protect(pte_t d)
{
	return ((d | PTE_AP_RO) & ~PTE_DBM) | (leaf_dirty(d) ? PTE_SW_DIRTY : 0);
}

/* Returns the bits of descriptor D that record its history, to carry into a new descriptor for
 * the same page: AF, and the dirty state folded into PTE_SW_DIRTY. */
static pte_t leaf_history(pte_t d)
{
	return (d & PTE_AF) | (leaf_dirty(d) ? PTE_SW_DIRTY : 0);
}

/* Returns the MMU_* flags of descriptor D, MMU_ACCESSED and MMU_DIRTY included. */
static unsigned leaf_flags(pte_t d)
{
	unsigned flags = 0;
	if (d & PTE_SW_USER)
		flags |= MMU_USER;
	if (d & PTE_AP_EL0)
		flags |= MMU_READ;
	if (!(d & PTE_AP_RO) || (d & PTE_DBM))
		flags |= MMU_WRITE;
	if ((d & PTE_AP_EL0) && !(d & PTE_UXN))
		flags |= MMU_EXEC;
	switch ((d & PTE_ATTR_IDX_MASK) >> 2) {
	case MAIR_IDX_DEVICE_NGNRE: flags |= MMU_CACHE_UC; break;
	case MAIR_IDX_NORMAL_NC:    flags |= MMU_CACHE_WC; break;
	default:                    flags |= MMU_CACHE_WB; break;
	}
	if (d & PTE_AF)
		flags |= MMU_ACCESSED;
	if (leaf_dirty(d))
		flags |= MMU_DIRTY;
	return flags;
}

/* Returns the L3 entry for VA in SPACE, or NULL when a table on the way is missing. With MODIFY
 * (the caller's name) the L3 table must not be shared: the generic code unshares first. */
static pte_t *leaf_lookup(const struct mmu_space *space, uintptr_t va, const char *modify)
{
	pte_t *table = pt_virt(space->root);
	for (unsigned hw = 0; hw < 3; hw++) {
		pte_t e = table[PT_INDEX(va, hw)];
		if (!(e & PTE_VALID))
			return NULL;
		if ((e & PTE_TYPE_MASK) != PTE_TABLE)
			panic("mmu: block or bad entry %#llx at L%u for %p", (unsigned long long)e, hw,
			      (void *)va);
		if (modify && (e & PTE_APTABLE_RO))
			panic("%s: %p is under a shared page table", modify, (void *)va);
		table = pt_virt(e & PTE_ADDR_MASK);
	}
	return &table[PT_INDEX(va, 3)];
}

static inline pte_t pte_load(const pte_t *entry)
{
	return __atomic_load_n(entry, __ATOMIC_RELAXED);
}

/* The hardware may set AF or clear AP[2] (dirty) in a live entry at any time, so entries that
 * may be live change only by atomic exchange or compare-and-swap. */
static inline pte_t pte_exchange(pte_t *entry, pte_t value)
{
	return __atomic_exchange_n(entry, value, __ATOMIC_RELAXED);
}

uintptr_t arch_mmu_user_top(void)
{
	return USER_TOP;
}

int arch_mmu_space_create(struct mmu_space *space)
{
	paddr_t root;
	if (aarch64_table_alloc(ROOT_PI_LEVEL, &root))
		return -ENOMEM;
	space->root = root;
	space->table_frames = 1;
	space->shared_links = 0;
	space->asid = aarch64_asid_alloc();
	return 0;
}

/* Frees the table at PA (hardware level HW, covering VA upwards) and every table below it;
 * panics naming the address of a page entry that is still present. */
static void tables_free(struct mmu_space *space, paddr_t pa, unsigned hw, uintptr_t va)
{
	pte_t *table = pt_virt(pa);
	for (unsigned i = 0; i < PT_ENTRIES; i++) {
		uintptr_t entry_va = va + ((uintptr_t)i << PT_LEVEL_SHIFT(hw));
		if (!table[i])
			continue;
		if (hw == 3)
			panic("arch_mmu_space_destroy: va %p is still mapped (entry %#llx)",
			      (void *)entry_va, (unsigned long long)table[i]);
		if (table[i] & PTE_APTABLE_RO)
			panic("arch_mmu_space_destroy: shared table at %p not detached",
			      (void *)entry_va);
		aarch64_table_put_last(table[i] & PTE_ADDR_MASK);
		tables_free(space, table[i] & PTE_ADDR_MASK, hw + 1, entry_va);
	}
	aarch64_table_free(pa);
	space->table_frames--;
}

void arch_mmu_space_destroy(struct mmu_space *space)
{
	if ((read_sysreg(ttbr0_el1) & PTE_ADDR_MASK) == space->root)
		panic("arch_mmu_space_destroy: space %p is active", (void *)space);
	/* The TLB (walk caches included) forgets the space before its tables are reused. */
	aarch64_asid_release(space->asid);
	tables_free(space, space->root, 0, 0);
	if (space->table_frames != 0 || space->shared_links != 0)
		panic("arch_mmu_space_destroy: %lu table frames, %lu shared links unaccounted for",
		      space->table_frames, space->shared_links);
	space->root = 0;
	space->asid = ASID_NONE;
}

int arch_mmu_map(struct mmu_space *space, uintptr_t va, paddr_t pa, unsigned flags)
{
	check_user_va(va, "arch_mmu_map");
	if (!IS_ALIGNED(pa, PAGE_SIZE) || pa & ~PTE_ADDR_MASK)
		panic("arch_mmu_map: bad frame %#llx for %p", (unsigned long long)pa, (void *)va);
#if COW_PT
	if (arch_mmu_unshare(space, va, va + PAGE_SIZE))
		return -ENOMEM;
#endif

	/* Find the first missing table on the way down. */
	pte_t *table = pt_virt(space->root);
	unsigned hw = 0;
	for (; hw < 3; hw++) {
		pte_t e = table[PT_INDEX(va, hw)];
		if (!(e & PTE_VALID))
			break;
		table = pt_virt(e & PTE_ADDR_MASK);
	}

	/* Allocate every missing table before linking any, so that a failure changes nothing. */
	paddr_t fresh[3];
	unsigned need = 3 - hw;
	for (unsigned i = 0; i < need; i++) {
		if (aarch64_table_alloc(pi_level(hw + 1 + i), &fresh[i])) {
			while (i--)
				aarch64_table_free(fresh[i]);
			return -ENOMEM;
		}
	}
	if (need)
		dsb(ishst);             /* the zeroed tables before the entries that link them */
	for (unsigned i = 0; i < need; i++) {
		pageinfo_get(pageinfo_of(fresh[i]));     /* the link's reference */
		table[PT_INDEX(va, hw + i)] = fresh[i] | PTE_TABLE | PTE_PXN_TABLE;
		table = pt_virt(fresh[i]);
	}
	space->table_frames += need;

	pte_t *entry = &table[PT_INDEX(va, 3)];
	if (pte_load(entry))
		panic("arch_mmu_map: va %p is already mapped (entry %#llx)", (void *)va,
		      (unsigned long long)pte_load(entry));
	pte_t desc = leaf_make(pa, flags);
	if (!(desc & PTE_UXN))
		aarch64_sync_icache_frame(pa);
	__atomic_store_n(entry, desc, __ATOMIC_RELAXED);
	/* Visible to this CPU's walks before anything that follows (usercopy may use it at once). */
	dsb(ishst);
	isb();
	return 0;
}

bool arch_mmu_unmap(struct mmu_space *space, uintptr_t va, paddr_t *old_pa)
{
	check_user_va(va, "arch_mmu_unmap");
	pte_t *entry = leaf_lookup(space, va, "arch_mmu_unmap");
	if (!entry || !(pte_load(entry) & PTE_VALID))
		return false;
	pte_t old = pte_exchange(entry, 0);
	dsb(ishst);
	if (old_pa)
		*old_pa = old & PTE_ADDR_MASK;
	return true;
}

void arch_mmu_protect(struct mmu_space *space, uintptr_t va, unsigned flags)
{
	check_user_va(va, "arch_mmu_protect");
	pte_t *entry = leaf_lookup(space, va, "arch_mmu_protect");
	pte_t old = entry ? pte_load(entry) : 0;
	if (!(old & PTE_VALID))
		panic("arch_mmu_protect: va %p is not mapped", (void *)va);

	pte_t fresh = leaf_make(old & PTE_ADDR_MASK, flags);
	if (!(fresh & PTE_UXN) && (old & PTE_UXN))
		aarch64_sync_icache_frame(old & PTE_ADDR_MASK);

	if ((fresh & PTE_ATTR_IDX_MASK) != (old & PTE_ATTR_IDX_MASK)) {
		/* A new memory type needs break-before-make: no TLB may hold both at once. */
		old = pte_exchange(entry, 0);
		arch_tlb_flush_page(space, va);
		__atomic_store_n(entry, fresh | leaf_history(old), __ATOMIC_RELAXED);
	} else {
		while (!__atomic_compare_exchange_n(entry, &old, fresh | leaf_history(old), false,
						    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
			;
	}
	dsb(ishst);
	isb();
}

bool arch_mmu_query(struct mmu_space *space, uintptr_t va, paddr_t *pa, unsigned *flags)
{
	if (va >= USER_TOP)
		return false;
	pte_t *entry = leaf_lookup(space, ALIGN_DOWN(va, PAGE_SIZE), NULL);
	pte_t d = entry ? pte_load(entry) : 0;
	if (!(d & PTE_VALID))
		return false;
	if (pa)
		*pa = d & PTE_ADDR_MASK;
	if (flags)
		*flags = leaf_flags(d);
	return true;
}

/* Calls FN for the present pages in [START, END) under the table at hardware level HW whose
 * first address is BASE. START is page aligned. */
static void walk_level(const pte_t *table, unsigned hw, uintptr_t base, uintptr_t start,
		       uintptr_t end, mmu_walk_fn fn, void *ctx)
{
	unsigned shift = PT_LEVEL_SHIFT(hw);
	unsigned first = start > base ? (unsigned)((start - base) >> shift) : 0;
	for (unsigned i = first; i < PT_ENTRIES; i++) {
		uintptr_t va = base + ((uintptr_t)i << shift);
		if (va >= end)
			return;
		pte_t e = pte_load(&table[i]);
		if (!(e & PTE_VALID))
			continue;
		if (hw == 3)
			fn(ctx, va, e & PTE_ADDR_MASK, leaf_flags(e));
		else
			walk_level(pt_virt(e & PTE_ADDR_MASK), hw + 1, va, start, end, fn, ctx);
	}
}

void arch_mmu_walk(struct mmu_space *space, uintptr_t start, uintptr_t end, mmu_walk_fn fn,
		   void *ctx)
{
	if (start > USER_TOP - PAGE_SIZE)
		return;
	start = ALIGN_UP(start, PAGE_SIZE);
	end = MIN(end, USER_TOP);
	if (start < end)
		walk_level(pt_virt(space->root), 0, 0, start, end, fn, ctx);
}

/* Calls FN for the table at PA (hardware level HW) and, in address order, every table below. */
static void walk_tables_level(paddr_t pa, unsigned hw, mmu_table_fn fn, void *ctx)
{
	fn(ctx, pa, pi_level(hw));
	if (hw == 3)
		return;
	const pte_t *table = pt_virt(pa);
	for (unsigned i = 0; i < PT_ENTRIES; i++)
		if (table[i] & PTE_VALID)
			walk_tables_level(table[i] & PTE_ADDR_MASK, hw + 1, fn, ctx);
}

void arch_mmu_walk_tables(struct mmu_space *space, mmu_table_fn fn, void *ctx)
{
	walk_tables_level(space->root, 0, fn, ctx);
}
