/* Host tests of the fault path and fork (mm/fault.c, mm/fork.c) over the software MMU: zero
 * fill from the zero frame, fresh frames on write, CoW after fork with exact frame counts,
 * refcount-1 reuse, shared anonymous memory across fork (one shared object, mm/shm.c), the TLB discipline, the 1 GiB untouched
 * mapping. Every test ends with the invariant checker clean (vm_env's after-each hook too). */
#include <string.h>

#include "fake_ram.h"
#include "htest.h"
#include "soft_mmu.h"
#include "vm_env.h"
#include "kernel/errno.h"
#include "mm/check.h"
#include "mm/pageinfo.h"
#include "mm/section.h"
#include "mm/shm.h"
#include "mm/vm.h"
#include "mm/vm_internal.h"

#define PG FRAME_SIZE
#define RW (PROT_READ | PROT_WRITE)
#define PRIV (MAP_PRIVATE | MAP_ANONYMOUS)
#define SHARED (MAP_SHARED | MAP_ANONYMOUS)

HTEST(vm_first_read_maps_the_zero_frame_read_only_and_the_write_gets_a_fresh_frame)
{
	vm_env_default();
	uint64_t start = vm_env_free();
	struct addrspace *as = vm_env_space();
	uintptr_t a;
	ASSERT_EQ(vm_mmap(as, 0, 4 * PG, RW, PRIV, &a), 0);
	unsigned long tables0 = as->mmu.table_frames;
	uint64_t f0 = vm_env_free();

	uint8_t v = 0xff;
	ASSERT_EQ(soft_user_read8(as, a + 5, &v), 0);
	EXPECT_EQ(v, 0);
	unsigned flags = 0;
	EXPECT_EQ(vm_env_frame(as, a, &flags), vm_zero_frame());
	EXPECT_FALSE(flags & MMU_WRITE);
	EXPECT_TRUE(flags & MMU_USER);
	EXPECT_TRUE(flags & MMU_READ);
	/* Only page tables were allocated for the read. */
	EXPECT_EQ(f0 - vm_env_free(), as->mmu.table_frames - tables0);
	EXPECT_EQ(pageinfo_refcount(pageinfo_of(vm_zero_frame())), 2);   /* entry + permanent */

	uint64_t f1 = vm_env_free();
	ASSERT_EQ(soft_user_write8(as, a + 7, 0x5a), 0);
	paddr_t pa = vm_env_frame(as, a, &flags);
	EXPECT_NE(pa, vm_zero_frame());
	EXPECT_TRUE(flags & MMU_WRITE);
	EXPECT_EQ(f1 - vm_env_free(), 1);
	EXPECT_EQ(vm_env_refcount(as, a), 1);
	EXPECT_EQ(pageinfo_refcount(pageinfo_of(vm_zero_frame())), 1);
	EXPECT_TRUE(vm_env_all(as, a, 7, 0));
	EXPECT_TRUE(vm_env_all(as, a + 7, 1, 0x5a));
	EXPECT_TRUE(vm_env_all(as, a + 8, PG - 8, 0));
	/* The other pages stay untouched. */
	EXPECT_EQ(addrspace_resident_pages(as), 1);

	/* A write to an untouched page maps a fresh frame at once, no zero frame first. */
	uint64_t f2 = vm_env_free();
	ASSERT_EQ(soft_user_write8(as, a + PG, 1), 0);
	EXPECT_EQ(f2 - vm_env_free(), 1);
	EXPECT_EQ(pageinfo_refcount(pageinfo_of(vm_zero_frame())), 1);
	VM_CHECK_CLEAN();
	addrspace_destroy(as);
	EXPECT_EQ(vm_env_free(), start);
}

