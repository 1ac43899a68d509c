/* Self-tests of the x86 user page tables (arch/x86/mmu.c, mmu_walk.c) that need no active space:
 * the root and its kernel half, the exact entries arch_mmu_map writes, protect, unmap, query,
 * both walks, -ENOMEM without side effects, and every table frame coming back. The frames mapped
 * here are made-up addresses: the arch never touches them, and no space here is ever activated. */
#include "kernel/ktest.h"
#include "kernel/errno.h"
#include "mm/frame.h"
#include "mm/pageinfo.h"
#include "mm/section.h"
#include "features.h"
#include "mmu.h"

#define PAGE       ((uintptr_t)X86_PAGE_SIZE)
#define FAKE_PA    0x0000000abcdef000ull      /* 36 bits: fits PAE and 4-level paging */
#define NX         x86_pte_nx
#define R          MMU_READ
#define W          MMU_WRITE
#define X          MMU_EXEC
#define U          MMU_USER
/* A user address under its own top-level entry (PML4 slot 1 / PDPT entry 2). */
#define FAR_VA     ((uintptr_t)(X86_PT_LEVELS == 4 ? 0x8000000000ull : 0x80000000ull))
/* Tables one first mapping under an empty top-level entry needs (PAE has its directories). */
#define FRESH_TABLES (X86_PT_LEVELS == 4 ? 3u : 1u)
#define ROOT_TABLES  (X86_PT_LEVELS == 4 ? 1u : 4u)

/* What query reports for a mapping made with FLAGS: x86 widens write-only and exec-only. */
static unsigned expected_query(unsigned flags)
{
	unsigned q = flags | MMU_READ;
	if (!NX)
		q |= MMU_EXEC;
	if ((flags & MMU_CACHE_MASK) == MMU_CACHE_WC && !x86_pat_enabled)
		q = (q & ~MMU_CACHE_MASK) | MMU_CACHE_UC;
	return q;
}

/* The entry at LEVEL (> 0) on the way to VA, or 0 when the walk stops above it. */
static x86_pte_t upper_entry(struct mmu_space *s, uintptr_t va, unsigned level)
{
	paddr_t t = s->root;
	for (unsigned l = X86_MMU_TOP_LEVEL;; l--) {
		x86_pte_t e = x86_table_read(t, x86_level_index(va, l));
		if (l == level || !(e & X86_PTE_P))
			return l == level ? e : 0;
		t = e & X86_PTE_ADDR_MASK;
	}
}

KTEST(x86_mmu_space_create_shares_kernel_half)
{
	uint64_t free0 = frame_count_free();
	struct mmu_space s;
	ASSERT_EQ(arch_mmu_space_create(&s), 0);
	EXPECT_EQ(s.table_frames, ROOT_TABLES);
	EXPECT_EQ(frame_count_free(), free0 - ROOT_TABLES);
	EXPECT_EQ(s.root % PAGE, 0);
	EXPECT_NE(s.root, x86_kernel_root);
	struct pageinfo *pi = pageinfo_of(s.root);
	ASSERT_TRUE(pi != NULL);
	EXPECT_EQ(pageinfo_type(pi), PAGEINFO_PAGE_TABLE);
	EXPECT_EQ(pageinfo_level(pi), X86_MMU_TOP_LEVEL);
	if (X86_PT_LEVELS == 3)
		EXPECT_LT(s.root, 0x100000000ull);            /* CR3 holds 32 bits */

	unsigned entries = X86_PT_LEVELS == 4 ? X86_PT_ENTRIES : 4, kernel_diff = 0, kernel_present = 0;
	for (unsigned i = 0; i < entries; i++) {
		x86_pte_t e = x86_table_read(s.root, i);
		if (i >= X86_ROOT_USER_ENTRIES) {
			kernel_diff += e != x86_table_read(x86_kernel_root, i);
			kernel_present += (e & X86_PTE_P) != 0;
		} else if (X86_PT_LEVELS == 4) {
			EXPECT_EQ(e, 0);
		} else {                                      /* a preallocated page directory */
			EXPECT_EQ(e & ~X86_PTE_ADDR_MASK, X86_PTE_P);
			struct pageinfo *pd = pageinfo_of(e & X86_PTE_ADDR_MASK);
			ASSERT_TRUE(pd != NULL);
			EXPECT_EQ(pageinfo_type(pd), PAGEINFO_PAGE_TABLE);
			EXPECT_EQ(pageinfo_level(pd), 1);
		}
	}
	EXPECT_EQ(kernel_diff, 0);
	/* x86_64: the direct map and the kernel image / kmap window; i686: the kernel directory. */
	EXPECT_EQ(kernel_present, X86_PT_LEVELS == 4 ? 2 : 1);
	EXPECT_EQ(arch_mmu_user_top(), X86_PT_LEVELS == 4 ? 0x7ffffffff000ull : 0xc0000000ull);

	arch_mmu_space_destroy(&s);
	EXPECT_EQ(s.table_frames, 0);
	EXPECT_EQ(frame_count_free(), free0);
}

