/* Host tests of the allocation failure switch's scope and per-kind counts (mm/alloc_inject.c,
 * used by SYS_INJECT for the fuzzer): with a scope, only allocations made while the scope
 * function returns the scope's id meet the switch (and are counted), and failures are counted
 * per kind (frames, kmalloc); alloc_inject_off clears the scope. */
#include "htest.h"
#include "vm_env.h"
#include "kernel/errno.h"
#include "mm/alloc_inject.h"
#include "mm/frame.h"
#include "mm/kheap.h"

static long current_id;

static long who(void)
{
	return current_id;
}

HTEST(alloc_inject_scope_limits_failures_to_one_id)
{
	vm_env_default();
	paddr_t pa;
	void *keep = kmalloc(16);                /* a slab exists: kmalloc(16) asks the switch once */
	alloc_inject_scope(who, 7);
	alloc_inject_every(1);                    /* every allocation in scope fails */
	current_id = 3;
	EXPECT_EQ(frame_alloc(&pa), 0);           /* out of scope: not failed, not counted */
	frame_free(pa);
	void *p = kmalloc(16);
	EXPECT_NOT_NULL(p);
	kfree(p);
	EXPECT_EQ(alloc_inject_failures(), 0);
	current_id = 7;
	EXPECT_EQ(frame_alloc(&pa), -ENOMEM);
	EXPECT_NULL(kmalloc(16));
	EXPECT_NULL(kmalloc(16));
	EXPECT_EQ(alloc_inject_failures_kind(ALLOC_INJECT_FRAME), 1);
	EXPECT_EQ(alloc_inject_failures_kind(ALLOC_INJECT_KMALLOC), 2);
	EXPECT_EQ(alloc_inject_failures(), 3);
	EXPECT_EQ(alloc_inject_failures_kind(ALLOC_INJECT_KINDS), 0);

	alloc_inject_every(2);                    /* a mode change keeps the scope, resets counts */
	EXPECT_EQ(alloc_inject_failures(), 0);
	current_id = 3;
	EXPECT_EQ(frame_alloc(&pa), 0);           /* not counted: the 2nd call in scope fails */
	frame_free(pa);
	current_id = 7;
	EXPECT_EQ(frame_alloc(&pa), 0);
	frame_free(pa);
	EXPECT_EQ(frame_alloc(&pa), -ENOMEM);

	alloc_inject_off();                       /* clears the scope too */
	alloc_inject_every(1);
	current_id = 3;
	EXPECT_EQ(frame_alloc(&pa), -ENOMEM);     /* no scope: every allocation */
	alloc_inject_off();
	EXPECT_EQ(frame_alloc(&pa), 0);
	frame_free(pa);
	kfree(keep);
}
