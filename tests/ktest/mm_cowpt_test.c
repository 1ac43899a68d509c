/* Self-tests of the page-table refcounts and of copy-on-write page tables (COW_PT, mm/fork.c,
 * arch/<arch>/mmu_share.c) on the real MMU: the exact frames a fork and a first write cost, the
 * data both sides see, unsharing by munmap and mprotect, exit in either order, and the invariant
 * checker's page-table refcount check (which must be able to fail). */
#include "kernel/ktest.h"
#include "kernel/errno.h"
#include "kernel/string.h"
#include "mm/addrspace.h"
#include "mm/check.h"
#include "mm/frame.h"
#include "mm/kheap.h"
#include "mm/pageinfo.h"
#include "mm/section.h"
#include "mm/vm.h"
#include "mm/vm_internal.h"

#define PG     FRAME_SIZE
#define SPAN   MMU_SHARE_SPAN
#define RW     (PROT_READ | PROT_WRITE)
#define PRIV   (MAP_PRIVATE | MAP_ANONYMOUS)
#define BASE   ((uintptr_t)1 << 30)          /* 1 GiB: a leaf-table boundary on every arch */
#define SPANS  8u                           /* a 16 MiB region: 8 leaf tables */

/* The upper tables a space has for a region inside one 1 GiB (the root included): x86_64 PML4 +
 * PDPT + PD; i686 the PDPT and its three page directories (made with the space); aarch64 L0 +
 * L1 + L2. What a fork of such a space allocates for page tables, however much is mapped. */
#if defined(ARCH_i686)
#define UPPER_TABLES 4u
#else
#define UPPER_TABLES 3u
#endif

/* The free count with the zero frame already allocated (it is never given back). */
static uint64_t free_start(void)
{
	vm_zero_frame_init();
	return frame_count_free();
}

/* The byte page I of the region holds in the parent. */
static uint8_t byte_of(size_t i)
{
	return (uint8_t)(0x40 + i * 7);
}

/* Returns the byte at VA of AS, or 0xee when it cannot be read. */
static uint8_t byte_at(struct addrspace *as, uintptr_t va)
{
	uint8_t b = 0xee;
	vm_space_read(as, va, &b, 1);
	return b;
}

static uint32_t table_refs(struct addrspace *as, uintptr_t va, bool *shared)
{
	paddr_t t = arch_mmu_leaf_table(&as->mmu, va, shared);
	struct pageinfo *pi = pageinfo_of(t);
	return pi ? pageinfo_refcount(pi) : 0;
}

/* A parent with SPANS leaf tables of written private pages at BASE. */
static struct addrspace *populated_parent(void)
{
	struct addrspace *as;
	if (addrspace_create(&as))
		return NULL;
	uintptr_t a;
	if (vm_mmap(as, BASE, SPANS * SPAN, RW, PRIV | MAP_FIXED, &a) || a != BASE)
		return as;
	for (size_t i = 0; i < SPANS * SPAN / PG; i++) {
		uint8_t b = byte_of(i);
		if (vm_space_write(as, BASE + i * PG, &b, 1))
			break;
	}
	return as;
}

#if COW_PT
static unsigned long heap_frames(void)
{
	struct kheap_stats st;
	kheap_get_stats(&st);
	return st.frames;
}