KTEST(x86_mmu_map_writes_exact_entries)
{
	static const struct { unsigned flags; x86_pte_t bits; } cases[] = {
		{ R | U, X86_PTE_P | X86_PTE_US },
		{ R | W | U, X86_PTE_P | X86_PTE_RW | X86_PTE_US },
		{ R | X | U, X86_PTE_P | X86_PTE_US },
		{ R | W | X | U, X86_PTE_P | X86_PTE_RW | X86_PTE_US },
		{ R | W, X86_PTE_P | X86_PTE_RW },                    /* kernel only */
		{ W | U, X86_PTE_P | X86_PTE_RW | X86_PTE_US },       /* write-only: readable too */
		{ X | U, X86_PTE_P | X86_PTE_US },                    /* exec-only: readable too */
		{ R | W | U | MMU_CACHE_WC, X86_PTE_P | X86_PTE_RW | X86_PTE_US | X86_PTE_PWT },
		{ R | W | U | MMU_CACHE_UC, X86_PTE_P | X86_PTE_RW | X86_PTE_US | X86_PTE_PCD | X86_PTE_PWT },
	};
	struct mmu_space s;
	ASSERT_EQ(arch_mmu_space_create(&s), 0);
	uintptr_t base = 0x00400000;
	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		uintptr_t va = base + i * PAGE;
		paddr_t pa = FAKE_PA + i * PAGE;
		unsigned f = cases[i].flags;
		x86_pte_t bits = cases[i].bits | (f & X ? 0 : NX);
		if ((f & MMU_CACHE_MASK) == MMU_CACHE_WC && !x86_pat_enabled)
			bits ^= X86_PTE_PWT ^ X86_PTE_CACHE_UC;
		ASSERT_EQ(arch_mmu_map(&s, va, pa, f), 0);
		EXPECT_EQ(x86_mmu_leaf(&s, va), pa | bits);
		paddr_t got_pa = 0;
		unsigned got_flags = 0;
		EXPECT_TRUE(arch_mmu_query(&s, va, &got_pa, &got_flags));
		EXPECT_EQ(got_pa, pa);
		EXPECT_EQ(got_flags, expected_query(f));
	}
	/* The tables above: everything allowed at the upper levels (PAE's PDPT entry has only P). */
	for (unsigned l = 1; l <= X86_MMU_TOP_LEVEL; l++) {
		x86_pte_t e = upper_entry(&s, base, l);
		x86_pte_t want = X86_PT_LEVELS == 3 && l == X86_MMU_TOP_LEVEL ? X86_PTE_P
			: X86_PTE_P | X86_PTE_RW | X86_PTE_US;
		EXPECT_EQ(e & ~(X86_PTE_ADDR_MASK | X86_PTE_A), want);
		struct pageinfo *pi = pageinfo_of(e & X86_PTE_ADDR_MASK);
		ASSERT_TRUE(pi != NULL);
		EXPECT_EQ(pageinfo_type(pi), PAGEINFO_PAGE_TABLE);
		EXPECT_EQ(pageinfo_level(pi), l - 1);
	}
	EXPECT_EQ(s.table_frames, ROOT_TABLES + FRESH_TABLES);
	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		paddr_t old = 0;
		EXPECT_TRUE(arch_mmu_unmap(&s, base + i * PAGE, &old));
		EXPECT_EQ(old, FAKE_PA + i * PAGE);
	}
	arch_mmu_space_destroy(&s);
}

