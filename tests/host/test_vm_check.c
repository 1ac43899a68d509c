/* Host tests of the invariant checker (mm/check.c): each test breaks one invariant behind the
 * VM's back (through the arch contract or pageinfo directly), expects the checker to report
 * it, repairs it and expects the checker clean again. */
#include <string.h>

#include "host_kernel.h"
#include "htest.h"
#include "soft_mmu.h"
#include "vm_env.h"
#include "kernel/errno.h"
#include "mm/check.h"
#include "mm/frame.h"
#include "mm/pageinfo.h"
#include "mm/section.h"
#include "mm/vm.h"
#include "mm/vm_internal.h"

#define PG FRAME_SIZE
#define RW (PROT_READ | PROT_WRITE)
#define PRIV (MAP_PRIVATE | MAP_ANONYMOUS)

/* Expects the checker to report at least one problem whose line contains WHAT. */
#define EXPECT_CAUGHT(what) do { \
	host_console_clear(); \
	EXPECT_GT(vm_check_all(), 0); \
	EXPECT_STRSTR(host_console_text(), what); \
	} while (0)

static struct addrspace *space_with_page(uintptr_t *a, unsigned prot)
{
	struct addrspace *as = vm_env_space();
	if (vm_mmap(as, 0, 4 * PG, RW, PRIV, a) || vm_env_fill(as, *a, PG, 0x12) ||
	    vm_mprotect(as, *a, 4 * PG, prot))
		htest_fail(__FILE__, __LINE__, "set-up failed");
	return as;
}

HTEST(vm_check_catches_refcounts_that_do_not_match_the_entries)
{
	vm_env_default();
	uintptr_t a;
	struct addrspace *as = space_with_page(&a, RW);
	struct pageinfo *pi = pageinfo_of(vm_env_frame(as, a, NULL));
	VM_CHECK_CLEAN();
	pageinfo_get(pi);
	EXPECT_CAUGHT("refcount 2, but 1 entries map it");
	pageinfo_put(pi);
	VM_CHECK_CLEAN();
	/* An entry added without its reference. */
	ASSERT_EQ(arch_mmu_map(&as->mmu, a + PG, vm_env_frame(as, a, NULL), MMU_USER | MMU_READ), 0);
	EXPECT_CAUGHT("refcount 1, but 2 entries map it");
	paddr_t pa;
	ASSERT_TRUE(arch_mmu_unmap(&as->mmu, a + PG, &pa));
	VM_CHECK_CLEAN();
	addrspace_destroy(as);
}

HTEST(vm_check_catches_entries_outside_grants_and_beyond_their_rights)
{
	vm_env_default();
	uintptr_t a;
	struct addrspace *as = space_with_page(&a, PROT_READ);
	paddr_t frame = vm_env_frame(as, a, NULL);
	ASSERT_EQ(vm_frame_ref(frame), 0);
	ASSERT_EQ(arch_mmu_map(&as->mmu, a - PG, frame, MMU_USER | MMU_READ), 0);
	EXPECT_CAUGHT("outside every grant");
	paddr_t pa;
	ASSERT_TRUE(arch_mmu_unmap(&as->mmu, a - PG, &pa));
	vm_frame_unref(pa);
	VM_CHECK_CLEAN();
	arch_mmu_protect(&as->mmu, a, MMU_USER | MMU_READ | MMU_WRITE);
	EXPECT_CAUGHT("exceed allocated grant prot");
	arch_mmu_protect(&as->mmu, a, MMU_READ);
	EXPECT_CAUGHT("user access off");
	arch_mmu_protect(&as->mmu, a, MMU_USER | MMU_READ | MMU_CACHE_UC);
	EXPECT_CAUGHT("cache");
	arch_mmu_protect(&as->mmu, a, MMU_USER | MMU_READ);
	VM_CHECK_CLEAN();
	addrspace_destroy(as);
}

HTEST(vm_check_catches_a_writable_zero_frame_and_a_writable_cow_frame)
{
	vm_env_default();
	struct addrspace *as = vm_env_space(), *child;
	uintptr_t a;
	ASSERT_EQ(vm_mmap(as, 0, 2 * PG, RW, PRIV, &a), 0);
	ASSERT_TRUE(vm_env_all(as, a, 1, 0));
	ASSERT_EQ(vm_env_fill(as, a + PG, 1, 3), 0);
	arch_mmu_protect(&as->mmu, a, MMU_USER | MMU_READ | MMU_WRITE);
	EXPECT_CAUGHT("zero frame");
	arch_mmu_protect(&as->mmu, a, MMU_USER | MMU_READ);
	VM_CHECK_CLEAN();
	ASSERT_EQ(addrspace_fork(as, &child), 0);
	arch_mmu_protect(&child->mmu, a + PG, MMU_USER | MMU_READ | MMU_WRITE);
	EXPECT_CAUGHT("CoW frame");
	arch_mmu_protect(&child->mmu, a + PG, MMU_USER | MMU_READ);
	VM_CHECK_CLEAN();
	addrspace_destroy(child);
	addrspace_destroy(as);
}

