/* Self-tests of memory:zeroed, MAP_PHYS_CONTIGUOUS (mm/contig.c) and vm_virt_to_phys, from kernel
 * mode on throwaway address spaces: the run's layout and zeroes, sharing across fork, frames
 * freed on (partial) munmap, MAP_FIXED and MAP_FIXED_NOREPLACE, every allocation failure point
 * leaving nothing behind, and which memory translates (shared) and which does not (private).
 * Free counts are compared with the kernel heap's frames added back: grant nodes come and go with
 * their slabs. */
#include "scheme/memory_test.h"
#include "mm/alloc_inject.h"
#include "mm/check.h"
#include "mm/pageinfo.h"
#include "mm/section.h"

KTEST(memory_scheme_contiguous_64k_frames_zeroed_shared_freed)
{
	uint64_t start = free_start();
	struct addrspace *as;
	ASSERT_EQ(addrspace_create(&as), 0);
	struct scheme_file f;
	uintptr_t a = 0;
	ASSERT_EQ(mem_open("zeroed", O_RDWR, &f), 0);
	/* warm the page tables of the range once, so that the counts below are frames alone */
	ASSERT_EQ(mem_mmap(&f, as, KIB64, RW, MAP_SHARED | MAP_PHYS_CONTIGUOUS, 0, &a), 0);
	ASSERT_EQ(vm_munmap(as, a, KIB64), 0);
	uintptr_t b = 0;
	uint64_t before = frame_count_free() + heap_frames();
	ASSERT_EQ(memory_scheme_ops.mmap(&f, as, a, KIB64, RW,
					 MAP_SHARED | MAP_PHYS_CONTIGUOUS | MAP_FIXED, 0, &b), 0);
	ASSERT_EQ(b, a);
	EXPECT_EQ(before - frame_count_free() - heap_frames(), KIB64 / PG);
	EXPECT_EQ(grant_kind_at(as, a), GRANT_ALLOCATED_SHARED);
	int err;
	paddr_t base = v2p(as, a, &err);
	ASSERT_EQ(err, 0);
	EXPECT_EQ(base % PG, 0);
	for (size_t i = 0; i < KIB64 / PG; i++) {
		unsigned flags = 0;
		/* present without a fault, the run in order, each frame zeroed and owned once */
		EXPECT_EQ(frame_at(as, a + i * PG, &flags), base + i * PG);
		EXPECT_EQ(vm_flags_norm(flags), MMU_USER | MMU_READ | MMU_WRITE | MMU_CACHE_WB);
		EXPECT_EQ(v2p(as, a + i * PG + 123, &err), base + i * PG + 123);
		EXPECT_EQ(err, 0);
		struct pageinfo *pi = pageinfo_of(base + i * PG);
		ASSERT_TRUE(pi != NULL);
		EXPECT_EQ(pageinfo_refcount(pi), 1);
		EXPECT_EQ(pageinfo_type(pi), PAGEINFO_USER);
		EXPECT_TRUE(frame_all(base + i * PG, 0));
	}
	EXPECT_EQ(vm_check_all(), 0);

	/* fork shares the frames: the child's writes show in the parent */
	struct addrspace *child;
	ASSERT_EQ(addrspace_fork(as, &child), 0);
	for (size_t i = 0; i < KIB64 / PG; i++) {
		EXPECT_EQ(frame_at(child, a + i * PG, NULL), base + i * PG);
		EXPECT_EQ(v2p(child, a + i * PG, &err), base + i * PG);
		EXPECT_EQ(pageinfo_refcount(pageinfo_of(base + i * PG)), 2);
		EXPECT_TRUE(pageinfo_is_shared(pageinfo_of(base + i * PG)));
	}
	addrspace_activate(child);
	ASSERT_EQ(arch_copy_to_user(a + 5 * PG + 40, "contiguous", 11), 0);
	addrspace_activate(NULL);
	char buf[11] = { 0 };
	ASSERT_EQ(vm_space_read(as, a + 5 * PG + 40, buf, sizeof(buf)), 0);
	EXPECT_STREQ(buf, "contiguous");
	EXPECT_EQ(vm_check_all(), 0);
	addrspace_destroy(child);
	EXPECT_EQ(pageinfo_refcount(pageinfo_of(base)), 1);

	/* a partial munmap frees just those frames; the rest stay where they were */
	uint64_t mapped = frame_count_free() + heap_frames();
	ASSERT_EQ(vm_munmap(as, a + 3 * PG, 2 * PG), 0);
	EXPECT_EQ(frame_count_free() + heap_frames() - mapped, 2);
	EXPECT_TRUE(frame_is_free(base + 3 * PG));
	EXPECT_TRUE(frame_is_free(base + 4 * PG));
	EXPECT_EQ(v2p(as, a + 3 * PG, &err), ~(paddr_t)0);
	EXPECT_EQ(err, -EFAULT);
	EXPECT_EQ(v2p(as, a + 5 * PG, &err), base + 5 * PG);
	ASSERT_EQ(vm_munmap(as, a, KIB64), 0);
	EXPECT_EQ(frame_count_free() + heap_frames(), before);
	for (size_t i = 0; i < KIB64 / PG; i++)
		EXPECT_TRUE(frame_is_free(base + i * PG));
	EXPECT_EQ(vm_check_all(), 0);
	addrspace_destroy(as);
	EXPECT_EQ(frame_count_free(), start);
}