KTEST(x86_mmu_protect_changes_rights_keeps_frame)
{
	struct mmu_space s;
	ASSERT_EQ(arch_mmu_space_create(&s), 0);
	uintptr_t va = 0x00600000;
	paddr_t pa = FAKE_PA + 0x5000;
	ASSERT_EQ(arch_mmu_map(&s, va, pa, R | W | U), 0);
	arch_mmu_protect(&s, va, R | U);
	EXPECT_EQ(x86_mmu_leaf(&s, va), pa | X86_PTE_P | X86_PTE_US | NX);
	arch_mmu_protect(&s, va, R | X | U);
	EXPECT_EQ(x86_mmu_leaf(&s, va), pa | X86_PTE_P | X86_PTE_US);
	arch_mmu_protect(&s, va, R | W | U | MMU_CACHE_UC);
	EXPECT_EQ(x86_mmu_leaf(&s, va), pa | X86_PTE_P | X86_PTE_RW | X86_PTE_US | X86_PTE_CACHE_UC | NX);
	arch_mmu_protect(&s, va, R | W);
	EXPECT_EQ(x86_mmu_leaf(&s, va), pa | X86_PTE_P | X86_PTE_RW | NX);
	unsigned flags = 0;
	paddr_t got = 0;
	EXPECT_TRUE(arch_mmu_query(&s, va, &got, &flags));
	EXPECT_EQ(got, pa);
	EXPECT_EQ(flags, expected_query(R | W));
	EXPECT_EQ(s.table_frames, ROOT_TABLES + FRESH_TABLES);   /* protect allocates nothing */
	EXPECT_TRUE(arch_mmu_unmap(&s, va, NULL));
	arch_mmu_space_destroy(&s);
}

KTEST(x86_mmu_unmap_and_query_of_absent_entries)
{
	struct mmu_space s;
	ASSERT_EQ(arch_mmu_space_create(&s), 0);
	uintptr_t va = 0x00800000;
	paddr_t pa = 0x1234;
	unsigned flags = 0x5a;
	EXPECT_FALSE(arch_mmu_query(&s, va, &pa, &flags));     /* no table at all */
	EXPECT_EQ(pa, 0x1234);
	EXPECT_EQ(flags, 0x5a);
	EXPECT_FALSE(arch_mmu_unmap(&s, va, &pa));
	EXPECT_EQ(pa, 0x1234);

	ASSERT_EQ(arch_mmu_map(&s, va, FAKE_PA, R | U), 0);
	unsigned long tables = s.table_frames;
	EXPECT_FALSE(arch_mmu_query(&s, va + PAGE, NULL, NULL));   /* table there, entry not */
	EXPECT_FALSE(arch_mmu_unmap(&s, va + PAGE, NULL));
	EXPECT_TRUE(arch_mmu_query(&s, va, NULL, NULL));
	EXPECT_TRUE(arch_mmu_unmap(&s, va, &pa));
	EXPECT_EQ(pa, FAKE_PA);
	EXPECT_FALSE(arch_mmu_query(&s, va, NULL, NULL));
	EXPECT_FALSE(arch_mmu_unmap(&s, va, NULL));
	EXPECT_EQ(x86_mmu_leaf(&s, va), 0);
	EXPECT_EQ(s.table_frames, tables);                     /* empty tables stay */
	/* and the entry can be made again */
	EXPECT_EQ(arch_mmu_map(&s, va, FAKE_PA + PAGE, R | W | U), 0);
	EXPECT_EQ(s.table_frames, tables);
	EXPECT_TRUE(arch_mmu_unmap(&s, va, NULL));
	arch_mmu_space_destroy(&s);
}

/* ---- Walks ---- */

#define WALK_MAX 16
struct walk_log {
	unsigned count;
	uintptr_t va[WALK_MAX];
	paddr_t pa[WALK_MAX];
	unsigned flags[WALK_MAX];
};

static void walk_record(void *ctx, uintptr_t va, paddr_t pa, unsigned flags)
{
	struct walk_log *log = ctx;
	if (log->count < WALK_MAX) {
		log->va[log->count] = va;
		log->pa[log->count] = pa;
		log->flags[log->count] = flags;
	}
	log->count++;
}

/* The sample of walk_space_setup, in address order; mapped in another order. */
static uintptr_t sample_va(unsigned i)
{
	const uintptr_t va[] = { 0x1000, 0x2000, 0x1ff000, 0x200000, 0x40000000, FAR_VA,
				 (uintptr_t)X86_USER_TOP - PAGE };
	return va[i];
}
#define SAMPLE_COUNT 7
static const unsigned sample_order[SAMPLE_COUNT] = { 6, 0, 4, 3, 1, 5, 2 };

