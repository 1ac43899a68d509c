/* Copy-on-write page tables on aarch64 (contract in mm/arch_mmu.h): sharing an L3 table (pageinfo
 * level 0) between address spaces at fork, unsharing it before an entry under it changes,
 * detaching shared tables from a space that unmaps their whole span, and dropping references.
 *
 * The sharing level is the L3 table, as on x86 (one rule for every arch; a first write after
 * fork copies one 4 KiB table). The write right is removed in the L2 table descriptor that points
 * at the shared L3 table: APTable[1] (bit 62) forbids writes at every EL to everything below it,
 * whatever AP[2] says in the page descriptors (hierarchical permissions; TCR_EL1.HPD0 stays 0).
 *
 * Accessed flag and dirty state (TCR_EL1.HA/HD, FEAT_HAFDBS, used when the CPU has them, see
 * mmu_space.c): the hardware may set AF in a shared table's page descriptors on behalf of any
 * sharer. A writable-clean page (AP[2] = 1, DBM = 1) under a read-only APTable takes a
 * permission fault on a write; should an implementation still record it dirty (clear AP[2]),
 * the page only looks dirty: the APTable keeps it read-only in every sharer, and unsharing
 * write-protects each copied descriptor (AP[2] set, DBM cleared, the dirty state kept in
 * PTE_SW_DIRTY) in both tables. AF and the dirty state are copied as they are; nothing relies on
 * them (vm_flags_norm drops them before comparing).
 *
 * Replacing the L2 descriptor of a table being unshared uses break-before-make (invalid, TLB
 * flush of the space, then the new table), as the architecture asks when a table descriptor's
 * output address changes. Locking as in x86/mmu_share.c: the caller holds the space's lock; a
 * shared table's descriptors change only by compare-and-swap and only lose the write right; the
 * last reference (atomic) frees the table. */
#include "arch/aarch64/mmu.h"
#include "arch/aarch64/memlayout.h"
#include "mm/frame.h"
#include "mm/pageinfo.h"
#include "mm/section.h"
#include "mm/table_ref.h"
#include "kernel/errno.h"
#include "kernel/panic.h"

/* Returns the direct-map address of the table frame at PA. */
static inline pte_t *pt_virt(paddr_t pa)
{
	return (pte_t *)(uintptr_t)(DIRECT_MAP_BASE + pa);
}

/* Returns the pageinfo of table frame PA; panics when it is not a page table. */
static struct pageinfo *table_pi(paddr_t pa)
{
	struct pageinfo *pi = pageinfo_of(pa);
	if (unlikely(!pi || pageinfo_type(pi) != PAGEINFO_PAGE_TABLE))
		panic("mmu: frame %#llx is not a page table", (unsigned long long)pa);
	return pi;
}

void aarch64_table_put_last(paddr_t pa)
{
	struct pageinfo *pi = table_pi(pa);
	if (unlikely(!pageinfo_put(pi)))
		panic("mmu: table %#llx still has %u references after its last link went",
		      (unsigned long long)pa, pageinfo_refcount(pi));
}

/* Drops one reference of the L3 table PT, which no longer sits in any TLB of the caller's space;
 * the last one drops the reference of every frame its entries map and frees PT. */
static void leaf_table_put(paddr_t pt)
{
	struct pageinfo *pi = table_pi(pt);
	if (pageinfo_level(pi) != 0)
		panic("mmu: table %#llx of level %u shared", (unsigned long long)pt,
		      pageinfo_level(pi));
	if (!pageinfo_put(pi))
		return;
	const pte_t *t = pt_virt(pt);
	for (unsigned i = 0; i < PT_ENTRIES; i++) {
		pte_t e = __atomic_load_n(&t[i], __ATOMIC_RELAXED);
		if (!(e & PTE_VALID))
			continue;
		struct pageinfo *fpi = pageinfo_of(e & PTE_ADDR_MASK);
		if (fpi && pageinfo_put(fpi))
			frame_free(e & PTE_ADDR_MASK);
	}
	aarch64_table_free(pt);
}

/* Stores in *L2 the L2 table on VA's path in SPACE: 0 when a table above is absent, or with
 * CREATE a fresh table linked in (counted in table_frames). Returns 0 or -ENOMEM. */
static int l2_of(struct mmu_space *space, uintptr_t va, bool create, paddr_t *l2)
{
	pte_t *table = pt_virt(space->root);
	for (unsigned hw = 0; hw < 2; hw++) {
		pte_t *slot = &table[PT_INDEX(va, hw)];
		if (!(*slot & PTE_VALID)) {
			paddr_t fresh;
			if (!create) {
				*l2 = 0;
				return 0;
			}
			if (aarch64_table_alloc(3 - (hw + 1), &fresh))
				return -ENOMEM;
			pageinfo_get(table_pi(fresh));
			dsb(ishst);
			*slot = fresh | PTE_TABLE | PTE_PXN_TABLE;
			space->table_frames++;
		}
		if ((*slot & PTE_TYPE_MASK) != PTE_TABLE)
			panic("mmu: block or bad entry %#llx at L%u for %p", (unsigned long long)*slot,
			      hw, (void *)va);
		table = pt_virt(*slot & PTE_ADDR_MASK);
	}
	*l2 = (paddr_t)((uintptr_t)table - DIRECT_MAP_BASE);
	return 0;
}