HTEST(vm_untouched_pages_of_a_1gib_private_mapping_use_no_frames)
{
	vm_env_default();
	uint64_t start = vm_env_free();
	struct addrspace *as = vm_env_space();
	uintptr_t a;
	ASSERT_EQ(vm_mmap(as, 0, (size_t)1 << 30, RW, PRIV, &a), 0);
	/* mmap allocated a grant node, nothing else. */
	EXPECT_EQ(vm_env_heap_frames(), 2);           /* the addrspace's slab and the grant's */
	EXPECT_EQ(start - vm_env_free(), 2 + as->mmu.table_frames);
	uint64_t f0 = vm_env_free();
	ASSERT_EQ(soft_user_write8(as, a + ((size_t)1 << 29), 9), 0);
	EXPECT_EQ(addrspace_resident_pages(as), 1);
	EXPECT_EQ(f0 - vm_env_free(), 1 + as->mmu.table_frames - 1);
	VM_CHECK_CLEAN();
	ASSERT_EQ(vm_munmap(as, a, (size_t)1 << 30), 0);
	EXPECT_EQ(addrspace_resident_pages(as), 0);
	addrspace_destroy(as);
	EXPECT_EQ(vm_env_free(), start);
}

HTEST(vm_fork_cow_frame_counts_are_exact_and_each_side_sees_its_own_data)
{
	vm_env_default();
	uint64_t start = vm_env_free();
	struct addrspace *parent = vm_env_space();
	uintptr_t a;
	ASSERT_EQ(vm_mmap(parent, 0, 8 * PG, RW, PRIV, &a), 0);
	ASSERT_EQ(vm_env_fill(parent, a, 8 * PG, 0x11), 0);
	paddr_t frame[8];
	for (int i = 0; i < 8; i++)
		frame[i] = vm_env_frame(parent, a + i * PG, NULL);

	uint64_t f1 = vm_env_free();
	unsigned long heap1 = vm_env_heap_frames();
	struct addrspace *child;
	ASSERT_EQ(addrspace_fork(parent, &child), 0);
	/* The fork allocated page tables for the child and heap objects, no user frame. */
	EXPECT_EQ(f1 - vm_env_free(), child->mmu.table_frames + (vm_env_heap_frames() - heap1));
	EXPECT_EQ(child->mmu.table_frames, parent->mmu.table_frames);
	for (int i = 0; i < 8; i++) {
		unsigned pf, cf;
		EXPECT_EQ(vm_env_frame(child, a + i * PG, &cf), frame[i]);
		EXPECT_EQ(vm_env_frame(parent, a + i * PG, &pf), frame[i]);
		EXPECT_FALSE(pf & MMU_WRITE);
		EXPECT_FALSE(cf & MMU_WRITE);
		EXPECT_EQ(vm_env_refcount(parent, a + i * PG), 2);
		EXPECT_FALSE(pageinfo_is_shared(pageinfo_of(frame[i])));
	}
	VM_CHECK_CLEAN();

	/* The child writes page 0: one copy. The parent writes page 0: count is 1, no copy. */
	uint64_t f2 = vm_env_free();
	ASSERT_EQ(vm_env_fill(child, a, 16, 0x22), 0);
	EXPECT_EQ(f2 - vm_env_free(), 1);
	EXPECT_NE(vm_env_frame(child, a, NULL), frame[0]);
	EXPECT_EQ(vm_env_refcount(parent, a), 1);
	ASSERT_EQ(vm_env_fill(parent, a, 16, 0x33), 0);
	EXPECT_EQ(f2 - vm_env_free(), 1);
	EXPECT_EQ(vm_env_frame(parent, a, NULL), frame[0]);
	/* The parent writes page 1 first: a copy for the parent, the child then reuses. */
	ASSERT_EQ(vm_env_fill(parent, a + PG, 16, 0x44), 0);
	EXPECT_EQ(f2 - vm_env_free(), 2);
	EXPECT_NE(vm_env_frame(parent, a + PG, NULL), frame[1]);
	ASSERT_EQ(vm_env_fill(child, a + PG, 16, 0x55), 0);
	EXPECT_EQ(f2 - vm_env_free(), 2);
	EXPECT_EQ(vm_env_frame(child, a + PG, NULL), frame[1]);

	EXPECT_TRUE(vm_env_all(child, a, 16, 0x22));
	EXPECT_TRUE(vm_env_all(child, a + 16, PG - 16, 0x11));
	EXPECT_TRUE(vm_env_all(parent, a, 16, 0x33));
	EXPECT_TRUE(vm_env_all(parent, a + PG, 16, 0x44));
	EXPECT_TRUE(vm_env_all(child, a + PG, 16, 0x55));
	EXPECT_TRUE(vm_env_all(child, a + 2 * PG, 6 * PG, 0x11));
	EXPECT_TRUE(vm_env_all(parent, a + 2 * PG, 6 * PG, 0x11));
	EXPECT_EQ(f2 - vm_env_free(), 2);             /* reads copy nothing */
	VM_CHECK_CLEAN();

	addrspace_destroy(child);
	VM_CHECK_CLEAN();
	EXPECT_TRUE(vm_env_all(parent, a + 2 * PG, 6 * PG, 0x11));
	addrspace_destroy(parent);
	EXPECT_EQ(vm_env_free(), start);
}

