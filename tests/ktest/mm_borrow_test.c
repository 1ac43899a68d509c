/* Self-tests of External borrows (vm_borrow, mm/borrow.c) on the real MMU: pages of one address
 * space mapped into another see each other's writes, both through vm_space_read/write and
 * through the page tables (usercopy with the space active); munmap of the middle of a borrow
 * splits the grant and moves the second half's src_base; a borrow of untouched and zero-frame
 * source pages gives the source frames of its own first. Every step ends with the invariant
 * checker at 0, and the free frame count returns to its start. */
#include "kernel/ktest.h"
#include "kernel/errno.h"
#include "kernel/string.h"
#include "mm/addrspace.h"
#include "mm/check.h"
#include "mm/frame.h"
#include "mm/kheap.h"
#include "mm/pageinfo.h"
#include "mm/section.h"
#include "mm/vm.h"
#include "mm/vm_internal.h"

#define PG   FRAME_SIZE
#define RW   (PROT_READ | PROT_WRITE)
#define PRIV (MAP_PRIVATE | MAP_ANONYMOUS)
#define NONE (~(paddr_t)0)

/* Returns the free frame count with the zero frame already allocated (it is never given back). */
static uint64_t borrow_free_start(void)
{
	vm_zero_frame_init();
	return frame_count_free();
}

/* Returns the frame VA of AS maps (NONE when not present), its attributes in *FLAGS if given. */
static paddr_t mapped_frame(struct addrspace *as, uintptr_t va, unsigned *flags)
{
	paddr_t pa = NONE;
	if (!arch_mmu_query(&as->mmu, va, &pa, flags))
		return NONE;
	return pa;
}

/* Returns the reference count of the frame VA of AS maps, 0 when none. */
static uint32_t mapped_refs(struct addrspace *as, uintptr_t va)
{
	paddr_t pa = mapped_frame(as, va, NULL);
	struct pageinfo *pi = pa == NONE ? NULL : pageinfo_of(pa);
	return pi ? pageinfo_refcount(pi) : 0;
}

/* Returns the 32-bit word at VA of AS read through vm_space_read, or 0xdeadbeef on -EFAULT. */
static uint32_t word_at(struct addrspace *as, uintptr_t va)
{
	uint32_t w;
	return vm_space_read(as, va, &w, sizeof(w)) ? 0xdeadbeefu : w;
}

/* Returns the frames the kernel heap holds. */
static unsigned long heap_frames(void)
{
	struct kheap_stats st;
	kheap_get_stats(&st);
	return st.frames;
}

/* The tag written into page I of the source: distinct per page. */
#define SRC_TAG(i) (0x5eed0000u + (uint32_t)(i))

