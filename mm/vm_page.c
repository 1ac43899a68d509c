/* Page-level helpers of the VM (contracts in mm/vm_internal.h): the zero frame, frame
 * allocation and references, entry attributes, mapping with references, CoW replacement, and
 * walking present entries in batches so that callers may change them between batches.
 *
 * Why batches: arch_mmu_walk's callback must not change the space, but unmapping, protecting and
 * forking do change it. A batch collects VM_BATCH entries from a window of the range, the caller
 * acts on them after the walk returns, and the next window starts after the last entry handled.
 * A window that finds nothing doubles for the next one, so a huge sparse range costs a few walks
 * per populated region instead of one per page. */
#include "mm/vm_internal.h"
#include "mm/vm.h"
#include "mm/frame.h"
#include "mm/pageinfo.h"
#include "mm/section.h"
#include "mm/shm.h"
#include "kernel/errno.h"
#include "kernel/panic.h"
#include "kernel/spinlock.h"

static struct spinlock zero_lock = SPINLOCK_INIT_RANKED("zero_frame", LOCK_RANK_HEAP);
static paddr_t zero_pa;                  /* zero_lock; valid while zero_gen is current */
static unsigned long zero_gen;           /* zero_lock: frame_generation() zero_pa belongs to */

int vm_init(void)
{
	return vm_zero_frame_init();
}

int vm_zero_frame_init(void)
{
	int err = 0;
	unsigned long irq = spin_lock_irqsave(&zero_lock);
	/* Host tests build a new machine per test: a zero frame of an old one is forgotten (its
	 * memory went with it). The kernel starts its frame allocator once. */
	if (zero_gen != frame_generation()) {
		paddr_t pa;
		err = vm_frame_new_zeroed(&pa);
		if (!err) {
			pageinfo_get(pageinfo_of(pa));          /* the permanent reference */
			zero_pa = pa;
			zero_gen = frame_generation();
		}
	}
	spin_unlock_irqrestore(&zero_lock, irq);
	return err;
}

paddr_t vm_zero_frame(void)
{
	if (unlikely(zero_gen != frame_generation()))
		panic("the zero frame is not set up");
	return zero_pa;
}

bool vm_zero_frame_peek(paddr_t *pa)
{
	unsigned long irq = spin_lock_irqsave(&zero_lock);
	bool ready = zero_gen && zero_gen == frame_generation();
	*pa = zero_pa;
	spin_unlock_irqrestore(&zero_lock, irq);
	return ready;
}

/* Allocates a user frame (count 0) holding a copy of SRC, or zeroes when ZERO; stores it in *PA
 * and its pageinfo in *PI. Returns 0 or -ENOMEM. No lock needed. */
static int frame_new(bool zero, paddr_t src, paddr_t *pa, struct pageinfo **pi)
{
	int err = frame_alloc_flags(FRAME_HIGH, pa);
	if (err)
		return err;
	if (zero)
		arch_frame_zero(*pa);
	else
		arch_frame_copy(*pa, src);
	*pi = pageinfo_of(*pa);
	pageinfo_set_type(*pi, PAGEINFO_USER, 0);
	return 0;
}

int vm_frame_new_zeroed(paddr_t *pa)
{
	struct pageinfo *pi;
	return frame_new(true, 0, pa, &pi);
}

int vm_frame_new_copy(paddr_t src, paddr_t *pa)
{
	struct pageinfo *pi;
	return frame_new(false, src, pa, &pi);
}

int vm_frame_ref(paddr_t pa)
{
	struct pageinfo *pi = pageinfo_of(pa);
	if (!pi)
		return 0;
	int err = pageinfo_try_get(pi);
	if (err == -EOVERFLOW)
		return -ENOMEM;
	if (unlikely(err))
		panic("new reference to free frame=%#llx", (unsigned long long)pa);
	return 0;
}

void vm_frame_unref(paddr_t pa)
{
	struct pageinfo *pi = pageinfo_of(pa);
	if (pi && pageinfo_put(pi))
		frame_free(pa);
}

/* vm_entry_flags for PA whose pageinfo PI the caller already looked up (NULL: none). */
static unsigned entry_flags_pi(const struct grant *g, paddr_t pa, const struct pageinfo *pi)
{
	unsigned flags = grant_mmu_flags(g);
	if (g->provider.kind != GRANT_ALLOCATED || !(flags & MMU_WRITE))
		return flags;
	if (pa == vm_zero_frame())
		return flags & ~MMU_WRITE;
	if (g->provider.allocated.cow_file_ref.file)
		return fmap_private_frame_is_shared(g, pa) ? flags & ~MMU_WRITE : flags;
	if (pi && pageinfo_refcount(pi) > 1 && !pageinfo_is_shared(pi))
		return flags & ~MMU_WRITE;
	return flags;
}

