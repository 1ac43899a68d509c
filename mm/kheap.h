/* The kernel heap: kmalloc/kfree of small kernel objects (address spaces, grant nodes, ...) in
 * size classes carved out of frames from the frame allocator, and of bigger blocks as runs of
 * whole frames. Every heap frame lies inside the direct map (FRAME_DIRECT, which matters on i686)
 * and is tagged PAGEINFO_KERNEL_HEAP. Out of memory is an ordinary NULL result, never a panic; a
 * kfree of something kmalloc did not return, or a double kfree, is a kernel bug and panics.
 * All functions may be called from any CPU with any lock of lower order held (mm/addrspace.h has
 * the lock order); they take kheap_lock inside, and frame_lock under it. */
#ifndef MM_KHEAP_H
#define MM_KHEAP_H

#include "kernel/compiler.h"

/* Every object is aligned to 16 bytes. */
#define KHEAP_ALIGN 16

/* The biggest size served from a size class; bigger requests get whole frames (plus a header,
 * so kmalloc(4096) takes two frames). */
#define KHEAP_SMALL_MAX 2000

/* Returns SIZE bytes aligned to KHEAP_ALIGN, uninitialized (junk under MM_DEBUG), or NULL when
 * SIZE is 0, too big, or memory is short (or the failure-injection switch says so). */
void *kmalloc(size_t size);

/* kmalloc, with the bytes zeroed. */
void *kzalloc(size_t size);

/* Gives back PTR from kmalloc/kzalloc; NULL is ignored. Under MM_DEBUG the bytes are filled
 * with 0x6b. Frames left without objects go straight back to the frame allocator. */
void kfree(void *ptr);

/* Returns the usable size of PTR (its size class, or the bytes of its frame run). */
size_t kheap_usable_size(const void *ptr);

/* Returns the physical address of the heap frame that holds PTR (for checks and tests). */
paddr_t kheap_frame_of(const void *ptr);

struct kheap_stats {
	unsigned long objects;       /* live kmalloc results */
	unsigned long frames;        /* frames the heap holds (slabs and big blocks) */
	unsigned long bytes;         /* sum of the usable sizes of live objects */
};

/* Fills *STATS with a snapshot. */
void kheap_get_stats(struct kheap_stats *stats);

#endif
