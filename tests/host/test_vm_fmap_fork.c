/* Host tests of scheme-file mappings (mm/fmap.c), second part: fork of shared, private and lazy
 * mappings (the child's copies prepared again, CoW of private pages, file frames kept), a fork
 * the daemon refuses, a daemon that exits while mapped, the daemon's device memory, the
 * invariant checker's file-grant checks, and allocation failures at every point. */
#include "fmap_testlib.h"

HTEST(fmap_fork_prepares_the_childs_copies_and_keeps_both_kinds_right)
{
	vm_env_default();
	uint64_t start = vm_env_free();
	struct fake_daemon d;
	ASSERT_TRUE(fake_daemon_init(&d, 8));
	struct addrspace *c = vm_env_space(), *child;
	struct scheme_file *f = fake_file_open(&d, O_RDWR);
	uintptr_t s, p, l;
	ASSERT_EQ(vm_mmap_file(c, 0, 2 * PG, RW, MAP_SHARED, f, 0, &s), 0);
	ASSERT_EQ(vm_mmap_file(c, 0, 2 * PG, RW, MAP_PRIVATE, f, 2 * PG, &p), 0);
	ASSERT_EQ(vm_mmap_file(c, 0, 4 * PG, RW, MAP_SHARED | MAP_LAZY, f, 4 * PG, &l), 0);
	ASSERT_EQ(vm_env_fill(c, p, 8, 0x21), 0);                /* private page 0: own copy */
	EXPECT_TRUE(vm_env_all(c, l + PG, 1, 0x45));
	EXPECT_TRUE(vm_env_all(c, l + 2 * PG, 1, 0x46));
	EXPECT_STREQ(LOG(&d), "P0+2s P2+2p P5+1sL P6+1sL");
	ASSERT_EQ(addrspace_fork(c, &child), 0);
	/* One prep per grant for the child (address order; placement is top-down). */
	char got[256];
	strcpy(got, LOG(&d));
	EXPECT_STRSTR(got, "P0+2s");
	EXPECT_STRSTR(got, "P2+2p");
	EXPECT_STRSTR(got, "P5+2sL");                             /* one run of present pages */
	/* Shared: same frames, four references (the daemon's entry and shared object, parent,
	 * child); writes seen by all. */
	EXPECT_EQ(vm_env_frame(child, s, NULL), dframe(&d, 0));
	EXPECT_EQ(vm_env_refcount(child, s), 4);
	EXPECT_EQ(pins_at(child, s), 2);
	EXPECT_EQ(pins_at(child, l), 2);
	ASSERT_EQ(vm_env_fill(child, s, 8, 0x31), 0);
	EXPECT_TRUE(vm_env_all(c, s, 8, 0x31));
	EXPECT_TRUE(vm_env_all(d.as, d.base, 8, 0x31));
	/* Private: the written page is CoW between parent and child; the untouched one is still
	 * the file's frame in both and follows the file. */
	EXPECT_EQ(vm_env_frame(child, p + PG, NULL), dframe(&d, 3));
	ASSERT_EQ(vm_env_fill(d.as, d.base + 3 * PG, 8, 0x66), 0);
	EXPECT_TRUE(vm_env_all(child, p + PG, 8, 0x66));
	EXPECT_TRUE(vm_env_all(c, p + PG, 8, 0x66));
	ASSERT_EQ(vm_env_fill(c, p + PG, 8, 0x67), 0);
	EXPECT_TRUE(vm_env_all(child, p + PG, 8, 0x66));
	EXPECT_TRUE(vm_env_all(d.as, d.base + 3 * PG, 8, 0x66));
	EXPECT_EQ(vm_env_frame(c, p, NULL), vm_env_frame(child, p, NULL));
	ASSERT_EQ(vm_env_fill(child, p, 8, 0x22), 0);
	EXPECT_TRUE(vm_env_all(c, p, 8, 0x21));
	EXPECT_TRUE(vm_env_all(child, p, 8, 0x22));
	/* The child asks its own lazy pages. */
	EXPECT_TRUE(vm_env_all(child, l + 3 * PG, 1, 0x47));
	EXPECT_STREQ(LOG(&d), "P7+1sL");
	VM_CHECK_CLEAN();
	addrspace_destroy(child);
	strcpy(got, LOG(&d));
	EXPECT_STRSTR(got, "U0+2");
	EXPECT_STRSTR(got, "U2+2");
	EXPECT_STRSTR(got, "U5+3");
	EXPECT_EQ(fake_file_refs(f), 4);
	finish(&d, c, f, start);
}

