/* Host tests of the borrowing providers and of kernel access to address spaces: PhysBorrowed
 * device mappings (the -EPERM rule for owned frames, lazy mapping at base + offset, fork,
 * munmap), External borrows (shared writes both ways, split moving src_base, CoW and zero-frame
 * sources, fork of the source copying borrowed pages, lifetime), vm_space_read/write. */
#include <string.h>

#include "fake_ram.h"
#include "htest.h"
#include "soft_mmu.h"
#include "vm_env.h"
#include "kernel/errno.h"
#include "mm/check.h"
#include "mm/pageinfo.h"
#include "mm/section.h"
#include "mm/vm.h"
#include "mm/vm_internal.h"

#define PG FRAME_SIZE
#define RW (PROT_READ | PROT_WRITE)
#define PRIV (MAP_PRIVATE | MAP_ANONYMOUS)

/* Fake RAM starts at 0 but the allocator owns RAM from 1 MiB: the frames below are "device"
 * memory without a pageinfo that the tests can still read and write. */
#define DEVICE 0x10000

HTEST(vm_phys_borrowed_maps_device_frames_lazily_and_refuses_owned_frames)
{
	vm_env_default();
	uint64_t start = vm_env_free();
	struct addrspace *as = vm_env_space();
	uintptr_t a, out = 0;
	memset(fake_ram_ptr(DEVICE), 0xd5, 4 * PG);
	paddr_t owned = pfn_to_paddr(section_table_active()->sections[0].base_pfn);
	EXPECT_EQ(vm_map_phys(as, 0, owned, PG, RW, MAP_SHARED, MMU_CACHE_UC, &out), -EPERM);
	EXPECT_EQ(vm_map_phys(as, 0, vm_zero_frame(), PG, PROT_READ, MAP_SHARED, 0, &out), -EPERM);
	/* The frame metadata at 1 MiB has no pageinfo but is RAM: refused too. */
	EXPECT_EQ(pageinfo_of(MiB(1)), NULL);
	EXPECT_EQ(vm_map_phys(as, 0, MiB(1), PG, RW, MAP_SHARED, MMU_CACHE_UC, &out), -EPERM);
	EXPECT_EQ(vm_map_phys(as, 0, MiB(1) - PG, 2 * PG, RW, MAP_SHARED, MMU_CACHE_UC, &out),
		  -EPERM);                                   /* the second frame is RAM */
	EXPECT_EQ(vm_map_phys(as, 0, DEVICE + 1, PG, RW, MAP_SHARED, MMU_CACHE_UC, &out), -EINVAL);
	EXPECT_EQ(vm_map_phys(as, 0, DEVICE, PG, RW, MAP_SHARED, MMU_CACHE_MASK, &out), -EINVAL);
	EXPECT_EQ(vm_map_phys(as, 0, PHYS_LIMIT - PG, 2 * PG, RW, MAP_SHARED, 0, &out), -EINVAL);
	EXPECT_EQ(out, 0);
	EXPECT_EQ(as->grants.count, 0);

	ASSERT_EQ(vm_map_phys(as, 0, DEVICE, 4 * PG, RW, MAP_SHARED, MMU_CACHE_UC, &a), 0);
	EXPECT_EQ(addrspace_resident_pages(as), 0);
	EXPECT_TRUE(vm_env_all(as, a + 2 * PG, PG, 0xd5));
	unsigned flags;
	EXPECT_EQ(vm_env_frame(as, a + 2 * PG, &flags), DEVICE + 2 * PG);
	EXPECT_EQ(flags & MMU_CACHE_MASK, MMU_CACHE_UC);
	ASSERT_EQ(vm_env_fill(as, a + 3 * PG, 8, 0x11), 0);
	EXPECT_EQ(*(uint8_t *)fake_ram_ptr(DEVICE + 3 * PG), 0x11);
	VM_CHECK_CLEAN();

	struct addrspace *child;
	ASSERT_EQ(addrspace_fork(as, &child), 0);
	EXPECT_EQ(vm_env_frame(child, a + 3 * PG, NULL), DEVICE + 3 * PG);
	ASSERT_EQ(vm_env_fill(child, a + 3 * PG, 8, 0x12), 0);
	EXPECT_TRUE(vm_env_all(as, a + 3 * PG, 8, 0x12));       /* device memory is shared */
	/* Splitting moves the base of the second half. */
	ASSERT_EQ(vm_munmap(child, a + PG, PG), 0);
	ASSERT_EQ(child->grants.count, 2);
	EXPECT_EQ(grant_tree_last(&child->grants)->provider.phys_borrowed.base, DEVICE + 2 * PG);
	EXPECT_TRUE(vm_env_all(child, a + 2 * PG, PG, 0xd5));
	VM_CHECK_CLEAN();
	addrspace_destroy(child);
	addrspace_destroy(as);
	EXPECT_EQ(vm_env_free(), start);
}