HTEST(vm_after_the_sibling_dies_the_writer_reuses_its_frame_without_copying)
{
	vm_env_default();
	uint64_t start = vm_env_free();
	struct addrspace *parent = vm_env_space(), *child;
	uintptr_t a;
	ASSERT_EQ(vm_mmap(parent, 0, 2 * PG, RW, PRIV, &a), 0);
	ASSERT_EQ(vm_env_fill(parent, a, 2 * PG, 0x61), 0);
	paddr_t pa = vm_env_frame(parent, a, NULL);
	ASSERT_EQ(addrspace_fork(parent, &child), 0);
	EXPECT_EQ(vm_env_refcount(parent, a), 2);
	addrspace_destroy(parent);
	EXPECT_EQ(vm_env_refcount(child, a), 1);

	uint64_t f = vm_env_free();
	unsigned flags;
	ASSERT_EQ(vm_env_fill(child, a, 100, 0x62), 0);
	EXPECT_EQ(vm_env_free(), f);
	EXPECT_EQ(vm_env_frame(child, a, &flags), pa);
	EXPECT_TRUE(flags & MMU_WRITE);
	EXPECT_TRUE(vm_env_all(child, a + 100, 2 * PG - 100, 0x61));
	VM_CHECK_CLEAN();
	addrspace_destroy(child);
	EXPECT_EQ(vm_env_free(), start);
}

HTEST(vm_zero_frame_pages_fork_and_the_write_after_gets_a_zeroed_frame_not_a_copy)
{
	vm_env_default();
	struct addrspace *parent = vm_env_space(), *child;
	uintptr_t a;
	ASSERT_EQ(vm_mmap(parent, 0, PG, RW, PRIV, &a), 0);
	ASSERT_TRUE(vm_env_all(parent, a, 1, 0));
	ASSERT_EQ(addrspace_fork(parent, &child), 0);
	EXPECT_EQ(vm_env_frame(child, a, NULL), vm_zero_frame());
	EXPECT_EQ(pageinfo_refcount(pageinfo_of(vm_zero_frame())), 3);
	uint64_t f = vm_env_free();
	ASSERT_EQ(soft_user_write8(child, a + 1, 1), 0);
	EXPECT_EQ(f - vm_env_free(), 1);
	EXPECT_TRUE(vm_env_all(child, a, 1, 0));
	EXPECT_TRUE(vm_env_all(child, a + 2, PG - 2, 0));
	EXPECT_TRUE(vm_env_all(parent, a, PG, 0));
	/* The zero frame itself was never written. */
	const uint8_t *z = fake_ram_ptr(vm_zero_frame());
	for (size_t i = 0; i < PG; i++)
		ASSERT_EQ(z[i], 0);
	VM_CHECK_CLEAN();
	addrspace_destroy(child);
	addrspace_destroy(parent);
	EXPECT_EQ(pageinfo_refcount(pageinfo_of(vm_zero_frame())), 1);
}

