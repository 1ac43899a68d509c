/* Self-tests of the aarch64 user page tables (mmu_space.c, tlb.c): exact descriptors for each
 * MMU_* combination, query/protect/unmap round trips, table accounting and frame counts, walks,
 * -ENOMEM with nothing changed, ASIDs in TTBR0, and TLB flushes that the emulated TLB really
 * needs (TCG caches translations until told otherwise). */
#include "kernel/ktest.h"
#include "kernel/errno.h"
#include "kernel/string.h"
#include "kernel/panic.h"
#include "mm/frame.h"
#include "mm/section.h"
#include "mm/alloc_inject.h"
#include "arch/aarch64/mmu.h"
#include "arch/aarch64/cpu.h"
#include "arch/aarch64/memlayout.h"

#define UVA        0x400000ul
#define SW_USER    (1ul << 56)

/* Reads the L3 descriptor for VA straight from the tables (0 when a table is missing). */
static pte_t raw_entry(const struct mmu_space *s, uintptr_t va)
{
	pte_t *t = (pte_t *)(DIRECT_MAP_BASE + s->root);
	for (unsigned hw = 0; hw < 3; hw++) {
		pte_t e = t[(va >> (39 - 9 * hw)) & 511];
		if ((e & 3) != 3)
			return 0;
		t = (pte_t *)(DIRECT_MAP_BASE + (e & PTE_ADDR_MASK));
	}
	return t[(va >> 12) & 511];
}

/* The AF / DBM part of a fresh write-back descriptor, as the CPU's features decide it. */
static pte_t fresh_state(bool writable)
{
	pte_t d = aarch64_cpu.hw_access_flag ? 0 : PTE_AF;
	if (writable && aarch64_cpu.hw_dirty)
		d |= PTE_AP_RO | PTE_DBM;
	return d;
}

/* The same for Device and non-cacheable pages: never DBM. */
static pte_t fresh_state_uncached(void)
{
	return aarch64_cpu.hw_access_flag ? 0 : PTE_AF;
}

/* The MMU_ACCESSED / MMU_DIRTY a fresh write-back mapping reports. */
static unsigned fresh_flags(bool writable)
{
	unsigned f = aarch64_cpu.hw_access_flag ? 0 : MMU_ACCESSED;
	if (writable && !aarch64_cpu.hw_dirty)
		f |= MMU_DIRTY;
	return f;
}

static paddr_t test_frame(uint8_t fill)
{
	paddr_t pa = 0;
	kassert(frame_alloc(&pa) == 0);
	memset((void *)(DIRECT_MAP_BASE + pa), fill, PAGE_SIZE);
	return pa;
}

#define PTE_USER_BASE (PTE_PAGE | PTE_SH_INNER | PTE_NG | PTE_PXN | SW_USER)

KTEST(aarch64_mmu_map_user_rw_wb_exact_descriptor)
{
	struct mmu_space s;
	ASSERT_EQ(arch_mmu_space_create(&s), 0);
	EXPECT_EQ(s.table_frames, 1);
	paddr_t pa = test_frame(0), got = 0;
	unsigned flags = 0;

	ASSERT_EQ(arch_mmu_map(&s, UVA, pa, MMU_USER | MMU_READ | MMU_WRITE | MMU_CACHE_WB), 0);
	EXPECT_EQ(s.table_frames, 4);
	pte_t d = raw_entry(&s, UVA);
	EXPECT_EQ(d, pa | PTE_USER_BASE | PTE_ATTR_IDX(MAIR_IDX_NORMAL_WB) | PTE_AP_EL0 | PTE_UXN |
		     fresh_state(true));
	EXPECT_EQ(d & PTE_ADDR_MASK, pa);
	EXPECT_EQ((d >> 2) & 7, 3);                       /* AttrIndx: MAIR slot 3 = 0xff */
	EXPECT_EQ((read_sysreg(mair_el1) >> 24) & 0xff, 0xff);
	/* the L0 entry is a table entry with PXNTable */
	pte_t l0 = ((pte_t *)(DIRECT_MAP_BASE + s.root))[0];
	EXPECT_EQ(l0 & ~PTE_ADDR_MASK, PTE_TABLE | PTE_PXN_TABLE);

	EXPECT_TRUE(arch_mmu_query(&s, UVA + 0x123, &got, &flags));
	EXPECT_EQ(got, pa);
	EXPECT_EQ(flags, MMU_USER | MMU_READ | MMU_WRITE | MMU_CACHE_WB | fresh_flags(true));
	EXPECT_FALSE(arch_mmu_query(&s, UVA + PAGE_SIZE, NULL, NULL));
	EXPECT_FALSE(arch_mmu_query(&s, USER_TOP, NULL, NULL));

	got = 0;
	EXPECT_TRUE(arch_mmu_unmap(&s, UVA, &got));
	EXPECT_EQ(got, pa);
	EXPECT_EQ(raw_entry(&s, UVA), 0);
	EXPECT_FALSE(arch_mmu_query(&s, UVA, &got, &flags));
	EXPECT_FALSE(arch_mmu_unmap(&s, UVA, &got));
	EXPECT_EQ(s.table_frames, 4);                     /* tables stay until destroy */
	arch_tlb_flush_page(&s, UVA);
	arch_mmu_space_destroy(&s);
	EXPECT_EQ(s.table_frames, 0);
	frame_free(pa);
}

