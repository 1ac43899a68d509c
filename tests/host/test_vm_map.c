/* Host tests of mmap/munmap/mprotect (mm/mmap.c): argument errors that change nothing, hints
 * and top-down placement, merging, MAP_FIXED replacement, munmap splitting a grant with both
 * halves keeping their data, mprotect (rights, TLB flush, splits and merges, the zero frame and
 * CoW frames staying read-only, PROT_NONE keeping data). */
#include <string.h>

#include "fake_ram.h"
#include "htest.h"
#include "soft_mmu.h"
#include "vm_env.h"
#include "kernel/errno.h"
#include "mm/check.h"
#include "mm/kheap.h"
#include "mm/pageinfo.h"
#include "mm/section.h"
#include "mm/vm.h"
#include "mm/vm_internal.h"

#define PG FRAME_SIZE
#define RW (PROT_READ | PROT_WRITE)
#define PRIV (MAP_PRIVATE | MAP_ANONYMOUS)

/* What "nothing changed" compares: the grants, the resident pages, frames and heap objects. */
struct snapshot {
	size_t grants, resident;
	uint64_t free;
	unsigned long heap_objects;
	uintptr_t first_start, last_end;
	unsigned first_prot;
};

static struct snapshot snap(struct addrspace *as)
{
	struct kheap_stats hs;
	kheap_get_stats(&hs);
	struct grant *f = grant_tree_first(&as->grants), *l = grant_tree_last(&as->grants);
	return (struct snapshot){
		as->grants.count, addrspace_resident_pages(as), vm_env_free(), hs.objects,
		f ? f->start : 0, l ? grant_end(l) : 0, f ? f->prot : 0,
	};
}

#define EXPECT_UNCHANGED(as, s) do { \
	struct snapshot now_ = snap(as); \
	EXPECT_EQ(now_.grants, (s).grants); EXPECT_EQ(now_.resident, (s).resident); \
	EXPECT_EQ(now_.free, (s).free); EXPECT_EQ(now_.heap_objects, (s).heap_objects); \
	EXPECT_EQ(now_.first_start, (s).first_start); EXPECT_EQ(now_.last_end, (s).last_end); \
	EXPECT_EQ(now_.first_prot, (s).first_prot); } while (0)

HTEST(vm_mmap_bad_arguments_return_errors_and_change_nothing)
{
	vm_env_default();
	struct addrspace *as = vm_env_space();
	uintptr_t a, out = 0x1234;
	ASSERT_EQ(vm_mmap(as, 0, 4 * PG, RW, PRIV, &a), 0);
	ASSERT_EQ(vm_env_fill(as, a, 4 * PG, 0x5c), 0);
	uintptr_t top = arch_mmu_user_top();
	struct snapshot s = snap(as);

	EXPECT_EQ(vm_mmap(as, 0, 0, RW, PRIV, &out), -EINVAL);
	EXPECT_EQ(vm_mmap(as, 0, PG, RW, MAP_ANONYMOUS, &out), -EINVAL);          /* no type */
	EXPECT_EQ(vm_mmap(as, 0, PG, RW, 0x04 | MAP_ANONYMOUS, &out), -EINVAL);   /* bad type */
	EXPECT_EQ(vm_mmap(as, 0, PG, RW, MAP_PRIVATE, &out), -EBADF);             /* no file */
	EXPECT_EQ(vm_mmap(as, 0, PG, 0x8, PRIV, &out), -EINVAL);
	EXPECT_EQ(vm_mmap(as, 0, PG, RW, MAP_SHARED_VALIDATE | MAP_ANONYMOUS | 0x40, &out), -EINVAL);
	EXPECT_EQ(vm_mmap(as, a + 1, PG, RW, PRIV | MAP_FIXED, &out), -EINVAL);
	EXPECT_EQ(vm_mmap(as, 0, PG, RW, PRIV | MAP_FIXED, &out), -EPERM);
	EXPECT_EQ(vm_mmap(as, top - PG, 2 * PG, RW, PRIV | MAP_FIXED, &out), -ENOMEM);
	EXPECT_EQ(vm_mmap(as, top, PG, RW, PRIV | MAP_FIXED, &out), -ENOMEM);
	EXPECT_EQ(vm_mmap(as, 0, top, RW, PRIV, &out), -ENOMEM);
	EXPECT_EQ(vm_mmap(as, 0, ~(size_t)0, RW, PRIV, &out), -ENOMEM);
	EXPECT_EQ(vm_mmap(as, a, PG, RW, PRIV | MAP_FIXED_NOREPLACE, &out), -EEXIST);
	EXPECT_EQ(vm_mmap(as, a - PG, 2 * PG, RW, PRIV | MAP_FIXED | MAP_FIXED_NOREPLACE, &out),
		  -EEXIST);
	EXPECT_EQ(out, 0x1234);
	EXPECT_UNCHANGED(as, s);
	EXPECT_TRUE(vm_env_all(as, a, 4 * PG, 0x5c));

	/* Unknown flags are ignored with MAP_PRIVATE (as on Linux); known ones with VALIDATE. */
	uintptr_t b, c;
	EXPECT_EQ(vm_mmap(as, 0, PG, RW, PRIV | 0x40, &b), 0);
	EXPECT_EQ(vm_mmap(as, 0, PG, RW, MAP_SHARED_VALIDATE | MAP_ANONYMOUS | MAP_NORESERVE, &c), 0);
	VM_CHECK_CLEAN();
	addrspace_destroy(as);
}

