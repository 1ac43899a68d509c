/* Host tests of scheme-file mappings (mm/fmap.c) against the fake daemon of fake_scheme.h: eager
 * MAP_SHARED (entries are the daemon's frames, exact refcounts and pins, writes both ways), the
 * exact mmap_prep/munmap sequence for munmap of head/middle/tail, mprotect splits, MAP_FIXED
 * over a mapping and exit; holes; MAP_LAZY (untouched pages never asked, touched ones once,
 * error answers and a dead daemon fail the fault with nothing leaked); MAP_PRIVATE (the file's
 * current contents until written, then a private copy; mprotect never makes a file frame
 * writable); the refusals. (Fork, daemon exit, device memory, the checker and allocation failures:
 * test_vm_fmap_fork.c.) Every test ends with the daemon's page counts at 0, every file
 * closed, the checker clean and the free frame count back at its start. */
#include "fmap_testlib.h"

HTEST(fmap_eager_shared_maps_the_daemons_frames_and_writes_go_both_ways)
{
	vm_env_default();
	uint64_t start = vm_env_free();
	struct fake_daemon d;
	ASSERT_TRUE(fake_daemon_init(&d, 8));
	struct addrspace *c = vm_env_space();
	struct scheme_file *f = fake_file_open(&d, O_RDWR);
	uintptr_t a;
	ASSERT_EQ(vm_mmap_file(c, 0, 4 * PG, RW, MAP_SHARED, f, 2 * PG, &a), 0);
	EXPECT_STREQ(LOG(&d), "P2+4s");
	struct grant *g = grant_at(c, a);
	ASSERT_NOT_NULL(g);
	EXPECT_EQ(g->provider.kind, GRANT_FMAP_BORROWED);
	EXPECT_EQ(g->provider.fmap_borrowed.file_ref.offset, 2 * PG);
	EXPECT_EQ(g->provider.fmap_borrowed.pin_refcount, 4);
	EXPECT_EQ(fake_file_refs(f), 2);
	EXPECT_EQ(addrspace_resident_pages(c), 4);
	for (int i = 0; i < 4; i++) {
		EXPECT_EQ(vm_env_frame(c, a + i * PG, NULL), dframe(&d, 2 + i));
		/* the daemon's entry, its shared object's reference (mm/shm.h), ours */
		EXPECT_EQ(vm_env_refcount(c, a + i * PG), 3);
		EXPECT_TRUE(pageinfo_is_shared(pageinfo_of(dframe(&d, 2 + i))));
		EXPECT_TRUE(vm_env_all(c, a + i * PG, PG, (uint8_t)(0x42 + i)));
	}
	ASSERT_EQ(vm_env_fill(c, a + PG, 16, 0xc1), 0);
	EXPECT_TRUE(vm_env_all(d.as, d.base + 3 * PG, 16, 0xc1));
	ASSERT_EQ(vm_env_fill(d.as, d.base + 5 * PG, 16, 0xd1), 0);
	EXPECT_TRUE(vm_env_all(c, a + 3 * PG, 16, 0xd1));
	EXPECT_EQ(soft_mmu_stats().stale_hits, 0);
	VM_CHECK_CLEAN();
	addrspace_destroy(c);
	EXPECT_STREQ(LOG(&d), "U2+4");                   /* exit: exactly the prepared range */
	EXPECT_EQ(fake_file_refs(f), 1);
	EXPECT_EQ(vm_env_refcount(d.as, d.base + 2 * PG), 2);    /* the daemon's entry and object */
	finish(&d, NULL, f, start);
}