HTEST(fmap_fork_refused_by_the_daemon_fails_and_notifies_what_it_prepared)
{
	vm_env_default();
	uint64_t start = vm_env_free();
	struct fake_daemon d;
	ASSERT_TRUE(fake_daemon_init(&d, 4));
	struct addrspace *c = vm_env_space(), *child = NULL;
	struct scheme_file *f = fake_file_open(&d, O_RDWR);
	uintptr_t a, b;
	ASSERT_EQ(vm_mmap_file(c, 0, 2 * PG, RW, MAP_SHARED, f, 0, &a), 0);
	ASSERT_EQ(vm_mmap_file(c, 0, 2 * PG, RW, MAP_SHARED, f, 2 * PG, &b), 0);
	LOG(&d);
	unsigned long live = addrspace_live_count();
	d.error = -ENOSPC;
	d.error_after = (int)d.preps + 1;                         /* the second prep is refused */
	EXPECT_EQ(addrspace_fork(c, &child), -ENOSPC);
	EXPECT_NULL(child);
	EXPECT_EQ(addrspace_live_count(), live);
	char got[128];
	strcpy(got, LOG(&d));
	EXPECT_TRUE(!strcmp(got, "P0+2s U0+2") || !strcmp(got, "P2+2s U2+2"));
	d.error = 0;
	EXPECT_TRUE(vm_env_all(c, a, 1, 0x40));
	EXPECT_EQ(fake_file_refs(f), 3);
	finish(&d, c, f, start);
}

HTEST(fmap_daemon_exit_leaves_the_clients_frames_until_it_unmaps)
{
	vm_env_default();
	uint64_t start = vm_env_free();
	struct fake_daemon d;
	ASSERT_TRUE(fake_daemon_init(&d, 4));
	struct addrspace *c = vm_env_space();
	struct scheme_file *f = fake_file_open(&d, O_RDWR);
	uintptr_t a, p;
	ASSERT_EQ(vm_mmap_file(c, 0, 4 * PG, RW, MAP_SHARED, f, 0, &a), 0);
	ASSERT_EQ(vm_mmap_file(c, 0, 4 * PG, PROT_READ, MAP_PRIVATE, f, 0, &p), 0);
	fake_daemon_exit(&d);
	for (int i = 0; i < 4; i++) {
		EXPECT_EQ(vm_env_refcount(c, a + i * PG), 2);
		EXPECT_TRUE(vm_env_all(c, a + i * PG, PG, (uint8_t)(0x40 + i)));
	}
	ASSERT_EQ(vm_env_fill(c, a, 8, 0x12), 0);
	EXPECT_TRUE(vm_env_all(c, p, 8, 0x12));
	VM_CHECK_CLEAN();
	/* A fork still works: the dead daemon's pages are copied into the child as they are. */
	struct addrspace *child;
	ASSERT_EQ(addrspace_fork(c, &child), 0);
	EXPECT_EQ(vm_env_frame(child, a + PG, NULL), vm_env_frame(c, a + PG, NULL));
	EXPECT_EQ(vm_env_refcount(c, a + PG), 4);                /* shared and private, twice */
	EXPECT_TRUE(vm_env_all(child, p, 8, 0x12));
	VM_CHECK_CLEAN();
	addrspace_destroy(child);
	ASSERT_EQ(vm_munmap(c, a, 4 * PG), 0);
	/* The private mapping alone holds them now: count 1, and still read-only by protection. */
	EXPECT_EQ(vm_env_refcount(c, p), 1);
	VM_CHECK_CLEAN();
	/* The shared mapping's notice went to the dead daemon (dropped); log the private one's. */
	d.dead = false;
	addrspace_destroy(c);
	EXPECT_STREQ(LOG(&d), "P0+4s P0+4p U0+4");
	memset(d.counts, 0, sizeof(d.counts));    /* a dead daemon's counts no longer matter */
	finish(&d, NULL, f, start);
}

