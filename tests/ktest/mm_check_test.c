/* Self-tests that prove the invariant checker (mm/check.c) can fail: each one breaks one
 * invariant on purpose in a throwaway address space (a refcount one too high, a user frame that
 * nobody references, a private frame mapped a second time without a reference), checks that
 * vm_check_all reports it, repairs the damage by hand and checks that the checker is clean again
 * and that every frame came back. */
#include "kernel/ktest.h"
#include "mm/addrspace.h"
#include "mm/check.h"
#include "mm/frame.h"
#include "mm/pageinfo.h"
#include "mm/section.h"
#include "mm/vm.h"
#include "mm/vm_internal.h"

#define VA 0x10000000ul

/* A throwaway address space with 3 private read/write pages at VA, pages 0 and 1 populated with
 * frames of their own (page 2 stays unpopulated). Returns NULL when that failed. */
static struct addrspace *victim_create(void)
{
	struct addrspace *as;
	uintptr_t at;
	if (addrspace_create(&as))
		return NULL;
	static const char data[2] = { 'a', 'b' };
	if (vm_mmap(as, VA, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, &at) ||
	    vm_space_write(as, VA, &data[0], 1) || vm_space_write(as, VA + 4096, &data[1], 1)) {
		addrspace_destroy(as);
		return NULL;
	}
	return as;
}

/* Returns the frame mapped at VA of AS, or ~0 if none. */
static paddr_t victim_frame(struct addrspace *as, uintptr_t va)
{
	paddr_t pa;
	return arch_mmu_query(&as->mmu, va, &pa, NULL) ? pa : ~(paddr_t)0;
}

KTEST(mm_check_reports_refcount_too_high)
{
	vm_zero_frame_init();
	uint64_t free_before = frame_count_free();
	struct addrspace *as = victim_create();
	ASSERT_TRUE(as != NULL);
	EXPECT_EQ(vm_check_all(), 0);
	struct pageinfo *pi = pageinfo_of(victim_frame(as, VA));
	ASSERT_TRUE(pi != NULL);
	EXPECT_EQ(pageinfo_refcount(pi), 1);
	pageinfo_get(pi);                              /* the corruption: 2 refs, 1 entry */
	EXPECT_EQ(vm_check_all(), 1);                  /* "refcount 2, but 1 entries map it" */
	EXPECT_FALSE(pageinfo_put(pi));                /* repair */
	EXPECT_EQ(vm_check_all(), 0);
	addrspace_destroy(as);
	EXPECT_EQ(frame_count_free(), free_before);
	EXPECT_EQ(vm_check_all(), 0);
}

KTEST(mm_check_reports_leaked_frame)
{
	vm_zero_frame_init();
	uint64_t free_before = frame_count_free();
	struct addrspace *as = victim_create();
	ASSERT_TRUE(as != NULL);
	paddr_t leak;
	ASSERT_EQ(vm_frame_new_zeroed(&leak), 0);     /* a user frame that no entry references */
	EXPECT_EQ(vm_check_all(), 1);                  /* "user frame without references (leaked)" */
	frame_free(leak);                              /* repair */
	EXPECT_EQ(vm_check_all(), 0);
	addrspace_destroy(as);
	EXPECT_EQ(frame_count_free(), free_before);
	EXPECT_EQ(vm_check_all(), 0);
}

KTEST(mm_check_reports_private_frame_mapped_twice)
{
	vm_zero_frame_init();
	uint64_t free_before = frame_count_free();
	struct addrspace *as = victim_create();
	ASSERT_TRUE(as != NULL);
	paddr_t pa = victim_frame(as, VA);
	ASSERT_TRUE(pageinfo_of(pa) != NULL);
	unsigned long irq = spin_lock_irqsave(&as->lock);
	/* the corruption: page 2 maps page 0's private frame writable, without a reference */
	int err = arch_mmu_map(&as->mmu, VA + 2 * 4096, pa, MMU_USER | MMU_READ | MMU_WRITE);
	spin_unlock_irqrestore(&as->lock, irq);
	ASSERT_EQ(err, 0);
	/* refcount 1 but 2 entries; CoW (not shared) frame mapped twice writable */
	EXPECT_EQ(vm_check_all(), 2);
	irq = spin_lock_irqsave(&as->lock);
	paddr_t old = 0;
	bool was = arch_mmu_unmap(&as->mmu, VA + 2 * 4096, &old);   /* repair (never active: no TLB) */
	spin_unlock_irqrestore(&as->lock, irq);
	EXPECT_TRUE(was);
	EXPECT_EQ(old, pa);
	EXPECT_EQ(vm_check_all(), 0);
	addrspace_destroy(as);
	EXPECT_EQ(frame_count_free(), free_before);
	EXPECT_EQ(vm_check_all(), 0);
}
