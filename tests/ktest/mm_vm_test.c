/* Self-tests of address spaces, the fault path and fork on the real MMU, from kernel mode: an
 * address space is made active, faults are resolved by calling vm_fault directly (the trap path
 * does that for user mode), memory is reached with arch_copy_to_user/from_user and, for spaces
 * that are not active, vm_space_read/write and the frames themselves (kmap_frame). Every test
 * ends with the invariant checker at 0 and the free frame count back where it started. */
#include "kernel/ktest.h"
#include "kernel/errno.h"
#include "kernel/string.h"
#include "mm/addrspace.h"
#include "mm/alloc_inject.h"
#include "mm/check.h"
#include "mm/frame.h"
#include "mm/pageinfo.h"
#include "mm/section.h"
#include "mm/vm.h"
#include "mm/vm_internal.h"

#define PG   FRAME_SIZE
#define RW   (PROT_READ | PROT_WRITE)
#define PRIV (MAP_PRIVATE | MAP_ANONYMOUS)

/* The free count with the zero frame already allocated (it is never given back). */
static uint64_t free_start(void)
{
	vm_zero_frame_init();
	return frame_count_free();
}

static paddr_t frame_at(struct addrspace *as, uintptr_t va, unsigned *flags)
{
	paddr_t pa = ~(paddr_t)0;
	if (!arch_mmu_query(&as->mmu, va, &pa, flags))
		return ~(paddr_t)0;
	return pa;
}

static uint32_t refs_at(struct addrspace *as, uintptr_t va)
{
	struct pageinfo *pi = pageinfo_of(frame_at(as, va, NULL));
	return pi ? pageinfo_refcount(pi) : 0;
}

/* Returns whether all LEN bytes at VA of AS (not necessarily active) equal VALUE. */
static bool space_all(struct addrspace *as, uintptr_t va, size_t len, uint8_t value)
{
	uint8_t buf[64];
	while (len) {
		size_t n = MIN(len, sizeof(buf));
		if (vm_space_read(as, va, buf, n))
			return false;
		for (size_t i = 0; i < n; i++)
			if (buf[i] != value)
				return false;
		va += n;
		len -= n;
	}
	return true;
}

KTEST(mm_vm_zero_fill_then_fresh_frame_through_usercopy)
{
	uint64_t start = free_start();
	struct addrspace *as;
	ASSERT_EQ(addrspace_create(&as), 0);
	uintptr_t a;
	ASSERT_EQ(vm_mmap(as, 0, 4 * PG, RW, PRIV, &a), 0);
	addrspace_activate(as);

	ASSERT_EQ(vm_fault(as, a + 3, VM_ACCESS_READ), 0);
	unsigned flags = 0;
	EXPECT_EQ(frame_at(as, a, &flags), vm_zero_frame());
	EXPECT_FALSE(flags & MMU_WRITE);
	EXPECT_TRUE(flags & MMU_USER);
	uint8_t buf[32];
	memset(buf, 0xff, sizeof(buf));
	ASSERT_EQ(arch_copy_from_user(buf, a, sizeof(buf)), 0);
	EXPECT_EQ(buf[0], 0);
	EXPECT_EQ(buf[31], 0);
	/* A write to the zero-frame page through usercopy faults; the trap path has not resolved
	 * it yet, so resolve it the way it will: vm_fault(write), then copy. */
	uint64_t before = frame_count_free();
	ASSERT_EQ(vm_fault(as, a, VM_ACCESS_WRITE), 0);
	EXPECT_EQ(before - frame_count_free(), 1);
	paddr_t pa = frame_at(as, a, &flags);
	EXPECT_NE(pa, vm_zero_frame());
	EXPECT_TRUE(flags & MMU_WRITE);
	memset(buf, 0x5a, sizeof(buf));
	ASSERT_EQ(arch_copy_to_user(a + 100, buf, sizeof(buf)), 0);
	const uint8_t *k = kmap_frame(pa);
	EXPECT_EQ(k[99], 0);
	EXPECT_EQ(k[100], 0x5a);
	EXPECT_EQ(k[131], 0x5a);
	kunmap_frame((void *)k);
	/* The zero frame was never written. */
	const uint8_t *z = kmap_frame(vm_zero_frame());
	unsigned nonzero = 0;
	for (size_t i = 0; i < PG; i++)
		nonzero += z[i] != 0;
	kunmap_frame((void *)z);
	EXPECT_EQ(nonzero, 0);
	EXPECT_EQ(vm_check_all(), 0);
	addrspace_activate(NULL);
	addrspace_destroy(as);
	EXPECT_EQ(frame_count_free(), start);
}

