/* Host tests of out-of-memory paths: fork, faults, mmap/munmap/mprotect and borrows are run
 * with the Nth allocation failing (mm/alloc_inject.h), N = 1, 2, ... until they succeed; after
 * each failure the error is -ENOMEM, the invariant checker is clean and the caller's memory is
 * intact, and after destroying everything the free count is back at its start with no heap
 * object left. Then real exhaustion (touching more than all RAM) and a seeded random storm. */
#include <string.h>

#include "htest.h"
#include "soft_mmu.h"
#include "vm_env.h"
#include "kernel/errno.h"
#include "mm/alloc_inject.h"
#include "mm/check.h"
#include "mm/kheap.h"
#include "mm/pageinfo.h"
#include "mm/section.h"
#include "mm/vm.h"
#include "mm/vm_internal.h"

#define PG FRAME_SIZE
#define RW (PROT_READ | PROT_WRITE)
#define PRIV (MAP_PRIVATE | MAP_ANONYMOUS)
#define SHARED (MAP_SHARED | MAP_ANONYMOUS)
#define DEVICE 0x10000
#define MAX_TRIES 2000

static unsigned long heap_objects(void)
{
	struct kheap_stats s;
	kheap_get_stats(&s);
	return s.objects;
}

/* A parent with every kind of grant: private pages written, read (zero frame) and untouched,
 * a shared grant half populated, a device mapping, a borrow from OTHER. Pages hold i + 1. */
static struct addrspace *rich_parent(struct addrspace *other, uintptr_t *priv, uintptr_t *shared)
{
	struct addrspace *as = vm_env_space();
	uintptr_t d, e, o;
	if (!as || vm_mmap(as, 0, 24 * PG, RW, PRIV, priv) || vm_mmap(as, 0, 6 * PG, RW, SHARED, shared) ||
	    vm_map_phys(as, 0, DEVICE, 2 * PG, RW, MAP_SHARED, MMU_CACHE_UC, &d) ||
	    vm_mmap(other, 0, 2 * PG, RW, PRIV, &o) || vm_env_fill(other, o, 2 * PG, 0xee) ||
	    vm_borrow(as, 0, 2 * PG, RW, 0, other, o, &e))
		htest_fail(__FILE__, __LINE__, "setting up the parent failed");
	for (int i = 0; i < 8; i++)
		vm_env_fill(as, *priv + i * PG, 16, (uint8_t)(i + 1));
	vm_env_all(as, *priv + 8 * PG, 4 * PG, 0);
	vm_env_fill(as, *shared, 3 * PG, 0x5a);
	vm_fault(as, d, VM_ACCESS_WRITE);
	return as;
}

static bool rich_parent_intact(struct addrspace *as, uintptr_t priv, uintptr_t shared)
{
	bool ok = vm_env_all(as, shared, 3 * PG, 0x5a) && vm_env_all(as, shared + 3 * PG, 3 * PG, 0);
	for (int i = 0; i < 8; i++)
		ok &= vm_env_all(as, priv + i * PG, 16, (uint8_t)(i + 1));
	return ok && vm_env_all(as, priv + 8 * PG, 16 * PG, 0);
}

HTEST(vm_oom_at_every_allocation_of_fork_rolls_back_cleanly)
{
	vm_env_default();
	uint64_t start = vm_env_free();
	struct addrspace *other = vm_env_space();
	uintptr_t priv, shared;
	struct addrspace *parent = rich_parent(other, &priv, &shared), *child = NULL;
	unsigned n;
	int err = -ENOMEM;
	for (n = 1; n < MAX_TRIES && err; n++) {
		unsigned long live = addrspace_live_count();
		alloc_inject_nth(n);
		err = addrspace_fork(parent, &child);
		alloc_inject_off();
		if (!err)
			break;
		EXPECT_EQ(err, -ENOMEM);
		EXPECT_EQ(addrspace_live_count(), live);
		ASSERT_EQ(vm_check_all(), 0);
		ASSERT_TRUE(rich_parent_intact(parent, priv, shared));
	}
	ASSERT_EQ(err, 0);
	htest_log("fork succeeded at allocation %u", n);
	EXPECT_GE(n, 8);                 /* a failure at each of the fork's allocations first */
	EXPECT_TRUE(rich_parent_intact(child, priv, shared));
	ASSERT_EQ(vm_env_fill(child, priv, 16, 0x77), 0);
	EXPECT_TRUE(rich_parent_intact(parent, priv, shared));
	VM_CHECK_CLEAN();
	addrspace_destroy(child);
	addrspace_destroy(parent);
	addrspace_destroy(other);
	EXPECT_EQ(vm_env_free(), start);
	EXPECT_EQ(heap_objects(), 0);
}