HTEST(fmap_munmap_of_head_middle_and_tail_sends_exactly_those_ranges)
{
	vm_env_default();
	uint64_t start = vm_env_free();
	struct fake_daemon d;
	ASSERT_TRUE(fake_daemon_init(&d, 8));
	struct addrspace *c = vm_env_space();
	struct scheme_file *f = fake_file_open(&d, O_RDWR);
	uintptr_t a;
	ASSERT_EQ(vm_mmap_file(c, 0, 6 * PG, RW, MAP_SHARED, f, PG, &a), 0);
	EXPECT_STREQ(LOG(&d), "P1+6s");
	ASSERT_EQ(vm_munmap(c, a, PG), 0);                        /* head */
	EXPECT_STREQ(LOG(&d), "U1+1");
	ASSERT_EQ(vm_munmap(c, a + 2 * PG, 2 * PG), 0);           /* middle */
	EXPECT_STREQ(LOG(&d), "U3+2");
	EXPECT_EQ(pins_at(c, a + PG), 1);
	EXPECT_EQ(pins_at(c, a + 4 * PG), 2);
	ASSERT_EQ(vm_munmap(c, a + 5 * PG, PG), 0);               /* tail */
	EXPECT_STREQ(LOG(&d), "U6+1");
	EXPECT_EQ(vm_munmap(c, a + 5 * PG, PG), 0);               /* nothing there: no notice */
	EXPECT_STREQ(LOG(&d), "");
	/* The file offsets of the pieces moved with the splits. */
	EXPECT_EQ(grant_at(c, a + 4 * PG)->provider.fmap_borrowed.file_ref.offset, 5 * PG);
	EXPECT_TRUE(vm_env_all(c, a + 4 * PG, PG, 0x45));
	VM_CHECK_CLEAN();
	/* One munmap over both pieces: a notice each (the offsets do not follow). */
	ASSERT_EQ(vm_munmap(c, a, 6 * PG), 0);
	EXPECT_STREQ(LOG(&d), "U2+1 U5+1");
	EXPECT_EQ(fake_file_refs(f), 1);
	finish(&d, c, f, start);
}

HTEST(fmap_mprotect_splits_rejoin_in_one_notice_and_map_fixed_over_notifies)
{
	vm_env_default();
	uint64_t start = vm_env_free();
	struct fake_daemon d;
	ASSERT_TRUE(fake_daemon_init(&d, 8));
	struct addrspace *c = vm_env_space();
	struct scheme_file *f = fake_file_open(&d, O_RDWR);
	uintptr_t a, b, out;
	ASSERT_EQ(vm_mmap_file(c, 0, 4 * PG, RW, MAP_SHARED, f, 0, &a), 0);
	ASSERT_EQ(vm_mprotect(c, a + PG, PG, PROT_READ), 0);
	EXPECT_EQ(c->grants.count, 3);
	EXPECT_EQ(pins_at(c, a), 1);
	EXPECT_EQ(pins_at(c, a + PG), 1);
	EXPECT_EQ(pins_at(c, a + 2 * PG), 2);
	EXPECT_EQ(soft_user_write8(c, a + PG, 1), -EFAULT);
	ASSERT_EQ(vm_mprotect(c, a + PG, PG, RW), 0);
	EXPECT_EQ(c->grants.count, 1);                            /* one mmap: merged back */
	EXPECT_EQ(pins_at(c, a), 4);
	ASSERT_EQ(vm_mprotect(c, a + 2 * PG, PG, PROT_NONE), 0);
	EXPECT_EQ(vm_munmap(c, a, 4 * PG), 0);
	EXPECT_STREQ(LOG(&d), "P0+4s U0+4");                      /* three grants, one notice */
	/* Two mmaps side by side at following offsets are two preps: two notices. */
	ASSERT_EQ(vm_mmap_file(c, 0x20000000, 2 * PG, RW, MAP_SHARED | MAP_FIXED, f, 0, &b), 0);
	ASSERT_EQ(vm_mmap_file(c, b + 2 * PG, 2 * PG, RW, MAP_SHARED | MAP_FIXED, f, 2 * PG, &out),
		  0);
	EXPECT_EQ(c->grants.count, 2);
	/* An anonymous MAP_FIXED over the middle replaces the pages: their notices go. */
	ASSERT_EQ(vm_mmap(c, b + PG, 2 * PG, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, &out), 0);
	EXPECT_STREQ(LOG(&d), "P0+2s P2+2s U1+1 U2+1");
	EXPECT_EQ(vm_mmap_file(c, b, PG, RW, MAP_SHARED | MAP_FIXED_NOREPLACE, f, 0, &out), -EEXIST);
	EXPECT_STREQ(LOG(&d), "P0+1s U0+1");                      /* refused after the prep */
	EXPECT_EQ(fake_file_refs(f), 3);
	finish(&d, c, f, start);
	EXPECT_STREQ(LOG(&d), "U0+1 U3+1");
}