KTEST(aarch64_mmu_cache_exec_and_kernel_only_descriptors)
{
	struct mmu_space s;
	ASSERT_EQ(arch_mmu_space_create(&s), 0);
	paddr_t pa = test_frame(0);
	unsigned flags;
	uintptr_t va = UVA;
	struct { unsigned flags; pte_t desc; unsigned query; } cases[] = {
		/* device memory: AttrIndx 1 (Device-nGnRE), never executable, no DBM: reported
		 * dirty from the start */
		{ MMU_USER | MMU_READ | MMU_WRITE | MMU_EXEC | MMU_CACHE_UC,
		  PTE_USER_BASE | PTE_ATTR_IDX(MAIR_IDX_DEVICE_NGNRE) | PTE_AP_EL0 | PTE_UXN |
		  fresh_state_uncached(), MMU_USER | MMU_READ | MMU_WRITE | MMU_CACHE_UC |
		  fresh_flags(false) | MMU_DIRTY },
		/* write-combining: AttrIndx 2 (Normal non-cacheable), read-only */
		{ MMU_USER | MMU_READ | MMU_CACHE_WC,
		  PTE_USER_BASE | PTE_ATTR_IDX(MAIR_IDX_NORMAL_NC) | PTE_AP_EL0 | PTE_AP_RO | PTE_UXN |
		  fresh_state(false), MMU_USER | MMU_READ | MMU_CACHE_WC | fresh_flags(false) },
		/* user code: read-only, UXN clear, PXN still set */
		{ MMU_USER | MMU_READ | MMU_EXEC,
		  PTE_USER_BASE | PTE_ATTR_IDX(MAIR_IDX_NORMAL_WB) | PTE_AP_EL0 | PTE_AP_RO |
		  fresh_state(false), MMU_USER | MMU_READ | MMU_EXEC | fresh_flags(false) },
		/* execute-only is made readable (see mmu_space.c: PAN would not cover it) */
		{ MMU_USER | MMU_EXEC,
		  PTE_USER_BASE | PTE_ATTR_IDX(MAIR_IDX_NORMAL_WB) | PTE_AP_EL0 | PTE_AP_RO |
		  fresh_state(false), MMU_USER | MMU_READ | MMU_EXEC | fresh_flags(false) },
		/* user, no rights: EL0 has no access, EL1 may read */
		{ MMU_USER,
		  PTE_USER_BASE | PTE_ATTR_IDX(MAIR_IDX_NORMAL_WB) | PTE_AP_RO | PTE_UXN |
		  fresh_state(false), MMU_USER | fresh_flags(false) },
		/* kernel only, writable: AP[1] clear, no software user bit; EXEC ignored */
		{ MMU_READ | MMU_WRITE | MMU_EXEC,
		  (PTE_USER_BASE & ~SW_USER) | PTE_ATTR_IDX(MAIR_IDX_NORMAL_WB) | PTE_UXN |
		  fresh_state(true), MMU_WRITE | fresh_flags(true) },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++, va += PAGE_SIZE) {
		ASSERT_EQ(arch_mmu_map(&s, va, pa, cases[i].flags), 0);
		if (raw_entry(&s, va) != (pa | cases[i].desc))
			ktest_log("case %u", i);
		EXPECT_EQ(raw_entry(&s, va), pa | cases[i].desc);
		EXPECT_TRUE(arch_mmu_query(&s, va, NULL, &flags));
		EXPECT_EQ(flags, cases[i].query);
	}
	/* MAIR slots the indices point at: Device-nGnRE 0x04, Normal NC 0x44 */
	EXPECT_EQ((read_sysreg(mair_el1) >> (8 * MAIR_IDX_DEVICE_NGNRE)) & 0xff, 0x04);
	EXPECT_EQ((read_sysreg(mair_el1) >> (8 * MAIR_IDX_NORMAL_NC)) & 0xff, 0x44);
	for (uintptr_t v = UVA; v < va; v += PAGE_SIZE)
		EXPECT_TRUE(arch_mmu_unmap(&s, v, NULL));
	arch_tlb_flush_range(&s, UVA, va - UVA);
	EXPECT_EQ(s.table_frames, 4);
	arch_mmu_space_destroy(&s);
	frame_free(pa);
}

