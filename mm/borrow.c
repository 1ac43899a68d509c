/* vm_borrow (contract in mm/vm.h): an External grant in one address space over pages of
 * another; and the pinned borrows of user-scheme requests (vm_borrow_pinned / vm_borrow_end,
 * contract in mm/vm_internal.h), which lend a client's buffer to a scheme daemon for one request. Both address-space locks are held (lower address first); the source pages are made
 * to own their frames (vm_page_own_locked: populate, or break CoW by copying, never the zero
 * frame), each frame's shared bit is set, and the destination maps it with a reference. From then
 * on the frame is shared memory: neither side's write fault copies it, and a fork of the source
 * copies it for the child instead of making it CoW (mm/fork.c). */
#include "mm/vm.h"
#include "mm/vm_internal.h"
#include "mm/kheap.h"
#include "mm/pageinfo.h"
#include "mm/section.h"
#include "kernel/errno.h"
#include "kernel/panic.h"

/* Checks that SRC's grants cover [ADDR, END) (else -EFAULT) with providers that own or share
 * their frames (else -EINVAL; a pinned borrow is not lent on: it ends with its request; a
 * private file mapping is not lent either: its pages may be the file's, or holes) and
 * allow PROT (else -EACCES). */
static int check_source_locked(struct addrspace *src, uintptr_t addr, uintptr_t end,
			       unsigned prot)
{
	spin_assert_held(&src->lock);
	uintptr_t cur = addr;
	for (struct grant *g = grant_tree_lower_bound(&src->grants, addr); cur < end;
	     g = grant_tree_next(g)) {
		if (!g || g->start > cur)
			return -EFAULT;
		enum grant_kind k = g->provider.kind;
		if (k != GRANT_ALLOCATED && k != GRANT_ALLOCATED_SHARED && k != GRANT_EXTERNAL)
			return -EINVAL;
		if (k == GRANT_EXTERNAL && g->provider.external.is_pinned_userscheme_borrow)
			return -EINVAL;
		if (grant_file(g))      /* a private file mapping: its pages may be the file's */
			return -EINVAL;
		if (prot & ~g->prot)
			return -EACCES;
		cur = grant_end(g);
	}
	return 0;
}

/* Maps each page of the source range into G's range of DST, owning it in SRC first. */
static int borrow_pages_locked(struct addrspace *dst, struct grant *g, struct addrspace *src,
			       uintptr_t src_addr)
{
	spin_assert_held(&dst->lock);
	spin_assert_held(&src->lock);
	unsigned flags = grant_mmu_flags(g);
	for (size_t i = 0; i < g->pages; i++) {
		uintptr_t sva = src_addr + i * FRAME_SIZE;
		paddr_t pa;
		struct grant *sg = grant_tree_find(&src->grants, sva);
		int err = vm_page_own_locked(src, sg, sva, &pa);
		if (!err) {
			if (sg->provider.kind == GRANT_ALLOCATED)
				src->lent_private = true;        /* see mm/fork.c */
			pageinfo_set_shared(pageinfo_of(pa));
			err = vm_map_ref_locked(dst, g->start + i * FRAME_SIZE, pa, flags);
		}
		if (err) {
			vm_unmap_pages_locked(dst, g->start, g->start + i * FRAME_SIZE);
			return err;
		}
	}
	return 0;
}

/* vm_borrow, and for PINNED a pinned user-scheme borrow: refused (-EIO) when either space is
 * destroyed, counted in dst->pinned_borrows. */
