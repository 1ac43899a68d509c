/* TEMPORARY (branch mm-fmap only; the lead deletes this whole file when scheme/ with the real
 * functions is merged): stand-ins for the scheme functions mm/fmap.c calls, so that this
 * branch's kernel links before schemes exist, plus a self-test of mm/fmap.c on the real MMU of
 * each arch that goes with them.
 *
 * A file is a user scheme's here only when its priv points at a struct placeholder_daemon (the
 * self-test's): mmap_prep then answers base + offset in that daemon's address space and the
 * notices are counted per file page. Every other file is refused (no such daemon: -EIO), so
 * nothing else in this kernel reaches vm_mmap_file's mapping paths. */
#include "scheme/scheme.h"
#include "kernel/errno.h"
#include "kernel/ktest.h"
#include "kernel/string.h"
#include "mm/addrspace.h"
#include "mm/check.h"
#include "mm/frame.h"
#include "mm/pageinfo.h"
#include "mm/section.h"
#include "mm/vm.h"
#include "mm/vm_internal.h"

_Atomic unsigned long scheme_notices_lost;

struct placeholder_daemon {
	struct addrspace *as;
	uintptr_t base;              /* file offset 0 */
	unsigned preps, notices;
	int counts[8];               /* mappings per file page */
};

/* Adds DELTA to the counts of the pages of [OFFSET, OFFSET + SIZE). */
static void count_pages(struct placeholder_daemon *d, uint64_t offset, size_t size, int delta)
{
	for (uint64_t p = offset / FRAME_SIZE; p < (offset + size) / FRAME_SIZE && p < 8; p++)
		d->counts[p] += delta;
}

int scheme_mmap_prep(struct scheme_file *f, uint64_t offset, size_t size, unsigned flags,
		     struct addrspace **src_as, uintptr_t *src_addr)
{
	(void)flags;
	struct placeholder_daemon *d = f->priv;
	if (!d || !d->as)
		return -EIO;
	d->preps++;
	count_pages(d, offset, size, 1);
	addrspace_get(d->as);
	*src_as = d->as;
	*src_addr = d->base + offset;
	return 0;
}

void scheme_munmap_notify(struct scheme_file *f, uint64_t offset, size_t size, unsigned flags)
{
	(void)flags;
	struct placeholder_daemon *d = f->priv;
	if (!d)
		return;
	d->notices++;
	count_pages(d, offset, size, -1);
}

void scheme_file_get(struct scheme_file *f)
{
	atomic_fetch_add(&f->refcount, 1);
}

void scheme_file_put(struct scheme_file *f)
{
	atomic_fetch_sub(&f->refcount, 1);       /* the self-test's files are static */
}

bool scheme_file_is_user(const struct scheme_file *f)
{
	return f->priv != NULL;
}

/* ---- Self-test ---- */

#define PG FRAME_SIZE
#define RW (PROT_READ | PROT_WRITE)
#define NONE (~(paddr_t)0)

static paddr_t frame_of(struct addrspace *as, uintptr_t va, unsigned *flags)
{
	paddr_t pa;
	return arch_mmu_query(&as->mmu, va, &pa, flags) ? pa : NONE;
}

static uint32_t word_of(struct addrspace *as, uintptr_t va)
{
	uint32_t w;
	return vm_space_read(as, va, &w, sizeof(w)) ? 0xdeadbeefu : w;
}