HTEST(vm_shared_anonymous_memory_stays_shared_across_fork)
{
	vm_env_default();
	uint64_t start = vm_env_free();
	struct addrspace *parent = vm_env_space(), *child;
	uintptr_t a;
	ASSERT_EQ(vm_mmap(parent, 0, 4 * PG, RW, SHARED, &a), 0);
	ASSERT_EQ(vm_env_fill(parent, a, 16, 0x71), 0);      /* page 0 only */
	struct grant *pg = grant_tree_find(&parent->grants, a);
	ASSERT_NOT_NULL(pg);
	struct shm_object *obj = pg->provider.allocated_shared.obj;
	ASSERT_NOT_NULL(obj);
	EXPECT_EQ(shm_object_frames(obj), 1);
	uint64_t f = vm_env_free();
	unsigned long heap = vm_env_heap_frames();
	ASSERT_EQ(addrspace_fork(parent, &child), 0);
	/* The child's grant references the same object: nothing populated, no entry copied. */
	EXPECT_EQ(f - vm_env_free(), child->mmu.table_frames + (vm_env_heap_frames() - heap));
	EXPECT_EQ(addrspace_resident_pages(child), 0);
	EXPECT_EQ(shm_object_refcount(obj), 2);
	EXPECT_EQ(shm_object_frames(obj), 1);
	unsigned long tables = child->mmu.table_frames;
	f = vm_env_free();
	heap = vm_env_heap_frames();
	EXPECT_TRUE(vm_env_all(child, a, 16, 0x71));          /* faults in the parent's frame */
	ASSERT_EQ(vm_env_fill(child, a + 2 * PG, 8, 0x72), 0); /* a new frame, into the object */
	ASSERT_EQ(vm_env_fill(parent, a + 3 * PG, 8, 0x73), 0);
	EXPECT_TRUE(vm_env_all(parent, a + 2 * PG, 8, 0x72));
	EXPECT_TRUE(vm_env_all(child, a + 3 * PG, 8, 0x73));
	EXPECT_EQ(f - vm_env_free(), 2 + (child->mmu.table_frames - tables) +
		  (vm_env_heap_frames() - heap));                /* pages 2 and 3, no copies */
	EXPECT_EQ(shm_object_frames(obj), 3);
	for (int i = 0; i < 4; i++) {
		unsigned pf, cf;
		paddr_t pa = vm_env_frame(parent, a + i * PG, &pf);
		EXPECT_EQ(vm_env_frame(child, a + i * PG, &cf), pa);
		if (i == 1) {                    /* untouched: in nobody's tables, not in the object */
			EXPECT_EQ(pa, (paddr_t)-1);
			continue;
		}
		EXPECT_TRUE(pf & MMU_WRITE);
		EXPECT_TRUE(cf & MMU_WRITE);
		EXPECT_EQ(vm_env_refcount(child, a + i * PG), 3);    /* two entries and the object */
		EXPECT_TRUE(pageinfo_is_shared(pageinfo_of(pa)));
	}
	VM_CHECK_CLEAN();
	addrspace_destroy(parent);
	EXPECT_EQ(shm_object_refcount(obj), 1);
	EXPECT_TRUE(vm_env_all(child, a + 3 * PG, 8, 0x73));
	EXPECT_EQ(vm_env_refcount(child, a), 2);
	VM_CHECK_CLEAN();
	addrspace_destroy(child);
	EXPECT_EQ(vm_env_free(), start);
}