KTEST(aarch64_mmu_protect_keeps_frame_and_changes_rights)
{
	struct mmu_space s;
	ASSERT_EQ(arch_mmu_space_create(&s), 0);
	paddr_t pa = test_frame(0), got = 0;
	unsigned flags = 0;

	ASSERT_EQ(arch_mmu_map(&s, UVA, pa, MMU_USER | MMU_READ | MMU_WRITE), 0);
	arch_mmu_protect(&s, UVA, MMU_USER | MMU_READ);
	EXPECT_EQ(raw_entry(&s, UVA), pa | PTE_USER_BASE | PTE_ATTR_IDX(MAIR_IDX_NORMAL_WB) |
		  PTE_AP_EL0 | PTE_AP_RO | PTE_UXN | fresh_state(false) |
		  (aarch64_cpu.hw_dirty ? 0 : PTE_SW_DIRTY));
	arch_mmu_protect(&s, UVA, MMU_USER | MMU_READ | MMU_EXEC | MMU_WRITE);
	EXPECT_TRUE(arch_mmu_query(&s, UVA, &got, &flags));
	EXPECT_EQ(got, pa);
	EXPECT_EQ(flags & ~(MMU_ACCESSED | MMU_DIRTY), MMU_USER | MMU_READ | MMU_WRITE | MMU_EXEC);
	EXPECT_EQ(raw_entry(&s, UVA) & PTE_UXN, 0);
	/* a new memory type (break-before-make inside) keeps the frame */
	arch_mmu_protect(&s, UVA, MMU_USER | MMU_READ | MMU_CACHE_UC);
	EXPECT_TRUE(arch_mmu_query(&s, UVA, &got, &flags));
	EXPECT_EQ(got, pa);
	EXPECT_EQ(flags & ~(MMU_ACCESSED | MMU_DIRTY), MMU_USER | MMU_READ | MMU_CACHE_UC);
	EXPECT_EQ((raw_entry(&s, UVA) >> 2) & 7, MAIR_IDX_DEVICE_NGNRE);
	arch_tlb_flush_page(&s, UVA);
	EXPECT_TRUE(arch_mmu_unmap(&s, UVA, NULL));
	arch_tlb_flush_page(&s, UVA);
	arch_mmu_space_destroy(&s);
	frame_free(pa);
}

