/* addrspace_fork (contract in mm/addrspace.h): a copy of every grant and of the entries under
 * it, with copy-on-write for private pages.
 *
 * Shared page tables (COW_PT, mm/arch_mmu.h): a leaf table (2 MiB of address space) whose span
 * holds only plain private memory (Allocated grants without a file) and shared anonymous memory
 * of an object (AllocatedShared with a shm object) is not copied: the child points at the
 * parent's table, both upper entries become read-only, and no entry or frame count is touched,
 * so a fork costs the child's root and upper tables whatever is mapped; each side's first
 * change under the table copies it (arch_mmu_unshare). How a MAP_SHARED page under such a table
 * stays writable: a write to it faults on the read-only upper entry; the fault path unshares
 * first (the copy write-protects every entry in both tables and takes a reference on the
 * object's frame for the new entry), then the AllocatedShared resolver finds the entry present
 * and makes it writable with the grant's rights: the same frame, which the object holds, so
 * both sides keep writing one page (no copy ever happens to an object's frame: its shared bit
 * is set). A leaf table that holds anything else (a contiguous AllocatedShared grant without an
 * object, PhysBorrowed, External, FmapBorrowed, a private file mapping) is copied entry by
 * entry as below: device or borrowed pages take no CoW, and their entries must keep their
 * rights. So is every
 * private page of a space that has lent one of its private frames (vm_borrow, lent_private): a
 * lent frame must not become CoW (see "Exception" below), and sharing would hide it. The rules
 * below are for the entries fork copies.
 *
 * Per provider, for each present entry of the parent:
 *   Allocated        the child maps the same frame read-only and takes a reference; the
 *                    parent's entry loses its write right. The frame's shared bit is cleared
 *                    when the parent was its only user (a stale bit from an ended borrow).
 *                    Exception: a frame whose shared bit is set and count > 1 is borrowed by an
 *                    External grant somewhere; making it CoW would let the parent's next write
 *                    copy it away from the borrower, so the child gets its own copy instead
 *                    (what Linux does for pinned pages).
 *   AllocatedShared  the child's grant references the same shared object (mm/shm.h) and
 *                    copies no entry: each side faults the object's frames in (or puts a new
 *                    zeroed one into it) when it touches a page, so fork allocates nothing per
 *                    page and needs no page table for shared memory (Linux skips shared
 *                    mappings in copy_page_range the same way). A contiguous grant (no
 *                    object, all present) has its entries copied: same frames, same rights.
 *   Allocated with a file (MAP_PRIVATE of a scheme file): as Allocated, except that a frame
 *                    with count > 1 (maybe the file's) is mapped read-only into the child as it
 *                    is: its shared bit stays, and a write on either side copies it.
 *   PhysBorrowed, External, FmapBorrowed: the child maps the same frames with the same rights
 *                    (references for frames that have a pageinfo; FmapBorrowed pins counted).
 *                    Except a pinned user-scheme borrow (a client's buffer lent to this
 *                    daemon for one request, mm/borrow.c): the child does not get it.
 * Scheme files: before any lock, the daemons prepare the child's copies (mm/fmap.c,
 * fmap_fork_prepare); under the locks the parent's file grants must still be what was
 * prepared (else everything is notified and the fork starts over). The copies get fresh
 * map_ids. If the fork fails after that, the child's copies are dropped silently and fork sends the
 * notices for what it prepared, so every prep gets exactly one notice.
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
#include "mm/shm.h"
#include "kernel/errno.h"
#include "kernel/panic.h"
#include "scheme/scheme.h"

struct fork_ctx {
	struct addrspace *parent, *child;
	struct grant *pg, *cg;           /* the parent's grant and its copy */
	bool parent_downgraded;          /* an entry of the parent lost rights: flush at the end */
	uintptr_t last_shared;           /* the leaf-table span shared last (1: none yet) */
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
	bool file = fc->pg->provider.allocated.cow_file_ref.file != NULL;
	for (unsigned i = 0; i < count; i++) {
		paddr_t pa = e[i].pa;
		struct pageinfo *pi = user_pageinfo(pa, e[i].va);
		int err;
		if (file && fmap_private_frame_is_shared(fc->pg, pa)) {
			err = vm_map_ref_locked(fc->child, e[i].va, pa,
						grant_mmu_flags(fc->cg) & ~MMU_WRITE);
			if (err)
				return err;
			if (e[i].flags & MMU_WRITE) {    /* only while a borrow made it ours */
				arch_mmu_protect(&fc->parent->mmu, e[i].va,
						 vm_entry_flags(fc->pg, pa));
				fc->parent_downgraded = true;
			}
			continue;
		}
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

static int fork_fmap_batch(void *ctx, struct vm_entry *e, unsigned count)
{
	struct fork_ctx *fc = ctx;
	for (unsigned i = 0; i < count; i++) {
		int err = vm_map_ref_locked(fc->child, e[i].va, e[i].pa,
					    vm_entry_flags(fc->cg, e[i].pa));
		if (err)
			return err;
		if (pageinfo_of(e[i].pa))
			fc->cg->provider.fmap_borrowed.pin_refcount++;
	}
	return 0;
}

#if COW_PT
/* Returns whether G is plain private memory, whose leaf tables fork may share. */
static bool plain_private(const struct grant *g)
{
	return g->provider.kind == GRANT_ALLOCATED && !g->provider.allocated.cow_file_ref.file;
}

/* Returns whether a leaf table holding entries of G may be shared: G is plain private memory,
 * or shared anonymous memory of an object (whose entries the child would fault in from the
 * object anyway; a write under the read-only link unshares the table, then maps the object's
 * frame writable again, see the top of this file). */
static bool table_shareable(const struct grant *g)
{
	return plain_private(g) ||
	       (g->provider.kind == GRANT_ALLOCATED_SHARED && g->provider.allocated_shared.obj);
}

/* Returns whether every grant of AS that overlaps the leaf-table span at VA lets its table be
 * shared (table_shareable). */
static bool span_shareable_locked(struct addrspace *as, uintptr_t va)
{
	spin_assert_held(&as->lock);
	for (struct grant *g = grant_tree_lower_bound(&as->grants, va);
	     g && g->start < va + MMU_SHARE_SPAN; g = grant_tree_next(g))
		if (!table_shareable(g))
			return false;
	return true;
}

/* Gives the child the entries [LO, HI) of a plain private grant, inside the leaf-table span at
 * SPAN: shares the table when nothing but shareable memory lies under it, else copies. */
static int fork_span_locked(struct fork_ctx *fc, uintptr_t span, uintptr_t lo, uintptr_t hi)
{
	if (span_shareable_locked(fc->parent, span)) {
		if (span == fc->last_shared)     /* the previous grant shared it already */
			return 0;
		fc->last_shared = span;
		fc->parent_downgraded = true;
		return arch_mmu_share(&fc->parent->mmu, &fc->child->mmu, span, span + MMU_SHARE_SPAN);
	}
	int err = vm_unshare_locked(fc->parent, lo, hi);
	return err ? err : vm_walk_batches_locked(fc->parent, lo, hi, fork_private_batch, fc);
}

/* Gives the child the entries of the plain private grant PG: the spans wholly inside it are
 * shared in one walk (absent tables cost nothing); the one or two spans at its ends, which
 * other grants may share, go through fork_span_locked. */
static int fork_private_shared_locked(struct fork_ctx *fc, struct grant *pg)
{
	uintptr_t start = pg->start, end = grant_end(pg);
	uintptr_t head = ALIGN_DOWN(start, MMU_SHARE_SPAN), tail = ALIGN_DOWN(end, MMU_SHARE_SPAN);
	uintptr_t in_lo = ALIGN_UP(start, MMU_SHARE_SPAN);
	int err = 0;
	if (start != head)
		err = fork_span_locked(fc, head, start, MIN(head + MMU_SHARE_SPAN, end));
	if (!err && in_lo < tail) {
		fc->parent_downgraded = true;
		err = arch_mmu_share(&fc->parent->mmu, &fc->child->mmu, in_lo, tail);
	}
	if (!err && end != tail && !(start != head && tail == head))
		err = fork_span_locked(fc, tail, MAX(tail, start), end);
	return err;
}
#endif

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
	if (cg->provider.kind == GRANT_ALLOCATED_SHARED && cg->provider.allocated_shared.obj)
		shm_object_get(cg->provider.allocated_shared.obj);
	struct grant_file_ref *ref = grant_file(cg);
	if (ref) {
		scheme_file_get(ref->file);
		cg->provider.map_id = fmap_new_map_id(); /* prepared anew for the child */
		if (cg->provider.kind == GRANT_FMAP_BORROWED)
			cg->provider.fmap_borrowed.pin_refcount = 0;   /* counted as mapped */
	}
	grant_tree_insert(&fc->child->grants, cg);      /* same layout as the parent: no merging */
	fc->pg = pg;
	fc->cg = cg;

	if (pg->provider.kind == GRANT_ALLOCATED_SHARED && pg->provider.allocated_shared.obj)
		return 0;                /* the object has the frames: nothing to copy */
#if COW_PT
	if (plain_private(pg) && !fc->parent->lent_private)
		return fork_private_shared_locked(fc, pg);
	int uerr = vm_unshare_locked(fc->parent, pg->start, grant_end(pg));  /* entries change */
	if (uerr)
		return uerr;
#endif
	vm_batch_fn fn = fork_same_batch;
	if (pg->provider.kind == GRANT_ALLOCATED) {
		fn = fork_private_batch;
	} else if (pg->provider.kind == GRANT_ALLOCATED_SHARED) {
		fn = fork_shared_batch;
	} else if (pg->provider.kind == GRANT_FMAP_BORROWED) {
		fn = fork_fmap_batch;
	}
	return vm_walk_batches_locked(fc->parent, pg->start, grant_end(pg), fn, fc);
}