HTEST(vm_fork_keeps_unpopulated_private_pages_unpopulated_and_copies_the_grant_list)
{
	vm_env_default();
	struct addrspace *parent = vm_env_space(), *child;
	uintptr_t a, b;
	ASSERT_EQ(vm_mmap(parent, 0, 16 * PG, RW, PRIV, &a), 0);
	ASSERT_EQ(vm_mmap(parent, 0, 2 * PG, PROT_READ, PRIV, &b), 0);
	ASSERT_EQ(soft_user_write8(parent, a + 3 * PG, 1), 0);
	ASSERT_EQ(addrspace_fork(parent, &child), 0);
	EXPECT_EQ(addrspace_resident_pages(child), 1);
	EXPECT_EQ(child->grants.count, parent->grants.count);
	struct grant *pg = grant_tree_first(&parent->grants), *cg = grant_tree_first(&child->grants);
	for (; pg && cg; pg = grant_tree_next(pg), cg = grant_tree_next(cg)) {
		EXPECT_EQ(pg->start, cg->start);
		EXPECT_EQ(pg->pages, cg->pages);
		EXPECT_EQ(pg->prot, cg->prot);
		EXPECT_EQ(pg->provider.kind, cg->provider.kind);
	}
	/* A read-only private mapping faults on write in the child too. */
	EXPECT_EQ(soft_user_write8(child, b, 1), -EFAULT);
	VM_CHECK_CLEAN();
	addrspace_destroy(child);
	addrspace_destroy(parent);
}

HTEST(vm_cow_break_flushes_the_stale_writable_tlb_entry_of_the_parent)
{
	vm_env_default();
	struct addrspace *parent = vm_env_space(), *child;
	uintptr_t a;
	ASSERT_EQ(vm_mmap(parent, 0, PG, RW, PRIV, &a), 0);
	ASSERT_EQ(soft_user_write8(parent, a, 1), 0);        /* a writable TLB entry now */
	EXPECT_EQ(soft_tlb_entries(parent), 1);
	ASSERT_EQ(addrspace_fork(parent, &child), 0);
	EXPECT_EQ(soft_tlb_entries(parent), 0);              /* fork flushed the parent */
	ASSERT_EQ(soft_user_write8(parent, a, 2), 0);        /* must fault, not write through */
	uint8_t v;
	ASSERT_EQ(soft_user_read8(child, a, &v), 0);
	EXPECT_EQ(v, 1);
	EXPECT_EQ(soft_mmu_stats().stale_hits, 0);
	addrspace_destroy(child);
	addrspace_destroy(parent);
}

HTEST(vm_fault_errors_no_grant_no_right_outside_the_user_half)
{
	vm_env_default();
	struct addrspace *as = vm_env_space();
	uintptr_t a;
	ASSERT_EQ(vm_mmap(as, 0, PG, PROT_READ, PRIV, &a), 0);
	EXPECT_EQ(vm_fault(as, a - PG, VM_ACCESS_READ), -EFAULT);
	EXPECT_EQ(vm_fault(as, a, VM_ACCESS_WRITE), -EFAULT);
	EXPECT_EQ(vm_fault(as, a, VM_ACCESS_EXEC), -EFAULT);
	EXPECT_EQ(vm_fault(as, 0, VM_ACCESS_READ), -EFAULT);
	EXPECT_EQ(vm_fault(as, arch_mmu_user_top(), VM_ACCESS_READ), -EFAULT);
	EXPECT_EQ(vm_fault(as, ~(uintptr_t)0, VM_ACCESS_READ), -EFAULT);
	EXPECT_EQ(vm_fault(as, a + 123, VM_ACCESS_READ), 0);
	EXPECT_EQ(addrspace_resident_pages(as), 1);
	/* A second fault on the resolved page is harmless (spurious). */
	EXPECT_EQ(vm_fault(as, a, VM_ACCESS_READ), 0);
	EXPECT_EQ(addrspace_resident_pages(as), 1);
	uintptr_t x;
	ASSERT_EQ(vm_mmap(as, 0, PG, PROT_READ | PROT_EXEC, PRIV, &x), 0);
	EXPECT_EQ(soft_user_exec(as, x), 0);
	unsigned flags;
	EXPECT_EQ(vm_env_frame(as, x, &flags), vm_zero_frame());
	EXPECT_TRUE(flags & MMU_EXEC);
	EXPECT_EQ(soft_user_exec(as, a), -EFAULT);
	VM_CHECK_CLEAN();
	addrspace_destroy(as);
}
