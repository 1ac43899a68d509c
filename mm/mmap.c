/* mmap, munmap, mprotect and device mappings (contracts in mm/vm.h), and the grant-range
 * operations under them: finding a free range, splitting grants at range ends, removing a range,
 * inserting with merging.
 *
 * All or nothing: every node an operation may need (the new grant, up to two halves of split
 * grants) is allocated before anything changes. Allocation happens outside the address-space
 * lock; the lock is then taken, the need re-counted, and the loop retries if the grants changed
 * meanwhile and more nodes are needed. Page tables are touched only after that, and removing or
 * downgrading entries never allocates, so once the nodes are there nothing can fail. Nothing is
 * mapped at mmap time: pages come with faults.
 *
 * Placement without MAP_FIXED: the hint when its range is free, otherwise the highest free range
 * (top-down, like Linux), found by walking the grants from the top: O(n) in the grants. An
 * augmented tree (largest gap per subtree) would make it O(log n) if n ever grows large. */
#include "mm/vm.h"
#include "mm/vm_internal.h"
#include "mm/kheap.h"
#include "mm/mm.h"
#include "mm/section.h"
#include "mm/shm.h"
#include "kernel/errno.h"
#include "kernel/panic.h"

/* MAP_ flags mmap understands; the rest are ignored like Linux does, except with
 * MAP_SHARED_VALIDATE. */
#define MAP_KNOWN (MAP_TYPE | MAP_FIXED | MAP_ANONYMOUS | MAP_NORESERVE | MAP_POPULATE | \
		   MAP_FIXED_NOREPLACE)

/* Spare grant nodes for splits; unused ones are kfree'd by spares_release. */
struct spares {
	struct grant *node[2];
};

static unsigned spares_have(const struct spares *s)
{
	return (s->node[0] != NULL) + (s->node[1] != NULL);
}

/* Allocates nodes until S holds NEED (at most 2); returns 0 or -ENOMEM. */
static int spares_fill(struct spares *s, unsigned need)
{
	for (unsigned i = 0; i < 2 && spares_have(s) < need; i++) {
		if (!s->node[i] && !(s->node[i] = kmalloc(sizeof(struct grant))))
			return -ENOMEM;
	}
	return 0;
}

static void spares_release(struct spares *s)
{
	kfree(s->node[0]);
	kfree(s->node[1]);
	s->node[0] = s->node[1] = NULL;
}

/* Returns how many grant splits removing or reprotecting [START, END) takes. */
static unsigned splits_needed_locked(struct addrspace *as, uintptr_t start, uintptr_t end)
{
	spin_assert_held(&as->lock);
	struct grant *a = grant_tree_find(&as->grants, start);
	struct grant *b = grant_tree_find(&as->grants, end);
	return (a && a->start != start) + (b && b->start != end);
}

/* Takes AS's lock with at least the spares that splitting at START and END takes; returns the
 * interrupt state for the unlock, or sets *ERR to -ENOMEM (lock not held then). */
static unsigned long lock_with_spares(struct addrspace *as, uintptr_t start, uintptr_t end,
				      struct spares *s, int *err)
{
	for (;;) {
		unsigned long irq = spin_lock_irqsave(&as->lock);
		unsigned need = splits_needed_locked(as, start, end);
		if (spares_have(s) >= need) {
			*err = 0;
			return irq;
		}
		spin_unlock_irqrestore(&as->lock, irq);
		if ((*err = spares_fill(s, need)))
			return 0;
	}
}

/* Splits the grant strictly containing ADDR, if any, at ADDR, with a node from S. */
static void split_at_locked(struct addrspace *as, uintptr_t addr, struct spares *s)
{
	spin_assert_held(&as->lock);
	struct grant *g = grant_tree_find(&as->grants, addr);
	if (!g || g->start == addr)
		return;
	unsigned i = s->node[0] ? 0 : 1;
	struct grant *spare = s->node[i];
	if (unlikely(!spare))
		panic("no spare node to split grant start=%#lx at %#lx", (unsigned long)g->start,
		      (unsigned long)addr);
	s->node[i] = NULL;
	grant_split(g, (addr - g->start) / FRAME_SIZE, spare);
	grant_tree_insert(&as->grants, spare);
	fmap_recount_pins_locked(as, g);
	fmap_recount_pins_locked(as, spare);
}

