/* Address-space lifetime, activation and the list of live address spaces (contracts in
 * mm/addrspace.h). Fork is mm/fork.c; mapping is mm/mmap.c; faults are mm/fault.c; which CPU
 * runs which space (addrspace_activate) and TLB shootdown are mm/tlb.c. */
#include "mm/addrspace.h"
#include "mm/vm_internal.h"
#include "mm/kheap.h"
#include "kernel/errno.h"
#include "kernel/panic.h"

static struct spinlock addrspace_list_lock = SPINLOCK_INIT_RANKED("addrspace_list", LOCK_RANK_ADDRSPACE_LIST);
static struct addrspace *live_head;          /* addrspace_list_lock */
static unsigned long live_count;             /* addrspace_list_lock */

int addrspace_new_unlisted(struct addrspace **out)
{
	int err = vm_zero_frame_init();
	if (err)
		return err;
	struct addrspace *as = kzalloc(sizeof(*as));
	if (!as)
		return -ENOMEM;
	spin_init_ranked(&as->lock, "addrspace", LOCK_RANK_ADDRSPACE);
	err = arch_mmu_space_create(&as->mmu);
	if (err) {
		kfree(as);
		return err;
	}
	grant_tree_init(&as->grants);
	atomic_init(&as->refcount, 1);
	atomic_init(&as->cpus, 0);
	*out = as;
	return 0;
}

void addrspace_list_add(struct addrspace *as)
{
	unsigned long irq = spin_lock_irqsave(&addrspace_list_lock);
	if (unlikely(as->listed))
		panic("as=%p is already listed", (void *)as);
	as->live_prev = NULL;
	as->live_next = live_head;
	if (live_head)
		live_head->live_prev = as;
	live_head = as;
	as->listed = true;
	live_count++;
	spin_unlock_irqrestore(&addrspace_list_lock, irq);
}

static void list_remove(struct addrspace *as)
{
	unsigned long irq = spin_lock_irqsave(&addrspace_list_lock);
	if (as->listed) {
		if (as->live_prev)
			as->live_prev->live_next = as->live_next;
		else
			live_head = as->live_next;
		if (as->live_next)
			as->live_next->live_prev = as->live_prev;
		as->live_prev = as->live_next = NULL;
		as->listed = false;
		live_count--;
	}
	spin_unlock_irqrestore(&addrspace_list_lock, irq);
}

int addrspace_create(struct addrspace **out)
{
	int err = addrspace_new_unlisted(out);
	if (!err)
		addrspace_list_add(*out);
	return err;
}

void addrspace_destroy(struct addrspace *as)
{
	addrspace_deactivate_all(as);
	list_remove(as);

	unsigned long irq = spin_lock_irqsave(&as->lock);
	if (unlikely(as->dead))
		panic("as=%p destroyed twice", (void *)as);
	struct grant *g;
	struct fmap_notices n = FMAP_NOTICES_INIT;
#if COW_PT
	/* Shared page tables go whole (their last sharer drops their frames), never copied. */
	arch_mmu_detach(&as->mmu, 0, ALIGN_UP(arch_mmu_user_top(), MMU_SHARE_SPAN));
#endif
	while ((g = grant_tree_first(&as->grants))) {
		fmap_grant_release_locked(as, g, &n);    /* scheme files: munmap notices */
		vm_unmap_pages_locked(as, g->start, grant_end(g));
		grant_tree_remove(&as->grants, g);
		grant_free(g);
	}
	fmap_notices_flush(&n);
	as->dead = true;
	spin_unlock_irqrestore(&as->lock, irq);

	arch_mmu_space_destroy(&as->mmu);
	addrspace_put(as);
}

void addrspace_get(struct addrspace *as)
{
	uint32_t old = atomic_fetch_add_explicit(&as->refcount, 1, memory_order_relaxed);
	if (unlikely(old == 0 || old == UINT32_MAX))
		panic("as=%p refcount was %u", (void *)as, (unsigned)old);
}

void addrspace_put(struct addrspace *as)
{
	uint32_t old = atomic_fetch_sub_explicit(&as->refcount, 1, memory_order_acq_rel);
	if (unlikely(old == 0))
		panic("as=%p refcount underflow", (void *)as);
	if (old == 1) {
		if (unlikely(!as->dead))
			panic("as=%p lost its last reference before addrspace_destroy", (void *)as);
		kfree(as);
	}
}

void addrspace_for_each_live(void (*fn)(void *ctx, struct addrspace *as), void *ctx)
{
	unsigned long irq = spin_lock_irqsave(&addrspace_list_lock);
	for (struct addrspace *as = live_head; as; as = as->live_next)
		fn(ctx, as);
	spin_unlock_irqrestore(&addrspace_list_lock, irq);
}

unsigned long addrspace_live_count(void)
{
	unsigned long irq = spin_lock_irqsave(&addrspace_list_lock);
	unsigned long n = live_count;
	spin_unlock_irqrestore(&addrspace_list_lock, irq);
	return n;
}

static void count_entry(void *ctx, uintptr_t va, paddr_t pa, unsigned flags)
{
	(void)va;
	(void)pa;
	(void)flags;
	(*(size_t *)ctx)++;
}

size_t addrspace_resident_pages(struct addrspace *as)
{
	size_t n = 0;
	unsigned long irq = spin_lock_irqsave(&as->lock);
	arch_mmu_walk(&as->mmu, MMU_USER_BASE, arch_mmu_user_top(), count_entry, &n);
	spin_unlock_irqrestore(&as->lock, irq);
	return n;
}
