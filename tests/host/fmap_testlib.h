/* Helpers shared by the host tests of mm/fmap.c (test_vm_fmap*.c): the daemon's frames, grant
 * look-ups, and the end of a test (client and daemon gone; page counts, files, frames and heap
 * objects back to their start). */
#ifndef TESTS_HOST_FMAP_TESTLIB_H
#define TESTS_HOST_FMAP_TESTLIB_H

#include <string.h>

#include "fake_ram.h"
#include "fake_scheme.h"
#include "htest.h"
#include "soft_mmu.h"
#include "vm_env.h"
#include "kernel/errno.h"
#include "mm/alloc_inject.h"
#include "mm/check.h"
#include "mm/kheap.h"
#include "mm/pageinfo.h"
#include "mm/section.h"
#include "mm/vm.h"
#include "mm/vm_internal.h"
#include "scheme/scheme.h"

#define PG FRAME_SIZE
#define RW (PROT_READ | PROT_WRITE)
#define NONE (~(paddr_t)0)
#define LOG(d) fake_log_take((d), logbuf, sizeof(logbuf))

static char logbuf[2048] __attribute__((unused));

/* The daemon's frame behind file page P. */
static inline paddr_t dframe(struct fake_daemon *d, size_t p)
{
	return vm_env_frame(d->as, d->base + p * PG, NULL);
}

static inline struct grant *grant_at(struct addrspace *as, uintptr_t va)
{
	return grant_tree_find(&as->grants, va);
}

static inline size_t pins_at(struct addrspace *as, uintptr_t va)
{
	struct grant *g = grant_at(as, va);
	return g && g->provider.kind == GRANT_FMAP_BORROWED ? g->provider.fmap_borrowed.pin_refcount
							     : (size_t)-1;
}

static inline unsigned long heap_objects(void)
{
	struct kheap_stats s;
	kheap_get_stats(&s);
	return s.objects;
}

/* Ends a test: the client goes, then the daemon; counts, files and frames are checked. */
static inline void finish(struct fake_daemon *d, struct addrspace *client, struct scheme_file *f,
		   uint64_t start)
{
	VM_CHECK_CLEAN();
	if (client)
		addrspace_destroy(client);
	if (f)
		scheme_file_put(f);
	fake_daemon_exit(d);
	EXPECT_TRUE(fake_counts_zero(d));
	EXPECT_EQ(fake_files_live(), 0);
	EXPECT_EQ(vm_env_free(), start);
	EXPECT_EQ(heap_objects(), 0);
	EXPECT_EQ(scheme_notices_lost, 0);
}

#endif