KTEST(mm_vm_untouched_1gib_mapping_uses_no_frames)
{
	uint64_t start = free_start();
	struct addrspace *as;
	ASSERT_EQ(addrspace_create(&as), 0);
	uintptr_t a;
	ASSERT_EQ(vm_mmap(as, 0, (size_t)1 << 30, RW, PRIV, &a), 0);
	ASSERT_EQ(vm_fault(as, a + ((size_t)1 << 29), VM_ACCESS_WRITE), 0);
	EXPECT_EQ(addrspace_resident_pages(as), 1);
	EXPECT_EQ(vm_check_all(), 0);
	addrspace_destroy(as);
	EXPECT_EQ(frame_count_free(), start);
}

KTEST(mm_vm_fork_cow_counts_and_separation)
{
	uint64_t start = free_start();
	struct addrspace *parent, *child;
	ASSERT_EQ(addrspace_create(&parent), 0);
	uintptr_t a;
	ASSERT_EQ(vm_mmap(parent, 0, 4 * PG, RW, PRIV, &a), 0);
	uint8_t pattern[4 * 64];
	memset(pattern, 0x11, sizeof(pattern));
	for (int i = 0; i < 4; i++)
		ASSERT_EQ(vm_space_write(parent, a + i * PG, pattern, 64), 0);
	paddr_t p0 = frame_at(parent, a, NULL);
	ASSERT_EQ(addrspace_fork(parent, &child), 0);
	EXPECT_EQ(frame_at(child, a, NULL), p0);
#if COW_PT
	/* The leaf table is shared (mm/fork.c): no entry changed, so the count stays 1; the
	 * read-only upper entries make the pages read-only in both. */
	bool ps, cs;
	EXPECT_EQ(refs_at(parent, a), 1);
	EXPECT_EQ(arch_mmu_leaf_table(&child->mmu, a, &cs), arch_mmu_leaf_table(&parent->mmu, a, &ps));
	EXPECT_TRUE(ps && cs);
	/* The child's first write copies the table (1 frame) and the page (1 frame). */
	const uint64_t first_write = 2;
#else
	EXPECT_EQ(refs_at(parent, a), 2);
	unsigned pf, cf;
	frame_at(parent, a, &pf);
	frame_at(child, a, &cf);
	EXPECT_FALSE(pf & MMU_WRITE);
	EXPECT_FALSE(cf & MMU_WRITE);
	const uint64_t first_write = 1;
#endif
	EXPECT_EQ(vm_check_all(), 0);

	/* The child writes (from user mode it would fault; here: vm_fault then usercopy). */
	uint64_t g = frame_count_free();
	addrspace_activate(child);
	ASSERT_EQ(vm_fault(child, a, VM_ACCESS_WRITE), 0);
	memset(pattern, 0x22, 64);
	ASSERT_EQ(arch_copy_to_user(a, pattern, 64), 0);
	EXPECT_EQ(g - frame_count_free(), first_write);
	EXPECT_NE(frame_at(child, a, NULL), p0);
	/* The parent writes page 0: count is 1 now, no copy. */
	addrspace_activate(parent);
	ASSERT_EQ(vm_fault(parent, a, VM_ACCESS_WRITE), 0);
	memset(pattern, 0x33, 64);
	ASSERT_EQ(arch_copy_to_user(a, pattern, 64), 0);
	EXPECT_EQ(g - frame_count_free(), first_write);   /* the table's last sharer: no copy */
	EXPECT_EQ(frame_at(parent, a, NULL), p0);
	addrspace_activate(NULL);
	EXPECT_TRUE(space_all(child, a, 64, 0x22));
	EXPECT_TRUE(space_all(parent, a, 64, 0x33));
	EXPECT_TRUE(space_all(child, a + PG, 64, 0x11));
	EXPECT_EQ(vm_check_all(), 0);
	addrspace_destroy(child);
	EXPECT_EQ(refs_at(parent, a + PG), 1);
	addrspace_destroy(parent);
	EXPECT_EQ(frame_count_free(), start);
}