static unsigned sample_flags(unsigned i)
{
	return i % 2 ? R | W | U : R | U;
}

static bool walk_space_setup(struct mmu_space *s)
{
	if (arch_mmu_space_create(s))
		return false;
	for (unsigned k = 0; k < SAMPLE_COUNT; k++) {
		unsigned i = sample_order[k];
		if (arch_mmu_map(s, sample_va(i), FAKE_PA + i * PAGE, sample_flags(i)))
			return false;
	}
	return true;
}

static void walk_space_teardown(struct mmu_space *s)
{
	for (unsigned i = 0; i < SAMPLE_COUNT; i++)
		arch_mmu_unmap(s, sample_va(i), NULL);
	arch_mmu_space_destroy(s);
}

KTEST(x86_mmu_walk_visits_exactly_the_mapped_pages_in_order)
{
	struct mmu_space s;
	ASSERT_TRUE(walk_space_setup(&s));
	struct walk_log log = { 0 };
	arch_mmu_walk(&s, 0, UINTPTR_MAX, walk_record, &log);
	EXPECT_EQ(log.count, SAMPLE_COUNT);
	for (unsigned i = 0; i < SAMPLE_COUNT && i < log.count; i++) {
		EXPECT_EQ(log.va[i], sample_va(i));
		EXPECT_EQ(log.pa[i], FAKE_PA + i * PAGE);
		EXPECT_EQ(log.flags[i], expected_query(sample_flags(i)));
	}

	log = (struct walk_log){ 0 };
	arch_mmu_walk(&s, 0x2000, 0x40000000, walk_record, &log);     /* end excluded */
	EXPECT_EQ(log.count, 3);
	EXPECT_EQ(log.va[0], 0x2000);
	EXPECT_EQ(log.va[1], 0x1ff000);
	EXPECT_EQ(log.va[2], 0x200000);

	log = (struct walk_log){ 0 };
	arch_mmu_walk(&s, 0x1001, 0x2001, walk_record, &log);          /* a page starting at >= start */
	EXPECT_EQ(log.count, 1);
	EXPECT_EQ(log.va[0], 0x2000);

	log = (struct walk_log){ 0 };
	arch_mmu_walk(&s, 0x40000000, 0x40000000, walk_record, &log);
	arch_mmu_walk(&s, 0x3000, 0x1ff000, walk_record, &log);
	EXPECT_EQ(log.count, 0);
	walk_space_teardown(&s);
}

struct table_log {
	unsigned count, per_level[X86_PT_LEVELS], bad;
	paddr_t first;
	unsigned first_level;
};

static void table_record(void *ctx, paddr_t table, unsigned level)
{
	struct table_log *log = ctx;
	struct pageinfo *pi = pageinfo_of(table);
	if (!pi || pageinfo_type(pi) != PAGEINFO_PAGE_TABLE || pageinfo_level(pi) != level ||
	    level >= X86_PT_LEVELS)
		log->bad++;
	else
		log->per_level[level]++;
	if (log->count++ == 0) {
		log->first = table;
		log->first_level = level;
	}
}

KTEST(x86_mmu_walk_tables_reports_every_table_with_its_level)
{
	struct mmu_space s;
	ASSERT_TRUE(walk_space_setup(&s));
	struct table_log log = { 0 };
	arch_mmu_walk_tables(&s, table_record, &log);
	EXPECT_EQ(log.bad, 0);
	EXPECT_EQ(log.count, s.table_frames);
	EXPECT_EQ(log.first, s.root);
	EXPECT_EQ(log.first_level, X86_MMU_TOP_LEVEL);
	/* Page tables: [0x1000-0x1ff000], [0x200000], 1 GiB, FAR_VA, the last user page. */
	EXPECT_EQ(log.per_level[0], 5);
	if (X86_PT_LEVELS == 4) {
		EXPECT_EQ(log.per_level[1], 4);     /* 0-1 GiB, 1-2 GiB, FAR_VA, the top */
		EXPECT_EQ(log.per_level[2], 3);     /* PML4 slots 0, 1 and 255 */
	} else {
		EXPECT_EQ(log.per_level[1], 3);     /* the three preallocated directories */
	}
	EXPECT_EQ(log.per_level[X86_MMU_TOP_LEVEL], 1);
	EXPECT_EQ(s.table_frames, X86_PT_LEVELS == 4 ? 13 : 9);
	walk_space_teardown(&s);
}