KTEST(aarch64_mmu_hardware_access_and_dirty_state)
{
	struct mmu_space s;
	ASSERT_EQ(arch_mmu_space_create(&s), 0);
	paddr_t pa = test_frame(0x11);
	unsigned flags = 0;
	uint8_t byte = 0;

	ASSERT_EQ(arch_mmu_map(&s, UVA, pa, MMU_USER | MMU_READ | MMU_WRITE), 0);
	arch_mmu_space_activate(&s);
	EXPECT_TRUE(arch_mmu_query(&s, UVA, NULL, &flags));
	EXPECT_EQ(flags & (MMU_ACCESSED | MMU_DIRTY), fresh_flags(true));

	EXPECT_EQ(arch_copy_from_user(&byte, UVA + 5, 1), 0);
	EXPECT_EQ(byte, 0x11);
	EXPECT_TRUE(arch_mmu_query(&s, UVA, NULL, &flags));
	EXPECT_EQ(flags & MMU_ACCESSED, MMU_ACCESSED);
	EXPECT_EQ(flags & MMU_DIRTY, aarch64_cpu.hw_dirty ? 0 : MMU_DIRTY);
	if (aarch64_cpu.hw_dirty)
		EXPECT_EQ(raw_entry(&s, UVA) & (PTE_AP_RO | PTE_DBM), PTE_AP_RO | PTE_DBM);

	byte = 0x22;
	EXPECT_EQ(arch_copy_to_user(UVA + 6, &byte, 1), 0);
	EXPECT_EQ(((uint8_t *)(DIRECT_MAP_BASE + pa))[6], 0x22);
	EXPECT_TRUE(arch_mmu_query(&s, UVA, NULL, &flags));
	EXPECT_EQ(flags & (MMU_ACCESSED | MMU_DIRTY), MMU_ACCESSED | MMU_DIRTY);
	EXPECT_EQ(raw_entry(&s, UVA) & PTE_AP_RO, 0);

	/* taking the write right away keeps the history: accessed, and dirty in the software bit */
	arch_mmu_protect(&s, UVA, MMU_USER | MMU_READ);
	arch_tlb_flush_page(&s, UVA);
	EXPECT_TRUE(arch_mmu_query(&s, UVA, NULL, &flags));
	EXPECT_EQ(flags, MMU_USER | MMU_READ | MMU_ACCESSED | MMU_DIRTY);
	EXPECT_EQ(raw_entry(&s, UVA) & (PTE_AP_RO | PTE_SW_DIRTY | PTE_AF),
		  PTE_AP_RO | PTE_SW_DIRTY | PTE_AF);
	EXPECT_EQ(arch_copy_to_user(UVA + 6, &byte, 1), -EFAULT);

	arch_mmu_space_activate(NULL);
	EXPECT_TRUE(arch_mmu_unmap(&s, UVA, NULL));
	arch_tlb_flush_page(&s, UVA);
	arch_mmu_space_destroy(&s);
	frame_free(pa);
}

/* Pages of the big test: across L3, L2, L1 and L0 boundaries, and the last user page. */
static const uintptr_t spread[] = {
	0x1000, 0x1ff000, 0x200000, 0x3ff000, 0x40000000, 0x7fc0000000, 0x8000000000,
	0x8000001000, 0x123456789000, (1ul << 48) - 0x1000,
};

struct walk_log {
	unsigned count;
	uintptr_t va[600];
	paddr_t pa[600];
	unsigned flags[600];
};

static void walk_record(void *ctx, uintptr_t va, paddr_t pa, unsigned flags)
{
	struct walk_log *log = ctx;
	if (log->count < ARRAY_SIZE(log->va)) {
		log->va[log->count] = va;
		log->pa[log->count] = pa;
		log->flags[log->count] = flags;
	}
	log->count++;
}

struct table_log {
	unsigned count, per_level[4];
	bool tagged;
};

static void table_record(void *ctx, paddr_t table, unsigned level)
{
	struct table_log *log = ctx;
	struct pageinfo *pi = pageinfo_of(table);
	log->count++;
	if (level < 4)
		log->per_level[level]++;
	if (!pi || pageinfo_type(pi) != PAGEINFO_PAGE_TABLE || pageinfo_level(pi) != level)
		log->tagged = false;
}

static struct walk_log walk_log;