KTEST(mm_vm_shared_anonymous_stays_shared_across_fork)
{
	uint64_t start = free_start();
	struct addrspace *parent, *child;
	ASSERT_EQ(addrspace_create(&parent), 0);
	uintptr_t a;
	ASSERT_EQ(vm_mmap(parent, 0, 2 * PG, RW, MAP_SHARED | MAP_ANONYMOUS, &a), 0);
	ASSERT_EQ(addrspace_fork(parent, &child), 0);
	/* fork populates nothing: both grants reference one shared object (mm/shm.h), and the
	 * first fault on either side puts the page's frame into it */
	EXPECT_EQ(frame_at(child, a + PG, NULL), ~(paddr_t)0);
	ASSERT_EQ(vm_fault(child, a + PG, VM_ACCESS_WRITE), 0);
	ASSERT_EQ(vm_fault(parent, a + PG, VM_ACCESS_READ), 0);
	EXPECT_EQ(frame_at(parent, a + PG, NULL), frame_at(child, a + PG, NULL));
	EXPECT_EQ(refs_at(parent, a + PG), 3);          /* two entries and the object */
	addrspace_activate(child);
	ASSERT_EQ(arch_copy_to_user(a + PG + 8, "shared!", 8), 0);  /* writable */
	addrspace_activate(parent);
	char buf[8];
	ASSERT_EQ(arch_copy_from_user(buf, a + PG + 8, 8), 0);
	EXPECT_STREQ(buf, "shared!");
	addrspace_activate(NULL);
	EXPECT_EQ(vm_check_all(), 0);
	addrspace_destroy(parent);
	addrspace_destroy(child);
	EXPECT_EQ(frame_count_free(), start);
}

KTEST(mm_vm_mprotect_zero_frame_stays_read_only_and_ro_pages_refuse_usercopy)
{
	uint64_t start = free_start();
	struct addrspace *as;
	ASSERT_EQ(addrspace_create(&as), 0);
	uintptr_t a;
	ASSERT_EQ(vm_mmap(as, 0, 2 * PG, PROT_READ, PRIV, &a), 0);
	ASSERT_EQ(vm_fault(as, a, VM_ACCESS_READ), 0);
	ASSERT_EQ(vm_mprotect(as, a, 2 * PG, RW), 0);
	unsigned flags;
	EXPECT_EQ(frame_at(as, a, &flags), vm_zero_frame());
	EXPECT_FALSE(flags & MMU_WRITE);
	EXPECT_EQ(vm_check_all(), 0);
	addrspace_activate(as);
	/* A kernel write to the read-only zero-frame entry faults; the fixup says -EFAULT and
	 * nothing is written. */
	uint8_t one = 1;
	EXPECT_EQ(arch_copy_to_user(a, &one, 1), -EFAULT);
	ASSERT_EQ(vm_fault(as, a, VM_ACCESS_WRITE), 0);
	EXPECT_EQ(arch_copy_to_user(a, &one, 1), 0);
	EXPECT_NE(frame_at(as, a, NULL), vm_zero_frame());
	/* Read-only again: usercopy writes fail, reads work. */
	ASSERT_EQ(vm_mprotect(as, a, PG, PROT_READ), 0);
	EXPECT_EQ(arch_copy_to_user(a, &one, 1), -EFAULT);
	EXPECT_EQ(vm_fault(as, a, VM_ACCESS_WRITE), -EFAULT);
	uint8_t v = 0;
	EXPECT_EQ(arch_copy_from_user(&v, a, 1), 0);
	EXPECT_EQ(v, 1);
	/* PROT_NONE: the syscall layer's check refuses it. */
	ASSERT_EQ(vm_mprotect(as, a, PG, PROT_NONE), 0);
	EXPECT_EQ(vm_user_check(as, a, 1, VM_ACCESS_READ), -EFAULT);
	EXPECT_EQ(vm_fault(as, a, VM_ACCESS_READ), -EFAULT);
	addrspace_activate(NULL);
	EXPECT_EQ(vm_check_all(), 0);
	addrspace_destroy(as);
	EXPECT_EQ(frame_count_free(), start);
}

