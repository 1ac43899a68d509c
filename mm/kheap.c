/* The kernel heap (contract in mm/kheap.h).
 *
 * Layout: every heap frame starts with a 96-byte struct kheap_page header; the header of the
 * frame containing a pointer is found by rounding the pointer down to the frame (the direct map
 * is frame aligned), so kfree needs no lookup structure. Two kinds of header:
 *  - slab: one frame cut into equal objects of one size class after the header. Free objects
 *    are chained through their first 2 bytes (offsets, 0 ends the chain); a bitmap of objects
 *    in use catches double frees and pointers that are not an object start. Each class keeps a
 *    doubly linked list of its slabs that still have a free object. A slab whose last object is
 *    freed goes straight back to the frame allocator: no cache, so the frame count returns
 *    exactly to where it was (the leak tests rely on it; a one-slab cache per class is the easy
 *    optimization if churn ever shows up in a profile).
 *  - big: a physically contiguous run of frames, header first, the block after it.
 * Classes are multiples of 16 chosen so that the tail waste of a frame stays small:
 * 16 32 48 64 96 128 192 256 384 500->496 992 2000 (the last two: 4 and 2 per frame).
 *
 * Locking: kheap_lock guards the class lists, the headers and the statistics; frame_alloc and
 * frame_free are called with it held (order: kheap_lock, then frame_lock). */
#include "mm/kheap.h"
#include "mm/arch_mmu.h"
#include "mm/alloc_inject.h"
#include "mm/frame.h"
#include "mm/pageinfo.h"
#include "mm/section.h"
#include "kernel/panic.h"
#include "kernel/spinlock.h"
#include "kernel/string.h"

#define KHEAP_HDR        96
#define KHEAP_MAGIC_SLAB 0x6b736c62u     /* "kslb" */
#define KHEAP_MAGIC_BIG  0x6b626967u     /* "kbig" */
#define KHEAP_MAX_OBJS   ((FRAME_SIZE - KHEAP_HDR) / 16)
#define KHEAP_JUNK       0x6b

static const uint16_t class_size[] = { 16, 32, 48, 64, 96, 128, 192, 256, 384, 496, 992, 2000 };
#define NCLASSES ARRAY_SIZE(class_size)

struct kheap_page {
	uint32_t magic;                  /* KHEAP_MAGIC_SLAB or KHEAP_MAGIC_BIG */
	uint16_t cls;                    /* slab: index into class_size */
	uint16_t used;                   /* slab: objects handed out */
	uint32_t frames;                 /* big: frames in the run; slab: 1 */
	uint16_t free_head;              /* slab: offset of the first free object, 0 = none */
	uint16_t fresh;                  /* slab: offset of the first never-used object, 0 = none */
	struct kheap_page *next, *prev;  /* slab: list of the class's slabs with a free object */
	paddr_t frame;                   /* physical address of the (first) frame */
	size_t bytes;                    /* big: usable bytes */
	uint64_t in_use[(KHEAP_MAX_OBJS + 63) / 64];   /* slab: bit per object slot */
};
_Static_assert(sizeof(struct kheap_page) <= KHEAP_HDR, "kheap header must fit in 96 bytes");
_Static_assert(KHEAP_HDR % KHEAP_ALIGN == 0, "objects after the header stay aligned");
_Static_assert(KHEAP_HDR + 2 * 2000 <= FRAME_SIZE, "two of the biggest class fit in a frame");

static struct spinlock kheap_lock = SPINLOCK_INIT_RANKED("kheap", LOCK_RANK_HEAP);
static struct kheap_page *partial[NCLASSES];     /* kheap_lock */
static struct kheap_stats stats;                 /* kheap_lock */
static unsigned long generation;                 /* kheap_lock: frame_generation() of the lists */

/* Host tests build a new machine (frame allocator) per test: the heap of an old one is
 * forgotten with it. The kernel starts its frame allocator once, so this runs once. */
static void follow_machine_locked(void)
{
	spin_assert_held(&kheap_lock);
	unsigned long gen = frame_generation();
	if (likely(gen == generation))
		return;
	for (unsigned c = 0; c < NCLASSES; c++)
		partial[c] = NULL;
	stats = (struct kheap_stats){ 0, 0, 0 };
	generation = gen;
}