KTEST(mm_borrow_external_shares_writes_and_split_moves_src_base)
{
	uint64_t start = borrow_free_start();
	struct addrspace *src, *dst;
	ASSERT_EQ(addrspace_create(&src), 0);
	ASSERT_EQ(addrspace_create(&dst), 0);
	uintptr_t s, d;
	ASSERT_EQ(vm_mmap(src, 0, 8 * PG, RW, PRIV, &s), 0);
	for (unsigned i = 0; i < 8; i++) {
		uint32_t tag = SRC_TAG(i);
		ASSERT_EQ(vm_space_write(src, s + i * PG + 16, &tag, sizeof(tag)), 0);
	}
	EXPECT_EQ(addrspace_resident_pages(src), 8);
	EXPECT_EQ(vm_check_all(), 0);

	/* Borrow source pages 1-5 into dst: mapped at once, same frames, no data frame allocated
	 * (only dst's page tables and the grant node). */
	uint64_t f0 = frame_count_free();
	unsigned long tables0 = dst->mmu.table_frames, heap0 = heap_frames();
	ASSERT_EQ(vm_borrow(dst, 0, 5 * PG, RW, 0, src, s + PG, &d), 0);
	EXPECT_EQ(f0 - frame_count_free(),
		  (dst->mmu.table_frames - tables0) + (heap_frames() - heap0));
	ASSERT_EQ(dst->grants.count, 1);
	struct grant *g = grant_tree_first(&dst->grants);
	EXPECT_EQ(g->start, d);
	EXPECT_EQ(g->pages, 5);
	EXPECT_EQ(g->provider.kind, GRANT_EXTERNAL);
	EXPECT_EQ((uintptr_t)g->provider.external.address_space, (uintptr_t)src);
	EXPECT_EQ(g->provider.external.src_base, s + PG);
	EXPECT_EQ(atomic_load(&src->refcount), 2);               /* owner + the grant */
	EXPECT_EQ(addrspace_resident_pages(dst), 5);
	for (unsigned i = 0; i < 5; i++) {
		unsigned flags = 0;
		paddr_t pa = mapped_frame(dst, d + i * PG, &flags);
		EXPECT_EQ(pa, mapped_frame(src, s + (1 + i) * PG, NULL));
		EXPECT_TRUE(flags & MMU_WRITE);
		EXPECT_TRUE(flags & MMU_USER);
		EXPECT_EQ(mapped_refs(dst, d + i * PG), 2);
		EXPECT_TRUE(pageinfo_is_shared(pageinfo_of(pa)));
		EXPECT_EQ(word_at(dst, d + i * PG + 16), SRC_TAG(1 + i));
	}
	EXPECT_EQ(mapped_refs(src, s), 1);                        /* not borrowed */
	EXPECT_EQ(vm_check_all(), 0);

	/* Writes go both ways, through the kernel's view of the frames... */
	ASSERT_EQ(vm_space_write(dst, d + 2 * PG + 100, "borrower", 8), 0);
	char buf[16];
	ASSERT_EQ(vm_space_read(src, s + 3 * PG + 100, buf, 8), 0);
	EXPECT_EQ(memcmp(buf, "borrower", 8), 0);
	ASSERT_EQ(vm_space_write(src, s + 5 * PG + 200, "source!", 8), 0);
	ASSERT_EQ(vm_space_read(dst, d + 4 * PG + 200, buf, 8), 0);
	EXPECT_STREQ(buf, "source!");
	/* ... and through the page tables, each space active in turn: no fault is needed. */
	addrspace_activate(dst);
	ASSERT_EQ(arch_copy_to_user(d + 300, "via dst", 8), 0);
	addrspace_activate(src);
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(arch_copy_from_user(buf, s + PG + 300, 8), 0);
	EXPECT_STREQ(buf, "via dst");
	ASSERT_EQ(arch_copy_to_user(s + 4 * PG + 300, "via src", 8), 0);
	addrspace_activate(dst);
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(arch_copy_from_user(buf, d + 3 * PG + 300, 8), 0);
	EXPECT_STREQ(buf, "via src");
	addrspace_activate(NULL);
	EXPECT_EQ(vm_check_all(), 0);

	/* munmap the middle page (borrow page 2 = source page 3): two grants, the second one's
	 * src_base moved by three pages; the hole is gone from dst only. */
	paddr_t middle = mapped_frame(src, s + 3 * PG, NULL);
	ASSERT_EQ(vm_munmap(dst, d + 2 * PG, PG), 0);
	ASSERT_EQ(dst->grants.count, 2);
	struct grant *lo = grant_tree_first(&dst->grants), *hi = grant_tree_last(&dst->grants);
	EXPECT_EQ(lo->start, d);
	EXPECT_EQ(lo->pages, 2);
	EXPECT_EQ(lo->provider.kind, GRANT_EXTERNAL);
	EXPECT_EQ(lo->provider.external.src_base, s + PG);
	EXPECT_EQ(hi->start, d + 3 * PG);
	EXPECT_EQ(hi->pages, 2);
	EXPECT_EQ(hi->provider.kind, GRANT_EXTERNAL);
	EXPECT_EQ((uintptr_t)hi->provider.external.address_space, (uintptr_t)src);
	EXPECT_EQ(hi->provider.external.src_base, s + 4 * PG);
	EXPECT_EQ(atomic_load(&src->refcount), 3);               /* owner + two grants */
	EXPECT_EQ(mapped_frame(dst, d + 2 * PG, NULL), NONE);
	EXPECT_EQ(mapped_frame(src, s + 3 * PG, NULL), middle);  /* the source keeps it */
	EXPECT_EQ(mapped_refs(src, s + 3 * PG), 1);
	EXPECT_EQ(vm_fault(dst, d + 2 * PG, VM_ACCESS_READ), -EFAULT);
	EXPECT_EQ(vm_space_read(dst, d + 2 * PG, buf, 1), -EFAULT);
	/* Both halves still show the right source pages. */
	for (unsigned i = 0; i < 5; i++) {
		if (i == 2)
			continue;
		EXPECT_EQ(mapped_frame(dst, d + i * PG, NULL), mapped_frame(src, s + (1 + i) * PG, NULL));
		EXPECT_EQ(word_at(dst, d + i * PG + 16), SRC_TAG(1 + i));
	}
	uint32_t fresh = 0xfeedf00du;
	ASSERT_EQ(vm_space_write(src, s + 5 * PG + 16, &fresh, sizeof(fresh)), 0);
	EXPECT_EQ(word_at(dst, d + 4 * PG + 16), fresh);
	ASSERT_EQ(vm_space_write(dst, d + 3 * PG + 16, &fresh, sizeof(fresh)), 0);
	EXPECT_EQ(word_at(src, s + 4 * PG + 16), fresh);
	EXPECT_EQ(word_at(src, s + 3 * PG + 16), SRC_TAG(3));
	EXPECT_EQ(vm_check_all(), 0);

	/* The source dies first: the borrower keeps the frames (and the struct alive). */
	addrspace_destroy(src);
	EXPECT_EQ(word_at(dst, d + 16), SRC_TAG(1));
	EXPECT_EQ(word_at(dst, d + 4 * PG + 16), fresh);
	EXPECT_EQ(mapped_refs(dst, d), 1);
	EXPECT_EQ(vm_check_all(), 0);
	addrspace_destroy(dst);
	EXPECT_EQ(vm_check_all(), 0);
	EXPECT_EQ(frame_count_free(), start);
}

