/* Self-tests of shared anonymous memory objects (mm/shm.c): the object's index and references
 * in the kernel, and the user program shm_fork (tests/user/shm_fork.c), whose parent-exits-first
 * case leaves an orphan for process 0 to reap. */
#include "kernel/ktest.h"
#include "kernel/proc.h"
#include "mm/addrspace.h"
#include "mm/check.h"
#include "mm/frame.h"
#include "mm/kheap.h"
#include "kernel/arch.h"
#include "mm/pageinfo.h"
#include "mm/section.h"
#include "mm/shm.h"
#include "mm/vm.h"
#include "mm/vm_internal.h"

#define PG FRAME_SIZE
#define RW (PROT_READ | PROT_WRITE)

KTEST(user_shm_fork_sparse_shared_memory)
{
	uint64_t free_before = frame_count_free();
	unsigned procs_before = proc_count();
	unsigned long objects = shm_object_count();
	int pid = proc_spawn("shm_fork");
	ASSERT_GT(pid, 0);
	int status = -1, got;
	while ((got = proc_wait(-1, &status)) > 0 && got != pid)
		EXPECT_EQ(status, 0);                /* the orphan of the parent-exits-first case */
	EXPECT_EQ(got, pid);
	EXPECT_EQ(status, 0);
	while (proc_wait(-1, &status) > 0)
		EXPECT_EQ(status, 0);
	EXPECT_EQ(proc_count(), procs_before);
	EXPECT_EQ(frame_count_free(), free_before);
	EXPECT_EQ(shm_object_count(), objects);
	EXPECT_EQ(vm_check_all(), 0);
}

/* Returns the grant of AS at VA (locked by the caller or not shared yet). */
static struct grant *grant_of(struct addrspace *as, uintptr_t va)
{
	return grant_tree_find(&as->grants, va);
}

KTEST(mm_shm_split_merge_and_partial_munmap_keep_one_object)
{
	uint64_t start = frame_count_free();
	unsigned long objects = shm_object_count();
	struct addrspace *as, *child;
	ASSERT_EQ(addrspace_create(&as), 0);
	uintptr_t a;
	ASSERT_EQ(vm_mmap(as, 0, 8 * PG, RW, MAP_SHARED | MAP_ANONYMOUS, &a), 0);
	EXPECT_EQ(shm_object_count(), objects + 1);
	struct shm_object *obj = grant_of(as, a)->provider.allocated_shared.obj;
	ASSERT_TRUE(obj != NULL);
	for (int i = 0; i < 8; i++)
		ASSERT_EQ(vm_fault(as, a + i * PG, VM_ACCESS_WRITE), 0);
	EXPECT_EQ(shm_object_frames(obj), 8);
	/* mprotect of the middle: three grants on one object, offsets 0, 2, 5 */
	ASSERT_EQ(vm_mprotect(as, a + 2 * PG, 3 * PG, PROT_READ), 0);
	EXPECT_EQ(shm_object_refcount(obj), 3);
	EXPECT_EQ(grant_of(as, a + 2 * PG)->provider.allocated_shared.offset, 2);
	EXPECT_EQ(grant_of(as, a + 5 * PG)->provider.allocated_shared.offset, 5);
	EXPECT_TRUE(grant_of(as, a + 5 * PG)->provider.allocated_shared.obj == obj);
	EXPECT_EQ(vm_check_all(), 0);
	/* back to rw: merged again into one grant */
	ASSERT_EQ(vm_mprotect(as, a + 2 * PG, 3 * PG, RW), 0);
	EXPECT_EQ(shm_object_refcount(obj), 1);
	EXPECT_EQ(grant_of(as, a)->pages, 8);
	/* fork, then munmap of the middle in the parent: the child still sees it all */
	ASSERT_EQ(addrspace_fork(as, &child), 0);
	EXPECT_EQ(shm_object_refcount(obj), 2);
	EXPECT_EQ(addrspace_resident_pages(child), 0);
	ASSERT_EQ(vm_munmap(as, a + 3 * PG, 2 * PG), 0);
	EXPECT_EQ(shm_object_refcount(obj), 3);
	EXPECT_EQ(shm_object_frames(obj), 8);    /* kept while the object lives (as Linux) */
	ASSERT_EQ(vm_fault(child, a + 3 * PG, VM_ACCESS_READ), 0);
	paddr_t pa, want;
	ASSERT_TRUE(arch_mmu_query(&child->mmu, a + 3 * PG, &pa, NULL));
	ASSERT_TRUE(shm_object_lookup(obj, 3, &want));
	EXPECT_EQ(pa, want);
	EXPECT_EQ(pageinfo_refcount(pageinfo_of(pa)), 2);   /* the child's entry and the object */
	/* a grant of another object next to ours never merges with it */
	uintptr_t b;
	ASSERT_EQ(vm_mmap(as, a + 3 * PG, 2 * PG, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, &b),
		  0);
	EXPECT_EQ(b, a + 3 * PG);
	EXPECT_TRUE(grant_of(as, b)->provider.allocated_shared.obj != obj);
	EXPECT_EQ(grant_of(as, a)->pages, 3);
	EXPECT_EQ(vm_check_all(), 0);
	addrspace_destroy(as);
	/* the child alone holds the object now: its munmap of pages 6-7 frees those frames */
	struct kheap_stats h0, h1;
	kheap_get_stats(&h0);
	uint64_t f = frame_count_free();
	ASSERT_EQ(vm_munmap(child, a + 6 * PG, 2 * PG), 0);
	kheap_get_stats(&h1);
	EXPECT_EQ((int64_t)(frame_count_free() - f), 2 + (int64_t)h0.frames - (int64_t)h1.frames);
	EXPECT_EQ(shm_object_frames(obj), 6);
	EXPECT_EQ(shm_object_refcount(obj), 1);
	EXPECT_EQ(shm_object_count(), objects + 1);
	EXPECT_EQ(vm_check_all(), 0);
	addrspace_destroy(child);
	EXPECT_EQ(shm_object_count(), objects);
	EXPECT_EQ(frame_count_free(), start);
}