/* Runs a user write of one byte at VA with allocation N failing, for N = 1.. until it succeeds;
 * checks that each failure is -ENOMEM, leaves OLD_PA mapped at VA and the checker clean. */
static unsigned write_until_it_works(struct addrspace *as, uintptr_t va, uint8_t value)
{
	paddr_t old = vm_env_frame(as, va, NULL);
	for (unsigned n = 1; n < MAX_TRIES; n++) {
		alloc_inject_nth(n);
		int err = soft_user_write8(as, va, value);
		alloc_inject_off();
		if (!err)
			return n;
		EXPECT_EQ(err, -ENOMEM);
		EXPECT_EQ(vm_env_frame(as, va, NULL), old);
		EXPECT_EQ(vm_check_all(), 0);
	}
	htest_fail(__FILE__, __LINE__, "the write never succeeded");
	return 0;
}

HTEST(vm_oom_inside_faults_changes_nothing_and_everything_stays_freeable)
{
	vm_env_default();
	uint64_t start = vm_env_free();
	struct addrspace *as = vm_env_space(), *child;
	uintptr_t a, s;
	ASSERT_EQ(vm_mmap(as, 0, 4 * PG, RW, PRIV, &a), 0);
	ASSERT_EQ(vm_mmap(as, 0x10000000, PG, RW, SHARED, &s), 0);   /* far: needs new tables */
	/* The n-th allocation failing for n = 1..4 (3 page tables, the frame), then success. */
	EXPECT_EQ(write_until_it_works(as, a, 1), 5);
	EXPECT_EQ(write_until_it_works(as, s, 2), 5);
	ASSERT_TRUE(vm_env_all(as, a + PG, 1, 0));       /* zero frame */
	EXPECT_EQ(write_until_it_works(as, a + PG, 3), 2);          /* zero -> fresh frame */
	ASSERT_EQ(addrspace_fork(as, &child), 0);
	EXPECT_EQ(write_until_it_works(child, a, 4), 2);            /* CoW copy */
	EXPECT_TRUE(vm_env_all(as, a, 1, 1));
	/* A failed fault leaves the context killable: destroying it frees everything. */
	alloc_inject_nth(1);
	EXPECT_EQ(soft_user_write8(child, a + 2 * PG, 5), -ENOMEM);
	alloc_inject_off();
	VM_CHECK_CLEAN();
	addrspace_destroy(child);
	addrspace_destroy(as);
	EXPECT_EQ(vm_env_free(), start);
	EXPECT_EQ(heap_objects(), 0);
}

HTEST(vm_oom_in_mmap_munmap_mprotect_and_borrow_changes_nothing)
{
	vm_env_default();
	uint64_t start = vm_env_free();
	struct addrspace *as = vm_env_space(), *other = vm_env_space();
	uintptr_t a, out, b;
	ASSERT_EQ(vm_mmap(as, 0, 8 * PG, RW, PRIV, &a), 0);
	ASSERT_EQ(vm_env_fill(as, a, 8 * PG, 0x31), 0);
	unsigned n, ok_at[4] = { 0 };
	for (int op = 0; op < 4; op++) {
		for (n = 1; n < MAX_TRIES; n++) {
			size_t grants = as->grants.count, resident = addrspace_resident_pages(as);
			alloc_inject_nth(n);
			int err;
			switch (op) {
			case 0: err = vm_mmap(as, a + 2 * PG, PG, PROT_READ, PRIV | MAP_FIXED, &out); break;
			case 1: err = vm_munmap(as, a + 5 * PG, PG); break;
			case 2: err = vm_mprotect(as, a + PG, PG, PROT_READ); break;
			default: err = vm_borrow(other, 0, 2 * PG, RW, 0, as, a + 6 * PG, &b);
			}
			alloc_inject_off();
			if (!err)
				break;
			EXPECT_EQ(err, -ENOMEM);
			EXPECT_EQ(as->grants.count, grants);
			EXPECT_EQ(addrspace_resident_pages(as), resident);
			EXPECT_EQ(other->grants.count, 0);
			EXPECT_TRUE(vm_env_all(as, a, 2 * PG, 0x31));
			ASSERT_EQ(vm_check_all(), 0);
		}
		ok_at[op] = n;
	}
	htest_log("succeeded at allocation %u %u %u %u", ok_at[0], ok_at[1], ok_at[2], ok_at[3]);
	for (int op = 0; op < 4; op++)
		EXPECT_GT(ok_at[op], 1);
	VM_CHECK_CLEAN();
	addrspace_destroy(other);
	addrspace_destroy(as);
	EXPECT_EQ(vm_env_free(), start);
	EXPECT_EQ(heap_objects(), 0);
}