HTEST(fmap_holes_fault_and_are_notified_with_their_range)
{
	vm_env_default();
	uint64_t start = vm_env_free();
	struct fake_daemon d;
	ASSERT_TRUE(fake_daemon_init(&d, 4));
	ASSERT_EQ(vm_munmap(d.as, d.base + PG, PG), 0);           /* file page 1: a hole */
	struct addrspace *c = vm_env_space();
	struct scheme_file *f = fake_file_open(&d, O_RDWR);
	uintptr_t a, e;
	ASSERT_EQ(vm_mmap_file(c, 0, 6 * PG, RW, MAP_SHARED, f, 0, &a), 0);
	EXPECT_EQ(pins_at(c, a), 3);                              /* pages 0, 2, 3 */
	EXPECT_EQ(vm_env_frame(c, a + PG, NULL), NONE);
	uint8_t v;
	EXPECT_EQ(soft_user_read8(c, a + PG, &v), -EFAULT);
	EXPECT_EQ(soft_user_write8(c, a + 4 * PG, 1), -EFAULT);   /* past the daemon's region */
	EXPECT_EQ(soft_user_read8(c, a + 5 * PG, &v), -EFAULT);
	EXPECT_TRUE(vm_env_all(c, a + 3 * PG, PG, 0x43));
	/* Entirely past the end: a mapping of holes only. */
	ASSERT_EQ(vm_mmap_file(c, 0, 2 * PG, PROT_READ, MAP_PRIVATE, f, 10 * PG, &e), 0);
	EXPECT_EQ(addrspace_resident_pages(c), 3);
	EXPECT_EQ(soft_user_read8(c, e, &v), -EFAULT);
	EXPECT_STREQ(LOG(&d), "P0+6s P10+2p");
	VM_CHECK_CLEAN();
	addrspace_destroy(c);
	EXPECT_STREQ(LOG(&d), "U10+2 U0+6");                       /* address order */
	finish(&d, NULL, f, start);
}

HTEST(fmap_lazy_asks_touched_pages_once_each_and_notifies_only_those)
{
	vm_env_default();
	uint64_t start = vm_env_free();
	struct fake_daemon d;
	ASSERT_TRUE(fake_daemon_init(&d, 8));
	struct addrspace *c = vm_env_space();
	struct scheme_file *f = fake_file_open(&d, O_RDWR);
	uintptr_t a;
	ASSERT_EQ(vm_mmap_file(c, 0, 8 * PG, RW, MAP_SHARED | MAP_LAZY, f, 0, &a), 0);
	EXPECT_STREQ(LOG(&d), "");
	EXPECT_EQ(addrspace_resident_pages(c), 0);
	EXPECT_TRUE(vm_env_all(c, a + 3 * PG, PG, 0x43));
	EXPECT_TRUE(vm_env_all(c, a + 3 * PG, PG, 0x43));
	ASSERT_EQ(vm_env_fill(c, a + 5 * PG, 8, 0x77), 0);
	ASSERT_EQ(vm_env_fill(c, a + 5 * PG, 8, 0x78), 0);
	EXPECT_TRUE(vm_env_all(d.as, d.base + 5 * PG, 8, 0x78));
	EXPECT_TRUE(vm_env_all(c, a + 4 * PG, 1, 0x44));
	EXPECT_STREQ(LOG(&d), "P3+1sL P5+1sL P4+1sL");
	EXPECT_EQ(vm_env_frame(c, a + 4 * PG, NULL), dframe(&d, 4));
	EXPECT_EQ(pins_at(c, a), 3);
	EXPECT_TRUE(vm_env_all(c, a + 7 * PG, 1, 0x47));
	EXPECT_TRUE(vm_env_all(c, a + 0 * PG, 1, 0x40));
	LOG(&d);
	VM_CHECK_CLEAN();
	/* munmap of [2, 8): the run 3-5 in one notice, then 7. */
	ASSERT_EQ(vm_munmap(c, a + 2 * PG, 6 * PG), 0);
	EXPECT_STREQ(LOG(&d), "U3+3 U7+1");
	EXPECT_EQ(pins_at(c, a), 1);
	finish(&d, c, f, start);
	EXPECT_STREQ(LOG(&d), "U0+1");
}

