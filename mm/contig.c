/* MAP_PHYS_CONTIGUOUS and the translation of user addresses to physical ones (contracts in
 * mm/vm.h): the replacement of the seed's physalloc/physfree. A contiguous mapping is an
 * ordinary AllocatedShared grant whose pages are all present from the start and happen to map
 * one physically contiguous run of allocator-owned frames: every entry holds its frame's
 * reference, so munmap, MAP_FIXED over it, exit and fork treat it like any shared anonymous
 * memory (fork shares the frames, the last unmap frees each one). Nothing remembers the run as a
 * whole: a partial munmap frees just those frames.
 *
 * Why frames of shared grants may be handed out by address and private ones not: a present page
 * of an AllocatedShared grant keeps its frame until it is unmapped (no CoW, no replacement by
 * the fault path), so the address stays true while the mapping lives. A private page may be
 * CoW-copied or still be the zero frame. (A present page of a lazily populated MAP_SHARED
 * anonymous grant therefore translates too; the contiguity promise is only for this file's.)
 *
 * All or nothing, like mm/mmap.c: the grant node, the split spares and the frames are taken
 * before the address-space lock; under it, only page tables can fail to allocate, and then
 * every entry made so far is removed and every frame given back. One exception to "an error
 * changes nothing" (mm/vm.h): with MAP_FIXED over existing mappings, those are removed before
 * the new pages are mapped, so a page-table allocation failing after that leaves the range
 * unmapped (Linux's MAP_FIXED can fail the same way).
 *
 * Beyond mm/vm.h's short contract: vm_mmap_contig also returns -EPERM (MAP_FIXED below
 * MMU_USER_BASE) and -EEXIST (MAP_FIXED_NOREPLACE over a mapping), and -EINVAL without
 * MAP_SHARED; vm_virt_to_phys answers for device pages whether present or not (the address is
 * in the grant) and for any page of an AllocatedShared grant that is present or that its shared
 * object holds. */
#include "mm/vm.h"
#include "mm/vm_internal.h"
#include "mm/frame.h"
#include "mm/kheap.h"
#include "mm/pageinfo.h"
#include "mm/section.h"
#include "mm/shm.h"
#include "kernel/errno.h"
#include "kernel/string.h"

/* Validates the arguments of vm_mmap_contig and stores the length in pages in *PAGES; returns
 * 0 or the -errno vm_mmap_contig gives for them. */
static int contig_check(uintptr_t addr, size_t len, unsigned prot, unsigned flags, size_t *pages)
{
	unsigned type = flags & MAP_TYPE;
	uintptr_t top = arch_mmu_user_top();
	if (len == 0 || (prot & ~PROT_MASK))
		return -EINVAL;
	if (type != MAP_SHARED && type != MAP_SHARED_VALIDATE)
		return -EINVAL;          /* contiguous frames are for sharing (DMA): never CoW */
	if (len > top - MMU_USER_BASE)
		return -ENOMEM;
	*pages = (len + FRAME_SIZE - 1) / FRAME_SIZE;
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		if (!IS_ALIGNED(addr, FRAME_SIZE))
			return -EINVAL;
		if (addr < MMU_USER_BASE)
			return -EPERM;
		if (addr >= top || *pages * FRAME_SIZE > top - addr)
			return -ENOMEM;
	}
	return 0;
}

/* Allocates PAGES contiguous frames, zeroes them and types them PAGEINFO_USER (count 0); stores
 * the first in *BASE. Returns 0 or -ENOMEM. */
static int contig_frames_new(size_t pages, paddr_t *base)
{
	int err = frame_alloc_contig(pages, 1, base);
	if (err)
		return -ENOMEM;
	for (size_t i = 0; i < pages; i++) {
		paddr_t pa = *base + i * FRAME_SIZE;
		void *p = kmap_frame(pa);
		memset(p, 0, FRAME_SIZE);
		kunmap_frame(p);
		pageinfo_set_type(pageinfo_of(pa), PAGEINFO_USER, 0);
	}
	return 0;
}

/* Picks where G's LEN bytes go in AS (MAP_FIXED replaces what is there with the nodes of
 * SPARES) and sets G->start. Returns 0, -EEXIST or -ENOMEM (no free range). */
