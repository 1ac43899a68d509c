/* Host tests of shared anonymous memory objects (mm/shm.c) over the software MMU, under the
 * sanitizers: fork of a 2^40-byte shared mapping allocates nothing per page, faults that run
 * out of memory at each allocation leave exact counts, split and merge keep one object with the
 * right offsets, munmap and MAP_FIXED keep the object's frames until its last grant goes. */
#include "htest.h"
#include "vm_env.h"
#include "kernel/errno.h"
#include "mm/alloc_inject.h"
#include "mm/check.h"
#include "mm/pageinfo.h"
#include "mm/section.h"
#include "mm/shm.h"
#include "mm/vm.h"
#include "mm/vm_internal.h"

#define PG FRAME_SIZE
#define RW (PROT_READ | PROT_WRITE)
#define SHARED (MAP_SHARED | MAP_ANONYMOUS)

static struct shm_object *obj_at(struct addrspace *as, uintptr_t va)
{
	struct grant *g = grant_tree_find(&as->grants, va);
	return g && g->provider.kind == GRANT_ALLOCATED_SHARED ? g->provider.allocated_shared.obj
							       : NULL;
}

HTEST(shm_fork_of_a_huge_mapping_allocates_nothing_per_page)
{
	vm_env_default();
	uint64_t start = vm_env_free();
	unsigned long objects = shm_object_count();
	struct addrspace *p = vm_env_space(), *c;
	uintptr_t a;
	size_t pages = (size_t)1 << 28;                          /* 2^40 bytes */
	ASSERT_EQ(vm_mmap(p, 0, pages * PG, RW, SHARED, &a), 0);
	ASSERT_EQ(vm_env_fill(p, a, 8, 0x11), 0);
	ASSERT_EQ(vm_env_fill(p, a + (pages - 1) * PG, 8, 0x12), 0);
	struct shm_object *obj = obj_at(p, a);
	ASSERT_NOT_NULL(obj);
	EXPECT_EQ(shm_object_count(), objects + 1);
	uint64_t f = vm_env_free();
	unsigned long heap = vm_env_heap_frames();
	ASSERT_EQ(addrspace_fork(p, &c), 0);
	EXPECT_EQ(f - vm_env_free(), c->mmu.table_frames + (vm_env_heap_frames() - heap));
	EXPECT_EQ(shm_object_refcount(obj), 2);
	EXPECT_EQ(shm_object_frames(obj), 2);
	EXPECT_TRUE(vm_env_all(c, a + (pages - 1) * PG, 8, 0x12));
	ASSERT_EQ(vm_env_fill(c, a + (pages / 2) * PG, 8, 0x13), 0);
	EXPECT_TRUE(vm_env_all(p, a + (pages / 2) * PG, 8, 0x13));
	EXPECT_EQ(shm_object_frames(obj), 3);
	EXPECT_EQ(vm_env_refcount(p, a + (pages / 2) * PG), 3);
	VM_CHECK_CLEAN();
	addrspace_destroy(p);
	EXPECT_TRUE(vm_env_all(c, a, 8, 0x11));
	VM_CHECK_CLEAN();
	addrspace_destroy(c);
	EXPECT_EQ(shm_object_count(), objects);
	EXPECT_EQ(vm_env_free(), start);
}

HTEST(shm_fault_out_of_memory_at_each_allocation_leaves_exact_counts)
{
	vm_env_default();
	uint64_t start = vm_env_free();
	struct addrspace *p = vm_env_space();
	uintptr_t a;
	ASSERT_EQ(vm_mmap(p, 0, ((size_t)1 << 20) * PG, RW, SHARED, &a), 0);
	struct shm_object *obj = obj_at(p, a);
	ASSERT_NOT_NULL(obj);
	int err = -ENOMEM;
	unsigned n;
	for (n = 1; n < 50 && err; n++) {
		alloc_inject_nth(n);
		err = vm_fault(p, a + 777 * PG, VM_ACCESS_WRITE);
		alloc_inject_off();
		if (err) {
			EXPECT_EQ(err, -ENOMEM);
			EXPECT_EQ(vm_env_frame(p, a + 777 * PG, NULL), (paddr_t)-1);
			VM_CHECK_CLEAN();
		}
	}
	ASSERT_EQ(err, 0);
	EXPECT_GE(n, 4);                 /* index nodes, the frame, page tables */
	EXPECT_EQ(shm_object_frames(obj), 1);
	EXPECT_EQ(vm_env_refcount(p, a + 777 * PG), 2);
	VM_CHECK_CLEAN();
	addrspace_destroy(p);
	EXPECT_EQ(vm_env_free(), start);
}