HTEST(vm_external_borrow_shares_writes_both_ways_and_split_moves_src_base)
{
	vm_env_default();
	uint64_t start = vm_env_free();
	struct addrspace *src = vm_env_space(), *dst = vm_env_space();
	uintptr_t s, d;
	ASSERT_EQ(vm_mmap(src, 0, 8 * PG, RW, PRIV, &s), 0);
	for (int i = 0; i < 8; i++)
		ASSERT_EQ(vm_env_fill(src, s + i * PG, PG, (uint8_t)(0x30 + i)), 0);
	ASSERT_EQ(vm_borrow(dst, 0, 4 * PG, RW, 0, src, s + 2 * PG, &d), 0);
	ASSERT_EQ(dst->grants.count, 1);
	struct grant *g = grant_tree_first(&dst->grants);
	EXPECT_EQ(g->provider.kind, GRANT_EXTERNAL);
	EXPECT_EQ((uintptr_t)g->provider.external.address_space, (uintptr_t)src);
	EXPECT_EQ(g->provider.external.src_base, s + 2 * PG);
	EXPECT_EQ(addrspace_resident_pages(dst), 4);             /* mapped eagerly */
	for (int i = 0; i < 4; i++) {
		EXPECT_EQ(vm_env_frame(dst, d + i * PG, NULL), vm_env_frame(src, s + (2 + i) * PG, NULL));
		EXPECT_EQ(vm_env_refcount(dst, d + i * PG), 2);
		EXPECT_TRUE(vm_env_all(dst, d + i * PG, PG, (uint8_t)(0x32 + i)));
	}
	ASSERT_EQ(vm_env_fill(dst, d, 8, 0x99), 0);
	EXPECT_TRUE(vm_env_all(src, s + 2 * PG, 8, 0x99));
	ASSERT_EQ(vm_env_fill(src, s + 5 * PG, 8, 0x98), 0);
	EXPECT_TRUE(vm_env_all(dst, d + 3 * PG, 8, 0x98));
	VM_CHECK_CLEAN();

	/* munmap the second page of the borrow: the last part's src_base moves by two pages. */
	ASSERT_EQ(vm_munmap(dst, d + PG, PG), 0);
	ASSERT_EQ(dst->grants.count, 2);
	struct grant *lo = grant_tree_first(&dst->grants), *hi = grant_tree_last(&dst->grants);
	EXPECT_EQ(lo->provider.external.src_base, s + 2 * PG);
	EXPECT_EQ(lo->pages, 1);
	EXPECT_EQ(hi->start, d + 2 * PG);
	EXPECT_EQ(hi->provider.external.src_base, s + 4 * PG);
	EXPECT_EQ(atomic_load(&src->refcount), 3);               /* owner + two grants */
	EXPECT_TRUE(vm_env_all(dst, d + 2 * PG, PG, 0x34));
	ASSERT_EQ(vm_env_fill(src, s + 4 * PG, 8, 0x97), 0);
	EXPECT_TRUE(vm_env_all(dst, d + 2 * PG, 8, 0x97));
	VM_CHECK_CLEAN();

	/* The source goes first: the borrower keeps its frames, and then lets the struct go. */
	addrspace_destroy(src);
	EXPECT_TRUE(vm_env_all(dst, d + 3 * PG, 8, 0x98));
	VM_CHECK_CLEAN();
	addrspace_destroy(dst);
	EXPECT_EQ(vm_env_free(), start);
}

HTEST(vm_external_borrow_of_cow_and_zero_frame_pages_gives_the_source_its_own_frame)
{
	vm_env_default();
	struct addrspace *src = vm_env_space(), *dst = vm_env_space(), *child;
	uintptr_t s, d;
	ASSERT_EQ(vm_mmap(src, 0, 3 * PG, RW, PRIV, &s), 0);
	ASSERT_EQ(vm_env_fill(src, s, PG, 0x51), 0);            /* page 0: own frame */
	ASSERT_TRUE(vm_env_all(src, s + PG, PG, 0));            /* page 1: zero frame */
	ASSERT_EQ(addrspace_fork(src, &child), 0);              /* page 0 is CoW now */
	paddr_t cow = vm_env_frame(src, s, NULL);
	ASSERT_EQ(vm_borrow(dst, 0, 3 * PG, PROT_READ, 0, src, s, &d), 0);
	EXPECT_NE(vm_env_frame(src, s, NULL), cow);             /* CoW broken for the borrow */
	EXPECT_EQ(vm_env_frame(child, s, NULL), cow);
	EXPECT_NE(vm_env_frame(src, s + PG, NULL), vm_zero_frame());
	EXPECT_EQ(vm_env_frame(dst, d + PG, NULL), vm_env_frame(src, s + PG, NULL));
	EXPECT_EQ(addrspace_resident_pages(src), 3);            /* page 2 populated too */
	ASSERT_EQ(vm_env_fill(src, s + PG, 8, 0x52), 0);
	EXPECT_TRUE(vm_env_all(dst, d + PG, 8, 0x52));
	EXPECT_TRUE(vm_env_all(child, s + PG, PG, 0));
	EXPECT_EQ(soft_user_write8(dst, d, 1), -EFAULT);        /* borrowed read-only */
	EXPECT_EQ(vm_mprotect(dst, d, PG, RW), -EACCES);
	VM_CHECK_CLEAN();
	addrspace_destroy(child);
	addrspace_destroy(dst);
	addrspace_destroy(src);
}