/* Returns the smallest class index whose objects hold SIZE bytes (SIZE <= KHEAP_SMALL_MAX). */
static unsigned class_of(size_t size)
{
	unsigned c = 0;
	while (class_size[c] < size)
		c++;
	return c;
}

static unsigned objs_per_slab(unsigned cls)
{
	return (unsigned)((FRAME_SIZE - KHEAP_HDR) / class_size[cls]);
}

static void list_push_locked(struct kheap_page *pg)
{
	spin_assert_held(&kheap_lock);
	pg->prev = NULL;
	pg->next = partial[pg->cls];
	if (pg->next)
		pg->next->prev = pg;
	partial[pg->cls] = pg;
}

static void list_remove_locked(struct kheap_page *pg)
{
	spin_assert_held(&kheap_lock);
	if (pg->prev)
		pg->prev->next = pg->next;
	else
		partial[pg->cls] = pg->next;
	if (pg->next)
		pg->next->prev = pg->prev;
	pg->next = pg->prev = NULL;
}

/* Allocates a direct-mapped run of FRAMES frames tagged as heap and returns its header, or NULL. */
static struct kheap_page *page_new_locked(size_t frames)
{
	spin_assert_held(&kheap_lock);
	paddr_t pa;
	if (frame_alloc_contig_flags(frames, 1, FRAME_DIRECT, &pa))
		return NULL;
	for (size_t i = 0; i < frames; i++)
		pageinfo_set_type(pageinfo_of(pa + i * FRAME_SIZE), PAGEINFO_KERNEL_HEAP, 0);
	struct kheap_page *pg = arch_phys_to_virt(pa);
	memset(pg, 0, KHEAP_HDR);
	pg->frame = pa;
	pg->frames = (uint32_t)frames;
	stats.frames += frames;
	return pg;
}

static void page_free_locked(struct kheap_page *pg)
{
	spin_assert_held(&kheap_lock);
	paddr_t pa = pg->frame;
	size_t frames = pg->frames;
	pg->magic = 0;
	stats.frames -= frames;
	frame_free_contig(pa, frames);
}

/* Returns the header of the heap frame holding PTR; panics when PTR is not heap memory. */
static struct kheap_page *page_of(const void *ptr)
{
	struct kheap_page *pg = (struct kheap_page *)ALIGN_DOWN((uintptr_t)ptr, FRAME_SIZE);
	if (unlikely(((uintptr_t)ptr & (FRAME_SIZE - 1)) < KHEAP_HDR ||
		     (pg->magic != KHEAP_MAGIC_SLAB && pg->magic != KHEAP_MAGIC_BIG)))
		panic("ptr=%p is not a kmalloc object (header magic %#x)", ptr, pg->magic);
	struct pageinfo *pi = pageinfo_of(pg->frame);
	if (unlikely(!pi || pageinfo_type(pi) != PAGEINFO_KERNEL_HEAP ||
		     arch_phys_to_virt(pg->frame) != (void *)pg))
		panic("ptr=%p: heap header names frame=%#llx which is not a heap frame", ptr,
		      (unsigned long long)pg->frame);
	return pg;
}

static void *slab_alloc_locked(unsigned cls)
{
	spin_assert_held(&kheap_lock);
	struct kheap_page *pg = partial[cls];
	if (!pg) {
		pg = page_new_locked(1);
		if (!pg)
			return NULL;
		pg->magic = KHEAP_MAGIC_SLAB;
		pg->cls = (uint16_t)cls;
		pg->fresh = KHEAP_HDR;
		list_push_locked(pg);
	}
	uint16_t off;
	if (pg->free_head) {
		off = pg->free_head;
		memcpy(&pg->free_head, (char *)pg + off, sizeof(uint16_t));
	} else {
		off = pg->fresh;
		unsigned next = off + class_size[cls];
		pg->fresh = next + class_size[cls] <= FRAME_SIZE ? (uint16_t)next : 0;
	}
	unsigned idx = (off - KHEAP_HDR) / class_size[cls];
	pg->in_use[idx / 64] |= 1ull << (idx % 64);
	if (++pg->used == objs_per_slab(cls))
		list_remove_locked(pg);
	stats.objects++;
	stats.bytes += class_size[cls];
	return (char *)pg + off;
}