HTEST(shm_split_merge_munmap_and_fixed_keep_the_object_and_its_offsets)
{
	vm_env_default();
	uint64_t start = vm_env_free();
	struct addrspace *p = vm_env_space(), *c;
	uintptr_t a, b;
	ASSERT_EQ(vm_mmap(p, 0, 10 * PG, RW, SHARED, &a), 0);
	struct shm_object *obj = obj_at(p, a);
	for (int i = 0; i < 10; i++)
		ASSERT_EQ(vm_env_fill(p, a + i * PG, 1, (uint8_t)(0x20 + i)), 0);
	ASSERT_EQ(vm_mprotect(p, a + 4 * PG, 2 * PG, PROT_READ), 0);
	EXPECT_EQ(shm_object_refcount(obj), 3);
	struct grant *g = grant_tree_find(&p->grants, a + 6 * PG);
	EXPECT_EQ(g->provider.allocated_shared.offset, 6);
	ASSERT_EQ(addrspace_fork(p, &c), 0);
	EXPECT_EQ(shm_object_refcount(obj), 6);
	ASSERT_EQ(vm_mprotect(p, a + 4 * PG, 2 * PG, RW), 0);   /* merges back */
	EXPECT_EQ(shm_object_refcount(obj), 4);
	EXPECT_EQ(grant_tree_find(&p->grants, a)->pages, 10);
	/* munmap in the parent, MAP_FIXED of a new object in the child: the old frames stay */
	ASSERT_EQ(vm_munmap(p, a + 2 * PG, 3 * PG), 0);
	ASSERT_EQ(vm_mmap(c, a + 7 * PG, PG, RW, SHARED | MAP_FIXED, &b), 0);
	EXPECT_NE(obj_at(c, b), obj);
	EXPECT_EQ(shm_object_frames(obj), 10);
	EXPECT_TRUE(vm_env_all(c, a + 3 * PG, 1, 0x23));
	EXPECT_TRUE(vm_env_all(c, b, 1, 0));
	EXPECT_TRUE(vm_env_all(p, a + 7 * PG, 1, 0x27));
	ASSERT_EQ(vm_env_fill(c, a + 8 * PG, 1, 0x99), 0);
	EXPECT_TRUE(vm_env_all(p, a + 8 * PG, 1, 0x99));
	/* merges only with following offsets of the same object: b's object stays apart */
	EXPECT_EQ(grant_tree_find(&c->grants, b)->start, b);
	EXPECT_EQ(grant_tree_find(&c->grants, b)->pages, 1);
	EXPECT_EQ(grant_tree_find(&c->grants, a + 6 * PG)->pages, 1);
	VM_CHECK_CLEAN();
	addrspace_destroy(c);
	VM_CHECK_CLEAN();
	EXPECT_EQ(shm_object_frames(obj), 10);
	addrspace_destroy(p);
	EXPECT_EQ(vm_env_free(), start);
}

HTEST(shm_partial_munmap_of_a_lone_mapping_frees_exactly_the_unreachable_frames)
{
	vm_env_default();
	uint64_t start = vm_env_free();
	struct addrspace *p = vm_env_space(), *c;
	uintptr_t a, b;
	ASSERT_EQ(vm_mmap(p, 0, 16 * PG, RW, SHARED, &a), 0);
	struct shm_object *obj = obj_at(p, a);
	for (int i = 0; i < 16; i++)
		ASSERT_EQ(vm_env_fill(p, a + i * PG, 1, (uint8_t)(0x40 + i)), 0);
	/* the middle: nobody else holds the object, the two halves cannot reach pages 4-7 */
	uint64_t f = vm_env_free();
	unsigned long heap = vm_env_heap_frames();
	ASSERT_EQ(vm_munmap(p, a + 4 * PG, 4 * PG), 0);
	EXPECT_EQ(vm_env_free() - f, 4 + (heap - vm_env_heap_frames()));
	EXPECT_EQ(shm_object_frames(obj), 12);
	paddr_t pa;
	EXPECT_FALSE(shm_object_lookup(obj, 5, &pa));
	EXPECT_TRUE(shm_object_lookup(obj, 8, &pa));
	/* a child shares it now: the parent's munmap of the head keeps those frames */
	ASSERT_EQ(addrspace_fork(p, &c), 0);
	f = vm_env_free();
	heap = vm_env_heap_frames();
	ASSERT_EQ(vm_munmap(p, a, 2 * PG), 0);
	EXPECT_EQ(vm_env_free() - f, heap - vm_env_heap_frames());
	EXPECT_EQ(shm_object_frames(obj), 12);
	EXPECT_TRUE(vm_env_all(c, a + PG, 1, 0x41));
	addrspace_destroy(c);
	VM_CHECK_CLEAN();
	/* (pages 0-1 keep their frames until the object dies, as on Linux) alone again: MAP_FIXED of another object over pages 8-9 drops those two */
	ASSERT_EQ(vm_mmap(p, a + 8 * PG, 2 * PG, RW, SHARED | MAP_FIXED, &b), 0);
	EXPECT_EQ(shm_object_frames(obj), 10);
	EXPECT_TRUE(vm_env_all(p, a + 10 * PG, 1, 0x4a));
	EXPECT_TRUE(vm_env_all(p, b, 1, 0));
	EXPECT_TRUE(vm_env_all(p, a + 2 * PG, 1, 0x42));
	/* the tail of the first half, next to nothing of the object: the rest stays */
	ASSERT_EQ(vm_munmap(p, a + 3 * PG, PG), 0);
	EXPECT_EQ(shm_object_frames(obj), 9);
	EXPECT_TRUE(vm_env_all(p, a + 15 * PG, 1, 0x4f));
	VM_CHECK_CLEAN();
	addrspace_destroy(p);
	EXPECT_EQ(vm_env_free(), start);
}
