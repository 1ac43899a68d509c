/* Copy-on-write page tables on x86 (contract in mm/arch_mmu.h): sharing a leaf table (a PT, level
 * 0) between address spaces at fork, unsharing it before an entry under it changes, detaching
 * shared tables from a space that unmaps their whole span, and dropping table references.
 *
 * The sharing level is the leaf table on both x86 modes. The write right is removed in the PD
 * entry (level 1) that points at the shared PT: the CPU allows a write only if the R/W bit of
 * every level of the walk is set. PAE cannot go higher: its PDPT entries have no R/W bit, and its
 * four PDPT entries are loaded with CR3, so its page directories are fixed per space anyway.
 * x86_64 keeps the same level so that a first write after fork copies exactly one 4 KiB table.
 *
 * Accessed/dirty: the CPU may set A in a shared PT's entries on behalf of any sharer (a read);
 * it never sets D there, because a write through a read-only PD entry faults first. A and D are
 * copied as they are when a PT is unshared; the kernel never clears them and nothing relies on
 * them (vm_flags_norm drops them before comparing).
 *
 * Locking: as every arch_mmu_* call, under SPACE's address-space lock (both spaces' for share). A
 * shared PT is reachable from other spaces whose locks we do not hold: its entries change here
 * only by compare-and-swap, and only to remove the write right (which the read-only PD entries
 * in every sharer already remove), so no other sharer's TLB needs a flush for it. Its refcount
 * is atomic; whoever drops the last reference frees it (two spaces may unshare or detach the
 * same table at once on SMP). */
#include "mmu.h"
#include "mm/frame.h"
#include "mm/pageinfo.h"
#include "mm/section.h"
#include "mm/table_ref.h"
#include "kernel/errno.h"
#include "kernel/panic.h"

#define TOP X86_MMU_TOP_LEVEL

/* Returns the pageinfo of table frame PA; panics when it has none. */
static struct pageinfo *table_pi(paddr_t pa)
{
	struct pageinfo *pi = pageinfo_of(pa);
	if (unlikely(!pi || pageinfo_type(pi) != PAGEINFO_PAGE_TABLE))
		panic("x86 mmu: frame %#llx is not a page table", (unsigned long long)pa);
	return pi;
}

/* Drops the reference of the one entry that pointed at table PA, which must be its last. */
void x86_table_put_last(paddr_t pa)
{
	struct pageinfo *pi = table_pi(pa);
	if (unlikely(!pageinfo_put(pi)))
		panic("x86 mmu: table %#llx still has %u references after its last link went",
		      (unsigned long long)pa, pageinfo_refcount(pi));
}

/* Drops one reference of the leaf table PT, which no longer sits in any TLB of the caller's
 * space; the last one drops the reference of every frame its entries map (freeing frames) and
 * frees PT. The caller has already taken PT out of its table_frames. */
static void leaf_table_put(paddr_t pt)
{
	struct pageinfo *pi = table_pi(pt);
	if (pageinfo_level(pi) != 0)
		panic("x86 mmu: table %#llx of level %u shared", (unsigned long long)pt,
		      pageinfo_level(pi));
	if (!pageinfo_put(pi))
		return;
	x86_pte_t *t = x86_table_map(pt);
	for (unsigned i = 0; i < X86_PT_ENTRIES; i++) {
		x86_pte_t e = ((volatile x86_pte_t *)t)[i];
		if (!(e & X86_PTE_P))
			continue;
		struct pageinfo *fpi = pageinfo_of(e & X86_PTE_ADDR_MASK);
		if (fpi && pageinfo_put(fpi))
			frame_free(e & X86_PTE_ADDR_MASK);
	}
	x86_table_unmap(t);
	frame_free(pt);
}

/* Stores in *PD the page directory (level 1) on VA's path in SPACE: 0 when an upper entry is
 * absent, or with CREATE a fresh table linked in. Returns 0 or -ENOMEM. */
static int pd_of(struct mmu_space *space, uintptr_t va, bool create, paddr_t *pd)
{
	paddr_t t = space->root;
	for (unsigned l = TOP; l > 1; l--) {
		unsigned i = x86_level_index(va, l);
		x86_pte_t e = x86_table_read(t, i);
		if (!(e & X86_PTE_P)) {
			paddr_t fresh;
			if (!create) {
				*pd = 0;
				return 0;
			}
			if (x86_table_alloc(space, l - 1, &fresh))
				return -ENOMEM;
			pageinfo_get(table_pi(fresh));
			e = x86_link_entry(fresh, l);
			x86_table_exchange(t, i, e);
		}
		if (e & X86_PTE_PS)
			panic("x86 mmu: large page over user address %p", (void *)va);
		t = e & X86_PTE_ADDR_MASK;
	}
	*pd = t;
	return 0;
}

/* Copies the shared leaf table PT for SPACE into *COPY: each entry takes a reference on its frame
 * and loses the write right in both tables. Returns 0 or -ENOMEM (nothing changed). */
