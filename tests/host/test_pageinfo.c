/* Host tests of struct pageinfo: layout, refcount encoding (count + shared/CoW bit), the
 * checking and panicking variants, type and level, and concurrent updates. */
#include <pthread.h>
#include <stdlib.h>

#include "htest.h"
#include "kernel/errno.h"
#include "mm/pageinfo.h"
#include "mm/section.h"

static uint32_t raw_count(struct pageinfo *pi)
{
	return atomic_load(&pi->refcount);
}

/* A pageinfo as frame_alloc hands it out: count 0, type allocated. */
static void allocated(struct pageinfo *pi)
{
	atomic_init(&pi->refcount, 0);
	atomic_init(&pi->flags, 0);
	pageinfo_reset(pi, PAGEINFO_ALLOCATED);
}

static void *metadata;

/* section_build callback: any place is fine, the metadata lives in a heap buffer. */
static void *meta_in_heap(void *ctx, paddr_t base, size_t size)
{
	(void)ctx;
	(void)base;
	free(metadata);
	metadata = malloc(size);
	return metadata;
}

/* Installs a table of one section, frames 0x200-0x2ff (physical 2 MiB to 3 MiB). */
static struct section_table table;
static void install_small_table(void)
{
	struct boot_mem_range mem[] = { { 0x100000, 0x200000, BOOT_MEM_USABLE } };
	struct boot_mem_range reserved[] = { { 0x100000, 0x100000, BOOT_MEM_USABLE } };
	int err = section_build(&table, mem, 1, reserved, 1, meta_in_heap, NULL);
	if (err || table.count != 1)
		htest_fail(__FILE__, __LINE__, "section_build: err=%d count=%u", err, table.count);
	section_table_install(&table);
}

HTEST(pageinfo_is_8_bytes)
{
	EXPECT_EQ(sizeof(struct pageinfo), 8);
	EXPECT_EQ(offsetof(struct pageinfo, refcount), 0);
	EXPECT_EQ(offsetof(struct pageinfo, flags), 4);
	EXPECT_EQ(PAGEINFO_SHARED, 0x80000000u);
	EXPECT_EQ(PAGEINFO_COUNT_MAX, 0x7fffffffu);
}

HTEST(pageinfo_zeroed_is_free_count_0)
{
	struct pageinfo pi = { 0 };
	EXPECT_EQ(pageinfo_type(&pi), PAGEINFO_FREE);
	EXPECT_EQ(pageinfo_refcount(&pi), 0);
	EXPECT_FALSE(pageinfo_is_shared(&pi));
}

HTEST(pageinfo_get_put_count_and_last)
{
	struct pageinfo pi;
	allocated(&pi);
	pageinfo_get(&pi);
	pageinfo_get(&pi);
	pageinfo_get(&pi);
	EXPECT_EQ(pageinfo_refcount(&pi), 3);
	EXPECT_FALSE(pageinfo_put(&pi));
	EXPECT_FALSE(pageinfo_put(&pi));
	EXPECT_EQ(pageinfo_refcount(&pi), 1);
	EXPECT_TRUE(pageinfo_put(&pi));
	EXPECT_EQ(pageinfo_refcount(&pi), 0);
	EXPECT_EQ(pageinfo_type(&pi), PAGEINFO_ALLOCATED);
}