/* Copies the shared L3 table PT into *COPY: each entry takes a reference on its frame and loses
 * the write right in both tables. Returns 0 or -ENOMEM (nothing changed). */
static int leaf_table_copy(paddr_t pt, paddr_t *copy)
{
	if (aarch64_table_alloc(0, copy))
		return -ENOMEM;
	pte_t *src = pt_virt(pt), *dst = pt_virt(*copy);
	struct table_ref_cache frames = TABLE_REF_CACHE_INIT;
	for (unsigned i = 0; i < PT_ENTRIES; i++) {
		pte_t e = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
		if (!(e & PTE_VALID))
			continue;
		pte_t ro;
		do {
			ro = aarch64_leaf_write_protect(e);
		} while (ro != e && !__atomic_compare_exchange_n(&src[i], &e, ro, false,
								 __ATOMIC_RELAXED, __ATOMIC_RELAXED));
		/* 1 -> 2 makes the frame copy-on-write */
		frame_ref_get_cow(&frames, (unsigned long)((e & PTE_ADDR_MASK) >> FRAME_SHIFT));
		dst[i] = ro;
	}
	dsb(ishst);
	return 0;
}

/* Makes the L3 table linked by *SLOT (an L2 entry of SPACE) private to SPACE. */
static int unshare_link(struct mmu_space *space, pte_t *slot)
{
	pte_t e = *slot;
	paddr_t pt = e & PTE_ADDR_MASK;
	if (pageinfo_refcount(table_pi(pt)) == 1) {
		/* Ours alone: whoever dropped the other references already write-protected it (see
		 * its entry changes before the count: the put released them). */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		*slot = e & ~PTE_APTABLE_RO;
		space->shared_links--;
		arch_tlb_flush_space(space);
		return 0;
	}
	paddr_t copy;
	if (leaf_table_copy(pt, &copy))
		return -ENOMEM;
	pageinfo_get(table_pi(copy));
	*slot = 0;                               /* break */
	arch_tlb_flush_space(space);             /* also TLB before put */
	*slot = copy | PTE_TABLE | PTE_PXN_TABLE;   /* make */
	space->shared_links--;
	dsb(ishst);
	isb();
	leaf_table_put(pt);
	return 0;
}

/* What for_each_link calls for each valid L2 entry: the entry, the address its span starts at.
 * Returns 0 to go on or an error that stops the walk. */
typedef int (*link_fn)(struct mmu_space *space, pte_t *slot, uintptr_t va, void *ctx);

/* Calls FN for every valid L2 entry of SPACE whose span overlaps [START, END), in address order,
 * skipping absent L0/L1 subtrees whole. Returns 0 or the first error of FN. */
static int for_each_link(struct mmu_space *space, uintptr_t start, uintptr_t end, link_fn fn,
			 void *ctx)
{
	const uintptr_t span1 = 1ul << PT_LEVEL_SHIFT(2), span2 = 1ul << PT_LEVEL_SHIFT(1);
	uintptr_t va = ALIGN_DOWN(start, span1);
	end = MIN(end, USER_TOP);
	while (va < end) {
		pte_t *table = pt_virt(space->root);
		unsigned hw = 0;
		for (; hw < 2; hw++) {
			pte_t e = table[PT_INDEX(va, hw)];
			if (!(e & PTE_VALID))
				break;
			table = pt_virt(e & PTE_ADDR_MASK);
		}
		if (hw < 2) {
			uintptr_t span = 1ul << PT_LEVEL_SHIFT(hw);
			va = ALIGN_DOWN(va, span) + span;
			continue;
		}
		uintptr_t l2_end = ALIGN_DOWN(va, span2) + span2;
		for (; va < end && va < l2_end; va += span1) {
			pte_t *slot = &table[PT_INDEX(va, 2)];
			if (!(*slot & PTE_VALID))
				continue;
			int err = fn(space, slot, va, ctx);
			if (err)
				return err;
		}
	}
	return 0;
}

/* Shares with CHILD the valid L3 tables linked by entries [LO, HI) of the parent's L2 table
 * L2, which covers the gigabyte at VA (see arch_mmu_share): one pass over the L2 table, the
 * child's found (or made, when some entry is valid) once. Returns 0 or -ENOMEM. */