static int leaf_table_copy(struct mmu_space *space, paddr_t pt, paddr_t *copy)
{
	if (x86_table_alloc(space, 0, copy))
		return -ENOMEM;
	x86_pte_t *src = x86_table_map(pt);
	x86_pte_t *dst = x86_table_map(*copy);
	struct table_ref_cache frames = TABLE_REF_CACHE_INIT;
	for (unsigned i = 0; i < X86_PT_ENTRIES; i++) {
		/* (On i686 the halves are read apart; the CPU changes only A/D, in the low one.) */
		x86_pte_t e = ((volatile x86_pte_t *)src)[i];
		if (!((uint32_t)e & X86_PTE_P))
			continue;
		if ((uint32_t)e & X86_PTE_RW)    /* R/W in the low word; the CPU may set A/D there */
			__atomic_fetch_and((uint32_t *)&src[i], ~(uint32_t)X86_PTE_RW,
					   __ATOMIC_RELAXED);
		/* 1 -> 2 makes the frame copy-on-write */
		frame_ref_get_cow(&frames, (unsigned long)((e & X86_PTE_ADDR_MASK) >> FRAME_SHIFT));
		dst[i] = e & ~(x86_pte_t)X86_PTE_RW;
	}
	x86_table_unmap(dst);
	x86_table_unmap(src);
	return 0;
}

/* Makes the leaf table linked by entry I (holding E) of the page directory PD private to SPACE. */
static int unshare_link(struct mmu_space *space, paddr_t pd, unsigned i, x86_pte_t e)
{
	paddr_t pt = e & X86_PTE_ADDR_MASK;
	if (pageinfo_refcount(table_pi(pt)) == 1) {
		/* Ours alone: whoever dropped the other references already write-protected it (see
		 * its entry changes before the count: the put released them). */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		while (!x86_table_cas(pd, i, &e, e | X86_PTE_RW))
			;
		space->shared_links--;
		arch_tlb_flush_space(space);
		return 0;
	}
	paddr_t copy;
	if (leaf_table_copy(space, pt, &copy))
		return -ENOMEM;
	pageinfo_get(table_pi(copy));
	x86_table_exchange(pd, i, x86_link_entry(copy, 1));
	space->table_frames--;                   /* PT left this space, its copy came in */
	space->shared_links--;
	mmu_space_shootdown(space);              /* every CPU's TLB before put */
	leaf_table_put(pt);
	return 0;
}

/* What for_each_link calls for each present PD entry: the PD, the entry's index, the address
 * it starts at and what it holds. Returns 0 to go on or an error that stops the walk. */
typedef int (*link_fn)(struct mmu_space *space, paddr_t pd, unsigned i, uint64_t va, x86_pte_t e,
		       void *ctx);

/* Calls FN for every present PD entry of SPACE whose span overlaps [START, END), in address
 * order, skipping absent upper subtrees whole. Returns 0 or the first error of FN. */
static int for_each_link(struct mmu_space *space, uint64_t start, uint64_t end, link_fn fn,
			 void *ctx)
{
	uint64_t span1 = 1ull << x86_level_shift(1);
	uint64_t span2 = 1ull << x86_level_shift(2);
	uint64_t va = start & ~(span1 - 1);
	end = MIN(end, ((uint64_t)X86_USER_TOP + span1 - 1) & ~(span1 - 1));
	while (va < end) {
		paddr_t t = space->root;
		unsigned l = TOP;
		for (; l > 1; l--) {
			x86_pte_t e = x86_table_read(t, x86_level_index(va, l));
			if (!(e & X86_PTE_P))
				break;
			t = e & X86_PTE_ADDR_MASK;
		}
		if (l > 1) {
			uint64_t span = 1ull << x86_level_shift(l);
			va = (va & ~(span - 1)) + span;
			continue;
		}
		uint64_t pd_end = (va & ~(span2 - 1)) + span2;
		for (; va < end && va < pd_end; va += span1) {
			unsigned i = x86_level_index(va, 1);
			x86_pte_t e = x86_table_read(t, i);
			if (!(e & X86_PTE_P))
				continue;
			int err = fn(space, t, i, va, e, ctx);
			if (err)
				return err;
		}
	}
	return 0;
}

/* Shares with CHILD the present leaf tables linked by entries [LO, HI) of the parent's page
 * directory PD, which covers the gigabyte at VA (see arch_mmu_share): one pass over the PD, the
 * child's PD found (or made, when some entry is present) once. Returns 0 or -ENOMEM. */
