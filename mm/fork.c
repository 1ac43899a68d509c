/* addrspace_fork (contract in mm/addrspace.h): a copy of every grant and of the entries under
 * it, with copy-on-write for private pages.
 *
 * Per provider, for each present entry of the parent:
 *   Allocated        the child maps the same frame read-only and takes a reference; the
 *                    parent's entry loses its write right. The frame's shared bit is cleared
 *                    when the parent was its only user (a stale bit from an ended borrow).
 *                    Exception: a frame whose shared bit is set and count > 1 is borrowed by an
 *                    External grant somewhere; making it CoW would let the parent's next write
 *                    copy it away from the borrower, so the child gets its own copy instead
 *                    (what Linux does for pinned pages).
 *   AllocatedShared  every page is populated in the parent first (the seed's rule: lazy shared
 *                    pages only while the space has not been cloned), then the child maps the
 *                    same frames with the same rights and the shared bit is set.
 *   PhysBorrowed, External, FmapBorrowed: the child maps the same frames with the same rights
 *                    (references for frames that have a pageinfo).
 *                    Except a pinned user-scheme borrow (a client's buffer lent to this
 *                    daemon for one request, mm/borrow.c): the child does not get it.
 * Unpopulated private pages stay unpopulated. The parent's TLB is flushed once at the end,
 * before its lock is released, so no stale writable entry survives the fork.
 *
 * Out of memory: the half-built child (never listed, never seen by anyone) is destroyed, which
 * drops every reference it took; the parent keeps its contents (entries that became read-only
 * just take a cheap fault later: count 1 -> writable again). */
#include "mm/addrspace.h"
#include "mm/vm_internal.h"
#include "mm/pageinfo.h"
#include "mm/section.h"
#include "kernel/errno.h"
#include "kernel/panic.h"

struct fork_ctx {
	struct addrspace *parent, *child;
	struct grant *pg, *cg;           /* the parent's grant and its copy */
	bool parent_downgraded;          /* an entry of the parent lost rights: flush at the end */
};

static struct pageinfo *user_pageinfo(paddr_t pa, uintptr_t va)
{
	struct pageinfo *pi = pageinfo_of(pa);
	if (unlikely(!pi))
		panic("va=%#lx maps frame=%#llx without a pageinfo in an owned grant",
		      (unsigned long)va, (unsigned long long)pa);
	return pi;
}

static int fork_private_batch(void *ctx, struct vm_entry *e, unsigned count)
{
	struct fork_ctx *fc = ctx;
	paddr_t zero = vm_zero_frame();
	for (unsigned i = 0; i < count; i++) {
		paddr_t pa = e[i].pa;
		struct pageinfo *pi = user_pageinfo(pa, e[i].va);
		int err;
		if (pa != zero && pageinfo_refcount(pi) > 1 && pageinfo_is_shared(pi)) {
			paddr_t copy;
			err = vm_frame_new_copy(pa, &copy);
			if (!err)
				err = vm_map_ref_locked(fc->child, e[i].va, copy,
							vm_entry_flags(fc->cg, copy));
			if (err)
				return err;
			continue;
		}
		if (pa != zero && pageinfo_refcount(pi) == 1)
			pageinfo_set_cow(pi);
		err = vm_map_ref_locked(fc->child, e[i].va, pa,
					grant_mmu_flags(fc->cg) & ~MMU_WRITE);
		if (err)
			return err;
		if (e[i].flags & MMU_WRITE) {
			arch_mmu_protect(&fc->parent->mmu, e[i].va, vm_entry_flags(fc->pg, pa));
			fc->parent_downgraded = true;
		}
	}
	return 0;
}

static int fork_shared_batch(void *ctx, struct vm_entry *e, unsigned count)
{
	struct fork_ctx *fc = ctx;
	for (unsigned i = 0; i < count; i++) {
		pageinfo_set_shared(user_pageinfo(e[i].pa, e[i].va));
		int err = vm_map_ref_locked(fc->child, e[i].va, e[i].pa,
					    vm_entry_flags(fc->cg, e[i].pa));
		if (err)
			return err;
	}
	return 0;
}

static int fork_same_batch(void *ctx, struct vm_entry *e, unsigned count)
{
	struct fork_ctx *fc = ctx;
	for (unsigned i = 0; i < count; i++) {
		int err = vm_map_ref_locked(fc->child, e[i].va, e[i].pa,
					    vm_entry_flags(fc->cg, e[i].pa));
		if (err)
			return err;
	}
	return 0;
}

/* Populates every unpopulated page of the shared grant G of AS with a zeroed frame. */
static int populate_shared_locked(struct addrspace *as, struct grant *g)
{
	spin_assert_held(&as->lock);
	for (uintptr_t va = g->start; va < grant_end(g); va += FRAME_SIZE) {
		if (arch_mmu_query(&as->mmu, va, NULL, NULL))
			continue;
		paddr_t pa;
		int err = vm_frame_new_zeroed(&pa);
		if (!err)
			err = vm_map_ref_locked(as, va, pa, vm_entry_flags(g, pa));
		if (err)
			return err;
	}
	return 0;
}

/* Copies grant PG of the parent, and its entries, into the child. */
static int fork_grant_locked(struct fork_ctx *fc, struct grant *pg)
{
	spin_assert_held(&fc->parent->lock);
	spin_assert_held(&fc->child->lock);
	struct grant *cg = grant_new(pg->start, pg->pages, pg->prot, pg->max_prot, pg->map_flags,
				     pg->cache, &pg->provider);
	if (!cg)
		return -ENOMEM;
	if (cg->provider.kind == GRANT_EXTERNAL)
		addrspace_get(cg->provider.external.address_space);
	grant_tree_insert(&fc->child->grants, cg);      /* same layout as the parent: no merging */
	fc->pg = pg;
	fc->cg = cg;

	vm_batch_fn fn = fork_same_batch;
	if (pg->provider.kind == GRANT_ALLOCATED) {
		fn = fork_private_batch;
	} else if (pg->provider.kind == GRANT_ALLOCATED_SHARED) {
		int err = populate_shared_locked(fc->parent, pg);
		if (err)
			return err;
		fn = fork_shared_batch;
	}
	return vm_walk_batches_locked(fc->parent, pg->start, grant_end(pg), fn, fc);
}

int addrspace_fork(struct addrspace *parent, struct addrspace **child_out)
{
	struct addrspace *child;
	int err = addrspace_new_unlisted(&child);
	if (err)
		return err;
	struct fork_ctx fc = { .parent = parent, .child = child };

	unsigned long irq = spin_lock_irqsave(&parent->lock);
	unsigned long irq_child = spin_lock_irqsave(&child->lock);
	if (unlikely(parent->dead))
		panic("fork of destroyed as=%p", (void *)parent);
	for (struct grant *pg = grant_tree_first(&parent->grants); pg && !err;
	     pg = grant_tree_next(pg)) {
		/* a pinned user-scheme borrow belongs to one request of the parent: not copied */
		if (pg->provider.kind == GRANT_EXTERNAL &&
		    pg->provider.external.is_pinned_userscheme_borrow)
			continue;
		err = fork_grant_locked(&fc, pg);
	}
	if (fc.parent_downgraded)
		arch_tlb_flush_space(&parent->mmu);
	spin_unlock_irqrestore(&child->lock, irq_child);
	spin_unlock_irqrestore(&parent->lock, irq);

	if (err) {
		addrspace_destroy(child);
		return err;
	}
	addrspace_list_add(child);
	*child_out = child;
	return 0;
}