HTEST(fmap_allocation_failures_at_every_point_leak_nothing)
{
	vm_env_default();
	uint64_t start = vm_env_free();
	struct fake_daemon d;
	ASSERT_TRUE(fake_daemon_init(&d, 16));
	struct addrspace *c = vm_env_space(), *child = NULL;
	struct scheme_file *f = fake_file_open(&d, O_RDWR);
	uintptr_t a = 0, p = 0, l;
	unsigned n, ok[4] = { 0 };
	/* eager shared mmap far away (page tables needed), then private */
	for (int op = 0; op < 2; op++) {
		for (n = 1; n < 500; n++) {
			uint64_t before = vm_env_free();
			alloc_inject_nth(n);
			int err = op == 0 ?
				vm_mmap_file(c, 0x30000000, 8 * PG, RW, MAP_SHARED, f, 0, &a) :
				vm_mmap_file(c, 0x50000000, 8 * PG, RW, MAP_PRIVATE, f, 8 * PG, &p);
			alloc_inject_off();
			if (!err)
				break;
			EXPECT_EQ(err, -ENOMEM);
			EXPECT_EQ(c->grants.count, (size_t)op);
			EXPECT_LE(vm_env_free(), before);        /* page tables may stay */
			if (op == 0)
				ASSERT_TRUE(fake_counts_zero(&d));
			ASSERT_EQ(vm_check_all(), 0);
		}
		ok[op] = n;
	}
	ASSERT_EQ(vm_mmap_file(c, 0x60000000, 8 * PG, RW, MAP_SHARED | MAP_LAZY, f, 0, &l), 0);
	/* lazy fault: the page-table allocations fail one after the other */
	for (n = 1; n < 500; n++) {
		alloc_inject_nth(n);
		int err = soft_user_write8(c, l + 2 * PG, 5);
		alloc_inject_off();
		if (!err)
			break;
		EXPECT_EQ(err, -ENOMEM);
		EXPECT_EQ(vm_env_frame(c, l + 2 * PG, NULL), NONE);
		ASSERT_EQ(vm_check_all(), 0);
	}
	ok[2] = n;
	EXPECT_EQ(pins_at(c, l), 1);
	/* fork */
	for (n = 1; n < 500; n++) {
		alloc_inject_nth(n);
		int err = addrspace_fork(c, &child);
		alloc_inject_off();
		if (!err)
			break;
		EXPECT_EQ(err, -ENOMEM);
		ASSERT_EQ(vm_check_all(), 0);
	}
	ok[3] = n;
	htest_log("succeeded at allocation %u %u %u %u", ok[0], ok[1], ok[2], ok[3]);
	for (int i = 0; i < 4; i++)
		EXPECT_GT(ok[i], 1);
	ASSERT_NOT_NULL(child);
	EXPECT_TRUE(vm_env_all(child, a + PG, 1, 0x41));
	EXPECT_TRUE(vm_env_all(child, p + PG, 1, 0x49));
	EXPECT_TRUE(vm_env_all(child, l + 2 * PG, 1, 5));
	VM_CHECK_CLEAN();
	addrspace_destroy(child);
	finish(&d, c, f, start);
}

