/* Helpers shared by the memory: self-tests (scheme/memory_test.c: the physical files;
 * scheme/memory_contig_test.c: zeroed, MAP_PHYS_CONTIGUOUS and virt-to-phys). */
#ifndef SCHEME_MEMORY_TEST_H
#define SCHEME_MEMORY_TEST_H

#include "kernel/ktest.h"
#include "kernel/errno.h"
#include "kernel/string.h"
#include "mm/addrspace.h"
#include "mm/frame.h"
#include "mm/kheap.h"
#include "mm/vm.h"
#include "mm/vm_internal.h"
#include "scheme/memory.h"

#define PG     FRAME_SIZE
#define RW     (PROT_READ | PROT_WRITE)
#define KIB64  (64u * 1024)

/* Returns the free frame count with the zero frame already allocated (it never comes back). */
static inline uint64_t free_start(void)
{
	vm_zero_frame_init();
	return frame_count_free();
}

/* Opens memory:PATH with O_* FLAGS into *F through the scheme's own open; returns its result. */
static inline int mem_open(const char *path, unsigned flags, struct scheme_file *f)
{
	memset(f, 0, sizeof(*f));
	f->flags = flags;
	return memory_scheme_ops.open(NULL, path, flags, f);
}

/* Maps LEN bytes at OFFSET of F anywhere in AS through the scheme's own mmap; returns its result. */
static inline int mem_mmap(struct scheme_file *f, struct addrspace *as, size_t len, unsigned prot,
			   unsigned flags, uint64_t offset, uintptr_t *out)
{
	return memory_scheme_ops.mmap(f, as, 0, len, prot, flags, offset, out);
}

/* Returns how many grants AS has; takes its lock. */
static inline size_t grant_count(struct addrspace *as)
{
	size_t n = 0;
	unsigned long irq = spin_lock_irqsave(&as->lock);
	for (struct grant *g = grant_tree_first(&as->grants); g; g = grant_tree_next(g))
		n++;
	spin_unlock_irqrestore(&as->lock, irq);
	return n;
}

/* Returns the provider kind of the grant holding VA in AS, or -1; takes its lock. */
static inline int grant_kind_at(struct addrspace *as, uintptr_t va)
{
	unsigned long irq = spin_lock_irqsave(&as->lock);
	struct grant *g = grant_tree_find(&as->grants, va);
	int kind = g ? (int)g->provider.kind : -1;
	spin_unlock_irqrestore(&as->lock, irq);
	return kind;
}

/* Returns the frame VA maps in AS (and its attributes in *FLAGS), or all ones when none. */
static inline paddr_t frame_at(struct addrspace *as, uintptr_t va, unsigned *flags)
{
	paddr_t pa = ~(paddr_t)0;
	if (!arch_mmu_query(&as->mmu, va, &pa, flags))
		return ~(paddr_t)0;
	return pa;
}

/* Returns vm_virt_to_phys's answer for VA (all ones on error) and its result in *ERR. */
static inline paddr_t v2p(struct addrspace *as, uintptr_t va, int *err)
{
	paddr_t pa = ~(paddr_t)0;
	*err = vm_virt_to_phys(as, va, &pa);
	return pa;
}

/* Returns how many frames the kernel heap holds (grant nodes come and go with their slabs). */
static inline uint64_t heap_frames(void)
{
	struct kheap_stats st;
	kheap_get_stats(&st);
	return st.frames;
}

/* Returns whether every byte of the frame at PA is VALUE. */
static inline bool frame_all(paddr_t pa, uint8_t value)
{
	const uint8_t *p = kmap_frame(pa);
	bool same = true;
	for (size_t i = 0; i < PG && same; i++)
		same = p[i] == value;
	kunmap_frame((void *)p);
	return same;
}

#endif