/* Fork cost, first-write cost, data and frees; CHILD_FIRST picks which side exits first. */
static void fork_cycle(bool child_first)
{
	uint64_t start = free_start();
	struct addrspace *parent = populated_parent(), *child;
	ASSERT_TRUE(parent != NULL);
	EXPECT_EQ(addrspace_resident_pages(parent), SPANS * SPAN / PG);
	EXPECT_EQ(parent->mmu.table_frames, UPPER_TABLES + SPANS);

	uint64_t before = frame_count_free();
	unsigned long heap_before = heap_frames();
	ASSERT_EQ(addrspace_fork(parent, &child), 0);
	/* Exactly the child's upper tables: no leaf table, no page, no entry copied. */
	EXPECT_EQ(before - frame_count_free(), UPPER_TABLES + (heap_frames() - heap_before));
	EXPECT_EQ(child->mmu.table_frames, UPPER_TABLES + SPANS);   /* 8 of them shared */
	for (unsigned s = 0; s < SPANS; s++) {
		bool ps, cs;
		EXPECT_EQ(table_refs(parent, BASE + s * SPAN, &ps), 2);
		EXPECT_EQ(arch_mmu_leaf_table(&child->mmu, BASE + s * SPAN, &cs),
			  arch_mmu_leaf_table(&parent->mmu, BASE + s * SPAN, &ps));
		EXPECT_TRUE(ps && cs);
	}
	paddr_t pa;
	ASSERT_TRUE(arch_mmu_query(&parent->mmu, BASE, &pa, NULL));
	EXPECT_EQ(pageinfo_refcount(pageinfo_of(pa)), 1);          /* no frame count touched */
	EXPECT_EQ(vm_check_all(), 0);

	/* The child's first write: one table copy and one page copy, nothing else. */
	uintptr_t va = BASE + 3 * SPAN + 5 * PG;
	size_t page = (va - BASE) / PG;
	uint8_t b = 0xc1;
	before = frame_count_free();
	ASSERT_EQ(vm_space_write(child, va, &b, 1), 0);
	EXPECT_EQ(before - frame_count_free(), 2);
	bool shared;
	EXPECT_EQ(table_refs(child, va, &shared), 1);
	EXPECT_FALSE(shared);
	EXPECT_EQ(table_refs(parent, va, &shared), 1);             /* the parent's alone now */
	EXPECT_TRUE(shared);                                       /* until it writes there */
	/* The parent writes the same page: its table is its own (no copy), so is the page. */
	b = 0xa1;
	before = frame_count_free();
	ASSERT_EQ(vm_space_write(parent, va, &b, 1), 0);
	EXPECT_EQ(before - frame_count_free(), 0);
	EXPECT_EQ(table_refs(parent, va, &shared), 1);
	EXPECT_FALSE(shared);
	/* The parent writes under a table still shared: a table and a page again. */
	uintptr_t vb = BASE + 6 * SPAN;
	b = 0xa2;
	before = frame_count_free();
	ASSERT_EQ(vm_space_write(parent, vb, &b, 1), 0);
	EXPECT_EQ(before - frame_count_free(), 2);
	EXPECT_EQ(vm_check_all(), 0);

	EXPECT_EQ(byte_at(child, va), 0xc1);
	EXPECT_EQ(byte_at(parent, va), 0xa1);
	EXPECT_EQ(byte_at(child, vb), byte_of((vb - BASE) / PG));
	EXPECT_EQ(byte_at(parent, vb), 0xa2);
	EXPECT_EQ(byte_at(child, va + PG), byte_of(page + 1));
	EXPECT_EQ(byte_at(parent, BASE + 7 * SPAN + 9 * PG), byte_of(7 * SPAN / PG + 9));
	EXPECT_EQ(byte_at(child, BASE + 7 * SPAN + 9 * PG), byte_of(7 * SPAN / PG + 9));

	addrspace_destroy(child_first ? child : parent);
	EXPECT_EQ(vm_check_all(), 0);
	struct addrspace *left = child_first ? parent : child;
	EXPECT_EQ(byte_at(left, BASE + 2 * SPAN + 3 * PG), byte_of(2 * SPAN / PG + 3));
	EXPECT_EQ(byte_at(left, va), child_first ? 0xa1 : 0xc1);
	addrspace_destroy(left);
	EXPECT_EQ(frame_count_free(), start);
}

KTEST(mm_cowpt_fork_costs_upper_tables_and_a_write_one_table_child_exits_first)
{
	fork_cycle(true);
}

KTEST(mm_cowpt_fork_costs_upper_tables_and_a_write_one_table_parent_exits_first)
{
	fork_cycle(false);
}