static unsigned count_tables(struct mmu_space *s)
{
	struct table_log log = { 0 };
	arch_mmu_walk_tables(s, table_record, &log);
	return log.count;
}

KTEST(x86_mmu_map_enomem_leaves_everything_as_it_was)
{
	struct mmu_space s;
	ASSERT_EQ(arch_mmu_space_create(&s), 0);
	uint64_t free0 = frame_count_free();
	unsigned long tables0 = s.table_frames;
	uintptr_t va = FAR_VA + 0x3000;
	for (unsigned fail_at = 0; fail_at < FRESH_TABLES; fail_at++) {
		x86_mmu_fail_table_alloc_after(fail_at);
		EXPECT_EQ(arch_mmu_map(&s, va, FAKE_PA, R | W | U), -ENOMEM);
		EXPECT_EQ(s.table_frames, tables0);
		EXPECT_EQ(frame_count_free(), free0);
		EXPECT_EQ(count_tables(&s), tables0);
		EXPECT_FALSE(arch_mmu_query(&s, va, NULL, NULL));
		for (unsigned l = 1; l <= X86_MMU_TOP_LEVEL; l++)
			if (!(X86_PT_LEVELS == 3 && l == X86_MMU_TOP_LEVEL))
				EXPECT_EQ(upper_entry(&s, va, l) & X86_PTE_P, 0);
	}
	x86_mmu_fail_table_alloc_after(X86_MMU_NO_FAILURE);
	EXPECT_EQ(arch_mmu_map(&s, va, FAKE_PA, R | W | U), 0);
	EXPECT_EQ(s.table_frames, tables0 + FRESH_TABLES);
	EXPECT_EQ(frame_count_free(), free0 - FRESH_TABLES);
	EXPECT_TRUE(arch_mmu_unmap(&s, va, NULL));
	arch_mmu_space_destroy(&s);

	/* Creation fails cleanly too, at each of its allocations. */
	free0 = frame_count_free();
	for (unsigned fail_at = 0; fail_at < ROOT_TABLES; fail_at++) {
		struct mmu_space t;
		x86_mmu_fail_table_alloc_after(fail_at);
		EXPECT_EQ(arch_mmu_space_create(&t), -ENOMEM);
		EXPECT_EQ(t.table_frames, 0);
		EXPECT_EQ(frame_count_free(), free0);
	}
	x86_mmu_fail_table_alloc_after(X86_MMU_NO_FAILURE);
}

KTEST(x86_mmu_every_frame_comes_back_after_destroy)
{
	enum { PAGES = 600 };                 /* more than one page table's worth */
	uintptr_t base = 0x00400000;          /* 2 MiB aligned: exactly two page tables */
	uint64_t free0 = frame_count_free();
	struct mmu_space s;
	ASSERT_EQ(arch_mmu_space_create(&s), 0);
	for (unsigned i = 0; i < PAGES; i++)
		ASSERT_EQ(arch_mmu_map(&s, base + i * PAGE, FAKE_PA + i * PAGE, R | W | U), 0);
	ASSERT_EQ(arch_mmu_map(&s, FAR_VA, FAKE_PA, R | U), 0);
	/* x86_64: root, PDPT + PD + 2 PTs, FAR_VA's PDPT + PD + PT; i686: root, 3 PDs, 2 PTs, 1 PT. */
	EXPECT_EQ(s.table_frames, X86_PT_LEVELS == 4 ? 8 : 7);
	EXPECT_EQ(frame_count_free(), free0 - s.table_frames);
	EXPECT_EQ(count_tables(&s), s.table_frames);

	unsigned wrong = 0;
	for (unsigned i = 0; i < PAGES; i++) {
		paddr_t old = 0;
		wrong += !arch_mmu_unmap(&s, base + i * PAGE, &old) || old != FAKE_PA + i * PAGE;
	}
	EXPECT_EQ(wrong, 0);
	EXPECT_TRUE(arch_mmu_unmap(&s, FAR_VA, NULL));
	struct walk_log log = { 0 };
	arch_mmu_walk(&s, 0, UINTPTR_MAX, walk_record, &log);
	EXPECT_EQ(log.count, 0);
	arch_mmu_space_destroy(&s);
	EXPECT_EQ(s.table_frames, 0);
	EXPECT_EQ(frame_count_free(), free0);
}