KTEST(aarch64_mmu_many_pages_walk_and_exact_accounting)
{
	struct mmu_space s;
	uint64_t free_before = frame_count_free();
	ASSERT_EQ(arch_mmu_space_create(&s), 0);
	paddr_t pa = test_frame(0);

	/* 512 consecutive pages from 0x10000000 - 256 pages (crossing one L3 table boundary) */
	const uintptr_t run = 0x10000000 - 256 * PAGE_SIZE;
	for (unsigned i = 0; i < 512; i++)
		ASSERT_EQ(arch_mmu_map(&s, run + i * PAGE_SIZE, pa, MMU_USER | MMU_READ), 0);
	for (unsigned i = 0; i < ARRAY_SIZE(spread); i++)
		ASSERT_EQ(arch_mmu_map(&s, spread[i], pa + 0, MMU_USER | MMU_READ | MMU_WRITE), 0);
	/* tables: the L0 root; L1 tables for L0 slots 0, 1, 0x24, 511; L2 tables for the GiBs
	 * 0, 1, 511, 512, 0x48d1, 0x3ffff; L3 tables for the 2 MiB blocks at 0x0, 0x200000,
	 * 0xfe00000, 0x10000000, 0x40000000, 0x7fc0000000, 0x8000000000, 0x123456600000, top */
	EXPECT_EQ(s.table_frames, 1 + 4 + 6 + 9);

	struct table_log tl = { .tagged = true };
	arch_mmu_walk_tables(&s, table_record, &tl);
	EXPECT_EQ(tl.count, s.table_frames);
	EXPECT_EQ(tl.per_level[3], 1);
	EXPECT_EQ(tl.per_level[2], 4);
	EXPECT_EQ(tl.per_level[1], 6);
	EXPECT_EQ(tl.per_level[0], 9);
	EXPECT_TRUE(tl.tagged);

	/* the whole half: every page once, in address order */
	walk_log.count = 0;
	arch_mmu_walk(&s, 0, USER_TOP, walk_record, &walk_log);
	EXPECT_EQ(walk_log.count, 512 + ARRAY_SIZE(spread));
	uintptr_t expect[512 + ARRAY_SIZE(spread)];
	unsigned n = 0;
	for (unsigned i = 0; i < 4; i++)
		expect[n++] = spread[i];
	for (unsigned i = 0; i < 512; i++)
		expect[n++] = run + i * PAGE_SIZE;
	for (unsigned i = 4; i < ARRAY_SIZE(spread); i++)
		expect[n++] = spread[i];
	unsigned mismatches = 0;
	for (unsigned i = 0; i < n && i < walk_log.count; i++) {
		bool w = expect[i] < run || expect[i] >= run + 512 * PAGE_SIZE;
		unsigned f = MMU_USER | MMU_READ | (w ? MMU_WRITE : 0) | fresh_flags(w);
		if (walk_log.va[i] != expect[i] || walk_log.pa[i] != pa || walk_log.flags[i] != f) {
			if (mismatches++ < 4)
				ktest_log("entry %u: va %p pa %#llx flags %#x, expected %p", i,
					  (void *)walk_log.va[i], (unsigned long long)walk_log.pa[i],
					  walk_log.flags[i], (void *)expect[i]);
		}
	}
	EXPECT_EQ(mismatches, 0);

	/* a sub-range with unaligned ends: [run + 10 pages + 1, run + 20 pages) -> 9 pages */
	walk_log.count = 0;
	arch_mmu_walk(&s, run + 10 * PAGE_SIZE + 1, run + 20 * PAGE_SIZE, walk_record, &walk_log);
	EXPECT_EQ(walk_log.count, 9);
	EXPECT_EQ(walk_log.va[0], run + 11 * PAGE_SIZE);
	EXPECT_EQ(walk_log.va[8], run + 19 * PAGE_SIZE);
	walk_log.count = 0;
	arch_mmu_walk(&s, 0x7fc0000000, 0x8000001001, walk_record, &walk_log);
	EXPECT_EQ(walk_log.count, 3);
	EXPECT_EQ(walk_log.va[2], 0x8000001000);
	walk_log.count = 0;
	arch_mmu_walk(&s, USER_TOP - 1, ~0ul, walk_record, &walk_log);
	EXPECT_EQ(walk_log.count, 0);

	for (unsigned i = 0; i < 512; i++)
		EXPECT_TRUE(arch_mmu_unmap(&s, run + i * PAGE_SIZE, NULL));
	for (unsigned i = 0; i < ARRAY_SIZE(spread); i++)
		EXPECT_TRUE(arch_mmu_unmap(&s, spread[i], NULL));
	arch_tlb_flush_space(&s);
	walk_log.count = 0;
	arch_mmu_walk(&s, 0, USER_TOP, walk_record, &walk_log);
	EXPECT_EQ(walk_log.count, 0);
	EXPECT_EQ(s.table_frames, 20);
	arch_mmu_space_destroy(&s);
	EXPECT_EQ(s.table_frames, 0);
	frame_free(pa);
	EXPECT_EQ(frame_count_free(), free_before);
}

