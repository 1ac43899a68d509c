/* In-kernel unit test of scheme/range_count.c (the host tests cover it in depth): the same code,
 * built for this arch, over the kernel heap. */
#include "kernel/ktest.h"
#include "kernel/errno.h"
#include "mm/kheap.h"
#include "scheme/range_count.h"

static void *heap_alloc(void *ctx __unused, size_t size)
{
	return kmalloc(size);
}

static void heap_free(void *ctx __unused, void *ptr)
{
	kfree(ptr);
}

struct interval {
	uint64_t start, end, count;
};

struct collect {
	struct interval v[8];
	unsigned n;
};

static int collect_one(void *ctx, uint64_t start, uint64_t end, uint64_t count)
{
	struct collect *c = ctx;
	if (c->n < 8)
		c->v[c->n] = (struct interval){ start, end, count };
	c->n++;
	return 0;
}

KTEST(range_count_add_remove_split_and_merge)
{
	const struct range_count_allocator heap = { heap_alloc, heap_free, NULL };
	struct range_count rc;
	range_count_init(&rc, &heap);

	/* two mappings overlapping on page 1: [0, 2) and [1, 3) pages */
	EXPECT_EQ(range_count_add(&rc, 0, 0x2000), 0);
	EXPECT_EQ(range_count_add(&rc, 0x1000, 0x2000), 0);
	struct collect c = { .n = 0 };
	EXPECT_EQ(range_count_for_each(&rc, collect_one, &c), 0);
	ASSERT_EQ(c.n, 3);
	EXPECT_EQ(c.v[0].start, 0);      EXPECT_EQ(c.v[0].end, 0x1000); EXPECT_EQ(c.v[0].count, 1);
	EXPECT_EQ(c.v[1].start, 0x1000); EXPECT_EQ(c.v[1].end, 0x2000); EXPECT_EQ(c.v[1].count, 2);
	EXPECT_EQ(c.v[2].start, 0x2000); EXPECT_EQ(c.v[2].end, 0x3000); EXPECT_EQ(c.v[2].count, 1);
	EXPECT_EQ(range_count_at(&rc, 0x1800), 2);
	EXPECT_EQ(range_count_at(&rc, 0x3000), 0);

	/* unmapping the second one merges everything back into [0, 2) pages, count 1 */
	EXPECT_EQ(range_count_remove(&rc, 0x1000, 0x2000), 0);
	EXPECT_EQ(range_count_intervals(&rc), 1);
	EXPECT_EQ(range_count_at(&rc, 0x1000), 1);
	/* a munmap of a range nobody maps is refused and changes nothing */
	EXPECT_EQ(range_count_remove(&rc, 0x2000, 0x1000), -ENOENT);
	EXPECT_EQ(range_count_add(&rc, 0x5000, 0), -EINVAL);
	EXPECT_EQ(range_count_intervals(&rc), 1);
	const char *why = NULL;
	EXPECT_EQ(range_count_check(&rc, &why), 0);

	EXPECT_EQ(range_count_remove(&rc, 0, 0x2000), 0);
	EXPECT_EQ(range_count_intervals(&rc), 0);
	range_count_destroy(&rc);
}