void vm_remove_range_locked(struct addrspace *as, uintptr_t start, uintptr_t end,
			    struct grant *nodes[2])
{
	spin_assert_held(&as->lock);
	if (unlikely(vm_range_has_pinned_locked(as, start, end)))
		panic("as=%p [%#lx, %#lx) holds a pinned borrow: the caller must refuse with -EBUSY",
		      (void *)as, (unsigned long)start, (unsigned long)end);
	struct spares s = { { nodes[0], nodes[1] } };
	split_at_locked(as, start, &s);
	split_at_locked(as, end, &s);
	nodes[0] = s.node[0];
	nodes[1] = s.node[1];
#if COW_PT
	arch_mmu_detach(&as->mmu, start, end);   /* shared tables wholly inside (edges unshared) */
#endif
	struct fmap_notices n = FMAP_NOTICES_INIT;
	struct shm_trim t = SHM_TRIM_INIT;
	struct grant *g = grant_tree_lower_bound(&as->grants, start);
	while (g && g->start < end) {
		struct grant *next = grant_tree_next(g);
		fmap_grant_release_locked(as, g, &n);
		vm_unmap_pages_locked(as, g->start, grant_end(g));
		grant_tree_remove(&as->grants, g);
		shm_trim_note(&t, g);
		grant_free(g);
		g = next;
	}
	shm_trim_finish_locked(as, &t);   /* shared pages no grant can reach go */
	fmap_notices_flush(&n);
}

/* Merges G with the grant after it while they are compatible; returns G. */
static struct grant *merge_next_locked(struct addrspace *as, struct grant *g)
{
	spin_assert_held(&as->lock);
	struct grant *n;
	while ((n = grant_tree_next(g)) && grant_can_merge(g, n)) {
		grant_merge(g, n);
		grant_tree_remove(&as->grants, n);
		grant_free(n);
	}
	return g;
}

void vm_insert_grant_locked(struct addrspace *as, struct grant *g)
{
	spin_assert_held(&as->lock);
	grant_tree_insert(&as->grants, g);
	struct grant *prev = grant_tree_prev(g);
	merge_next_locked(as, prev && grant_can_merge(prev, g) ? prev : g);
}

/* Merges compatible neighbours over [START, END] after a change there. */
static void merge_range_locked(struct addrspace *as, uintptr_t start, uintptr_t end)
{
	spin_assert_held(&as->lock);
	struct grant *g = grant_tree_lower_bound(&as->grants, start);
	if (g && grant_tree_prev(g))
		g = grant_tree_prev(g);
	while (g && g->start <= end)
		g = grant_tree_next(merge_next_locked(as, g));
}

bool vm_find_free_locked(struct addrspace *as, size_t len, uintptr_t hint, uintptr_t *out)
{
	spin_assert_held(&as->lock);
	uintptr_t top = arch_mmu_user_top();
	hint = ALIGN_DOWN(hint, FRAME_SIZE);
	if (hint >= MMU_USER_BASE && hint < top && len <= top - hint &&
	    !grant_tree_overlaps(&as->grants, hint, hint + len)) {
		*out = hint;
		return true;
	}
	uintptr_t hi = top;
	for (struct grant *g = grant_tree_last(&as->grants);; g = grant_tree_prev(g)) {
		uintptr_t lo = g ? grant_end(g) : MMU_USER_BASE;
		if (hi >= lo && hi - lo >= len) {
			*out = hi - len;
			return true;
		}
		if (!g)
			return false;
		hi = g->start;
	}
}

/* Checks a fixed placement of LEN bytes (page multiple, <= the user half) at ADDR. */
static int check_fixed(uintptr_t addr, size_t len)
{
	if (!IS_ALIGNED(addr, FRAME_SIZE))
		return -EINVAL;
	if (addr < MMU_USER_BASE)
		return -EPERM;
	uintptr_t top = arch_mmu_user_top();
	if (addr >= top || len > top - addr)
		return -ENOMEM;
	return 0;
}