KTEST(memory_scheme_contiguous_bad_requests)
{
	uint64_t start = free_start();
	struct addrspace *as;
	ASSERT_EQ(addrspace_create(&as), 0);
	struct scheme_file f, ro;
	uintptr_t a = 0;
	ASSERT_EQ(mem_open("zeroed", O_RDWR, &f), 0);
	ASSERT_EQ(mem_open("zeroed", O_RDONLY, &ro), 0);
	unsigned contig = MAP_SHARED | MAP_PHYS_CONTIGUOUS;
	EXPECT_EQ(mem_mmap(&f, as, KIB64, RW, MAP_PRIVATE | MAP_PHYS_CONTIGUOUS, 0, &a), -EINVAL);
	EXPECT_EQ(mem_mmap(&f, as, 0, RW, contig, 0, &a), -EINVAL);
	EXPECT_EQ(mem_mmap(&f, as, PG, 0x80, contig, 0, &a), -EINVAL);
	EXPECT_EQ(mem_mmap(&f, as, PG, RW, contig, 100, &a), -EINVAL);
	EXPECT_EQ(mem_mmap(&ro, as, PG, RW, contig, 0, &a), -EACCES);
	/* longer than a section: no run can be that long */
	EXPECT_EQ(mem_mmap(&f, as, (size_t)(SECTION_MAX_FRAMES + 1) * PG, RW, contig, 0, &a), -ENOMEM);
	EXPECT_EQ(memory_scheme_ops.mmap(&f, as, 0x1234000 + 1, PG, RW, contig | MAP_FIXED, 0, &a),
		  -EINVAL);
	EXPECT_EQ(memory_scheme_ops.mmap(&f, as, 0, PG, RW, contig | MAP_FIXED, 0, &a), -EPERM);
	EXPECT_EQ(grant_count(as), 0);
	/* MAP_FIXED_NOREPLACE over a mapping: -EEXIST, the run given back */
	uintptr_t b = 0;
	ASSERT_EQ(mem_mmap(&f, as, 2 * PG, RW, contig, 0, &b), 0);
	uint64_t mapped = frame_count_free() + heap_frames();
	EXPECT_EQ(memory_scheme_ops.mmap(&f, as, b, PG, RW, contig | MAP_FIXED_NOREPLACE, 0, &a),
		  -EEXIST);
	EXPECT_EQ(frame_count_free() + heap_frames(), mapped);
	/* MAP_FIXED over the second page: a new frame there, the first page keeps its own */
	int err;
	paddr_t first = v2p(as, b, &err), second = v2p(as, b + PG, &err);
	ASSERT_EQ(memory_scheme_ops.mmap(&f, as, b + PG, PG, RW, contig | MAP_FIXED, 0, &a), 0);
	EXPECT_EQ(a, b + PG);
	EXPECT_EQ(v2p(as, b, &err), first);
	EXPECT_TRUE(frame_is_free(second));      /* the new run was taken before it went */
	EXPECT_NE(v2p(as, b + PG, &err), second);
	EXPECT_EQ(err, 0);
	EXPECT_EQ(frame_count_free() + heap_frames(), mapped);
	EXPECT_EQ(vm_check_all(), 0);
	addrspace_destroy(as);
	EXPECT_EQ(frame_count_free(), start);
}

/* Fails each allocation of a 64 KiB contiguous mmap at ADDR with FLAGS in turn (the grant node,
 * the split spares, the run, every page table on the way) until it succeeds; checks that each
 * failure leaves no grant, no entry and no frame behind. Returns the allocation count at which
 * it succeeded (0 if it never did). */
static unsigned long contig_oom_walk(uintptr_t addr, unsigned flags)
{
	uint64_t start = frame_count_free();
	struct scheme_file f;
	mem_open("zeroed", O_RDWR, &f);
	int err = -ENOMEM;
	unsigned long n;
	for (n = 1; n < 64 && err == -ENOMEM; n++) {
		struct addrspace *as;
		if (addrspace_create(&as))
			return 0;
		uintptr_t a = 0;
		alloc_inject_nth(n);
		err = memory_scheme_ops.mmap(&f, as, addr, KIB64, RW,
					     MAP_SHARED | MAP_PHYS_CONTIGUOUS | flags, 0, &a);
		alloc_inject_off();
		if (err == -ENOMEM) {
			EXPECT_EQ(grant_count(as), 0);
			EXPECT_EQ(addrspace_resident_pages(as), 0);
		} else {
			EXPECT_EQ(err, 0);
			EXPECT_EQ(addrspace_resident_pages(as), KIB64 / PG);
			if (flags & MAP_FIXED)
				EXPECT_EQ(a, addr);
		}
		EXPECT_EQ(vm_check_all(), 0);
		addrspace_destroy(as);
		EXPECT_EQ(frame_count_free(), start);
	}
	return err ? 0 : n - 1;
}

