/* Self-tests of pinned user-scheme borrows (vm_borrow_pinned / vm_borrow_end, mm/borrow.c): the
 * grant a scheme daemon gets for a client's buffer cannot be unmapped, reprotected, mapped over,
 * merged with a neighbouring pinned borrow, lent on or inherited by fork; ending it removes
 * exactly it; the checker's pin count sees a tampered count; a destroyed daemon space makes the
 * end a no-op and a new pinned borrow -EIO. Frames come back to the start. */
#include "kernel/ktest.h"
#include "kernel/errno.h"
#include "mm/addrspace.h"
#include "mm/check.h"
#include "mm/frame.h"
#include "mm/pageinfo.h"
#include "mm/section.h"
#include "mm/vm.h"
#include "mm/vm_internal.h"

#define PG   FRAME_SIZE
#define RW   (PROT_READ | PROT_WRITE)
#define PRIV (MAP_PRIVATE | MAP_ANONYMOUS)

static paddr_t frame_at(struct addrspace *as, uintptr_t va)
{
	paddr_t pa = 0;
	return arch_mmu_query(&as->mmu, va, &pa, NULL) ? pa : ~(paddr_t)0;
}

KTEST(mm_pinned_borrow_is_fixed_until_ended)
{
	vm_zero_frame_init();
	uint64_t start = frame_count_free();
	struct addrspace *client, *daemon, *third;
	ASSERT_EQ(addrspace_create(&client), 0);
	ASSERT_EQ(addrspace_create(&daemon), 0);
	ASSERT_EQ(addrspace_create(&third), 0);
	uintptr_t c, d1, d2, out;
	ASSERT_EQ(vm_mmap(client, 0, 4 * PG, RW, PRIV, &c), 0);
	ASSERT_EQ(vm_space_write(client, c + 5, "pinned", 7), 0);

	/* two pinned borrows of adjacent client pages: separate grants, never merged */
	ASSERT_EQ(vm_borrow_pinned(daemon, client, c + PG, PG, RW, &d1), 0);
	ASSERT_EQ(vm_borrow_pinned(daemon, client, c, PG, PROT_READ, &d2), 0);
	EXPECT_EQ(daemon->pinned_borrows, 2);
	EXPECT_EQ(daemon->grants.count, 2);
	EXPECT_EQ(frame_at(daemon, d2), frame_at(client, c));
	EXPECT_EQ(pageinfo_refcount(pageinfo_of(frame_at(client, c))), 2);
	EXPECT_EQ(vm_check_all(), 0);

	/* the daemon cannot take them apart */
	EXPECT_EQ(vm_munmap(daemon, d1, PG), -EBUSY);
	EXPECT_EQ(vm_munmap(daemon, d2 - 4 * PG, 5 * PG), -EBUSY);     /* over d2 only */
	EXPECT_EQ(vm_mprotect(daemon, d1, PG, PROT_READ), -EBUSY);
	EXPECT_EQ(vm_mmap(daemon, d1, PG, RW, PRIV | MAP_FIXED, &out), -EBUSY);
	EXPECT_EQ(vm_borrow(third, 0, PG, PROT_READ, 0, daemon, d1, &out), -EINVAL);
	EXPECT_EQ(daemon->grants.count, 2);

	/* fork does not copy them */
	struct addrspace *child;
	ASSERT_EQ(addrspace_fork(daemon, &child), 0);
	EXPECT_EQ(child->grants.count, 0);
	EXPECT_EQ(child->pinned_borrows, 0);
	addrspace_destroy(child);

	/* the checker compares the count with the grants */
	daemon->pinned_borrows++;
	EXPECT_EQ(vm_check_all(), 1);
	daemon->pinned_borrows--;
	EXPECT_EQ(vm_check_all(), 0);

	/* ending one removes exactly it; the client keeps its frame and data */
	vm_borrow_end(daemon, d2, client, c, PG);
	EXPECT_EQ(daemon->pinned_borrows, 1);
	EXPECT_EQ(daemon->grants.count, 1);
	EXPECT_EQ(frame_at(daemon, d2), ~(paddr_t)0);
	EXPECT_EQ(pageinfo_refcount(pageinfo_of(frame_at(client, c))), 1);
	char buf[8];
	ASSERT_EQ(vm_space_read(client, c + 5, buf, 7), 0);
	EXPECT_STREQ(buf, "pinned");
	EXPECT_EQ(vm_check_all(), 0);

	/* the daemon's space dies with a borrow in place: the end is a no-op, no new borrow */
	addrspace_get(daemon);                    /* what a request holds */
	addrspace_destroy(daemon);
	vm_borrow_end(daemon, d1, client, c + PG, PG);
	EXPECT_EQ(vm_borrow_pinned(daemon, client, c, PG, PROT_READ, &out), -EIO);
	addrspace_put(daemon);
	EXPECT_EQ(vm_check_all(), 0);
	addrspace_destroy(third);
	addrspace_destroy(client);
	EXPECT_EQ(vm_check_all(), 0);
	EXPECT_EQ(frame_count_free(), start);
}