HTEST(pageinfo_shared_bit_survives_get_and_put)
{
	struct pageinfo pi;
	allocated(&pi);
	pageinfo_get(&pi);
	pageinfo_get(&pi);
	pageinfo_set_shared(&pi);
	EXPECT_EQ(raw_count(&pi), 0x80000002u);
	for (int i = 0; i < 3; i++)
		pageinfo_get(&pi);
	EXPECT_TRUE(pageinfo_is_shared(&pi));
	EXPECT_EQ(pageinfo_refcount(&pi), 5);
	for (int i = 0; i < 3; i++)
		EXPECT_FALSE(pageinfo_put(&pi));
	EXPECT_TRUE(pageinfo_is_shared(&pi));
	EXPECT_EQ(pageinfo_refcount(&pi), 2);

	pageinfo_set_cow(&pi);
	EXPECT_FALSE(pageinfo_is_shared(&pi));
	EXPECT_EQ(raw_count(&pi), 2u);
	pageinfo_get(&pi);
	EXPECT_FALSE(pageinfo_is_shared(&pi));
	EXPECT_EQ(pageinfo_refcount(&pi), 3);

	pageinfo_set_shared(&pi);
	EXPECT_FALSE(pageinfo_put(&pi));
	EXPECT_FALSE(pageinfo_put(&pi));
	EXPECT_EQ(raw_count(&pi), 0x80000001u);   /* meaningless at 1, but not lost */
	EXPECT_TRUE(pageinfo_put(&pi));
	EXPECT_EQ(raw_count(&pi), 0u);            /* reaching 0 clears the mode bit */
}

HTEST(pageinfo_try_put_reports_underflow)
{
	struct pageinfo pi;
	allocated(&pi);
	bool last = true;
	EXPECT_EQ(pageinfo_try_put(&pi, &last), -ERANGE);
	EXPECT_EQ(raw_count(&pi), 0u);
	EXPECT_TRUE(last);                         /* untouched on error */

	pageinfo_get(&pi);
	EXPECT_EQ(pageinfo_try_put(&pi, &last), 0);
	EXPECT_TRUE(last);
	EXPECT_EQ(pageinfo_try_put(&pi, &last), -ERANGE);
	EXPECT_EQ(raw_count(&pi), 0u);
}

HTEST(pageinfo_put_underflow_panics_with_frame_address)
{
	install_small_table();
	struct pageinfo *pi = pageinfo_of(0x2ab000);
	ASSERT_NOT_NULL(pi);
	pageinfo_reset(pi, PAGEINFO_ALLOCATED);
	EXPECT_PANIC(pageinfo_put(pi));
	EXPECT_STRSTR(htest_panic_message, "pageinfo_put: refcount underflow frame=0x2ab000");
	EXPECT_EQ(pageinfo_refcount(pi), 0);
	section_table_install(NULL);
}

HTEST(pageinfo_overflow_detected)
{
	install_small_table();
	struct pageinfo *pi = pageinfo_of(0x2ff000);
	ASSERT_NOT_NULL(pi);
	pageinfo_reset(pi, PAGEINFO_ALLOCATED);
	atomic_store(&pi->refcount, PAGEINFO_SHARED | (PAGEINFO_COUNT_MAX - 1));
	EXPECT_EQ(pageinfo_try_get(pi), 0);
	EXPECT_EQ(pageinfo_try_get(pi), -EOVERFLOW);
	EXPECT_EQ(raw_count(pi), PAGEINFO_SHARED | PAGEINFO_COUNT_MAX);
	EXPECT_PANIC(pageinfo_get(pi));
	EXPECT_STRSTR(htest_panic_message, "pageinfo_get: refcount overflow frame=0x2ff000");
	EXPECT_EQ(raw_count(pi), PAGEINFO_SHARED | PAGEINFO_COUNT_MAX);
	section_table_install(NULL);
}

HTEST(pageinfo_get_on_free_frame_rejected)
{
	struct pageinfo pi = { 0 };
	EXPECT_EQ(pageinfo_try_get(&pi), -EINVAL);
	EXPECT_EQ(raw_count(&pi), 0u);
	EXPECT_PANIC(pageinfo_get(&pi));
	/* Not in any section: the message says so with an impossible frame address. */
	EXPECT_STRSTR(htest_panic_message, "reference to a free frame frame=0xffffffffffffffff");
}

