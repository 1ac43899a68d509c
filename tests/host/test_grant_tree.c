/* Host tests of grants (mm/grant.c) and the grant tree (mm/grant_tree.c): random inserts and
 * removals against an oracle with the AVL invariants checked after every step, the height bound,
 * lookups, order, and split/merge per provider kind (External moves src_base and takes a
 * reference on its address space). */
#include <stdlib.h>
#include <string.h>

#include "htest.h"
#include "vm_env.h"
#include "mm/grant.h"
#include "mm/grant_tree.h"
#include "mm/vm.h"

#define PG FRAME_SIZE
#define SLOTS 512
#define SLOT_BASE 0x100000ul
#define SLOT_SPAN (8 * PG)

static struct grant nodes[SLOTS];
static bool in_tree[SLOTS];

static uintptr_t slot_start(unsigned i)
{
	return SLOT_BASE + i * SLOT_SPAN + (i % 3) * PG;
}

static void check_against_oracle(struct grant_tree *t)
{
	ASSERT_EQ(grant_tree_check(t, "oracle"), 0);
	struct grant *g = grant_tree_first(t);
	size_t n = 0;
	for (unsigned i = 0; i < SLOTS; i++) {
		if (!in_tree[i])
			continue;
		ASSERT_PTR_EQ(g, &nodes[i]);
		g = grant_tree_next(g);
		n++;
	}
	EXPECT_NULL(g);
	EXPECT_EQ(t->count, n);
}

HTEST(grant_tree_random_inserts_and_removals_match_the_oracle)
{
	struct grant_tree t;
	grant_tree_init(&t);
	memset(in_tree, 0, sizeof(in_tree));
	srand(1234);
	for (int step = 0; step < 20000; step++) {
		unsigned i = (unsigned)rand() % SLOTS;
		if (in_tree[i]) {
			grant_tree_remove(&t, &nodes[i]);
			in_tree[i] = false;
		} else {
			nodes[i] = (struct grant){ .start = slot_start(i), .pages = 1 + i % 5 };
			grant_tree_insert(&t, &nodes[i]);
			in_tree[i] = true;
		}
		if (step % 97 == 0)
			check_against_oracle(&t);
		/* Lookups at random addresses agree with the oracle. */
		uintptr_t addr = SLOT_BASE + (uintptr_t)rand() % (SLOTS * SLOT_SPAN);
		unsigned s = (unsigned)((addr - SLOT_BASE) / SLOT_SPAN);
		bool inside = in_tree[s] && addr >= slot_start(s) && addr < grant_end(&nodes[s]);
		struct grant *f = grant_tree_find(&t, addr);
		if (inside)
			ASSERT_PTR_EQ(f, &nodes[s]);
		else
			ASSERT_PTR_EQ(f, NULL);
		struct grant *lb = grant_tree_lower_bound(&t, addr);
		struct grant *want = NULL;
		for (unsigned k = s; k < SLOTS && !want; k++)
			if (in_tree[k] && grant_end(&nodes[k]) > addr)
				want = &nodes[k];
		ASSERT_PTR_EQ(lb, want);
	}
	check_against_oracle(&t);
	/* Walk backwards too. */
	struct grant *g = grant_tree_last(&t);
	for (unsigned i = SLOTS; i-- > 0;) {
		if (!in_tree[i])
			continue;
		ASSERT_PTR_EQ(g, &nodes[i]);
		g = grant_tree_prev(g);
	}
	EXPECT_NULL(g);
	EXPECT_TRUE(grant_tree_overlaps(&t, SLOT_BASE, SLOT_BASE + SLOTS * SLOT_SPAN) == (t.count > 0));
}

HTEST(grant_tree_stays_logarithmic_for_sequential_inserts)
{
	struct grant_tree t;
	grant_tree_init(&t);
	for (unsigned i = 0; i < SLOTS; i++) {
		nodes[i] = (struct grant){ .start = SLOT_BASE + i * PG, .pages = 1 };
		grant_tree_insert(&t, &nodes[i]);
	}
	EXPECT_EQ(grant_tree_check(&t, "seq"), 0);
	EXPECT_LE(t.root->height, 13);           /* 1.44 * log2(514) ~ 13; a list would be 512 */
	for (unsigned i = 0; i < SLOTS; i += 2)
		grant_tree_remove(&t, &nodes[i]);
	EXPECT_EQ(grant_tree_check(&t, "seq"), 0);
	EXPECT_EQ(t.count, SLOTS / 2);
	EXPECT_LE(t.root->height, 12);
	EXPECT_PTR_EQ(grant_tree_find(&t, SLOT_BASE + 3 * PG + 5), &nodes[3]);
	EXPECT_NULL(grant_tree_find(&t, SLOT_BASE + 2 * PG));
}