KTEST(mm_shm_object_index_is_sparse_and_exact)
{
	uint64_t start = frame_count_free();
	struct shm_object *obj;
	size_t pages = (size_t)1 << (sizeof(size_t) == 8 ? 28 : 19);
	ASSERT_EQ(shm_object_new(pages, &obj), 0);
	paddr_t p0, p1, plast, again;
	EXPECT_FALSE(shm_object_lookup(obj, pages - 1, &again));
	ASSERT_EQ(shm_object_frame(obj, 0, &p0), 0);
	ASSERT_EQ(shm_object_frame(obj, 1, &p1), 0);
	ASSERT_EQ(shm_object_frame(obj, pages - 1, &plast), 0);
	ASSERT_EQ(shm_object_frame(obj, pages - 1, &again), 0);  /* found, not allocated again */
	EXPECT_EQ(again, plast);
	EXPECT_NE(p0, p1);
	EXPECT_EQ(shm_object_frames(obj), 3);
	EXPECT_EQ(pageinfo_refcount(pageinfo_of(p0)), 1);
	EXPECT_TRUE(pageinfo_is_shared(pageinfo_of(p0)));
	EXPECT_TRUE(shm_object_lookup(obj, 1, &again));
	EXPECT_EQ(again, p1);
	EXPECT_FALSE(shm_object_lookup(obj, 2, &again));
	EXPECT_FALSE(shm_object_lookup(obj, pages / 2, &again));
	/* the checker counts the object's references on its frames, and reports an object that
	 * no grant references ("refcount 1, 0 grants reference it") */
	EXPECT_EQ(vm_check_all(), 1);
	shm_object_put(obj);
	EXPECT_EQ(vm_check_all(), 0);
	EXPECT_EQ(frame_count_free(), start);
}

/* Forks AS and returns the frames the fork took besides the child's page tables and heap (0 when
 * nothing is allocated per page); logs the cycles it took. */
static uint64_t fork_frames(struct addrspace *as, const char *what)
{
	struct addrspace *child;
	struct kheap_stats h0, h1;
	kheap_get_stats(&h0);
	uint64_t f = frame_count_free(), t = arch_cycles();
	if (addrspace_fork(as, &child) != 0)
		return ~(uint64_t)0;
	t = arch_cycles() - t;
	kheap_get_stats(&h1);
	uint64_t used = f - frame_count_free() - child->mmu.table_frames -
			((int64_t)h1.frames - (int64_t)h0.frames);
	ktest_log("fork with %s: %llu cycles", what, (unsigned long long)t);
	EXPECT_EQ(addrspace_resident_pages(child), 0);
	addrspace_destroy(child);
	return used;
}

KTEST(mm_shm_fork_allocates_nothing_per_shared_page)
{
	uint64_t start = frame_count_free();
	struct addrspace *as;
	ASSERT_EQ(addrspace_create(&as), 0);
	uintptr_t a;
	size_t pages = (size_t)1 << (sizeof(size_t) == 8 ? 28 : 18);
	ASSERT_EQ(vm_mmap(as, 0, pages * PG, RW, MAP_SHARED | MAP_ANONYMOUS, &a), 0);
	for (int i = 0; i < 16; i++)
		ASSERT_EQ(vm_fault(as, a + i * PG, VM_ACCESS_WRITE), 0);
	EXPECT_EQ(fork_frames(as, "16 shared pages touched"), 0);
	for (int i = 16; i < 4096; i++)
		ASSERT_EQ(vm_fault(as, a + i * PG, VM_ACCESS_WRITE), 0);
	EXPECT_EQ(fork_frames(as, "4096 shared pages touched"), 0);
	EXPECT_EQ(shm_object_frames(grant_of(as, a)->provider.allocated_shared.obj), 4096);
	EXPECT_EQ(vm_check_all(), 0);
	addrspace_destroy(as);
	EXPECT_EQ(frame_count_free(), start);
}