KTEST(memory_scheme_contiguous_out_of_memory_leaks_nothing)
{
	free_start();
	unsigned long n = contig_oom_walk(0, 0);
	ktest_log("64 KiB contiguous, placed anywhere: succeeded at allocation %lu", n);
	EXPECT_GE(n, 3);                 /* at least the node, the run and one page table */
	/* across a 2 MiB boundary: the second half needs a leaf table of its own, so a failure can
	 * come after the first eight pages are mapped (they are unmapped and freed again) */
	uintptr_t across = 0x40000000u - 8 * PG;
	unsigned long m = contig_oom_walk(across, MAP_FIXED);
	ktest_log("64 KiB contiguous, fixed across 2 MiB: succeeded at allocation %lu", m);
	EXPECT_GE(m, n + 1);             /* the spares come on top, and a second leaf table */
}

KTEST(memory_scheme_zeroed_and_virt_to_phys_rules)
{
	uint64_t start = free_start();
	struct addrspace *as;
	ASSERT_EQ(addrspace_create(&as), 0);
	struct scheme_file f;
	uintptr_t priv = 0, shared = 0;
	ASSERT_EQ(mem_open("zeroed", O_RDWR, &f), 0);
	ASSERT_EQ(mem_mmap(&f, as, 4 * PG, RW, MAP_PRIVATE, 0, &priv), 0);
	ASSERT_EQ(mem_mmap(&f, as, 4 * PG, RW, MAP_SHARED, 8 * PG, &shared), 0);
	EXPECT_EQ(grant_kind_at(as, priv), GRANT_ALLOCATED);
	EXPECT_EQ(grant_kind_at(as, shared), GRANT_ALLOCATED_SHARED);
	/* nothing allocated until touched, like any anonymous memory */
	EXPECT_EQ(addrspace_resident_pages(as), 0);
	int err;
	EXPECT_EQ(v2p(as, priv, &err), ~(paddr_t)0);
	EXPECT_EQ(err, -EINVAL);
	ASSERT_EQ(vm_fault(as, priv, VM_ACCESS_WRITE), 0);
	EXPECT_EQ(v2p(as, priv, &err), ~(paddr_t)0);
	EXPECT_EQ(err, -EINVAL);                 /* private: CoW may move it */
	EXPECT_EQ(v2p(as, shared + PG, &err), ~(paddr_t)0);
	EXPECT_EQ(err, -EFAULT);                 /* shared, not populated yet */
	ASSERT_EQ(vm_fault(as, shared + PG, VM_ACCESS_READ), 0);
	EXPECT_EQ(v2p(as, shared + PG + 7, &err), frame_at(as, shared + PG, NULL) + 7);
	EXPECT_EQ(err, 0);
	EXPECT_EQ(v2p(as, 0, &err), ~(paddr_t)0);
	EXPECT_EQ(err, -EFAULT);
	EXPECT_EQ(v2p(as, arch_mmu_user_top(), &err), ~(paddr_t)0);
	EXPECT_EQ(err, -EFAULT);
	EXPECT_EQ(v2p(as, shared - PG, &err), ~(paddr_t)0);
	EXPECT_EQ(err, -EFAULT);
	/* read-only open: a private writable mapping is fine (a copy), a shared one is not */
	struct scheme_file ro;
	uintptr_t c = 0;
	ASSERT_EQ(mem_open("zeroed", O_RDONLY, &ro), 0);
	EXPECT_EQ(mem_mmap(&ro, as, PG, RW, MAP_PRIVATE, 0, &c), 0);
	EXPECT_EQ(mem_mmap(&ro, as, PG, RW, MAP_SHARED, 0, &c), -EACCES);
	EXPECT_EQ(mem_mmap(&ro, as, PG, PROT_READ, MAP_SHARED, 0, &c), 0);
	EXPECT_EQ(mem_mmap(&f, as, PG, RW, MAP_SHARED, 1, &c), -EINVAL);
	/* MAP_LAZY means nothing for memory: and is not passed on */
	EXPECT_EQ(mem_mmap(&f, as, PG, RW, MAP_SHARED_VALIDATE | MAP_LAZY, 0, &c), 0);
	EXPECT_EQ(vm_check_all(), 0);
	addrspace_destroy(as);
	EXPECT_EQ(frame_count_free(), start);
}