HTEST(vm_check_catches_a_free_frame_mapped_and_a_leaked_user_frame)
{
	vm_env_default();
	struct addrspace *as = vm_env_space();
	uintptr_t a;
	ASSERT_EQ(vm_mmap(as, 0, 2 * PG, RW, PRIV, &a), 0);
	ASSERT_EQ(vm_env_fill(as, a + PG, 1, 1), 0);     /* the page tables exist now */
	/* The last frame of RAM: free, and not what the checker's own allocations take. */
	const struct section *sec = &section_table_active()->sections[0];
	paddr_t pa = pfn_to_paddr(sec->base_pfn + sec->count - 1);
	ASSERT_TRUE(frame_is_free(pa));
	ASSERT_EQ(arch_mmu_map(&as->mmu, a, pa, MMU_USER | MMU_READ), 0);
	EXPECT_CAUGHT("of type free is mapped");
	ASSERT_TRUE(arch_mmu_unmap(&as->mmu, a, &pa));
	VM_CHECK_CLEAN();
	ASSERT_EQ(vm_frame_new_zeroed(&pa), 0);
	pageinfo_get(pageinfo_of(pa));
	EXPECT_CAUGHT("refcount 1, but 0 entries map it");
	pageinfo_put(pageinfo_of(pa));
	EXPECT_CAUGHT("without references (leaked)");
	frame_free(pa);
	VM_CHECK_CLEAN();
	addrspace_destroy(as);
}

HTEST(vm_check_catches_a_wrong_shared_bit)
{
	vm_env_default();
	struct addrspace *as = vm_env_space(), *child;
	uintptr_t a, b;
	ASSERT_EQ(vm_mmap(as, 0, PG, RW, MAP_SHARED | MAP_ANONYMOUS, &a), 0);
	ASSERT_EQ(vm_mmap(as, 0, PG, RW, PRIV, &b), 0);
	ASSERT_EQ(vm_env_fill(as, a, 1, 1), 0);
	ASSERT_EQ(vm_env_fill(as, b, 1, 1), 0);
	ASSERT_EQ(addrspace_fork(as, &child), 0);
	struct pageinfo *shared = pageinfo_of(vm_env_frame(as, a, NULL));
	struct pageinfo *cow = pageinfo_of(vm_env_frame(as, b, NULL));
	pageinfo_set_cow(shared);
	EXPECT_CAUGHT("shared bit 0, expected 1");
	pageinfo_set_shared(shared);
	pageinfo_set_shared(cow);
	EXPECT_CAUGHT("shared bit 1, expected 0");
	pageinfo_set_cow(cow);
	VM_CHECK_CLEAN();
	addrspace_destroy(child);
	addrspace_destroy(as);
}

HTEST(vm_check_catches_broken_grant_trees_page_tables_and_device_entries)
{
	vm_env_default();
	struct addrspace *as = vm_env_space();
	uintptr_t a, b, d;
	ASSERT_EQ(vm_mmap(as, 0, PG, RW, PRIV, &a), 0);
	ASSERT_EQ(vm_mmap(as, 0, PG, PROT_READ, PRIV, &b), 0);
	ASSERT_EQ(vm_map_phys(as, 0, 0x20000, PG, RW, MAP_SHARED, MMU_CACHE_UC, &d), 0);
	ASSERT_EQ(vm_env_fill(as, a, 1, 1), 0);
	struct grant *root = as->grants.root;
	root->height += 1;
	EXPECT_CAUGHT("stored height wrong");
	root->height -= 1;
	as->grants.count++;
	EXPECT_CAUGHT("nodes");
	as->grants.count--;
	VM_CHECK_CLEAN();

	struct pageinfo *table = pageinfo_of(as->mmu.root);
	pageinfo_set_type(table, PAGEINFO_ALLOCATED, 0);
	EXPECT_CAUGHT("page table");
	pageinfo_set_type(table, PAGEINFO_PAGE_TABLE, 3);
	as->mmu.table_frames++;
	EXPECT_CAUGHT("page-table frames walked");
	as->mmu.table_frames--;
	VM_CHECK_CLEAN();

	ASSERT_EQ(vm_fault(as, d, VM_ACCESS_READ), 0);
	paddr_t pa;
	ASSERT_TRUE(arch_mmu_unmap(&as->mmu, d, &pa));
	ASSERT_EQ(arch_mmu_map(&as->mmu, d, 0x30000, MMU_USER | MMU_READ | MMU_WRITE | MMU_CACHE_UC), 0);
	EXPECT_CAUGHT("device entry");
	ASSERT_TRUE(arch_mmu_unmap(&as->mmu, d, &pa));
	VM_CHECK_CLEAN();
	addrspace_destroy(as);
}
