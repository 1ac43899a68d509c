/* Self-tests of the pageinfo refcount on real frames: the layout stays 8 bytes, the shared/CoW
 * bit survives increments and decrements, and underflow and overflow are detected (through the
 * checking variants, so the run goes on). */
#include "kernel/ktest.h"
#include "kernel/errno.h"
#include "mm/frame.h"
#include "mm/pageinfo.h"
#include "mm/section.h"

KTEST(mm_pageinfo_is_at_most_8_bytes)
{
	EXPECT_LE(sizeof(struct pageinfo), 8);
	EXPECT_EQ(sizeof(struct pageinfo), 8);
}

KTEST(mm_pageinfo_shared_bit_survives_get_and_put)
{
	paddr_t frame;
	ASSERT_EQ(frame_alloc(&frame), 0);
	struct pageinfo *pi = pageinfo_of(frame);
	ASSERT_TRUE(pi != NULL);
	EXPECT_EQ(pageinfo_refcount(pi), 0);
	pageinfo_get(pi);
	pageinfo_get(pi);
	pageinfo_set_shared(pi);
	for (int i = 0; i < 5; i++)
		pageinfo_get(pi);
	EXPECT_TRUE(pageinfo_is_shared(pi));
	EXPECT_EQ(pageinfo_refcount(pi), 7);
	for (int i = 0; i < 5; i++)
		EXPECT_FALSE(pageinfo_put(pi));
	EXPECT_TRUE(pageinfo_is_shared(pi));
	EXPECT_EQ(pageinfo_refcount(pi), 2);
	pageinfo_set_cow(pi);
	pageinfo_get(pi);
	EXPECT_FALSE(pageinfo_is_shared(pi));
	EXPECT_EQ(pageinfo_refcount(pi), 3);
	EXPECT_FALSE(pageinfo_put(pi));
	EXPECT_FALSE(pageinfo_put(pi));
	EXPECT_TRUE(pageinfo_put(pi));
	EXPECT_EQ(pageinfo_refcount(pi), 0);
	frame_free(frame);
}

KTEST(mm_pageinfo_underflow_and_overflow_detected)
{
	paddr_t frame;
	ASSERT_EQ(frame_alloc(&frame), 0);
	struct pageinfo *pi = pageinfo_of(frame);
	ASSERT_TRUE(pi != NULL);
	bool last = false;
	EXPECT_EQ(pageinfo_try_put(pi, &last), -ERANGE);
	EXPECT_EQ(pageinfo_refcount(pi), 0);
	pageinfo_get(pi);
	EXPECT_EQ(pageinfo_try_put(pi, &last), 0);
	EXPECT_TRUE(last);
	EXPECT_EQ(pageinfo_try_put(pi, &last), -ERANGE);
	frame_free(frame);

	/* A free frame takes no references. */
	EXPECT_EQ(pageinfo_try_get(pi), -EINVAL);
	EXPECT_EQ(pageinfo_refcount(pi), 0);

	/* Overflow, on a pageinfo of our own (2^31 real references would take a while). */
	struct pageinfo own;
	atomic_init(&own.flags, PAGEINFO_ALLOCATED);
	atomic_init(&own.refcount, PAGEINFO_SHARED | (PAGEINFO_COUNT_MAX - 1));
	EXPECT_EQ(pageinfo_try_get(&own), 0);
	EXPECT_EQ(pageinfo_try_get(&own), -EOVERFLOW);
	EXPECT_EQ(atomic_load(&own.refcount), PAGEINFO_SHARED | PAGEINFO_COUNT_MAX);
	EXPECT_TRUE(pageinfo_is_shared(&own));
}