static void slab_free_locked(struct kheap_page *pg, void *ptr)
{
	spin_assert_held(&kheap_lock);
	unsigned size = class_size[pg->cls];
	unsigned off = (unsigned)((char *)ptr - (char *)pg);
	unsigned idx = (off - KHEAP_HDR) / size;
	if (unlikely((off - KHEAP_HDR) % size || idx >= objs_per_slab(pg->cls)))
		panic("ptr=%p is not the start of a %u-byte object", ptr, size);
	if (unlikely(!(pg->in_use[idx / 64] & (1ull << (idx % 64)))))
		panic("double kfree ptr=%p (%u-byte object)", ptr, size);
	pg->in_use[idx / 64] &= ~(1ull << (idx % 64));
#if MM_DEBUG
	memset(ptr, KHEAP_JUNK, size);
#endif
	stats.objects--;
	stats.bytes -= size;
	bool was_full = pg->used == objs_per_slab(pg->cls);
	if (--pg->used == 0) {
		if (!was_full)
			list_remove_locked(pg);
		page_free_locked(pg);
		return;
	}
	uint16_t head = pg->free_head;
	memcpy(ptr, &head, sizeof(uint16_t));
	pg->free_head = (uint16_t)off;
	if (was_full)
		list_push_locked(pg);
}

void *kmalloc(size_t size)
{
	if (size == 0 || size > (size_t)SECTION_MAX_FRAMES * FRAME_SIZE - KHEAP_HDR ||
	    alloc_inject_should_fail_kind(ALLOC_INJECT_KMALLOC))
		return NULL;
	void *ptr = NULL;
	unsigned long irq = spin_lock_irqsave(&kheap_lock);
	follow_machine_locked();
	if (size <= KHEAP_SMALL_MAX) {
		ptr = slab_alloc_locked(class_of(size));
	} else {
		size_t frames = (KHEAP_HDR + size + FRAME_SIZE - 1) / FRAME_SIZE;
		struct kheap_page *pg = page_new_locked(frames);
		if (pg) {
			pg->magic = KHEAP_MAGIC_BIG;
			pg->bytes = frames * FRAME_SIZE - KHEAP_HDR;
			stats.objects++;
			stats.bytes += pg->bytes;
			ptr = (char *)pg + KHEAP_HDR;
		}
	}
	spin_unlock_irqrestore(&kheap_lock, irq);
#if MM_DEBUG
	if (ptr)
		memset(ptr, KHEAP_JUNK, kheap_usable_size(ptr));
#endif
	return ptr;
}

void *kzalloc(size_t size)
{
	void *ptr = kmalloc(size);
	if (ptr)
		memset(ptr, 0, size);
	return ptr;
}

void kfree(void *ptr)
{
	if (!ptr)
		return;
	unsigned long irq = spin_lock_irqsave(&kheap_lock);
	struct kheap_page *pg = page_of(ptr);
	if (pg->magic == KHEAP_MAGIC_SLAB) {
		slab_free_locked(pg, ptr);
	} else {
		if (unlikely((char *)ptr != (char *)pg + KHEAP_HDR))
			panic("ptr=%p is inside a big block, not its start", ptr);
		stats.objects--;
		stats.bytes -= pg->bytes;
		page_free_locked(pg);
	}
	spin_unlock_irqrestore(&kheap_lock, irq);
}

size_t kheap_usable_size(const void *ptr)
{
	unsigned long irq = spin_lock_irqsave(&kheap_lock);
	const struct kheap_page *pg = page_of(ptr);
	size_t n = pg->magic == KHEAP_MAGIC_SLAB ? class_size[pg->cls] : pg->bytes;
	spin_unlock_irqrestore(&kheap_lock, irq);
	return n;
}

paddr_t kheap_frame_of(const void *ptr)
{
	unsigned long irq = spin_lock_irqsave(&kheap_lock);
	const struct kheap_page *pg = page_of(ptr);
	paddr_t pa = pg->frame + (paddr_t)(ALIGN_DOWN((uintptr_t)ptr, FRAME_SIZE) - (uintptr_t)pg);
	spin_unlock_irqrestore(&kheap_lock, irq);
	return pa;
}

void kheap_get_stats(struct kheap_stats *out)
{
	unsigned long irq = spin_lock_irqsave(&kheap_lock);
	follow_machine_locked();
	*out = stats;
	spin_unlock_irqrestore(&kheap_lock, irq);
}