HTEST(fmap_lazy_error_answers_and_a_dead_daemon_fail_the_fault_leaking_nothing)
{
	vm_env_default();
	uint64_t start = vm_env_free();
	struct fake_daemon d;
	ASSERT_TRUE(fake_daemon_init(&d, 4));
	ASSERT_EQ(vm_munmap(d.as, d.base + 2 * PG, PG), 0);
	struct addrspace *c = vm_env_space();
	struct scheme_file *f = fake_file_open(&d, O_RDWR);
	uintptr_t a, p;
	ASSERT_EQ(vm_mmap_file(c, 0, 4 * PG, RW, MAP_SHARED | MAP_LAZY, f, 0, &a), 0);
	ASSERT_EQ(vm_mmap_file(c, 0, 4 * PG, RW, MAP_PRIVATE | MAP_LAZY, f, 0, &p), 0);
	uint64_t before = vm_env_free();
	d.error = -EPERM;
	uint8_t v;
	EXPECT_EQ(soft_user_read8(c, a, &v), -EFAULT);
	EXPECT_EQ(soft_user_write8(c, p, 1), -EFAULT);
	EXPECT_EQ(vm_fault(c, a + PG, VM_ACCESS_WRITE), -EFAULT);
	d.error = 0;
	EXPECT_STREQ(LOG(&d), "");
	/* A hole answered lazily: asked, faulted, notified at once; asked again next time. */
	EXPECT_EQ(soft_user_read8(c, a + 2 * PG, &v), -EFAULT);
	EXPECT_EQ(soft_user_read8(c, p + 2 * PG, &v), -EFAULT);
	EXPECT_STREQ(LOG(&d), "P2+1sL U2+1 P2+1pL U2+1");
	EXPECT_EQ(addrspace_resident_pages(c), 0);
	EXPECT_EQ(pins_at(c, a), 0);
	EXPECT_EQ(fake_file_refs(f), 3);
	EXPECT_EQ(vm_env_free(), before);
	VM_CHECK_CLEAN();
	/* The daemon exits: its frames already mapped stay; new pages fail. */
	EXPECT_TRUE(vm_env_all(c, a + 3 * PG, 1, 0x43));
	EXPECT_TRUE(vm_env_all(c, p + 1 * PG, 1, 0x41));
	fake_daemon_exit(&d);
	EXPECT_TRUE(vm_env_all(c, a + 3 * PG, PG, 0x43));
	EXPECT_TRUE(vm_env_all(c, p + 1 * PG, PG, 0x41));
	EXPECT_EQ(soft_user_read8(c, a, &v), -EFAULT);
	EXPECT_EQ(soft_user_write8(c, p + 3 * PG, 1), -EFAULT);
	ASSERT_EQ(vm_env_fill(c, a + 3 * PG, 8, 0x55), 0);        /* the frame is the client's now */
	VM_CHECK_CLEAN();
	d.dead = false;                                           /* count the notices again */
	addrspace_destroy(c);
	d.dead = true;
	EXPECT_STREQ(LOG(&d), "P3+1sL P1+1pL U1+1 U3+1");        /* address order: p is lower */
	finish(&d, NULL, f, start);
}

HTEST(fmap_private_shows_the_file_until_written_then_keeps_its_copy)
{
	vm_env_default();
	uint64_t start = vm_env_free();
	struct fake_daemon d;
	ASSERT_TRUE(fake_daemon_init(&d, 4));
	struct addrspace *c = vm_env_space();
	struct scheme_file *f = fake_file_open(&d, O_RDONLY);
	uintptr_t a;
	ASSERT_EQ(vm_mmap_file(c, 0, 3 * PG, RW, MAP_PRIVATE, f, PG, &a), 0);
	struct grant *g = grant_at(c, a);
	ASSERT_NOT_NULL(g);
	EXPECT_EQ(g->provider.kind, GRANT_ALLOCATED);
	EXPECT_PTR_EQ(g->provider.allocated.cow_file_ref.file, f);
	unsigned flags;
	EXPECT_EQ(vm_env_frame(c, a, &flags), dframe(&d, 1));
	EXPECT_FALSE(flags & MMU_WRITE);
	EXPECT_TRUE(vm_env_all(c, a, PG, 0x41));
	ASSERT_EQ(vm_env_fill(d.as, d.base + PG, 8, 0x99), 0);   /* the file changes: shows */
	EXPECT_TRUE(vm_env_all(c, a, 8, 0x99));
	/* mprotect to rw does not make the file frame writable. */
	ASSERT_EQ(vm_mprotect(c, a, 3 * PG, RW), 0);
	vm_env_frame(c, a, &flags);
	EXPECT_FALSE(flags & MMU_WRITE);
	ASSERT_EQ(vm_env_fill(c, a, 4, 0x11), 0);                /* copies */
	EXPECT_NE(vm_env_frame(c, a, NULL), dframe(&d, 1));
	EXPECT_EQ(vm_env_refcount(c, a), 1);
	EXPECT_TRUE(vm_env_all(d.as, d.base + PG, 8, 0x99));     /* file unchanged */
	EXPECT_TRUE(vm_env_all(c, a, 4, 0x11));
	EXPECT_TRUE(vm_env_all(c, a + 4, 4, 0x99));
	ASSERT_EQ(vm_env_fill(d.as, d.base + PG, 8, 0x98), 0);   /* no longer follows */
	EXPECT_TRUE(vm_env_all(c, a + 4, 4, 0x99));
	EXPECT_EQ(vm_env_refcount(d.as, d.base + PG), 2);        /* the daemon's entry and object */
	/* vm_space_write (a loader) copies too. */
	ASSERT_EQ(vm_space_write(c, a + PG, "z", 1), 0);
	EXPECT_TRUE(vm_env_all(d.as, d.base + 2 * PG, 1, 0x42));
	EXPECT_TRUE(vm_env_all(c, a + PG, 1, 'z'));
	VM_CHECK_CLEAN();
	EXPECT_STREQ(LOG(&d), "P1+3p");
	finish(&d, c, f, start);
	EXPECT_STREQ(LOG(&d), "U1+3");
}