HTEST(pageinfo_type_and_level)
{
	struct pageinfo pi;
	allocated(&pi);
	atomic_fetch_or(&pi.flags, 0x80000100u);            /* later flag bits */
	pageinfo_set_type(&pi, PAGEINFO_PAGE_TABLE, 3);
	EXPECT_EQ(pageinfo_type(&pi), PAGEINFO_PAGE_TABLE);
	EXPECT_EQ(pageinfo_level(&pi), 3);
	EXPECT_EQ(atomic_load(&pi.flags), 0x80000100u | PAGEINFO_PAGE_TABLE | 3u << 4);
	pageinfo_set_type(&pi, PAGEINFO_USER, 0);
	EXPECT_EQ(pageinfo_type(&pi), PAGEINFO_USER);
	EXPECT_EQ(pageinfo_level(&pi), 0);
	EXPECT_EQ(atomic_load(&pi.flags), 0x80000100u | PAGEINFO_USER);
	pageinfo_reset(&pi, PAGEINFO_KERNEL_HEAP);
	EXPECT_EQ(atomic_load(&pi.flags), (uint32_t)PAGEINFO_KERNEL_HEAP);
	EXPECT_PANIC(pageinfo_set_type(&pi, PAGEINFO_PAGE_TABLE, 8));
	EXPECT_STRSTR(htest_panic_message, "level=8");
	EXPECT_EQ(pageinfo_type(&pi), PAGEINFO_KERNEL_HEAP);
}

HTEST(pageinfo_type_does_not_disturb_refcount)
{
	struct pageinfo pi;
	allocated(&pi);
	pageinfo_get(&pi);
	pageinfo_get(&pi);
	pageinfo_set_shared(&pi);
	pageinfo_set_type(&pi, PAGEINFO_USER, 0);
	EXPECT_EQ(raw_count(&pi), 0x80000002u);
}

HTEST(pageinfo_to_paddr_round_trip)
{
	install_small_table();
	/* The metadata block takes the first frames of the run; the section starts after it. */
	paddr_t first = pfn_to_paddr(table.sections[0].base_pfn);
	EXPECT_EQ(first, 0x200000 + table.meta_size);
	EXPECT_NULL(pageinfo_of(first - 1));
	for (paddr_t p = first; p < 0x300000; p += 0x1000) {
		paddr_t back = 0;
		struct pageinfo *pi = pageinfo_of(p + 123);
		ASSERT_NOT_NULL(pi);
		EXPECT_TRUE(pageinfo_to_paddr(pi, &back));
		EXPECT_EQ(back, p);
	}
	struct pageinfo outside = { 0 };
	paddr_t back = 0;
	EXPECT_FALSE(pageinfo_to_paddr(&outside, &back));
	EXPECT_FALSE(pageinfo_to_paddr((struct pageinfo *)((char *)pageinfo_of(first) + 4), &back));
	section_table_install(NULL);
	EXPECT_FALSE(pageinfo_to_paddr(&outside, &back));
	EXPECT_NULL(pageinfo_of(first));
}

#define THREADS 4
#define ROUNDS 200000

static struct pageinfo shared_pi;

static void *hammer(void *arg)
{
	(void)arg;
	for (int i = 0; i < ROUNDS; i++) {
		pageinfo_get(&shared_pi);
		pageinfo_get(&shared_pi);
		pageinfo_put(&shared_pi);
		if (pageinfo_put(&shared_pi))
			htest_fail(__FILE__, __LINE__, "a put returned last while the base reference is held");
	}
	return NULL;
}

HTEST(pageinfo_concurrent_get_put_keep_count_and_mode)
{
	allocated(&shared_pi);
	pageinfo_get(&shared_pi);                  /* the base reference */
	pageinfo_get(&shared_pi);
	pageinfo_set_shared(&shared_pi);
	pthread_t t[THREADS];
	for (int i = 0; i < THREADS; i++)
		ASSERT_EQ(pthread_create(&t[i], NULL, hammer, NULL), 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	EXPECT_EQ(raw_count(&shared_pi), 0x80000002u);
}