HTEST(vm_touching_more_than_all_ram_fails_with_enomem_and_destroy_frees_everything)
{
	vm_env_machine(8, MiB(64));
	uint64_t start = vm_env_free();
	struct addrspace *as = vm_env_space(), *bystander = vm_env_space();
	uintptr_t a, b;
	ASSERT_EQ(vm_mmap(bystander, 0, PG, RW, PRIV, &b), 0);
	ASSERT_EQ(vm_env_fill(bystander, b, PG, 0x42), 0);
	ASSERT_EQ(vm_mmap(as, 0, MiB(16), RW, PRIV, &a), 0);
	int err = 0;
	size_t touched = 0;
	for (uintptr_t va = a; va < a + MiB(16) && !err; va += PG, touched++)
		err = soft_user_write8(as, va, 1);
	EXPECT_EQ(err, -ENOMEM);
	EXPECT_EQ(vm_env_free(), 0);
	htest_log("touched %zu pages before running out", touched);
	VM_CHECK_CLEAN();                           /* the checker finds memory by itself... */
	addrspace_destroy(as);                      /* ...and the killed context frees it all */
	EXPECT_TRUE(vm_env_all(bystander, b, PG, 0x42));
	addrspace_destroy(bystander);
	EXPECT_EQ(vm_env_free(), start);
	EXPECT_EQ(heap_objects(), 0);
}

/* One random operation on the spaces of SPACES (NULL slots are free). */
static void random_op(struct addrspace **spaces, unsigned nspaces, uint64_t *rng)
{
	*rng ^= *rng << 13;
	*rng ^= *rng >> 7;
	*rng ^= *rng << 17;
	uint64_t r = *rng;
	unsigned i = (unsigned)(r % nspaces);
	struct addrspace *as = spaces[i];
	uintptr_t base = 0x100000, out;
	uintptr_t va = base + ((r >> 8) % 64) * PG;
	size_t len = (1 + (r >> 16) % 8) * PG;
	if (!as) {
		if (addrspace_create(&spaces[i]) == 0 && (r >> 40) % 2)
			vm_mmap(spaces[i], base, 64 * PG, RW, PRIV | MAP_FIXED, &out);
		return;
	}
	switch ((r >> 24) % 10) {
	case 0: vm_mmap(as, va, len, (r >> 32) % 8, ((r >> 35) % 2 ? PRIV : SHARED) | MAP_FIXED,
			&out); break;
	case 1: vm_munmap(as, va, len); break;
	case 2: vm_mprotect(as, va, len, (r >> 32) % 8); break;
	case 3: {
		unsigned j = (unsigned)((r >> 44) % nspaces);
		if (!spaces[j])
			addrspace_fork(as, &spaces[j]);
		break;
	}
	case 4: addrspace_destroy(as); spaces[i] = NULL; break;
	case 5: {
		unsigned j = (unsigned)((r >> 44) % nspaces);
		if (spaces[j])
			vm_borrow(spaces[j], 0, len, PROT_READ, 0, as, va, &out);
		break;
	}
	case 6: case 7: soft_user_write8(as, va + (r >> 48) % PG, (uint8_t)r); break;
	default: { uint8_t v; soft_user_read8(as, va, &v); break; }
	}
}

HTEST(vm_random_operations_under_random_allocation_failures_stay_consistent)
{
	static const uint64_t seeds[] = { 42, 0x9e3779b97f4a7c15ull, 7, 123456789, 0xdeadbeef };
	for (unsigned k = 0; k < ARRAY_SIZE(seeds); k++) {
		vm_env_machine(6, MiB(64));
		uint64_t start = vm_env_free();
		struct addrspace *spaces[6] = { NULL };
		uint64_t rng = seeds[k] * 0x2545f4914f6cdd1dull + 1;
		alloc_inject_random(seeds[k], 50000);            /* 5% of allocations fail */
		for (int step = 0; step < 2000; step++) {
			random_op(spaces, 6, &rng);
			if (step % 10 == 0) {
				int problems = vm_check_all();
				if (problems) {
					htest_fail(__FILE__, __LINE__, "seed %llu step %d: %d problems",
						   (unsigned long long)seeds[k], step, problems);
					break;
				}
			}
		}
		unsigned long injected = alloc_inject_failures();
		EXPECT_GT(injected, 10);
		alloc_inject_off();
		VM_CHECK_CLEAN();
		unsigned live = 0;
		for (int i = 0; i < 6; i++) {
			if (spaces[i]) {
				live++;
				addrspace_destroy(spaces[i]);
			}
		}
		htest_log("seed %llu: %lu allocations failed on purpose, %u spaces at the end, "
			  "%lu faults", (unsigned long long)seeds[k], injected, live,
			  soft_mmu_stats().faults);
		EXPECT_EQ(vm_env_free(), start);
		EXPECT_EQ(heap_objects(), 0);
		EXPECT_EQ(soft_mmu_stats().stale_hits, 0);
	}
}