unsigned vm_entry_flags(const struct grant *g, paddr_t pa)
{
	return entry_flags_pi(g, pa, pageinfo_of(pa));
}

int vm_map_ref_locked(struct addrspace *as, uintptr_t va, paddr_t pa, unsigned flags)
{
	spin_assert_held(&as->lock);
	int err = vm_frame_ref(pa);      /* fails only on a full count, never on a fresh frame */
	if (err)
		return err;
	err = arch_mmu_map(&as->mmu, va, pa, flags);
	if (err)
		vm_frame_unref(pa);      /* never in a TLB: no flush needed */
	return err;
}

void vm_entry_sync_locked(struct addrspace *as, uintptr_t va, unsigned flags)
{
	spin_assert_held(&as->lock);
	unsigned now;
	if (unlikely(!arch_mmu_query(&as->mmu, va, NULL, &now)))
		panic("no entry at va=%#lx", (unsigned long)va);
	unsigned was = vm_flags_norm(now), will = vm_flags_norm(flags);
	if (was != will) {
		arch_mmu_protect(&as->mmu, va, flags);
		/* Only rights added: other CPUs' narrower entries merely fault once. */
		if ((was & ~will) == 0 && (was & MMU_CACHE_MASK) == (will & MMU_CACHE_MASK))
			vm_tlb_flush_local(as, va);
		else
			vm_tlb_flush_pages(as, &va, 1);
	}
}

/* vm_page_replace_locked with OLD's pageinfo OLD_PI (NULL: none) known; stores the new frame in
 * *NEW, mapped with vm_entry_flags. The caller holds AS's lock. */
static int replace_locked(struct addrspace *as, struct grant *g, uintptr_t va, paddr_t old,
			  struct pageinfo *old_pi, paddr_t *new)
{
	spin_assert_held(&as->lock);
	paddr_t got;
	struct pageinfo *pi;
	int err = frame_new(old == vm_zero_frame(), old, new, &pi);
	if (err)
		return err;
	pageinfo_get(pi);                        /* count 0 -> 1: the entry's reference */
	if (unlikely(!arch_mmu_unmap(&as->mmu, va, &got) || got != old))
		panic("va=%#lx: expected frame=%#llx", (unsigned long)va, (unsigned long long)old);
	vm_tlb_flush_pages(as, &va, 1);          /* break before make, and TLB before free */
	err = arch_mmu_map(&as->mmu, va, *new, entry_flags_pi(g, *new, pi));
	if (unlikely(err))
		panic("remap va=%#lx failed err=%d although its tables exist", (unsigned long)va, err);
	if (old_pi && pageinfo_put(old_pi))
		frame_free(old);
	return 0;
}

int vm_page_replace_locked(struct addrspace *as, struct grant *g, uintptr_t va, paddr_t old)
{
	paddr_t new;
	return replace_locked(as, g, va, old, pageinfo_of(old), &new);
}

int vm_unshare_locked(struct addrspace *as, uintptr_t start, uintptr_t end)
{
	spin_assert_held(&as->lock);
#if COW_PT
	return arch_mmu_unshare(&as->mmu, start, end);
#else
	(void)start;
	(void)end;
	return 0;
#endif
}

int vm_unshare_edges_locked(struct addrspace *as, uintptr_t start, uintptr_t end)
{
	int err = 0;
	if (start % MMU_SHARE_SPAN)
		err = vm_unshare_locked(as, start, start + FRAME_SIZE);
	if (!err && end % MMU_SHARE_SPAN)
		err = vm_unshare_locked(as, end - FRAME_SIZE, end);
	return err;
}