HTEST(vm_munmap_and_mprotect_bad_arguments_return_errors_and_change_nothing)
{
	vm_env_default();
	struct addrspace *as = vm_env_space();
	uintptr_t a, top = arch_mmu_user_top();
	ASSERT_EQ(vm_mmap(as, 0, 4 * PG, RW, PRIV, &a), 0);
	ASSERT_EQ(vm_env_fill(as, a, 4 * PG, 0x3e), 0);
	struct snapshot s = snap(as);

	EXPECT_EQ(vm_munmap(as, a + 1, PG), -EINVAL);
	EXPECT_EQ(vm_munmap(as, a, 0), -EINVAL);
	EXPECT_EQ(vm_munmap(as, top - PG, 2 * PG), -EINVAL);
	EXPECT_EQ(vm_munmap(as, top + PG, PG), -EINVAL);
	EXPECT_EQ(vm_munmap(as, a - 16 * PG, 8 * PG), 0);        /* nothing there: fine */
	EXPECT_EQ(vm_mprotect(as, a + 1, PG, PROT_READ), -EINVAL);
	EXPECT_EQ(vm_mprotect(as, a, PG, 0x10), -EINVAL);
	EXPECT_EQ(vm_mprotect(as, a, 0, PROT_READ), 0);
	EXPECT_EQ(vm_mprotect(as, top - PG, 2 * PG, PROT_READ), -ENOMEM);
	/* A hole in the range: -ENOMEM, and not even the mapped part changed (all or nothing). */
	EXPECT_EQ(vm_mprotect(as, a, 5 * PG, PROT_READ), -ENOMEM);
	EXPECT_EQ(vm_mprotect(as, a - PG, 2 * PG, PROT_READ), -ENOMEM);
	EXPECT_UNCHANGED(as, s);
	EXPECT_EQ(vm_env_fill(as, a, 4 * PG, 0x3f), 0);          /* still writable */
	VM_CHECK_CLEAN();
	addrspace_destroy(as);
}