HTEST(grant_tree_insert_of_an_overlapping_grant_panics)
{
	struct grant_tree t;
	grant_tree_init(&t);
	nodes[0] = (struct grant){ .start = SLOT_BASE, .pages = 4 };
	nodes[1] = (struct grant){ .start = SLOT_BASE + 3 * PG, .pages = 1 };
	grant_tree_insert(&t, &nodes[0]);
	EXPECT_PANIC(grant_tree_insert(&t, &nodes[1]));
	EXPECT_STRSTR(htest_panic_message, "overlaps");
}

HTEST(grant_split_moves_the_provider_of_the_second_half)
{
	vm_env_default();
	struct addrspace *src = vm_env_space();
	struct grant_provider ext = { .kind = GRANT_EXTERNAL,
		.external = { .address_space = src, .src_base = 0x500000 } };
	addrspace_get(src);                      /* the grant's reference */
	struct grant *g = grant_new(0x200000, 10, PROT_READ, PROT_READ, MAP_SHARED, 0, &ext);
	struct grant *h = grant_new(0, 1, 0, 0, 0, 0, &ext);
	ASSERT_NOT_NULL(g);
	ASSERT_NOT_NULL(h);
	grant_split(g, 4, h);
	EXPECT_EQ(g->pages, 4);
	EXPECT_EQ(h->start, 0x200000 + 4 * PG);
	EXPECT_EQ(h->pages, 6);
	EXPECT_EQ(h->prot, PROT_READ);
	EXPECT_EQ(h->provider.external.src_base, 0x500000 + 4 * PG);
	EXPECT_EQ(atomic_load(&src->refcount), 3);
	EXPECT_TRUE(grant_can_merge(g, h));
	EXPECT_FALSE(grant_can_merge(h, g));
	grant_merge(g, h);
	EXPECT_EQ(g->pages, 10);
	grant_free(h);
	EXPECT_EQ(atomic_load(&src->refcount), 2);
	h = grant_new(0x200000 + 10 * PG, 2, PROT_READ, PROT_READ, MAP_SHARED, 0, &ext);
	addrspace_get(src);
	EXPECT_FALSE(grant_can_merge(g, h));     /* src_base does not continue */
	h->provider.external.src_base = 0x500000 + 10 * PG;
	EXPECT_TRUE(grant_can_merge(g, h));
	h->prot = PROT_NONE;
	EXPECT_FALSE(grant_can_merge(g, h));
	grant_free(h);
	grant_free(g);
	EXPECT_EQ(atomic_load(&src->refcount), 1);

	struct grant_provider phys = { .kind = GRANT_PHYS_BORROWED, .phys_borrowed.base = 0xfe000000 };
	g = grant_new(0x200000, 3, PROT_READ, 7, MAP_SHARED, 0, &phys);
	h = grant_new(0, 1, 0, 0, 0, 0, &phys);
	grant_split(g, 2, h);
	EXPECT_EQ(h->provider.phys_borrowed.base, 0xfe000000 + 2 * PG);
	EXPECT_TRUE(grant_can_merge(g, h));
	grant_free(h);
	struct grant_provider anon = { .kind = GRANT_ALLOCATED };
	h = grant_new(0x200000 + 2 * PG, 1, PROT_READ, 7, MAP_SHARED, 0, &anon);
	EXPECT_FALSE(grant_can_merge(g, h));     /* different providers never merge */
	grant_free(h);
	grant_free(g);
	EXPECT_EQ(strcmp(grant_kind_name(GRANT_FMAP_BORROWED), "fmap-borrowed"), 0);
	addrspace_destroy(src);
}

HTEST(grant_mmu_flags_follow_prot_and_none_is_kernel_only)
{
	struct grant g = { .prot = PROT_NONE, .cache = MMU_CACHE_WC };
	EXPECT_EQ(grant_mmu_flags(&g), MMU_CACHE_WC);
	g.prot = PROT_READ;
	EXPECT_EQ(grant_mmu_flags(&g), MMU_CACHE_WC | MMU_USER | MMU_READ);
	g.prot = PROT_WRITE;
	EXPECT_EQ(grant_mmu_flags(&g), MMU_CACHE_WC | MMU_USER | MMU_READ | MMU_WRITE);
	g.prot = PROT_EXEC;
	EXPECT_EQ(grant_mmu_flags(&g), MMU_CACHE_WC | MMU_USER | MMU_READ | MMU_EXEC);
	EXPECT_TRUE(grant_allows(&g, VM_ACCESS_READ));
	EXPECT_TRUE(grant_allows(&g, VM_ACCESS_EXEC));
	EXPECT_FALSE(grant_allows(&g, VM_ACCESS_WRITE));
	g.prot = PROT_NONE;
	EXPECT_FALSE(grant_allows(&g, VM_ACCESS_READ));
}