static int share_pd(struct mmu_space *parent, struct mmu_space *child, paddr_t pd, uint64_t va,
		    unsigned lo, unsigned hi)
{
	x86_pte_t *p = x86_table_map(pd);
	while (lo < hi && !(((volatile x86_pte_t *)p)[lo] & X86_PTE_P))
		lo++;
	paddr_t cpd;
	if (lo == hi || pd_of(child, (uintptr_t)va, true, &cpd)) {
		x86_table_unmap(p);
		return lo == hi ? 0 : -ENOMEM;
	}
	x86_pte_t *c = x86_table_map(cpd);
	struct table_ref_cache refs = TABLE_REF_CACHE_INIT;
	unsigned long links = 0, protected = 0;
	for (unsigned i = lo; i < hi; i++) {
		x86_pte_t e = ((volatile x86_pte_t *)p)[i];
		/* P and R/W are in the low word on both modes (i686 then tests one word, not two) */
		if (!((uint32_t)e & X86_PTE_P))
			continue;
		if ((uint32_t)e & X86_PTE_RW) {
			/* (the CPU may set A in that word meanwhile: an atomic AND) */
			__atomic_fetch_and((uint32_t *)&p[i], ~(uint32_t)X86_PTE_RW,
					   __ATOMIC_RELAXED);
			protected++;
		}
		table_ref_get(&refs, e & X86_PTE_ADDR_MASK);
		if (MM_DEBUG && unlikely(c[i] & X86_PTE_P))
			panic("arch_mmu_share: child of %p already maps a table at PD index %u of %#llx",
			      (void *)parent, i, (unsigned long long)va);
		c[i] = e & ~(x86_pte_t)X86_PTE_RW;
		links++;
	}
	x86_table_unmap(c);
	x86_table_unmap(p);
	parent->shared_links += protected;
	child->table_frames += links;
	child->shared_links += links;
	return 0;
}

/* Stores in *PD the page directory of SPACE over the gigabyte at VA, or 0 when an upper entry is
 * absent; then *SKIP is the first address past that absent subtree. */
static void pd_or_skip(struct mmu_space *space, uint64_t va, paddr_t *pd, uint64_t *skip)
{
	paddr_t t = space->root;
	for (unsigned l = TOP; l > 1; l--) {
		x86_pte_t e = x86_table_read(t, x86_level_index(va, l));
		if (!(e & X86_PTE_P)) {
			uint64_t span = 1ull << x86_level_shift(l);
			*pd = 0;
			*skip = (va & ~(span - 1)) + span;
			return;
		}
		t = e & X86_PTE_ADDR_MASK;
	}
	*pd = t;
}

int arch_mmu_share(struct mmu_space *parent, struct mmu_space *child, uintptr_t start,
		   uintptr_t end)
{
	if (start % MMU_SHARE_SPAN || end % MMU_SHARE_SPAN)
		panic("arch_mmu_share: [%p, %p) is not made of leaf-table spans", (void *)start,
		      (void *)end);
	uint64_t span2 = 1ull << x86_level_shift(2);
	uint64_t va = start;
	uint64_t stop = MIN((uint64_t)end, ((uint64_t)X86_USER_TOP + MMU_SHARE_SPAN - 1) &
					      ~(uint64_t)(MMU_SHARE_SPAN - 1));
	while (va < stop) {
		paddr_t pd;
		uint64_t next = 0;
		pd_or_skip(parent, va, &pd, &next);
		if (!pd) {
			va = next;
			continue;
		}
		next = MIN((va & ~(span2 - 1)) + span2, stop);
		unsigned hi = x86_level_index(next - 1, 1) + 1;
		int err = share_pd(parent, child, pd, va, x86_level_index(va, 1), hi);
		if (err)
			return err;
		va = next;
	}
	return 0;
}

/* for_each_link: makes a shared leaf table private (arch_mmu_unshare). */
static int unshare_fn(struct mmu_space *space, paddr_t pd, unsigned i, uint64_t va, x86_pte_t e,
		      void *ctx)
{
	(void)va;
	(void)ctx;
	return e & X86_PTE_RW ? 0 : unshare_link(space, pd, i, e);
}

/* The shared leaf tables arch_mmu_detach has taken out of a space and not yet dropped: their
 * links are cleared; one shootdown covers the whole batch before the references go. */
#define DETACH_BATCH 64
struct detach_ctx {
	uint64_t start, end;
	unsigned count;
	paddr_t tables[DETACH_BATCH];
};

/* Flushes SPACE's TLB on every CPU, then drops the references of the tables in D. */
static void detach_flush(struct mmu_space *space, struct detach_ctx *d)
{
	if (!d->count)
		return;
	mmu_space_shootdown(space);              /* every CPU's TLB before put */
	for (unsigned k = 0; k < d->count; k++)
		leaf_table_put(d->tables[k]);
	d->count = 0;
}

/* for_each_link: takes out a shared leaf table that lies inside the range of CTX (a detach_ctx). */
static int detach_fn(struct mmu_space *space, paddr_t pd, unsigned i, uint64_t va, x86_pte_t e,
		     void *ctx)
{
	struct detach_ctx *d = ctx;
	if ((e & X86_PTE_RW) || va < d->start || va + (1ull << x86_level_shift(1)) > d->end)
		return 0;
	x86_table_exchange(pd, i, 0);
	space->table_frames--;
	space->shared_links--;
	d->tables[d->count++] = e & X86_PTE_ADDR_MASK;
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
	paddr_t pd;
	pd_of(space, va, false, &pd);
	x86_pte_t e = pd ? x86_table_read(pd, x86_level_index(va, 1)) : 0;
	*shared = (e & X86_PTE_P) && !(e & X86_PTE_RW);
	return e & X86_PTE_P ? (paddr_t)(e & X86_PTE_ADDR_MASK) : 0;
}