HTEST(vm_mmap_places_top_down_honours_free_hints_and_merges_neighbours)
{
	vm_env_default();
	struct addrspace *as = vm_env_space();
	uintptr_t top = arch_mmu_user_top(), a, b, c, d;
	ASSERT_EQ(vm_mmap(as, 0, 2 * PG, RW, PRIV, &a), 0);
	EXPECT_EQ(a, top - 2 * PG);
	ASSERT_EQ(vm_mmap(as, 0, PG, RW, PRIV, &b), 0);
	EXPECT_EQ(b, top - 3 * PG);
	EXPECT_EQ(as->grants.count, 1);                          /* merged: same prot, adjacent */
	ASSERT_EQ(vm_mmap(as, 0, PG, PROT_READ, PRIV, &c), 0);
	EXPECT_EQ(c, top - 4 * PG);
	EXPECT_EQ(as->grants.count, 2);                          /* different prot: not merged */
	ASSERT_EQ(vm_mmap(as, 0x40000123, PG, RW, PRIV, &d), 0);   /* a free hint, rounded down */
	EXPECT_EQ(d, 0x40000000);
	uintptr_t e;
	ASSERT_EQ(vm_mmap(as, 0x40000000, PG, RW, PRIV, &e), 0);   /* a taken hint: elsewhere */
	EXPECT_EQ(e, top - 5 * PG);
	uintptr_t f;
	ASSERT_EQ(vm_mmap(as, 0, PG, RW, MAP_SHARED | MAP_ANONYMOUS, &f), 0);
	EXPECT_EQ(f, top - 6 * PG);
	EXPECT_EQ(as->grants.count, 5);                          /* shared never merges private */
	EXPECT_EQ(grant_tree_check(&as->grants, "test"), 0);
	VM_CHECK_CLEAN();
	addrspace_destroy(as);
}

HTEST(vm_map_fixed_replaces_what_was_there_and_frees_its_frames)
{
	vm_env_default();
	struct addrspace *as = vm_env_space();
	uintptr_t a, out;
	ASSERT_EQ(vm_mmap(as, 0, 8 * PG, RW, PRIV, &a), 0);
	ASSERT_EQ(vm_env_fill(as, a, 8 * PG, 0xaa), 0);
	uint64_t f = vm_env_free();
	ASSERT_EQ(vm_mmap(as, a + 3 * PG, 2 * PG, PROT_READ, PRIV | MAP_FIXED, &out), 0);
	EXPECT_EQ(out, a + 3 * PG);
	EXPECT_EQ(as->grants.count, 3);
	EXPECT_EQ(vm_env_free() - f, 2 - (vm_env_heap_frames() > 2 ? 1 : 0));
	EXPECT_TRUE(vm_env_all(as, a, 3 * PG, 0xaa));
	EXPECT_TRUE(vm_env_all(as, a + 3 * PG, 2 * PG, 0));
	EXPECT_TRUE(vm_env_all(as, a + 5 * PG, 3 * PG, 0xaa));
	EXPECT_EQ(soft_user_write8(as, a + 3 * PG, 1), -EFAULT);
	/* Over two grants and a hole at once. */
	uintptr_t b;
	ASSERT_EQ(vm_mmap(as, a - 4 * PG, 2 * PG, RW, PRIV | MAP_FIXED, &b), 0);
	ASSERT_EQ(vm_mmap(as, a - 3 * PG, 5 * PG, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, &b), 0);
	EXPECT_TRUE(vm_env_all(as, a - 3 * PG, 5 * PG, 0));
	EXPECT_TRUE(vm_env_all(as, a + 2 * PG, PG, 0xaa));
	EXPECT_EQ(as->grants.count, 5);
	VM_CHECK_CLEAN();
	addrspace_destroy(as);
}