HTEST(fmap_refusals_change_nothing)
{
	vm_env_default();
	uint64_t start = vm_env_free();
	struct fake_daemon d;
	ASSERT_TRUE(fake_daemon_init(&d, 4));
	uintptr_t priv, a, out = 0;
	ASSERT_EQ(vm_mmap(d.as, 0x50000000, PG, RW, MAP_PRIVATE | MAP_ANONYMOUS, &priv), 0);
	struct addrspace *c = vm_env_space();
	struct scheme_file *ro = fake_file_open(&d, O_RDONLY), *wo = fake_file_open(&d, O_WRONLY);
	struct scheme_file *rw = fake_file_open(&d, O_RDWR);
	struct scheme_file kernel_file = { .refcount = 1 };          /* not a user scheme's */
	EXPECT_EQ(vm_mmap_file(c, 0, PG, RW, MAP_SHARED, ro, 0, &out), -EACCES);
	EXPECT_EQ(vm_mmap_file(c, 0, PG, PROT_READ, MAP_SHARED, wo, 0, &out), -EACCES);
	EXPECT_EQ(vm_mmap_file(c, 0, 0, PROT_READ, MAP_SHARED, rw, 0, &out), -EINVAL);
	EXPECT_EQ(vm_mmap_file(c, 0, PG, PROT_READ, MAP_SHARED, rw, 1, &out), -EINVAL);
	EXPECT_EQ(vm_mmap_file(c, 0, PG, PROT_READ, MAP_SHARED | MAP_ANONYMOUS, rw, 0, &out), -EINVAL);
	EXPECT_EQ(vm_mmap_file(c, 0, PG, PROT_READ, MAP_SHARED, &kernel_file, 0, &out), -EINVAL);
	EXPECT_EQ(vm_mmap_file(c, 1, PG, PROT_READ, MAP_SHARED | MAP_FIXED, rw, 0, &out), -EINVAL);
	EXPECT_STREQ(LOG(&d), "");
	d.error = -ENODEV;
	EXPECT_EQ(vm_mmap_file(c, 0, PG, PROT_READ, MAP_SHARED, rw, 0, &out), -ENODEV);
	d.error = 0;
	/* The daemon answers with its private memory: refused, and the prep is notified. */
	d.base = priv;
	EXPECT_EQ(vm_mmap_file(c, 0, PG, PROT_READ, MAP_SHARED, rw, 0, &out), -EINVAL);
	d.base = priv + 3;
	EXPECT_EQ(vm_mmap_file(c, 0, PG, PROT_READ, MAP_SHARED, rw, 0, &out), -EINVAL);
	EXPECT_STREQ(LOG(&d), "P0+1s U0+1 P0+1s U0+1");
	EXPECT_EQ(out, 0);
	EXPECT_EQ(c->grants.count, 0);
	EXPECT_EQ(vm_env_frame(d.as, priv, NULL), NONE);         /* its private page untouched */
	/* A read-only shared mapping cannot be made writable. */
	d.base = 0;
	fake_daemon_exit(&d);
	ASSERT_TRUE(fake_daemon_init(&d, 2));
	ro->priv = rw->priv = &d;
	ASSERT_EQ(vm_mmap_file(c, 0, PG, PROT_READ, MAP_SHARED, ro, 0, &a), 0);
	EXPECT_EQ(vm_mprotect(c, a, PG, RW), -EACCES);
	ASSERT_EQ(vm_mmap_file(c, 0, PG, RW, MAP_PRIVATE, ro, 0, &a), 0);   /* private: fine */
	EXPECT_EQ(fake_file_refs(ro), 3);
	scheme_file_put(wo);
	scheme_file_put(rw);
	finish(&d, c, ro, start);
}