KTEST(aarch64_mmu_table_allocation_failure_changes_nothing)
{
	struct mmu_space s;
	uint64_t free_before = frame_count_free();
	unsigned asids = aarch64_asid_in_use();

	alloc_inject_nth(1);
	EXPECT_EQ(arch_mmu_space_create(&s), -ENOMEM);
	EXPECT_EQ(aarch64_asid_in_use(), asids);
	EXPECT_EQ(frame_count_free(), free_before);

	ASSERT_EQ(arch_mmu_space_create(&s), 0);
	EXPECT_EQ(aarch64_asid_in_use(), asids + 1);
	paddr_t pa = test_frame(0);
	uint64_t free_mid = frame_count_free();
	for (unsigned fail = 1; fail <= 3; fail++) {
		alloc_inject_nth(fail);                  /* the 1st, 2nd, 3rd new table fails */
		EXPECT_EQ(arch_mmu_map(&s, UVA, pa, MMU_USER | MMU_READ), -ENOMEM);
		EXPECT_EQ(s.table_frames, 1);
		EXPECT_EQ(frame_count_free(), free_mid);
		EXPECT_EQ(((pte_t *)(DIRECT_MAP_BASE + s.root))[0], 0);
		EXPECT_FALSE(arch_mmu_query(&s, UVA, NULL, NULL));
	}
	EXPECT_EQ(alloc_inject_failures(), 1);
	alloc_inject_off();
	/* with L1 and L2 present, only the L3 table is new: its failure leaves the rest */
	ASSERT_EQ(arch_mmu_map(&s, UVA, pa, MMU_USER | MMU_READ), 0);
	alloc_inject_nth(1);
	EXPECT_EQ(arch_mmu_map(&s, UVA + BLOCK_SIZE_L2, pa, MMU_USER | MMU_READ), -ENOMEM);
	alloc_inject_off();
	EXPECT_EQ(s.table_frames, 4);
	EXPECT_EQ(arch_mmu_map(&s, UVA + BLOCK_SIZE_L2, pa, MMU_USER | MMU_READ), 0);
	EXPECT_EQ(s.table_frames, 5);
	EXPECT_TRUE(arch_mmu_unmap(&s, UVA, NULL));
	EXPECT_TRUE(arch_mmu_unmap(&s, UVA + BLOCK_SIZE_L2, NULL));
	arch_tlb_flush_space(&s);
	arch_mmu_space_destroy(&s);
	EXPECT_EQ(aarch64_asid_in_use(), asids);
	frame_free(pa);
	EXPECT_EQ(frame_count_free(), free_before);
}

/* Reads one byte of user memory through usercopy (the space must be active). */
static int user_byte(uintptr_t va)
{
	uint8_t b;
	return arch_copy_from_user(&b, va, 1) ? -1 : b;
}

KTEST(aarch64_mmu_asids_keep_spaces_apart)
{
	struct mmu_space a, b;
	ASSERT_EQ(arch_mmu_space_create(&a), 0);
	ASSERT_EQ(arch_mmu_space_create(&b), 0);
	EXPECT_NE(a.asid, b.asid);
	EXPECT_GE(a.asid, ASID_FIRST);
	EXPECT_GE(b.asid, ASID_FIRST);
	paddr_t fa = test_frame(0xaa), fb = test_frame(0xbb);
	ASSERT_EQ(arch_mmu_map(&a, UVA, fa, MMU_USER | MMU_READ), 0);
	ASSERT_EQ(arch_mmu_map(&b, UVA, fb, MMU_USER | MMU_READ), 0);

	arch_mmu_space_activate(&a);
	EXPECT_EQ(read_sysreg(ttbr0_el1), a.root | (uint64_t)a.asid << 48);
	EXPECT_EQ(user_byte(UVA), 0xaa);
	arch_mmu_space_activate(&b);
	EXPECT_EQ(read_sysreg(ttbr0_el1), b.root | (uint64_t)b.asid << 48);
	EXPECT_EQ(user_byte(UVA), 0xbb);
	arch_mmu_space_activate(&a);
	EXPECT_EQ(user_byte(UVA), 0xaa);
	arch_mmu_space_activate(NULL);
	EXPECT_EQ(read_sysreg(ttbr0_el1), aarch64_empty_ttbr0);
	EXPECT_EQ(user_byte(UVA), -1);

	EXPECT_TRUE(arch_mmu_unmap(&a, UVA, NULL));
	EXPECT_TRUE(arch_mmu_unmap(&b, UVA, NULL));
	arch_mmu_space_destroy(&a);
	arch_mmu_space_destroy(&b);
	frame_free(fa);
	frame_free(fb);
}