HTEST(vm_munmap_of_the_middle_splits_the_grant_and_both_halves_keep_their_data)
{
	vm_env_default();
	uint64_t start = vm_env_free();
	struct addrspace *as = vm_env_space();
	uintptr_t a;
	ASSERT_EQ(vm_mmap(as, 0, 10 * PG, RW, PRIV, &a), 0);
	for (int i = 0; i < 10; i++)
		ASSERT_EQ(vm_env_fill(as, a + i * PG, PG, (uint8_t)(0x10 + i)), 0);
	uint64_t f = vm_env_free();
	unsigned long heap = vm_env_heap_frames();
	ASSERT_EQ(vm_munmap(as, a + 4 * PG, 3 * PG - 100), 0);  /* length rounds up to 3 pages */
	EXPECT_EQ(vm_env_free() - f, 3 - (vm_env_heap_frames() - heap));
	ASSERT_EQ(as->grants.count, 2);
	struct grant *lo = grant_tree_first(&as->grants), *hi = grant_tree_last(&as->grants);
	EXPECT_EQ(lo->start, a);
	EXPECT_EQ(lo->pages, 4);
	EXPECT_EQ(hi->start, a + 7 * PG);
	EXPECT_EQ(hi->pages, 3);
	for (int i = 0; i < 10; i++) {
		if (i >= 4 && i < 7) {
			uint8_t v;
			EXPECT_EQ(soft_user_read8(as, a + i * PG, &v), -EFAULT);
		} else {
			EXPECT_TRUE(vm_env_all(as, a + i * PG, PG, (uint8_t)(0x10 + i)));
		}
	}
	VM_CHECK_CLEAN();
	/* munmap over the hole and part of both halves. */
	ASSERT_EQ(vm_munmap(as, a + 3 * PG, 5 * PG), 0);
	EXPECT_EQ(as->grants.count, 2);
	EXPECT_EQ(addrspace_resident_pages(as), 5);
	VM_CHECK_CLEAN();
	addrspace_destroy(as);
	EXPECT_EQ(vm_env_free(), start);
}

HTEST(vm_mprotect_read_only_faults_writes_flushes_the_tlb_and_back_to_rw_allows_them)
{
	vm_env_default();
	struct addrspace *as = vm_env_space();
	uintptr_t a;
	ASSERT_EQ(vm_mmap(as, 0, 6 * PG, RW, PRIV, &a), 0);
	ASSERT_EQ(vm_env_fill(as, a, 6 * PG, 0x21), 0);         /* writable TLB entries cached */
	unsigned long flushes = soft_mmu_stats().flush_page;
	ASSERT_EQ(vm_mprotect(as, a + 2 * PG, 2 * PG, PROT_READ), 0);
	EXPECT_GE(soft_mmu_stats().flush_page - flushes, 2);
	EXPECT_EQ(as->grants.count, 3);
	EXPECT_EQ(soft_user_write8(as, a + 2 * PG, 1), -EFAULT);
	EXPECT_EQ(soft_user_write8(as, a + 3 * PG + 5, 1), -EFAULT);
	EXPECT_EQ(soft_user_write8(as, a + 4 * PG, 0x22), 0);
	EXPECT_TRUE(vm_env_all(as, a + 2 * PG, 2 * PG, 0x21));
	ASSERT_EQ(vm_mprotect(as, a + 2 * PG, 2 * PG, RW), 0);
	EXPECT_EQ(as->grants.count, 1);                          /* merged back */
	EXPECT_EQ(soft_user_write8(as, a + 2 * PG, 0x23), 0);
	uint8_t v;
	ASSERT_EQ(soft_user_read8(as, a + 2 * PG, &v), 0);
	EXPECT_EQ(v, 0x23);
	EXPECT_EQ(soft_mmu_stats().stale_hits, 0);
	VM_CHECK_CLEAN();
	addrspace_destroy(as);
}

HTEST(vm_mprotect_rw_of_a_zero_frame_page_does_not_make_the_zero_frame_writable)
{
	vm_env_default();
	struct addrspace *as = vm_env_space();
	uintptr_t a;
	/* The seed's bug: PROT_READ, read (zero frame), mprotect RW, write. */
	ASSERT_EQ(vm_mmap(as, 0, 2 * PG, PROT_READ, PRIV, &a), 0);
	ASSERT_TRUE(vm_env_all(as, a, 2 * PG, 0));
	ASSERT_EQ(vm_mprotect(as, a, 2 * PG, RW), 0);
	unsigned flags;
	EXPECT_EQ(vm_env_frame(as, a, &flags), vm_zero_frame());
	EXPECT_FALSE(flags & MMU_WRITE);
	VM_CHECK_CLEAN();
	uint64_t f = vm_env_free();
	ASSERT_EQ(soft_user_write8(as, a + 10, 0x99), 0);
	EXPECT_EQ(f - vm_env_free(), 1);
	EXPECT_NE(vm_env_frame(as, a, NULL), vm_zero_frame());
	EXPECT_EQ(vm_env_frame(as, a + PG, NULL), vm_zero_frame());
	const uint8_t *z = fake_ram_ptr(vm_zero_frame());
	for (size_t i = 0; i < PG; i++)
		ASSERT_EQ(z[i], 0);
	EXPECT_TRUE(vm_env_all(as, a + PG, PG, 0));
	VM_CHECK_CLEAN();
	addrspace_destroy(as);
}