int vm_place_grant(struct addrspace *as, uintptr_t addr, size_t len, unsigned flags,
		   struct grant *g, vm_fill_fn fill, void *ctx, uintptr_t *out)
{
	bool fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);
	struct spares s = { { NULL, NULL } };
	unsigned long irq;
	int err = fixed ? check_fixed(addr, len) : 0;
	if (err)
		goto out;
	if (fixed) {
		irq = lock_with_spares(as, addr, addr + len, &s, &err);
		if (err)
			goto out;
		if (grant_tree_overlaps(&as->grants, addr, addr + len)) {
			if (flags & MAP_FIXED_NOREPLACE) {
				err = -EEXIST;
				goto unlock;
			}
			if (vm_range_has_pinned_locked(as, addr, addr + len)) {
				err = -EBUSY;
				goto unlock;
			}
			if ((err = vm_unshare_edges_locked(as, addr, addr + len)))
				goto unlock;
			vm_remove_range_locked(as, addr, addr + len, s.node);
		}
		g->start = addr;
	} else {
		irq = spin_lock_irqsave(&as->lock);
		if (!vm_find_free_locked(as, len, addr, &g->start)) {
			err = -ENOMEM;
			goto unlock;
		}
	}
	if (fill && (err = fill(ctx, as, g)))
		goto unlock;
	*out = g->start;
	vm_insert_grant_locked(as, g);
unlock:
	spin_unlock_irqrestore(&as->lock, irq);
out:
	spares_release(&s);
	return err;
}

/* vm_place_grant without FILL, freeing G on error (with its provider's references: a new
 * shared object dies with it). */
static int place_grant(struct addrspace *as, uintptr_t addr, size_t len, unsigned flags,
		       struct grant *g, uintptr_t *out)
{
	int err = vm_place_grant(as, addr, len, flags, g, NULL, NULL, out);
	if (err)
		grant_free(g);
	return err;
}

/* Validates LEN and returns it in pages through *PAGES: -EINVAL for 0, -ENOMEM beyond the user
 * half. */
static int length_pages(size_t len, size_t *pages)
{
	if (len == 0)
		return -EINVAL;
	if (len > arch_mmu_user_top() - MMU_USER_BASE)
		return -ENOMEM;
	*pages = (len + FRAME_SIZE - 1) / FRAME_SIZE;
	return 0;
}

static int check_type(unsigned flags)
{
	unsigned type = flags & MAP_TYPE;
	if (type != MAP_SHARED && type != MAP_PRIVATE && type != MAP_SHARED_VALIDATE)
		return -EINVAL;
	if (type == MAP_SHARED_VALIDATE && (flags & ~MAP_KNOWN))
		return -EINVAL;
	return 0;
}

int vm_mmap_check_args(size_t len, unsigned prot, unsigned flags)
{
	size_t pages;
	int err = length_pages(len, &pages);
	if (!err)
		err = check_type(flags);
	if (!err && (prot & ~PROT_MASK))
		err = -EINVAL;
	return err;
}

int vm_mmap(struct addrspace *as, uintptr_t addr, size_t len, unsigned prot, unsigned flags,
	    uintptr_t *out)
{
	size_t pages;
	int err = vm_mmap_check_args(len, prot, flags);
	if (!err)
		err = length_pages(len, &pages);
	if (!err && !(flags & MAP_ANONYMOUS))
		err = -EBADF;
	if (err)
		return err;
	bool private = (flags & MAP_TYPE) == MAP_PRIVATE;
	struct grant_provider p = { .kind = private ? GRANT_ALLOCATED : GRANT_ALLOCATED_SHARED };
	if (!private && (err = shm_object_new(pages, &p.allocated_shared.obj)))
		return err;              /* shared: a new object, its reference handed to the grant */
	struct grant *g = grant_new(0, pages, prot, PROT_MASK, private ? MAP_PRIVATE : MAP_SHARED,
				    MMU_CACHE_WB, &p);
	if (!g) {
		if (!private)
			shm_object_put(p.allocated_shared.obj);
		return -ENOMEM;
	}
	return place_grant(as, addr, pages * FRAME_SIZE, flags, g, out);
}

int vm_map_phys(struct addrspace *as, uintptr_t addr, paddr_t phys, size_t len, unsigned prot,
		unsigned flags, unsigned cache, uintptr_t *out)
{
	size_t pages;
	int err = length_pages(len, &pages);
	if (!err)
		err = check_type(flags);
	if (err)
		return err;
	paddr_t bytes = (paddr_t)pages * FRAME_SIZE;
	if ((prot & ~PROT_MASK) || !IS_ALIGNED(phys, (paddr_t)FRAME_SIZE) || phys >= PHYS_LIMIT ||
	    bytes > PHYS_LIMIT - phys || (cache & ~MMU_CACHE_MASK) || cache == MMU_CACHE_MASK)
		return -EINVAL;
	/* The seed's PhysBorrowed rule: never a frame with a pageinfo (owned by the allocator).
	 * Also never usable RAM (the kernel image and the frame metadata have no pageinfo). */
	if (mm_phys_is_ram(phys, bytes))
		return -EPERM;
	for (paddr_t pa = phys; pa < phys + bytes; pa += FRAME_SIZE)
		if (pageinfo_of(pa))
			return -EPERM;
	struct grant_provider p = { .kind = GRANT_PHYS_BORROWED, .phys_borrowed.base = phys };
	struct grant *g = grant_new(0, pages, prot, PROT_MASK, MAP_SHARED, cache, &p);
	if (!g)
		return -ENOMEM;
	return place_grant(as, addr, pages * FRAME_SIZE, flags, g, out);
}