KTEST(mm_vm_munmap_middle_split_keeps_both_halves)
{
	uint64_t start = free_start();
	struct addrspace *as;
	ASSERT_EQ(addrspace_create(&as), 0);
	uintptr_t a;
	ASSERT_EQ(vm_mmap(as, 0, 6 * PG, RW, PRIV, &a), 0);
	for (int i = 0; i < 6; i++) {
		uint8_t b[16];
		memset(b, 0x40 + i, sizeof(b));
		ASSERT_EQ(vm_space_write(as, a + i * PG, b, sizeof(b)), 0);
	}
	ASSERT_EQ(vm_munmap(as, a + 2 * PG, 2 * PG), 0);
	EXPECT_EQ(as->grants.count, 2);
	EXPECT_TRUE(space_all(as, a + PG, 16, 0x41));
	EXPECT_TRUE(space_all(as, a + 4 * PG, 16, 0x44));
	EXPECT_EQ(vm_fault(as, a + 2 * PG, VM_ACCESS_READ), -EFAULT);
	addrspace_activate(as);
	uint8_t v;
	EXPECT_EQ(arch_copy_from_user(&v, a + 3 * PG, 1), -EFAULT);
	addrspace_activate(NULL);
	EXPECT_EQ(vm_check_all(), 0);
	addrspace_destroy(as);
	EXPECT_EQ(frame_count_free(), start);
}

KTEST(mm_vm_oom_at_each_allocation_of_fork_rolls_back)
{
	uint64_t start = free_start();
	struct addrspace *parent, *child = NULL;
	ASSERT_EQ(addrspace_create(&parent), 0);
	uintptr_t a, s;
	ASSERT_EQ(vm_mmap(parent, 0, 16 * PG, RW, PRIV, &a), 0);
	ASSERT_EQ(vm_mmap(parent, 0x10000000, 4 * PG, RW, MAP_SHARED | MAP_ANONYMOUS, &s), 0);
	ASSERT_EQ(vm_space_write(parent, a, "data", 4), 0);
	ASSERT_EQ(vm_space_write(parent, s, "shrd", 4), 0);
	int err = -ENOMEM;
	unsigned n;
	for (n = 1; n < 200 && err; n++) {
		alloc_inject_nth(n);
		err = addrspace_fork(parent, &child);
		alloc_inject_off();
		if (err) {
			EXPECT_EQ(err, -ENOMEM);
			ASSERT_EQ(vm_check_all(), 0);
		}
	}
	ASSERT_EQ(err, 0);
	ktest_log("fork succeeded at allocation %u", n - 1);
	EXPECT_GE(n, 5);
	EXPECT_TRUE(space_all(child, s + 4, PG - 4, 0));
	char buf[4];
	ASSERT_EQ(vm_space_read(child, a, buf, 4), 0);
	EXPECT_EQ(memcmp(buf, "data", 4), 0);
	EXPECT_EQ(vm_check_all(), 0);
	addrspace_destroy(child);
	addrspace_destroy(parent);
	EXPECT_EQ(frame_count_free(), start);
}

KTEST(mm_vm_checker_catches_a_writable_zero_frame_on_the_real_mmu)
{
	struct addrspace *as;
	ASSERT_EQ(addrspace_create(&as), 0);
	uintptr_t a;
	ASSERT_EQ(vm_mmap(as, 0, PG, RW, PRIV, &a), 0);
	ASSERT_EQ(vm_fault(as, a, VM_ACCESS_READ), 0);
	arch_mmu_protect(&as->mmu, a, MMU_USER | MMU_READ | MMU_WRITE);
	EXPECT_GT(vm_check_all(), 0);
	arch_mmu_protect(&as->mmu, a, MMU_USER | MMU_READ);
	arch_tlb_flush_page(&as->mmu, a);
	EXPECT_EQ(vm_check_all(), 0);
	addrspace_destroy(as);
}
