/* The page-fault path (contract in mm/vm.h): vm_fault finds the grant, checks its protection
 * and dispatches on the provider.
 *
 *   Allocated (private anonymous)
 *     not present, read/exec  map the zero frame read-only (one more reference on it)
 *     not present, write      map a fresh zeroed frame with the grant's rights
 *     present, write, entry read-only because the frame is the zero frame or CoW-shared
 *                             (count > 1, shared bit clear): copy into a fresh frame (a zeroed
 *                             one for the zero frame, no copy of zeroes), unmap, flush, map the
 *                             copy, drop the old reference (vm_page_replace_locked)
 *     present, write, read-only entry but the frame is ours alone (count 1) or shared (bit
 *                             set): just make the entry writable
 *   AllocatedShared           not present: the shared object's frame for that page, or a
 *                             fresh zeroed frame put into the object (never the zero frame:
 *                             every grant on the object must see the same frame; mm/shm.c);
 *                             present: rights. A contiguous grant (no object) is all present.
 *   PhysBorrowed              map base + offset with the grant's cache attribute, no reference
 *   External                  mapped eagerly at creation: only a spurious or rights fault
 *   Allocated with a file (MAP_PRIVATE of a scheme file), FmapBorrowed (MAP_SHARED of one):
 *                             mm/fmap.c. Present: rights (a write to a private file page
 *                             copies the frame when it may be the file's). Not present: a hole
 *                             (-EFAULT) for an eager mapping; for MAP_LAZY the lock is dropped,
 *                             the daemon asked for that page (blocking), the lock taken again
 *                             and the fault resolved from the top with the answer in hand (used
 *                             only if the page is still absent and still that file page).
 * A fault on a present entry that already allows the access (another CPU resolved it, or a
 * stale TLB entry) re-syncs the entry with what the grant says, flushes, and returns 0. */
#include "mm/vm.h"
#include "mm/vm_internal.h"
#include "mm/pageinfo.h"
#include "mm/section.h"
#include "mm/shm.h"
#include "mm/frame.h"
#include "kernel/errno.h"
#include "kernel/panic.h"

/* The MMU right an access needs. */
static unsigned access_right(enum vm_access access)
{
	return access == VM_ACCESS_WRITE ? MMU_WRITE : access == VM_ACCESS_EXEC ? MMU_EXEC : MMU_READ;
}

static int fault_anon_locked(struct addrspace *as, struct grant *g, uintptr_t va,
			     enum vm_access access)
{
	spin_assert_held(&as->lock);
	paddr_t pa;
	if (!arch_mmu_query(&as->mmu, va, &pa, NULL)) {
		if (access != VM_ACCESS_WRITE && g->provider.kind == GRANT_ALLOCATED) {
			pa = vm_zero_frame();
			return vm_map_ref_locked(as, va, pa, vm_entry_flags(g, pa));
		}
		int err = vm_frame_new_zeroed(&pa);
		if (err)
			return err;
		return vm_map_ref_locked(as, va, pa, vm_entry_flags(g, pa));
	}
	if (access == VM_ACCESS_WRITE)
		return vm_page_own_locked(as, g, va, &pa);   /* CoW break, or just the write right */
	vm_entry_sync_locked(as, va, vm_entry_flags(g, pa));
	return 0;
}

static int fault_shared_locked(struct addrspace *as, struct grant *g, uintptr_t va)
{
	spin_assert_held(&as->lock);
	paddr_t pa;
	if (arch_mmu_query(&as->mmu, va, &pa, NULL)) {
		vm_entry_sync_locked(as, va, vm_entry_flags(g, pa));
		return 0;
	}
	if (unlikely(!g->provider.allocated_shared.obj))
		panic("va=%#lx absent in contiguous grant start=%#lx", (unsigned long)va,
		      (unsigned long)g->start);
	return shm_map_page_locked(as, g, va, &pa);
}

static int fault_phys_locked(struct addrspace *as, struct grant *g, uintptr_t va)
{
	spin_assert_held(&as->lock);
	unsigned flags = grant_mmu_flags(g);
	if (arch_mmu_query(&as->mmu, va, NULL, NULL)) {
		vm_entry_sync_locked(as, va, flags);
		return 0;
	}
	paddr_t pa = g->provider.phys_borrowed.base + (va - g->start);
	return arch_mmu_map(&as->mmu, va, pa, flags);    /* no pageinfo: no reference */
}

static int fault_external_locked(struct addrspace *as, struct grant *g, uintptr_t va)
{
	spin_assert_held(&as->lock);
	paddr_t pa;
	if (!arch_mmu_query(&as->mmu, va, &pa, NULL))
		return -EFAULT;
	vm_entry_sync_locked(as, va, vm_entry_flags(g, pa));
	return 0;
}

/* Resolves the fault at VA in grant G of AS (locked): 0, -EFAULT, -ENOMEM or FMAP_FAULT_ASK. */
static int fault_grant_locked(struct addrspace *as, struct grant *g, uintptr_t va,
			      enum vm_access access, struct fmap_fault *ff)
{
	spin_assert_held(&as->lock);
	switch (g->provider.kind) {
	case GRANT_ALLOCATED:
		if (g->provider.allocated.cow_file_ref.file)
			return fmap_fault_locked(as, g, va, access, ff);
		return fault_anon_locked(as, g, va, access);
	case GRANT_ALLOCATED_SHARED:
		return fault_shared_locked(as, g, va);
	case GRANT_PHYS_BORROWED:
		return fault_phys_locked(as, g, va);
	case GRANT_EXTERNAL:
		return fault_external_locked(as, g, va);
	case GRANT_FMAP_BORROWED:
		return fmap_fault_locked(as, g, va, access, ff);
	default:
		panic("grant start=%#lx has provider kind %u", (unsigned long)g->start,
		      (unsigned)g->provider.kind);
	}
}

int vm_fault(struct addrspace *as, uintptr_t addr, enum vm_access access)
{
	if (addr < MMU_USER_BASE || addr >= arch_mmu_user_top())
		return -EFAULT;
	uintptr_t va = ALIGN_DOWN(addr, FRAME_SIZE);
	struct fmap_fault ff = { .file = NULL };
	unsigned long irq;
	int err;
	for (;;) {
		irq = spin_lock_irqsave(&as->lock);
		struct grant *g = grant_tree_find(&as->grants, va);
		err = !g || !grant_allows(g, access) ? -EFAULT :
		      vm_unshare_locked(as, va, va + FRAME_SIZE);    /* a shared table: copy it */
		if (!err)
			err = fault_grant_locked(as, g, va, access, &ff);
		if (err != FMAP_FAULT_ASK)
			break;
		spin_unlock_irqrestore(&as->lock, irq);
		err = fmap_fault_ask(&ff);       /* blocks until the daemon answers */
		if (err) {
			fmap_fault_done(&ff);
			return err;
		}
	}
	if (!err) {
		as->faults_resolved++;
		unsigned flags = 0;
		/* A self-check of the resolvers: one more walk, so MM_DEBUG builds only. */
		if (MM_DEBUG && unlikely(!arch_mmu_query(&as->mmu, va, NULL, &flags) ||
						 !(flags & MMU_USER) || !(flags & access_right(access))))
			panic("va=%#lx still denies access %u after the fault (flags %#x)",
			      (unsigned long)va, (unsigned)access, flags);
	}
	spin_unlock_irqrestore(&as->lock, irq);
	fmap_fault_done(&ff);            /* an unused answer gets its notice */
	return err;
}