KTEST(mm_borrow_of_untouched_and_zero_frame_pages_gives_the_source_its_own_frames)
{
	uint64_t start = borrow_free_start();
	struct addrspace *src, *dst;
	ASSERT_EQ(addrspace_create(&src), 0);
	ASSERT_EQ(addrspace_create(&dst), 0);
	uintptr_t s, d;
	ASSERT_EQ(vm_mmap(src, 0, 3 * PG, RW, PRIV, &s), 0);
	ASSERT_EQ(vm_fault(src, s + PG, VM_ACCESS_READ), 0);      /* page 1: the zero frame */
	EXPECT_EQ(mapped_frame(src, s + PG, NULL), vm_zero_frame());
	EXPECT_EQ(addrspace_resident_pages(src), 1);

	ASSERT_EQ(vm_borrow(dst, 0, 3 * PG, PROT_READ, 0, src, s, &d), 0);
	EXPECT_EQ(addrspace_resident_pages(src), 3);
	for (unsigned i = 0; i < 3; i++) {
		paddr_t pa = mapped_frame(src, s + i * PG, NULL);
		EXPECT_NE(pa, vm_zero_frame());
		EXPECT_NE(pa, NONE);
		unsigned flags = 0;
		EXPECT_EQ(mapped_frame(dst, d + i * PG, &flags), pa);
		EXPECT_FALSE(flags & MMU_WRITE);                     /* borrowed read-only */
		EXPECT_EQ(mapped_refs(src, s + i * PG), 2);
		EXPECT_EQ(word_at(dst, d + i * PG + 8), 0);
	}
	/* The page that mapped the zero frame has a frame of its own, shared with the borrower. */
	ASSERT_EQ(vm_space_write(src, s + PG + 8, "own", 4), 0);
	char buf[4];
	ASSERT_EQ(vm_space_read(dst, d + PG + 8, buf, 4), 0);
	EXPECT_STREQ(buf, "own");
	EXPECT_EQ(vm_mprotect(dst, d, PG, RW), -EACCES);
	EXPECT_EQ(vm_fault(dst, d, VM_ACCESS_WRITE), -EFAULT);
	EXPECT_EQ(vm_check_all(), 0);

	/* The borrower dies first this time. */
	addrspace_destroy(dst);
	EXPECT_EQ(atomic_load(&src->refcount), 1);
	EXPECT_EQ(mapped_refs(src, s + PG), 1);
	EXPECT_EQ(vm_check_all(), 0);
	addrspace_destroy(src);
	EXPECT_EQ(vm_check_all(), 0);
	EXPECT_EQ(frame_count_free(), start);
}