KTEST(aarch64_mmu_tlb_flushes_make_changes_visible)
{
	struct mmu_space s;
	ASSERT_EQ(arch_mmu_space_create(&s), 0);
	paddr_t f1 = test_frame(0x11), f2 = test_frame(0x22);
	arch_mmu_space_activate(&s);

	/* page: remap to another frame */
	ASSERT_EQ(arch_mmu_map(&s, UVA, f1, MMU_USER | MMU_READ), 0);
	EXPECT_EQ(user_byte(UVA), 0x11);
	EXPECT_TRUE(arch_mmu_unmap(&s, UVA, NULL));
	arch_tlb_flush_page(&s, UVA);
	EXPECT_EQ(user_byte(UVA), -1);
	ASSERT_EQ(arch_mmu_map(&s, UVA, f2, MMU_USER | MMU_READ), 0);
	EXPECT_EQ(user_byte(UVA), 0x22);

	/* range, below and above the per-page threshold: every page reads the new frame */
	for (unsigned pages = 8; pages <= 128; pages *= 16) {
		uintptr_t base = 0x20000000;
		for (unsigned i = 0; i < pages; i++)
			ASSERT_EQ(arch_mmu_map(&s, base + i * PAGE_SIZE, f1, MMU_USER | MMU_READ), 0);
		for (unsigned i = 0; i < pages; i++)
			EXPECT_EQ(user_byte(base + i * PAGE_SIZE), 0x11);
		for (unsigned i = 0; i < pages; i++)
			EXPECT_TRUE(arch_mmu_unmap(&s, base + i * PAGE_SIZE, NULL));
		arch_tlb_flush_range(&s, base, pages * PAGE_SIZE);
		for (unsigned i = 0; i < pages; i++)
			ASSERT_EQ(arch_mmu_map(&s, base + i * PAGE_SIZE, f2, MMU_USER | MMU_READ), 0);
		unsigned wrong = 0;
		for (unsigned i = 0; i < pages; i++)
			wrong += user_byte(base + i * PAGE_SIZE) != 0x22;
		EXPECT_EQ(wrong, 0);
		for (unsigned i = 0; i < pages; i++)
			EXPECT_TRUE(arch_mmu_unmap(&s, base + i * PAGE_SIZE, NULL));
		arch_tlb_flush_range(&s, base, pages * PAGE_SIZE);
	}

	/* space: a downgraded page refuses writes after the flush */
	ASSERT_EQ(arch_mmu_unmap(&s, UVA, NULL), true);
	arch_tlb_flush_page(&s, UVA);
	ASSERT_EQ(arch_mmu_map(&s, UVA, f1, MMU_USER | MMU_READ | MMU_WRITE), 0);
	uint8_t v = 0x33;
	EXPECT_EQ(arch_copy_to_user(UVA, &v, 1), 0);
	arch_mmu_protect(&s, UVA, MMU_USER | MMU_READ);
	arch_tlb_flush_space(&s);
	EXPECT_EQ(arch_copy_to_user(UVA, &v, 1), -EFAULT);
	EXPECT_EQ(user_byte(UVA), 0x33);

	arch_mmu_space_activate(NULL);
	EXPECT_TRUE(arch_mmu_unmap(&s, UVA, NULL));
	arch_tlb_flush_page(&s, UVA);
	arch_mmu_space_destroy(&s);
	frame_free(f1);
	frame_free(f2);
}