static int borrow_common(struct addrspace *dst, uintptr_t addr, size_t len, unsigned prot,
			 unsigned flags, struct addrspace *src, uintptr_t src_addr, bool pinned,
			 uintptr_t *out)
{
	if (len == 0 || !IS_ALIGNED(src_addr, FRAME_SIZE) || (prot & ~PROT_MASK))
		return -EINVAL;
	uintptr_t top = arch_mmu_user_top();
	if (src_addr < MMU_USER_BASE || src_addr >= top || len > top - src_addr)
		return -EFAULT;
	size_t pages = (len + FRAME_SIZE - 1) / FRAME_SIZE;
	size_t bytes = pages * FRAME_SIZE;
	bool fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);
	if (fixed) {
		if (!IS_ALIGNED(addr, FRAME_SIZE))
			return -EINVAL;
		if (addr < MMU_USER_BASE)
			return -EPERM;
		if (addr >= top || bytes > top - addr)
			return -ENOMEM;
	}
	struct grant_provider p = {
		.kind = GRANT_EXTERNAL,
		.external = { .address_space = NULL, .src_base = src_addr,
			      .is_pinned_userscheme_borrow = pinned },
	};
	struct grant *g = grant_new(0, pages, prot, prot, MAP_SHARED, MMU_CACHE_WB, &p);
	if (!g)
		return -ENOMEM;

	bool dst_first = (uintptr_t)dst < (uintptr_t)src;
	struct addrspace *first = dst_first ? dst : src, *second = dst_first ? src : dst;
	unsigned long irq1 = spin_lock_irqsave(&first->lock), irq2 = 0;
	if (second != first)
		irq2 = spin_lock_irqsave(&second->lock);

	int err = pinned && (dst->dead || src->dead) ? -EIO : 0;
	if (!err)
		err = check_source_locked(src, src_addr, src_addr + bytes, prot);
	if (!err && fixed) {
		g->start = addr;
		if (grant_tree_overlaps(&dst->grants, addr, addr + bytes))
			err = -EEXIST;
	} else if (!err && !vm_find_free_locked(dst, bytes, addr, &g->start)) {
		err = -ENOMEM;
	}
	if (!err)
		err = borrow_pages_locked(dst, g, src, src_addr);
	if (!err) {
		addrspace_get(src);
		g->provider.external.address_space = src;
		*out = g->start;
		if (pinned)
			dst->pinned_borrows++;
		vm_insert_grant_locked(dst, g);
		g = NULL;
	}

	if (second != first)
		spin_unlock_irqrestore(&second->lock, irq2);
	spin_unlock_irqrestore(&first->lock, irq1);
	if (g)
		kfree(g);
	return err;
}

int vm_borrow(struct addrspace *dst, uintptr_t addr, size_t len, unsigned prot, unsigned flags,
	      struct addrspace *src, uintptr_t src_addr, uintptr_t *out)
{
	return borrow_common(dst, addr, len, prot, flags, src, src_addr, false, out);
}

int vm_borrow_pinned(struct addrspace *dst, struct addrspace *src, uintptr_t src_addr, size_t len,
		     unsigned prot, uintptr_t *out)
{
	return borrow_common(dst, 0, len, prot, 0, src, src_addr, true, out);
}

void vm_borrow_end(struct addrspace *dst, uintptr_t addr, struct addrspace *src,
		   uintptr_t src_addr, size_t len)
{
	size_t pages = (len + FRAME_SIZE - 1) / FRAME_SIZE;
	unsigned long irq = spin_lock_irqsave(&dst->lock);
	if (dst->dead) {                 /* addrspace_destroy removed it with everything else */
		spin_unlock_irqrestore(&dst->lock, irq);
		return;
	}
	struct grant *g = grant_tree_find(&dst->grants, addr);
	if (unlikely(!g || g->start != addr || g->pages != pages ||
		     g->provider.kind != GRANT_EXTERNAL ||
		     !g->provider.external.is_pinned_userscheme_borrow ||
		     g->provider.external.address_space != src ||
		     g->provider.external.src_base != src_addr))
		panic("pinned borrow as=%p addr=%#lx pages=%zu of as=%p src=%#lx is gone or changed "
		      "(grant start=%#lx pages=%zu kind=%u)", (void *)dst, (unsigned long)addr, pages,
		      (void *)src, (unsigned long)src_addr, g ? (unsigned long)g->start : 0ul,
		      g ? g->pages : 0, g ? (unsigned)g->provider.kind : 0u);
	if (unlikely(dst->pinned_borrows == 0))
		panic("as=%p: pinned borrow count underflow", (void *)dst);
	vm_unmap_pages_locked(dst, g->start, grant_end(g));
	grant_tree_remove(&dst->grants, g);
	dst->pinned_borrows--;
	spin_unlock_irqrestore(&dst->lock, irq);
	grant_free(g);                   /* drops the reference on SRC: outside DST's lock */
}

bool vm_range_has_pinned_locked(struct addrspace *as, uintptr_t start, uintptr_t end)
{
	spin_assert_held(&as->lock);
	for (struct grant *g = grant_tree_lower_bound(&as->grants, start); g && g->start < end;
	     g = grant_tree_next(g))
		if (g->provider.kind == GRANT_EXTERNAL &&
		    g->provider.external.is_pinned_userscheme_borrow)
			return true;
	return false;
}