KTEST(mm_cowpt_munmap_and_mprotect_under_shared_tables)
{
	uint64_t start = free_start();
	struct addrspace *parent = populated_parent(), *child;
	ASSERT_TRUE(parent != NULL);
	ASSERT_EQ(addrspace_fork(parent, &child), 0);
	/* munmap [1.5 spans, 4.5 spans) in the parent: the two edge tables are copied, the two
	 * wholly inside are detached (the child keeps them), nothing is freed yet. */
	uint64_t before = frame_count_free();
	ASSERT_EQ(vm_munmap(parent, BASE + SPAN + SPAN / 2, 3 * SPAN), 0);
	EXPECT_EQ(before - frame_count_free(), 2);
	bool shared;
	EXPECT_EQ(table_refs(child, BASE + 2 * SPAN, &shared), 1);
	EXPECT_TRUE(shared);
	EXPECT_EQ(vm_check_all(), 0);
	/* mprotect read-only over a shared span of the child: that table is copied. */
	before = frame_count_free();
	ASSERT_EQ(vm_mprotect(child, BASE + 6 * SPAN, SPAN, PROT_READ), 0);
	EXPECT_EQ(before - frame_count_free(), 1);
	unsigned f = 0;
	EXPECT_TRUE(arch_mmu_query(&child->mmu, BASE + 6 * SPAN, NULL, &f));
	EXPECT_FALSE(f & MMU_WRITE);
	EXPECT_EQ(table_refs(child, BASE + 6 * SPAN, &shared), 1);
	EXPECT_FALSE(shared);
	EXPECT_EQ(vm_check_all(), 0);
	EXPECT_EQ(byte_at(child, BASE + 2 * SPAN), byte_of(2 * SPAN / PG));
	EXPECT_EQ(byte_at(child, BASE + 6 * SPAN + PG), byte_of(6 * SPAN / PG + 1));
	EXPECT_EQ(byte_at(parent, BASE + SPAN + SPAN / 2), 0xee);    /* unmapped */
	EXPECT_EQ(byte_at(parent, BASE + 5 * SPAN), byte_of(5 * SPAN / PG));
	/* A fork of the child shares its still-shared tables a third time. */
	struct addrspace *grandchild;
	ASSERT_EQ(addrspace_fork(child, &grandchild), 0);
	EXPECT_EQ(table_refs(child, BASE, &shared), 3);
	EXPECT_EQ(vm_check_all(), 0);
	addrspace_destroy(child);
	addrspace_destroy(parent);
	EXPECT_EQ(vm_check_all(), 0);
	EXPECT_EQ(byte_at(grandchild, BASE + 3 * SPAN), byte_of(3 * SPAN / PG));
	addrspace_destroy(grandchild);
	EXPECT_EQ(frame_count_free(), start);
}

/* A leaf table holding shared anonymous memory next to private pages is shared too: the fork
 * costs no leaf table; a write to the shared page (either side) unshares the table, then maps
 * the object's frame writable again (no page copy), and both sides see each other's writes. */