int vm_page_own_locked(struct addrspace *as, struct grant *g, uintptr_t va, paddr_t *out)
{
	spin_assert_held(&as->lock);
	enum grant_kind kind = g->provider.kind;
	if (kind != GRANT_ALLOCATED && kind != GRANT_ALLOCATED_SHARED && kind != GRANT_EXTERNAL)
		return -EINVAL;
	int uerr = vm_unshare_locked(as, va, va + FRAME_SIZE);
	if (uerr)
		return uerr;
	paddr_t pa;
	bool file = kind == GRANT_ALLOCATED && g->provider.allocated.cow_file_ref.file;
	if (!arch_mmu_query(&as->mmu, va, &pa, NULL)) {
		if (kind == GRANT_EXTERNAL || file)
			return -EFAULT;          /* a file page not asked for yet, or a hole */
		if (kind == GRANT_ALLOCATED_SHARED) {
			int err = shm_map_page_locked(as, g, va, &pa);   /* the object's frame */
			if (!err)
				*out = pa;
			return err;
		}
		int err = vm_frame_new_zeroed(&pa);
		if (!err)
			err = vm_map_ref_locked(as, va, pa, vm_entry_flags(g, pa));
		if (err)
			return err;
		*out = pa;
		return 0;
	}
	if (kind == GRANT_ALLOCATED) {
		struct pageinfo *pi = pageinfo_of(pa);
		if (unlikely(!pi))
			panic("private page va=%#lx maps frame=%#llx without a pageinfo",
			      (unsigned long)va, (unsigned long long)pa);
		if (pa == vm_zero_frame() || (file && fmap_private_frame_is_shared(g, pa)) ||
		    (pageinfo_refcount(pi) > 1 && !pageinfo_is_shared(pi))) {
			/* The copy is mapped with vm_entry_flags already: nothing to sync. */
			paddr_t copy;
			int err = replace_locked(as, g, va, pa, pi, &copy);
			if (!err)
				*out = copy;
			return err;
		}
	}
	vm_entry_sync_locked(as, va, vm_entry_flags(g, pa));
	*out = pa;
	return 0;
}

struct batch {
	struct vm_entry entries[VM_BATCH];
	unsigned count;
	bool overflow;
};

static void collect(void *ctx, uintptr_t va, paddr_t pa, unsigned flags)
{
	struct batch *b = ctx;
	if (b->count == VM_BATCH) {
		b->overflow = true;
		return;
	}
	b->entries[b->count++] = (struct vm_entry){ va, pa, flags };
}

/* Largest window, in pages: 64 GiB (the doubling stops there). */
#define WINDOW_MAX ((size_t)1 << (sizeof(size_t) == 8 ? 24 : 18))

int vm_walk_batches_locked(struct addrspace *as, uintptr_t start, uintptr_t end, vm_batch_fn fn,
			   void *ctx)
{
	spin_assert_held(&as->lock);
	size_t span = VM_BATCH;
	uintptr_t cur = start;
	struct batch b;
	while (cur < end) {
		size_t left = (end - cur) / FRAME_SIZE;
		uintptr_t wend = cur + MIN(span, left) * FRAME_SIZE;
		b.count = 0;
		b.overflow = false;
		arch_mmu_walk(&as->mmu, cur, wend, collect, &b);
		if (b.count) {
			int err = fn(ctx, b.entries, b.count);
			if (err)
				return err;
		}
		if (b.overflow) {
			cur = b.entries[VM_BATCH - 1].va + FRAME_SIZE;
			span = VM_BATCH;
		} else {
			cur = wend;
			span = b.count ? VM_BATCH : MIN(span * 2, WINDOW_MAX);
		}
	}
	return 0;
}

void vm_flush_entries(struct addrspace *as, const struct vm_entry *e, unsigned count)
{
	uintptr_t va[VM_BATCH];
	while (count) {
		unsigned n = MIN(count, (unsigned)VM_BATCH);
		for (unsigned i = 0; i < n; i++)
			va[i] = e[i].va;
		vm_tlb_flush_pages(as, va, n);      /* one shootdown for the whole batch */
		e += n;
		count -= n;
	}
}

static int unmap_batch(void *ctx, struct vm_entry *e, unsigned count)
{
	struct addrspace *as = ctx;
	for (unsigned i = 0; i < count; i++) {
		paddr_t pa;
		if (unlikely(!arch_mmu_unmap(&as->mmu, e[i].va, &pa) || pa != e[i].pa))
			panic("entry va=%#lx changed under the walk", (unsigned long)e[i].va);
	}
	vm_flush_entries(as, e, count);
	for (unsigned i = 0; i < count; i++)
		vm_frame_unref(e[i].pa);
	return 0;
}

void vm_unmap_pages_locked(struct addrspace *as, uintptr_t start, uintptr_t end)
{
#if COW_PT
	arch_mmu_detach(&as->mmu, start, end);
#endif
	vm_walk_batches_locked(as, start, end, unmap_batch, as);
}