static int contig_place_locked(struct addrspace *as, struct grant *g, uintptr_t addr, size_t len,
			       unsigned flags, struct grant *spares[2])
{
	spin_assert_held(&as->lock);
	if (!(flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)))
		return vm_find_free_locked(as, len, addr, &g->start) ? 0 : -ENOMEM;
	if (grant_tree_overlaps(&as->grants, addr, addr + len)) {
		if (flags & MAP_FIXED_NOREPLACE)
			return -EEXIST;
		int err = vm_unshare_edges_locked(as, addr, addr + len);
		if (err)
			return err;
		vm_remove_range_locked(as, addr, addr + len, spares);
	}
	g->start = addr;
	return 0;
}

/* Maps the PAGES frames from BASE at G->start, each entry taking its frame's reference. On
 * failure (a page table could not be allocated) removes the entries made so far and frees every
 * frame of the run, and returns -ENOMEM. */
static int contig_map_locked(struct addrspace *as, struct grant *g, paddr_t base, size_t pages)
{
	spin_assert_held(&as->lock);
	for (size_t i = 0; i < pages; i++) {
		uintptr_t va = g->start + i * FRAME_SIZE;
		paddr_t pa = base + i * FRAME_SIZE;
		if (vm_map_ref_locked(as, va, pa, vm_entry_flags(g, pa))) {
			/* frame i went back with the failed map (count 0 -> 1 -> 0); the entries before
			 * it drop theirs after the flush; the rest never had one */
			vm_unmap_pages_locked(as, g->start, va);
			if (i + 1 < pages)
				frame_free_contig(pa + FRAME_SIZE, pages - i - 1);
			return -ENOMEM;
		}
	}
	return 0;
}

int vm_mmap_contig(struct addrspace *as, uintptr_t addr, size_t len, unsigned prot, unsigned flags,
		   uintptr_t *out)
{
	size_t pages;
	int err = contig_check(addr, len, prot, flags, &pages);
	if (err)
		return err;
	if (pages > SECTION_MAX_FRAMES)
		return -ENOMEM;          /* a run never crosses a section */
	struct grant_provider p = { .kind = GRANT_ALLOCATED_SHARED };
	struct grant *g = grant_new(0, pages, prot, PROT_MASK, MAP_SHARED, MMU_CACHE_WB, &p);
	struct grant *spares[2] = { NULL, NULL };
	if (!g)
		return -ENOMEM;
	if (flags & MAP_FIXED) {         /* replacing may split two grants */
		spares[0] = kmalloc(sizeof(struct grant));
		spares[1] = kmalloc(sizeof(struct grant));
		if (!spares[0] || !spares[1]) {
			err = -ENOMEM;
			goto out;
		}
	}
	paddr_t base;
	err = contig_frames_new(pages, &base);
	if (err)
		goto out;

	unsigned long irq = spin_lock_irqsave(&as->lock);
	err = contig_place_locked(as, g, addr, pages * FRAME_SIZE, flags, spares);
	if (err)
		frame_free_contig(base, pages);
	else
		err = contig_map_locked(as, g, base, pages);
	if (!err) {
		*out = g->start;
		vm_insert_grant_locked(as, g);   /* may merge with a shared neighbour and free G */
		g = NULL;
	}
	spin_unlock_irqrestore(&as->lock, irq);
out:
	kfree(spares[0]);
	kfree(spares[1]);
	if (g)
		grant_free(g);
	return err;
}

int vm_virt_to_phys(struct addrspace *as, uintptr_t addr, paddr_t *phys)
{
	if (addr < MMU_USER_BASE || addr >= arch_mmu_user_top())
		return -EFAULT;
	uintptr_t page = ALIGN_DOWN(addr, FRAME_SIZE);
	int err = 0;
	paddr_t pa = 0;
	unsigned long irq = spin_lock_irqsave(&as->lock);
	struct grant *g = grant_tree_find(&as->grants, addr);
	if (!g) {
		err = -EFAULT;
	} else if (g->provider.kind == GRANT_PHYS_BORROWED) {
		pa = g->provider.phys_borrowed.base + (page - g->start);   /* present or not */
	} else if (g->provider.kind == GRANT_ALLOCATED_SHARED) {
		struct shm_object *obj = g->provider.allocated_shared.obj;
		if (!arch_mmu_query(&as->mmu, page, &pa, NULL) &&
		    !(obj && shm_object_lookup(obj, g->provider.allocated_shared.offset +
					       (page - g->start) / FRAME_SIZE, &pa)))
			err = -EFAULT;   /* not populated: no frame yet (here or in the object) */
	} else {
		err = -EINVAL;           /* private (CoW, zero frame), External, scheme mappings */
	}
	spin_unlock_irqrestore(&as->lock, irq);
	if (!err)
		*phys = pa + (addr - page);
	return err;
}