/* Removes every file grant of the failed child AS (locked) without munmap notices: the fork
 * sends them for what it prepared (fmap_fork_end). */
static void drop_files_locked(struct addrspace *as)
{
	spin_assert_held(&as->lock);
	struct grant *g = grant_tree_first(&as->grants);
	while (g) {
		struct grant *next = grant_tree_next(g);
		if (grant_file(g)) {
			vm_unmap_pages_locked(as, g->start, grant_end(g));
			grant_tree_remove(&as->grants, g);
			grant_free(g);
		}
		g = next;
	}
}

/* Tries to lock PARENT with its file grants as FF prepared them, up to a few times (the
 * parent's owner is in fork: only the kernel could change them meanwhile). Returns 0 with
 * PARENT locked (*IRQ) or an error with FF ended. */
static int lock_prepared(struct addrspace *parent, struct fmap_fork *ff, unsigned long *irq)
{
	for (int tries = 0; tries < 8; tries++) {
		int err = fmap_fork_prepare(parent, ff);
		if (err)
			return err;
		*irq = spin_lock_irqsave(&parent->lock);
		if (fmap_fork_matches_locked(parent, ff))
			return 0;
		spin_unlock_irqrestore(&parent->lock, *irq);
		fmap_fork_end(ff, true);
	}
	return -EAGAIN;
}

int addrspace_fork(struct addrspace *parent, struct addrspace **child_out)
{
	struct addrspace *child;
	int err = addrspace_new_unlisted(&child);
	if (err)
		return err;
	struct fork_ctx fc = { .parent = parent, .child = child, .last_shared = 1 };
	struct fmap_fork ff;
	unsigned long irq;
	err = lock_prepared(parent, &ff, &irq);
	if (err) {
		addrspace_destroy(child);
		return err;
	}
	unsigned long irq_child = spin_lock_irqsave_unshared(&child->lock);
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
		vm_tlb_flush_space(parent);
	if (err)
		drop_files_locked(child);        /* fmap_fork_end notifies what was prepared */
	spin_unlock_irqrestore(&child->lock, irq_child);
	spin_unlock_irqrestore(&parent->lock, irq);

	fmap_fork_end(&ff, err != 0);
	if (err) {
		addrspace_destroy(child);
		return err;
	}
	addrspace_list_add(child);
	*child_out = child;
	return 0;
}