HTEST(vm_fork_of_a_borrowed_source_copies_the_borrowed_pages_for_the_child)
{
	vm_env_default();
	struct addrspace *src = vm_env_space(), *dst = vm_env_space(), *child;
	uintptr_t s, d;
	ASSERT_EQ(vm_mmap(src, 0, 2 * PG, RW, PRIV, &s), 0);
	ASSERT_EQ(vm_env_fill(src, s, 2 * PG, 0x61), 0);
	ASSERT_EQ(vm_borrow(dst, 0, PG, RW, 0, src, s, &d), 0);
	uint64_t f = vm_env_free();
	unsigned long heap = vm_env_heap_frames();
	ASSERT_EQ(addrspace_fork(src, &child), 0);
	/* Page 0 (borrowed) was copied for the child; page 1 is CoW. */
	EXPECT_EQ(f - vm_env_free(), 1 + child->mmu.table_frames + (vm_env_heap_frames() - heap));
	EXPECT_NE(vm_env_frame(child, s, NULL), vm_env_frame(src, s, NULL));
	EXPECT_EQ(vm_env_frame(child, s + PG, NULL), vm_env_frame(src, s + PG, NULL));
	unsigned flags;
	vm_env_frame(src, s, &flags);
	EXPECT_TRUE(flags & MMU_WRITE);                          /* still shared with dst */
	ASSERT_EQ(vm_env_fill(src, s, 8, 0x62), 0);
	EXPECT_TRUE(vm_env_all(dst, d, 8, 0x62));
	EXPECT_TRUE(vm_env_all(child, s, PG, 0x61));
	VM_CHECK_CLEAN();
	/* The borrow goes; the stale shared bit at count 1 does not stop a later CoW fork. */
	addrspace_destroy(dst);
	struct addrspace *child2;
	ASSERT_EQ(addrspace_fork(src, &child2), 0);
	EXPECT_EQ(vm_env_frame(child2, s, NULL), vm_env_frame(src, s, NULL));
	EXPECT_FALSE(pageinfo_is_shared(pageinfo_of(vm_env_frame(src, s, NULL))));
	VM_CHECK_CLEAN();
	addrspace_destroy(child2);
	addrspace_destroy(child);
	addrspace_destroy(src);
}

HTEST(vm_borrow_errors_change_nothing)
{
	vm_env_default();
	struct addrspace *src = vm_env_space(), *dst = vm_env_space();
	uintptr_t s, d, out = 0;
	ASSERT_EQ(vm_mmap(src, 0, 2 * PG, PROT_READ, PRIV, &s), 0);
	ASSERT_EQ(vm_mmap(dst, 0, PG, RW, PRIV, &d), 0);
	uintptr_t phys;
	ASSERT_EQ(vm_map_phys(src, 0, DEVICE, PG, RW, MAP_SHARED, MMU_CACHE_UC, &phys), 0);
	EXPECT_EQ(vm_borrow(dst, 0, 0, PROT_READ, 0, src, s, &out), -EINVAL);
	EXPECT_EQ(vm_borrow(dst, 0, PG, PROT_READ, 0, src, s + 1, &out), -EINVAL);
	EXPECT_EQ(vm_borrow(dst, 0, 3 * PG, PROT_READ, 0, src, s, &out), -EFAULT);
	EXPECT_EQ(vm_borrow(dst, 0, PG, PROT_READ, 0, src, s - 8 * PG, &out), -EFAULT);
	EXPECT_EQ(vm_borrow(dst, 0, PG, RW, 0, src, s, &out), -EACCES);
	EXPECT_EQ(vm_borrow(dst, 0, PG, PROT_READ, 0, src, phys, &out), -EINVAL);
	EXPECT_EQ(vm_borrow(dst, d, PG, PROT_READ, MAP_FIXED, src, s, &out), -EEXIST);
	EXPECT_EQ(out, 0);
	EXPECT_EQ(dst->grants.count, 1);
	EXPECT_EQ(addrspace_resident_pages(src), 0);
	EXPECT_EQ(atomic_load(&src->refcount), 1);
	VM_CHECK_CLEAN();
	addrspace_destroy(dst);
	addrspace_destroy(src);
}