/* ---- Page tables above the direct map (i686 with more than 768 MiB of RAM) ---- */

#define HIGH_POOL 6
static paddr_t high_pool[HIGH_POOL];
static unsigned high_count, high_used;

static int high_table_source(paddr_t *pa)
{
	if (high_used == high_count)
		return -ENOMEM;
	*pa = high_pool[high_used++];
	return 0;
}

/* Fills high_pool with free frames above the direct map (and below 4 GiB, for a PAE root): the
 * lowest free frames at 256 MiB boundaries, skipping those inside the direct map. */
static void high_pool_fill(void)
{
	paddr_t low[8];
	unsigned nlow = 0;
	high_count = high_used = 0;
	while (high_count < HIGH_POOL && nlow < ARRAY_SIZE(low)) {
		paddr_t pa;
		if (frame_alloc_contig(1, 1u << 16, &pa))
			break;
		if (pa + PAGE <= X86_DIRECT_MAP_LIMIT || pa >= 0x100000000ull)
			low[nlow++] = pa;
		else
			high_pool[high_count++] = pa;
	}
	while (nlow > 0)
		frame_free(low[--nlow]);
}

static void count_high_table(void *ctx, paddr_t table, unsigned level)
{
	(void)level;
	unsigned *high = ctx;
	*high += table + PAGE > X86_DIRECT_MAP_LIMIT;
}

KTEST(x86_mmu_tables_above_the_direct_map_work)
{
	uint64_t free0 = frame_count_free();
	high_pool_fill();
	if (high_count < HIGH_POOL) {
		ktest_log("%u frames above the direct map below 4 GiB: nothing to test", high_count);
		while (high_count > 0)
			frame_free(high_pool[--high_count]);
		EXPECT_EQ(frame_count_free(), free0);
		return;
	}
	paddr_t data;
	ASSERT_EQ(frame_alloc(&data), 0);
	x86_mmu_table_source = high_table_source;
	struct mmu_space s;
	int err = arch_mmu_space_create(&s);
	uintptr_t va[2] = { 0x00400000, FAR_VA + 0x7000 };
	for (unsigned i = 0; i < 2 && !err; i++)
		err = arch_mmu_map(&s, va[i], data, MMU_READ | MMU_WRITE | MMU_USER);
	x86_mmu_table_source = NULL;
	ASSERT_EQ(err, 0);
	ktest_log("root %#llx, %lu tables", (unsigned long long)s.root, s.table_frames);
	unsigned high = 0;
	arch_mmu_walk_tables(&s, count_high_table, &high);
	EXPECT_EQ(high, s.table_frames);                 /* every table is above the direct map */

	/* the CPU walks them: write through one address, read through the other */
	arch_mmu_space_activate(&s);
	static const char msg[] = "high tables";
	char back[sizeof(msg)] = { 0 };
	EXPECT_EQ(arch_copy_to_user(va[0] + 32, msg, sizeof(msg)), 0);
	EXPECT_EQ(arch_copy_from_user(back, va[1] + 32, sizeof(back)), 0);
	EXPECT_STREQ(back, msg);
	arch_mmu_space_activate(NULL);

	struct walk_log log = { 0 };
	arch_mmu_walk(&s, 0, UINTPTR_MAX, walk_record, &log);
	EXPECT_EQ(log.count, 2);
	EXPECT_EQ(log.va[0], va[0]);
	EXPECT_EQ(log.va[1], va[1]);
	EXPECT_EQ(log.pa[1], data);
	EXPECT_EQ(log.flags[0], expected_query(MMU_READ | MMU_WRITE | MMU_USER) | MMU_ACCESSED | MMU_DIRTY);
	EXPECT_EQ(log.flags[1], expected_query(MMU_READ | MMU_USER | MMU_WRITE) | MMU_ACCESSED);
	for (unsigned i = 0; i < 2; i++)
		EXPECT_TRUE(arch_mmu_unmap(&s, va[i], NULL));
	arch_mmu_space_destroy(&s);
	while (high_used < high_count)
		frame_free(high_pool[high_used++]);
	frame_free(data);
	EXPECT_EQ(frame_count_free(), free0);
}
