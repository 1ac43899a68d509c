/* Host tests of the kernel heap (mm/kheap.c), the frame allocator's FRAME_DIRECT / FRAME_HIGH
 * constraints and the allocation failure switch (mm/alloc_inject.c): size classes and
 * alignment, frames going back when empty, big blocks, heap frames inside the direct map and
 * tagged, NULL (not a panic) when memory runs out, the panics on bad frees, injection modes. */
#include <stdlib.h>
#include <string.h>

#include "fake_ram.h"
#include "htest.h"
#include "vm_env.h"
#include "kernel/errno.h"
#include "mm/alloc_inject.h"
#include "mm/arch_mmu.h"
#include "mm/frame.h"
#include "mm/kheap.h"
#include "mm/pageinfo.h"
#include "mm/section.h"

static paddr_t paddr_of(const void *p)
{
	return (paddr_t)((const unsigned char *)p - (const unsigned char *)fake_ram_ptr(0));
}

HTEST(kheap_objects_are_aligned_distinct_sized_and_frames_go_back_when_empty)
{
	vm_env_default();
	uint64_t start = vm_env_free();
	static void *p[3000];
	size_t sizes[] = { 1, 8, 16, 17, 40, 64, 100, 200, 300, 500, 1000, 2000 };
	for (unsigned i = 0; i < ARRAY_SIZE(p); i++) {
		size_t size = sizes[i % ARRAY_SIZE(sizes)];
		p[i] = kmalloc(size);
		ASSERT_NOT_NULL(p[i]);
		EXPECT_EQ((uintptr_t)p[i] % KHEAP_ALIGN, 0);
		EXPECT_GE(kheap_usable_size(p[i]), size);
		memset(p[i], (int)(i & 0xff), size);
		EXPECT_EQ(kheap_frame_of(p[i]), ALIGN_DOWN(paddr_of(p[i]), (paddr_t)FRAME_SIZE));
		struct pageinfo *pi = pageinfo_of(kheap_frame_of(p[i]));
		ASSERT_NOT_NULL(pi);
		EXPECT_EQ(pageinfo_type(pi), PAGEINFO_KERNEL_HEAP);
	}
	/* No two objects overlap: each still holds its own byte. */
	for (unsigned i = 0; i < ARRAY_SIZE(p); i++) {
		size_t size = sizes[i % ARRAY_SIZE(sizes)];
		for (size_t k = 0; k < size; k++)
			if (((unsigned char *)p[i])[k] != (i & 0xff)) {
				htest_fail(__FILE__, __LINE__, "object %u byte %zu overwritten", i, k);
				break;
			}
	}
	struct kheap_stats s;
	kheap_get_stats(&s);
	EXPECT_EQ(s.objects, ARRAY_SIZE(p));
	EXPECT_EQ(start - vm_env_free(), s.frames);
	for (unsigned i = 0; i < ARRAY_SIZE(p); i += 2)
		kfree(p[i]);
	for (unsigned i = 1; i < ARRAY_SIZE(p); i += 2)
		kfree(p[i]);
	kheap_get_stats(&s);
	EXPECT_EQ(s.objects, 0);
	EXPECT_EQ(s.frames, 0);
	EXPECT_EQ(s.bytes, 0);
	EXPECT_EQ(vm_env_free(), start);
	kfree(NULL);
	EXPECT_NULL(kmalloc(0));
}

HTEST(kheap_big_blocks_take_whole_contiguous_frames)
{
	vm_env_default();
	uint64_t start = vm_env_free();
	void *a = kmalloc(KHEAP_SMALL_MAX + 1);
	void *b = kzalloc(5 * FRAME_SIZE);
	ASSERT_NOT_NULL(a);
	ASSERT_NOT_NULL(b);
	EXPECT_EQ(start - vm_env_free(), 1 + 6);
	EXPECT_GE(kheap_usable_size(b), 5 * FRAME_SIZE);
	for (size_t i = 0; i < 5 * FRAME_SIZE; i++)
		if (((unsigned char *)b)[i]) {
			htest_fail(__FILE__, __LINE__, "kzalloc byte %zu not zero", i);
			break;
		}
	memset(b, 0xab, 5 * FRAME_SIZE);
	kfree(a);
	kfree(b);
	EXPECT_EQ(vm_env_free(), start);
	EXPECT_NULL(kmalloc((size_t)SECTION_MAX_FRAMES * FRAME_SIZE));
}