HTEST(vm_space_write_and_read_work_through_kmap_whatever_the_protection)
{
	/* RAM beyond the direct map (i686-like), so the frames go through kmap slots. */
	vm_env_machine(32, MiB(1) + 128 * 1024);
	struct addrspace *as = vm_env_space();
	uintptr_t a, b, junk;
	ASSERT_EQ(vm_mmap(as, 0, 64 * PG, RW, PRIV, &junk), 0);
	ASSERT_EQ(vm_env_fill(as, junk, 64 * PG, 1), 0);
	/* User frames come from outside the direct map first (FRAME_HIGH). */
	EXPECT_FALSE(arch_phys_in_direct_map(vm_env_frame(as, junk, NULL)));
	ASSERT_EQ(vm_mmap(as, 0, 3 * PG, PROT_READ | PROT_EXEC, PRIV, &a), 0);
	char text[] = "a program loaded by the kernel, across a page boundary";
	ASSERT_EQ(vm_space_write(as, a + PG - 10, text, sizeof(text)), 0);
	unsigned flags;
	vm_env_frame(as, a, &flags);
	EXPECT_FALSE(flags & MMU_WRITE);
	EXPECT_TRUE(flags & MMU_EXEC);
	char back[sizeof(text)];
	ASSERT_EQ(soft_user_read(as, a + PG - 10, back, sizeof(back)), 0);
	EXPECT_EQ(memcmp(back, text, sizeof(text)), 0);
	memset(back, 0, sizeof(back));
	ASSERT_EQ(vm_space_read(as, a + PG - 10, back, sizeof(back)), 0);
	EXPECT_EQ(memcmp(back, text, sizeof(text)), 0);
	EXPECT_GT(fake_ram_high_kmaps(), 0);
	/* An unpopulated page reads as zeroes and stays unpopulated. */
	char z[16] = { 1 };
	ASSERT_EQ(vm_space_read(as, a + 2 * PG + 100, z, sizeof(z)), 0);
	EXPECT_EQ(z[0], 0);
	EXPECT_EQ(z[15], 0);
	EXPECT_EQ(vm_env_frame(as, a + 2 * PG, NULL), ~(paddr_t)0);
	EXPECT_EQ(vm_space_write(as, a - PG, text, 1), -EFAULT);
	EXPECT_EQ(vm_space_read(as, a - 1, z, 2), -EFAULT);
	/* A CoW page is copied by the kernel write, like a write fault would. */
	ASSERT_EQ(vm_mmap(as, 0, PG, RW, PRIV, &b), 0);
	ASSERT_EQ(vm_env_fill(as, b, PG, 0x44), 0);
	struct addrspace *child;
	ASSERT_EQ(addrspace_fork(as, &child), 0);
	ASSERT_EQ(vm_space_write(child, b, "x", 1), 0);
	EXPECT_TRUE(vm_env_all(as, b, 1, 0x44));
	EXPECT_TRUE(vm_env_all(child, b, 1, 'x'));
	VM_CHECK_CLEAN();
	addrspace_destroy(child);
	addrspace_destroy(as);
}

HTEST(vm_device_memory_is_never_executable)
{
	vm_env_default();
	struct addrspace *as = vm_env_space();
	uintptr_t uc, wc;
	ASSERT_EQ(vm_map_phys(as, 0, DEVICE, PG, PROT_READ | PROT_EXEC, MAP_SHARED, MMU_CACHE_UC,
			      &uc), 0);
	ASSERT_EQ(vm_map_phys(as, 0, DEVICE + PG, PG, PROT_READ | PROT_EXEC, MAP_SHARED,
			      MMU_CACHE_WC, &wc), 0);
	EXPECT_EQ(soft_user_exec(as, uc), -EFAULT);
	EXPECT_EQ(vm_fault(as, uc, VM_ACCESS_EXEC), -EFAULT);
	uint8_t v;
	EXPECT_EQ(soft_user_read8(as, uc, &v), 0);
	unsigned flags;
	vm_env_frame(as, uc, &flags);
	EXPECT_FALSE(flags & MMU_EXEC);
	EXPECT_EQ(soft_user_exec(as, wc), 0);           /* write-combining is normal memory */
	VM_CHECK_CLEAN();
	addrspace_destroy(as);
}