KTEST(mm_fmap_shared_private_lazy_and_fork_on_the_real_mmu)
{
	vm_zero_frame_init();
	uint64_t start = frame_count_free();
	static struct placeholder_daemon d;
	static struct scheme_file f;
	memset(&d, 0, sizeof(d));
	f = (struct scheme_file){ .flags = O_RDWR, .priv = &d };
	atomic_init(&f.refcount, 1);
	struct addrspace *client, *child;
	ASSERT_EQ(addrspace_create(&d.as), 0);
	ASSERT_EQ(addrspace_create(&client), 0);
	ASSERT_EQ(vm_mmap(d.as, 0, 4 * PG, RW, MAP_SHARED | MAP_ANONYMOUS, &d.base), 0);
	for (uint32_t i = 0; i < 4; i++) {
		uint32_t tag = 0xf11e0000u + i;
		ASSERT_EQ(vm_space_write(d.as, d.base + i * PG, &tag, sizeof(tag)), 0);
	}

	/* Eager MAP_SHARED of pages 0-1: the daemon's frames, written through the real MMU. */
	uintptr_t s, p, l;
	ASSERT_EQ(vm_mmap_file(client, 0, 2 * PG, RW, MAP_SHARED, &f, 0, &s), 0);
	EXPECT_EQ(frame_of(client, s + PG, NULL), frame_of(d.as, d.base + PG, NULL));
	addrspace_activate(client);
	ASSERT_EQ(arch_copy_to_user(s + PG, "shared", 7), 0);
	addrspace_activate(NULL);
	char buf[8] = { 0 };
	ASSERT_EQ(vm_space_read(d.as, d.base + PG, buf, 7), 0);
	EXPECT_STREQ(buf, "shared");

	/* MAP_PRIVATE of pages 2-3: read through the file's frame (a TLB entry for it), then a
	 * write fault copies it; the write through the MMU lands in the copy, the file keeps its. */
	ASSERT_EQ(vm_mmap_file(client, 0, 2 * PG, RW, MAP_PRIVATE, &f, 2 * PG, &p), 0);
	unsigned flags = 0;
	EXPECT_EQ(frame_of(client, p, &flags), frame_of(d.as, d.base + 2 * PG, NULL));
	EXPECT_FALSE(flags & MMU_WRITE);
	addrspace_activate(client);
	uint32_t w = 0;
	ASSERT_EQ(arch_copy_from_user(&w, p, sizeof(w)), 0);
	EXPECT_EQ(w, 0xf11e0002u);
	ASSERT_EQ(vm_fault(client, p, VM_ACCESS_WRITE), 0);
	ASSERT_EQ(arch_copy_to_user(p, "mine", 5), 0);
	addrspace_activate(NULL);
	EXPECT_NE(frame_of(client, p, NULL), frame_of(d.as, d.base + 2 * PG, NULL));
	EXPECT_EQ(word_of(d.as, d.base + 2 * PG), 0xf11e0002u);
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(vm_space_read(client, p, buf, 5), 0);
	EXPECT_STREQ(buf, "mine");

	/* MAP_LAZY: nothing asked until page 1 faults; then exactly that page. */
	unsigned preps = d.preps;
	ASSERT_EQ(vm_mmap_file(client, 0, 2 * PG, PROT_READ, MAP_SHARED | MAP_LAZY, &f, 0, &l), 0);
	EXPECT_EQ(d.preps, preps);
	EXPECT_EQ(frame_of(client, l + PG, NULL), NONE);
	ASSERT_EQ(vm_fault(client, l + PG, VM_ACCESS_READ), 0);
	EXPECT_EQ(d.preps, preps + 1);
	EXPECT_EQ(frame_of(client, l + PG, NULL), frame_of(d.as, d.base + PG, NULL));
	EXPECT_EQ(pageinfo_refcount(pageinfo_of(frame_of(d.as, d.base + PG, NULL))), 3);
	EXPECT_EQ(vm_check_all(), 0);

	/* fork: the child's copies are prepared again and map the same file frames. */
	ASSERT_EQ(addrspace_fork(client, &child), 0);
	EXPECT_EQ(d.preps, preps + 4);                  /* shared, private, one lazy run */
	EXPECT_EQ(frame_of(child, p + PG, NULL), frame_of(d.as, d.base + 3 * PG, NULL));
	EXPECT_EQ(frame_of(child, l + PG, NULL), frame_of(d.as, d.base + PG, NULL));
	EXPECT_EQ(d.counts[1], 4);                      /* shared and lazy, in both */
	EXPECT_EQ(vm_check_all(), 0);
	addrspace_destroy(child);
	addrspace_destroy(client);
	for (int i = 0; i < 8; i++)
		EXPECT_EQ(d.counts[i], 0);
	EXPECT_EQ(d.notices, d.preps);
	EXPECT_EQ(atomic_load(&f.refcount), 1);
	EXPECT_EQ(vm_check_all(), 0);
	addrspace_destroy(d.as);
	d.as = NULL;
	EXPECT_EQ(frame_count_free(), start);
}