KTEST(mm_cowpt_table_with_a_shared_page_is_shared_and_the_page_stays_shared)
{
	uint64_t start = free_start();
	struct addrspace *parent, *child;
	ASSERT_EQ(addrspace_create(&parent), 0);
	uintptr_t a, s;
	ASSERT_EQ(vm_mmap(parent, BASE, 4 * PG, RW, PRIV | MAP_FIXED, &a), 0);
	ASSERT_EQ(vm_mmap(parent, BASE + 8 * PG, PG, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED,
			  &s), 0);
	for (size_t i = 0; i < 4; i++) {
		uint8_t b = byte_of(i);
		ASSERT_EQ(vm_space_write(parent, BASE + i * PG, &b, 1), 0);
	}
	uint8_t b = 0x51;
	ASSERT_EQ(vm_space_write(parent, s, &b, 1), 0);
	EXPECT_EQ(parent->mmu.table_frames, UPPER_TABLES + 1);

	uint64_t before = frame_count_free();
	unsigned long heap_before = heap_frames();
	ASSERT_EQ(addrspace_fork(parent, &child), 0);
	EXPECT_EQ(before - frame_count_free(), UPPER_TABLES + (heap_frames() - heap_before));
	bool ps, cs;
	EXPECT_EQ(table_refs(parent, s, &ps), 2);
	EXPECT_EQ(table_refs(child, s, &cs), 2);
	EXPECT_TRUE(ps && cs);
	EXPECT_EQ(byte_at(child, s), 0x51);                      /* through the shared table */
	EXPECT_EQ(vm_check_all(), 0);

	/* The child writes the shared page: its table is copied, the page is not. */
	b = 0x52;
	before = frame_count_free();
	ASSERT_EQ(vm_space_write(child, s, &b, 1), 0);
	EXPECT_EQ(before - frame_count_free(), 1);
	EXPECT_EQ(byte_at(parent, s), 0x52);
	unsigned f = 0;
	paddr_t cpa, ppa;
	ASSERT_TRUE(arch_mmu_query(&child->mmu, s, &cpa, &f));
	EXPECT_TRUE(f & MMU_WRITE);
	EXPECT_EQ(vm_check_all(), 0);
	/* The parent writes it: its table is its own by now (no copy), the same frame. */
	b = 0x53;
	before = frame_count_free();
	ASSERT_EQ(vm_space_write(parent, s, &b, 1), 0);
	EXPECT_EQ(before - frame_count_free(), 0);
	ASSERT_TRUE(arch_mmu_query(&parent->mmu, s, &ppa, NULL));
	EXPECT_EQ(ppa, cpa);
	EXPECT_EQ(byte_at(child, s), 0x53);
	/* The private pages stayed copy-on-write. */
	b = 0x54;
	ASSERT_EQ(vm_space_write(child, BASE + PG, &b, 1), 0);
	EXPECT_EQ(byte_at(parent, BASE + PG), byte_of(1));
	EXPECT_EQ(byte_at(child, BASE + 2 * PG), byte_of(2));
	EXPECT_EQ(vm_check_all(), 0);
	addrspace_destroy(parent);
	EXPECT_EQ(byte_at(child, s), 0x53);
	addrspace_destroy(child);
	EXPECT_EQ(frame_count_free(), start);
}
#else
KTEST(mm_cowpt_off_fork_copies_entries)
{
	uint64_t start = free_start();
	struct addrspace *parent = populated_parent(), *child;
	ASSERT_TRUE(parent != NULL);
	ASSERT_EQ(addrspace_fork(parent, &child), 0);
	bool shared;
	EXPECT_EQ(table_refs(child, BASE, &shared), 1);
	EXPECT_FALSE(shared);
	EXPECT_EQ(child->mmu.table_frames, UPPER_TABLES + SPANS);
	EXPECT_EQ(vm_check_all(), 0);
	addrspace_destroy(parent);
	EXPECT_EQ(byte_at(child, BASE + SPAN), byte_of(SPAN / PG));
	addrspace_destroy(child);
	EXPECT_EQ(frame_count_free(), start);
}
#endif

KTEST(mm_cowpt_checker_catches_a_wrong_page_table_refcount)
{
	uint64_t start = free_start();
	struct addrspace *as;
	ASSERT_EQ(addrspace_create(&as), 0);
	uintptr_t a;
	ASSERT_EQ(vm_mmap(as, BASE, PG, RW, PRIV | MAP_FIXED, &a), 0);
	ASSERT_EQ(vm_fault(as, a, VM_ACCESS_WRITE), 0);
	bool shared;
	struct pageinfo *pi = pageinfo_of(arch_mmu_leaf_table(&as->mmu, a, &shared));
	ASSERT_TRUE(pi != NULL);
	EXPECT_EQ(pageinfo_refcount(pi), 1);
	EXPECT_EQ(vm_check_all(), 0);
	/* One reference too many: the count disagrees with the one upper entry, and a table with
	 * two references must only be reached through read-only entries. */
	pageinfo_get(pi);
	EXPECT_EQ(vm_check_all(), 2);
	EXPECT_FALSE(pageinfo_put(pi));
	/* One too few (0, without freeing it). */
	EXPECT_TRUE(pageinfo_put(pi));
	EXPECT_EQ(vm_check_all(), 1);
	pageinfo_get(pi);
	EXPECT_EQ(vm_check_all(), 0);
	addrspace_destroy(as);
	EXPECT_EQ(frame_count_free(), start);
}