HTEST(vm_mprotect_rw_keeps_cow_frames_read_only_after_fork)
{
	vm_env_default();
	struct addrspace *parent = vm_env_space(), *child;
	uintptr_t a;
	ASSERT_EQ(vm_mmap(parent, 0, PG, RW, PRIV, &a), 0);
	ASSERT_EQ(vm_env_fill(parent, a, PG, 0x41), 0);
	ASSERT_EQ(addrspace_fork(parent, &child), 0);
	ASSERT_EQ(vm_mprotect(parent, a, PG, PROT_READ), 0);
	ASSERT_EQ(vm_mprotect(parent, a, PG, RW), 0);
	unsigned flags;
	vm_env_frame(parent, a, &flags);
	EXPECT_FALSE(flags & MMU_WRITE);
	VM_CHECK_CLEAN();
	ASSERT_EQ(soft_user_write8(parent, a, 0x42), 0);
	EXPECT_TRUE(vm_env_all(child, a, PG, 0x41));
	VM_CHECK_CLEAN();
	addrspace_destroy(child);
	addrspace_destroy(parent);
}

HTEST(vm_prot_none_denies_access_but_keeps_the_data)
{
	vm_env_default();
	struct addrspace *as = vm_env_space();
	uintptr_t a;
	ASSERT_EQ(vm_mmap(as, 0, 2 * PG, RW, PRIV, &a), 0);
	ASSERT_EQ(vm_env_fill(as, a, PG, 0x7e), 0);
	ASSERT_EQ(vm_mprotect(as, a, 2 * PG, PROT_NONE), 0);
	uint8_t v;
	EXPECT_EQ(soft_user_read8(as, a, &v), -EFAULT);
	EXPECT_EQ(soft_user_read8(as, a + PG, &v), -EFAULT);
	EXPECT_EQ(vm_user_check(as, a, 1, VM_ACCESS_READ), -EFAULT);
	unsigned flags;
	EXPECT_NE(vm_env_frame(as, a, &flags), ~(paddr_t)0);     /* still present, kernel only */
	EXPECT_FALSE(flags & MMU_USER);
	VM_CHECK_CLEAN();
	ASSERT_EQ(vm_mprotect(as, a, 2 * PG, PROT_READ), 0);
	EXPECT_TRUE(vm_env_all(as, a, PG, 0x7e));
	EXPECT_EQ(vm_user_check(as, a, 2 * PG, VM_ACCESS_READ), 0);
	EXPECT_EQ(vm_user_check(as, a, 2 * PG, VM_ACCESS_WRITE), -EFAULT);
	EXPECT_EQ(vm_user_check(as, a, 2 * PG + 1, VM_ACCESS_READ), -EFAULT);
	VM_CHECK_CLEAN();
	addrspace_destroy(as);
}

HTEST(vm_i686_like_user_top_and_small_direct_map)
{
	/* 64 MiB of RAM, the direct map ends at 8 MiB, user half 3 GiB: like i686. */
	vm_env_machine(64, MiB(8));
	soft_mmu_set_user_top(0xc0000000u);
	struct addrspace *as = vm_env_space();
	uintptr_t a;
	ASSERT_EQ(vm_mmap(as, 0, 32 * PG, RW, PRIV, &a), 0);
	EXPECT_EQ(a, 0xc0000000u - 32 * PG);
	ASSERT_EQ(vm_env_fill(as, a, 32 * PG, 0x5d), 0);
	EXPECT_EQ(vm_mmap(as, 0xbffff000u, 2 * PG, RW, PRIV | MAP_FIXED, &a), -ENOMEM);
	VM_CHECK_CLEAN();
	addrspace_destroy(as);
}