HTEST(fmap_checker_catches_wrong_pins_writable_file_frames_and_lost_map_ids)
{
	vm_env_default();
	uint64_t start = vm_env_free();
	struct fake_daemon d;
	ASSERT_TRUE(fake_daemon_init(&d, 4));
	struct addrspace *c = vm_env_space();
	struct scheme_file *f = fake_file_open(&d, O_RDWR);
	uintptr_t a, p;
	ASSERT_EQ(vm_mmap_file(c, 0, 2 * PG, RW, MAP_SHARED, f, 0, &a), 0);
	ASSERT_EQ(vm_mmap_file(c, 0, 2 * PG, RW, MAP_PRIVATE, f, 2 * PG, &p), 0);
	VM_CHECK_CLEAN();
	struct grant *g = grant_at(c, a);
	g->provider.fmap_borrowed.pin_refcount++;
	EXPECT_EQ(vm_check_all(), 1);
	g->provider.fmap_borrowed.pin_refcount--;
	uint32_t id = g->provider.map_id;
	g->provider.map_id = 0;
	EXPECT_EQ(vm_check_all(), 1);
	g->provider.map_id = id;
	unsigned flags;
	paddr_t pa = vm_env_frame(c, p, &flags);
	ASSERT_EQ(pa, dframe(&d, 2));
	arch_mmu_protect(&c->mmu, p, flags | MMU_WRITE);
	EXPECT_EQ(vm_check_all(), 1);                             /* the file's frame, writable */
	arch_mmu_protect(&c->mmu, p, flags);
	arch_tlb_flush_page(&c->mmu, p);
	finish(&d, c, f, start);
}

HTEST(fmap_device_memory_of_the_daemon_is_mapped_without_references_or_pins)
{
	vm_env_default();
	uint64_t start = vm_env_free();
	struct fake_daemon d;
	ASSERT_TRUE(fake_daemon_init(&d, 4));
	uintptr_t dev;
	const paddr_t device = 0x10000;            /* below the allocator's RAM: no pageinfo */
	memset(fake_ram_ptr(device), 0xd7, PG);
	ASSERT_EQ(vm_map_phys(d.as, d.base + 4 * PG, device, PG, RW, MAP_SHARED | MAP_FIXED,
			      MMU_CACHE_UC, &dev), 0);
	struct addrspace *c = vm_env_space();
	struct scheme_file *f = fake_file_open(&d, O_RDWR);
	uintptr_t a, out = 0;
	/* Pages 3 (write-back) and 4 (uncached) in one answer: one grant cannot have both. */
	EXPECT_EQ(vm_mmap_file(c, 0, 2 * PG, RW, MAP_SHARED, f, 3 * PG, &out), -EINVAL);
	/* A private mapping takes allocator memory only. */
	EXPECT_EQ(vm_mmap_file(c, 0, PG, PROT_READ, MAP_PRIVATE, f, 4 * PG, &out), -EINVAL);
	EXPECT_STREQ(LOG(&d), "P3+2s U3+2 P4+1p U4+1");
	EXPECT_EQ(out, 0);
	ASSERT_EQ(vm_mmap_file(c, 0, PG, RW, MAP_SHARED, f, 4 * PG, &a), 0);
	unsigned flags;
	EXPECT_EQ(vm_env_frame(c, a, &flags), device);
	EXPECT_EQ(flags & MMU_CACHE_MASK, MMU_CACHE_UC);
	EXPECT_EQ(pins_at(c, a), 0);
	EXPECT_TRUE(vm_env_all(c, a, PG, 0xd7));
	ASSERT_EQ(vm_env_fill(c, a, 8, 0x3c), 0);
	EXPECT_EQ(*(uint8_t *)fake_ram_ptr(device), 0x3c);
	struct addrspace *child;
	ASSERT_EQ(addrspace_fork(c, &child), 0);
	EXPECT_EQ(vm_env_frame(child, a, NULL), device);
	EXPECT_EQ(pins_at(child, a), 0);
	VM_CHECK_CLEAN();
	addrspace_destroy(child);
	EXPECT_STREQ(LOG(&d), "P4+1s P4+1s U4+1");
	finish(&d, c, f, start);
}