/* Checks that AS's grants cover [ADDR, END) without a hole (else -ENOMEM) and allow PROT (else
 * -EACCES). */
static int check_cover_locked(struct addrspace *as, uintptr_t addr, uintptr_t end, unsigned prot)
{
	spin_assert_held(&as->lock);
	uintptr_t cur = addr;
	for (struct grant *g = grant_tree_lower_bound(&as->grants, addr); cur < end;
	     g = grant_tree_next(g)) {
		if (!g || g->start > cur)
			return -ENOMEM;
		if (prot & ~g->max_prot)
			return -EACCES;
		cur = grant_end(g);
	}
	return 0;
}

struct protect_ctx {
	struct addrspace *as;
	struct grant *g;
};

static int protect_batch(void *ctx, struct vm_entry *e, unsigned count)
{
	struct protect_ctx *pc = ctx;
	unsigned changed = 0;
	struct vm_entry done[VM_BATCH];
	for (unsigned i = 0; i < count; i++) {
		unsigned want = vm_entry_flags(pc->g, e[i].pa);
		if (vm_flags_norm(e[i].flags) != vm_flags_norm(want)) {
			arch_mmu_protect(&pc->as->mmu, e[i].va, want);
			done[changed++] = e[i];
		}
	}
	vm_flush_entries(pc->as, done, changed);   /* rights may have gone: flush before return */
	return 0;
}

int vm_mprotect(struct addrspace *as, uintptr_t addr, size_t len, unsigned prot)
{
	if (!IS_ALIGNED(addr, FRAME_SIZE) || (prot & ~PROT_MASK))
		return -EINVAL;
	if (len == 0)
		return 0;
	uintptr_t top = arch_mmu_user_top();
	if (addr >= top || len > top - addr)
		return -ENOMEM;
	uintptr_t end = addr + ALIGN_UP(len, FRAME_SIZE);

	struct spares s = { { NULL, NULL } };
	int err;
	unsigned long irq = lock_with_spares(as, addr, end, &s, &err);
	if (err) {
		spares_release(&s);
		return err;
	}
	err = check_cover_locked(as, addr, end, prot);
	if (!err && vm_range_has_pinned_locked(as, addr, end))
		err = -EBUSY;
	if (!err)
		err = vm_unshare_locked(as, addr, end);      /* entries change: tables of our own */
	if (!err) {
		split_at_locked(as, addr, &s);
		split_at_locked(as, end, &s);
		for (struct grant *g = grant_tree_find(&as->grants, addr); g && g->start < end;
		     g = grant_tree_next(g)) {
			g->prot = prot;
			struct protect_ctx pc = { as, g };
			vm_walk_batches_locked(as, g->start, grant_end(g), protect_batch, &pc);
		}
		merge_range_locked(as, addr, end);
	}
	spin_unlock_irqrestore(&as->lock, irq);
	spares_release(&s);
	return err;
}

int vm_munmap(struct addrspace *as, uintptr_t addr, size_t len)
{
	uintptr_t top = arch_mmu_user_top();
	if (!IS_ALIGNED(addr, FRAME_SIZE) || len == 0 || addr > top || len > top - addr)
		return -EINVAL;
	uintptr_t end = addr + ALIGN_UP(len, FRAME_SIZE);
	struct spares s = { { NULL, NULL } };
	int err;
	unsigned long irq = lock_with_spares(as, addr, end, &s, &err);
	if (err) {
		spares_release(&s);
		return err;
	}
	if (vm_range_has_pinned_locked(as, addr, end))
		err = -EBUSY;
	else if (!(err = vm_unshare_edges_locked(as, addr, end)))
		vm_remove_range_locked(as, addr, end, s.node);
	spin_unlock_irqrestore(&as->lock, irq);
	spares_release(&s);
	return err;
}
