/* Self-tests of the kernel heap on the real machine: objects of every class are distinct and
 * aligned, their frames lie in the direct map (on i686 with 4 GiB and more, most RAM does not)
 * and are tagged as heap, frames go back when objects are freed, and out of memory is NULL. */
#include "kernel/ktest.h"
#include "kernel/errno.h"
#include "kernel/string.h"
#include "mm/alloc_inject.h"
#include "mm/arch_mmu.h"
#include "mm/frame.h"
#include "mm/kheap.h"
#include "mm/pageinfo.h"
#include "mm/section.h"

#define NOBJ 512

static void *objs[NOBJ];

KTEST(mm_kheap_objects_in_the_direct_map_and_frames_back_when_freed)
{
	uint64_t start = frame_count_free();
	struct kheap_stats s0;
	kheap_get_stats(&s0);
	unsigned bad_align = 0, bad_type = 0, bad_direct = 0;
	for (unsigned i = 0; i < NOBJ; i++) {
		size_t size = 8 + (i * 37) % 3000;
		objs[i] = kmalloc(size);
		ASSERT_TRUE(objs[i] != NULL);
		memset(objs[i], (int)(i & 0xff), size);
		bad_align += (uintptr_t)objs[i] % KHEAP_ALIGN != 0;
	}
	/* Every object's frame: in the direct map, at the object's address, tagged as heap. */
	for (unsigned i = 0; i < NOBJ; i++) {
		paddr_t pa = kheap_frame_of(objs[i]);
		bad_direct += !arch_phys_in_direct_map(pa) ||
			      arch_phys_to_virt(pa) != (void *)ALIGN_DOWN((uintptr_t)objs[i], FRAME_SIZE);
		bad_type += pageinfo_type(pageinfo_of(pa)) != PAGEINFO_KERNEL_HEAP;
	}
	unsigned overlap = 0;
	for (unsigned i = 0; i < NOBJ; i++) {
		size_t size = 8 + (i * 37) % 3000;
		const uint8_t *p = objs[i];
		overlap += p[0] != (i & 0xff) || p[size - 1] != (i & 0xff);
	}
	EXPECT_EQ(bad_align, 0);
	EXPECT_EQ(bad_type, 0);
	EXPECT_EQ(bad_direct, 0);
	EXPECT_EQ(overlap, 0);
	for (unsigned i = 0; i < NOBJ; i++)
		kfree(objs[i]);
	struct kheap_stats s1;
	kheap_get_stats(&s1);
	EXPECT_EQ(s1.objects, s0.objects);
	EXPECT_EQ(s1.frames, s0.frames);
	EXPECT_EQ(frame_count_free(), start);
}

KTEST(mm_kheap_direct_frames_and_null_on_failure)
{
	paddr_t pa;
	ASSERT_EQ(frame_alloc_flags(FRAME_DIRECT, &pa), 0);
	EXPECT_TRUE(arch_phys_in_direct_map(pa));
	EXPECT_EQ(pageinfo_type(pageinfo_of(pa)), PAGEINFO_ALLOCATED);
	frame_free(pa);
	ASSERT_EQ(frame_alloc_flags(FRAME_HIGH, &pa), 0);
	ktest_log("FRAME_HIGH gave %#llx (%s the direct map)", (unsigned long long)pa,
		  arch_phys_in_direct_map(pa) ? "inside" : "outside");
	frame_free(pa);
	ASSERT_EQ(frame_alloc_contig_flags(8, 8, FRAME_DIRECT, &pa), 0);
	EXPECT_TRUE(arch_phys_in_direct_map(pa + 8 * FRAME_SIZE - 1));
	frame_free_contig(pa, 8);

	alloc_inject_every(1);
	EXPECT_TRUE(kmalloc(64) == NULL);
	EXPECT_EQ(frame_alloc(&pa), -ENOMEM);
	alloc_inject_off();
	void *p = kmalloc(64);
	EXPECT_TRUE(p != NULL);
	kfree(p);
}