HTEST(kheap_frames_lie_in_the_direct_map_even_when_most_ram_is_beyond_it)
{
	/* 64 MiB of RAM, the direct map ends at 4 MiB (i686-like). */
	vm_env_machine(64, MiB(4));
	paddr_t high;
	ASSERT_EQ(frame_alloc_flags(FRAME_HIGH, &high), 0);
	EXPECT_FALSE(arch_phys_in_direct_map(high));
	static void *p[4000];
	unsigned n;
	for (n = 0; n < ARRAY_SIZE(p); n++) {
		p[n] = kmalloc(1000);
		if (!p[n])
			break;
		ASSERT_TRUE(arch_phys_in_direct_map(paddr_of(p[n])));
	}
	/* The direct map ran out long before RAM did: NULL, not a panic. */
	EXPECT_LT(n, ARRAY_SIZE(p));
	EXPECT_GT(vm_env_free(), 10000);
	paddr_t pa;
	EXPECT_EQ(frame_alloc_flags(FRAME_DIRECT, &pa), -ENOMEM);
	EXPECT_EQ(frame_alloc_contig_flags(2, 1, FRAME_DIRECT, &pa), -ENOMEM);
	EXPECT_EQ(frame_alloc_contig_flags(2, 1, 0, &pa), 0);
	frame_free_contig(pa, 2);
	for (unsigned i = 0; i < n; i++)
		kfree(p[i]);
	ASSERT_EQ(frame_alloc_contig_flags(4, 4, FRAME_DIRECT, &pa), 0);
	EXPECT_TRUE(arch_phys_in_direct_map(pa + 4 * FRAME_SIZE - 1));
	EXPECT_EQ(pa % (4 * FRAME_SIZE), 0);
	frame_free_contig(pa, 4);
	frame_free(high);
}

HTEST(kheap_bad_frees_panic)
{
	vm_env_default();
	char *p = kmalloc(64);
	char *q = kmalloc(64);                    /* keeps the slab alive */
	ASSERT_NOT_NULL(p);
	EXPECT_PANIC(kfree(p + 16));
	EXPECT_STRSTR(htest_panic_message, "not the start");
	kfree(p);
	EXPECT_PANIC(kfree(p));
	EXPECT_STRSTR(htest_panic_message, "double kfree");
	char *big = kmalloc(3 * FRAME_SIZE);
	EXPECT_PANIC(kfree(big + FRAME_SIZE));
	kfree(big);
	kfree(q);
}

HTEST(alloc_inject_nth_every_random_and_suspend)
{
	vm_env_default();
	paddr_t pa[8];
	void *keep = kmalloc(16), *p;             /* a slab exists: kmalloc(16) asks once */
	alloc_inject_nth(3);
	EXPECT_EQ(frame_alloc(&pa[0]), 0);
	EXPECT_NOT_NULL(p = kmalloc(16));         /* the 2nd allocation */
	EXPECT_EQ(frame_alloc(&pa[1]), -ENOMEM);  /* the 3rd */
	EXPECT_EQ(frame_alloc(&pa[1]), 0);        /* once only */
	EXPECT_EQ(alloc_inject_failures(), 1);
	frame_free(pa[0]);
	frame_free(pa[1]);
	kfree(p);

	alloc_inject_every(2);
	int fails = 0;
	for (int i = 0; i < 8; i++) {
		if (frame_alloc(&pa[i]))
			fails++, pa[i] = 0;
	}
	EXPECT_EQ(fails, 4);
	alloc_inject_suspend();
	EXPECT_NOT_NULL(p = kmalloc(16));
	kfree(p);
	alloc_inject_resume();
	alloc_inject_off();
	for (int i = 0; i < 8; i++)
		if (pa[i])
			frame_free(pa[i]);

	alloc_inject_random(99, 500000);
	fails = 0;
	for (int i = 0; i < 1000; i++) {
		void *q = kmalloc(16);
		fails += !q;
		kfree(q);
	}
	alloc_inject_off();
	EXPECT_GT(fails, 350);
	EXPECT_LT(fails, 650);
	EXPECT_NOT_NULL(p = kmalloc(16));
	kfree(p);
	kfree(keep);
}