static int share_l2(struct mmu_space *parent, struct mmu_space *child, pte_t *l2, uintptr_t va,
		    unsigned lo, unsigned hi)
{
	while (lo < hi && !(l2[lo] & PTE_VALID))
		lo++;
	paddr_t cl2;
	if (lo == hi)
		return 0;
	if (l2_of(child, va, true, &cl2))
		return -ENOMEM;
	pte_t *c = pt_virt(cl2);
	struct table_ref_cache refs = TABLE_REF_CACHE_INIT;
	unsigned long links = 0, protected = 0;
	for (unsigned i = lo; i < hi; i++) {
		pte_t e = l2[i];                 /* only the parent's lock holder writes it */
		if (!(e & PTE_VALID))
			continue;
		if (!(e & PTE_APTABLE_RO)) {
			e |= PTE_APTABLE_RO;
			l2[i] = e;
			protected++;
		}
		table_ref_get(&refs, e & PTE_ADDR_MASK);
		if (MM_DEBUG && unlikely(c[i] & PTE_VALID))
			panic("arch_mmu_share: child of %p already maps a table at L2 index %u of %p",
			      (void *)parent, i, (void *)va);
		c[i] = e;
		links++;
	}
	parent->shared_links += protected;
	child->table_frames += links;
	child->shared_links += links;
	return 0;
}

int arch_mmu_share(struct mmu_space *parent, struct mmu_space *child, uintptr_t start,
		   uintptr_t end)
{
	if (start % MMU_SHARE_SPAN || end % MMU_SHARE_SPAN)
		panic("arch_mmu_share: [%p, %p) is not made of leaf-table spans", (void *)start,
		      (void *)end);
	const uintptr_t gib = 1ul << PT_LEVEL_SHIFT(1);
	uintptr_t va = start;
	end = MIN(end, USER_TOP);
	int err = 0;
	while (va < end && !err) {
		pte_t *table = pt_virt(parent->root);
		unsigned hw = 0;
		for (; hw < 2; hw++) {
			pte_t e = table[PT_INDEX(va, hw)];
			if (!(e & PTE_VALID))
				break;
			table = pt_virt(e & PTE_ADDR_MASK);
		}
		/* past the absent L0/L1 entry's span, or to the end of the L2 table's gigabyte */
		uintptr_t step = hw < 2 ? 1ul << PT_LEVEL_SHIFT(hw) : gib;
		uintptr_t next = MIN(ALIGN_DOWN(va, step) + step, end);
		if (hw == 2)
			err = share_l2(parent, child, table, va, PT_INDEX(va, 2),
				       PT_INDEX(next - 1, 2) + 1);
		va = next;
	}
	dsb(ishst);
	return err;
}

/* for_each_link: makes a shared L3 table private (arch_mmu_unshare). */
static int unshare_fn(struct mmu_space *space, pte_t *slot, uintptr_t va, void *ctx)
{
	(void)va;
	(void)ctx;
	return *slot & PTE_APTABLE_RO ? unshare_link(space, slot) : 0;
}

/* The shared L3 tables arch_mmu_detach has taken out of a space and not yet dropped: their
 * descriptors are cleared; one TLB flush covers the whole batch before the references go. */
#define DETACH_BATCH 64
struct detach_ctx {
	uintptr_t start, end;
	unsigned count;
	paddr_t tables[DETACH_BATCH];
};

/* Flushes SPACE's TLB, then drops the references of the tables in D. */
static void detach_flush(struct mmu_space *space, struct detach_ctx *d)
{
	if (!d->count)
		return;
	arch_tlb_flush_space(space);             /* TLB before put */
	for (unsigned k = 0; k < d->count; k++)
		leaf_table_put(d->tables[k]);
	d->count = 0;
}

/* for_each_link: takes out a shared L3 table that lies inside the range of CTX (a detach_ctx). */
static int detach_fn(struct mmu_space *space, pte_t *slot, uintptr_t va, void *ctx)
{
	struct detach_ctx *d = ctx;
	if (!(*slot & PTE_APTABLE_RO) || va < d->start || va + MMU_SHARE_SPAN > d->end)
		return 0;
	d->tables[d->count++] = *slot & PTE_ADDR_MASK;
	*slot = 0;
	space->table_frames--;
	space->shared_links--;
	if (d->count == DETACH_BATCH)
		detach_flush(space, d);
	return 0;
}

int arch_mmu_unshare(struct mmu_space *space, uintptr_t start, uintptr_t end)
{
	if (!space->shared_links)
		return 0;
	return for_each_link(space, start, end, unshare_fn, NULL);
}

void arch_mmu_detach(struct mmu_space *space, uintptr_t start, uintptr_t end)
{
	if (!space->shared_links)
		return;
	struct detach_ctx d = { .start = start, .end = end, .count = 0 };
	for_each_link(space, start, end, detach_fn, &d);
	detach_flush(space, &d);
}

paddr_t arch_mmu_leaf_table(struct mmu_space *space, uintptr_t va, bool *shared)
{
	paddr_t l2;
	l2_of(space, va, false, &l2);
	pte_t e = l2 ? pt_virt(l2)[PT_INDEX(va, 2)] : 0;
	*shared = (e & PTE_VALID) && (e & PTE_APTABLE_RO);
	return e & PTE_VALID ? (paddr_t)(e & PTE_ADDR_MASK) : 0;
}
