/* struct pageinfo: the metadata the kernel keeps for every frame its allocator owns (the frames
 * of the sections, mm/section.h): a reference count with the shared/CoW mode bit, and a flags word
 * saying what the frame is used for. Frames without a pageinfo (MMIO, firmware, the kernel image,
 * holes) are never allocated, refcounted or freed; they can only be borrowed (PhysBorrowed).
 *
 * Layout: two 32-bit words, 8 bytes on every arch.
 *   refcount  bit 31      mode: 1 = shared (stays shared across address-space clones),
 *                                0 = CoW (a write to a mapping with refcount > 1 copies the frame);
 *                         meaningless while the count is 0 or 1: reaching 0 clears it, but a
 *                         count that drops to 1 may keep it, so whoever raises a count from 1
 *                         to 2 sets or clears it first (mm/fork.c, mm/borrow.c).
 *             bits 0-30   the count of references.
 *   flags     bits 0-3    type (enum pageinfo_type)
 *             bits 4-6    page-table level, for PAGEINFO_PAGE_TABLE (0 = the table of leaf entries)
 *             bit 7       mark: the invariant checker's "seen" bit for shared page tables
 *             bits 8-31   free for later (pinned, zone, ...)
 * Why 32 + 32 and not one 64-bit word with fields: 32-bit atomic read-modify-write is native on
 * all three arches (i686 has no 64-bit atomic add, only a cmpxchg8b loop); the type changes when
 * a frame is allocated, freed or becomes a page table, and keeping it out of the count word means
 * those changes never make a refcount CAS retry; and 2^31 - 1 references is more than the number
 * of page-table entries that can point at one frame. Page-table frames (with CoW page tables)
 * use the same count and keep their level in the flags word, without growing the struct.
 *
 * Who holds a reference: each present page-table entry that maps the frame holds one (so a frame
 * mapped into three address spaces has count 3), and later each kernel pin (a frame lent to a
 * scheme, an in-flight DMA) holds one. Whoever drops the last reference frees the frame (after
 * the TLB flush that removed the last mapping, see DESIGN.md rule 5).
 *
 * A refcount of 0 on an allocated frame means: no page-table entry and no pin refers to it; the
 * frame belongs solely to the code path that called frame_alloc (or that just dropped the last
 * reference), which must either map it (taking the first reference) or hand it back with
 * frame_free. A page-table frame's count is the number of upper-level entries, in all address
 * spaces, that point at it (0 for a root; n for a leaf table shared by n spaces after fork, see
 * mm/arch_mmu.h); kernel-heap frames stay at 0. A free frame always has count 0 and type
 * PAGEINFO_FREE, and may not gain references.
 *
 * Concurrency: every field is a C11 atomic, so pageinfo functions need no lock. The count changes
 * through compare-and-swap loops (lock-free; a failed check leaves the word untouched, which is
 * what lets the checking variants report instead of panic). */
#ifndef MM_PAGEINFO_H
#define MM_PAGEINFO_H

#include <stdatomic.h>
#include "kernel/compiler.h"

struct pageinfo {
	_Atomic uint32_t refcount;   /* count and mode bit, see above */
	_Atomic uint32_t flags;      /* type, page-table level, flags, see above */
};

_Static_assert(sizeof(struct pageinfo) <= 8, "a pageinfo must stay at most 8 bytes on every arch");
_Static_assert(_Alignof(struct pageinfo) <= 8, "pageinfo arrays are packed 8 bytes apart");

#define PAGEINFO_SHARED      0x80000000u   /* mode bit of the refcount word */
#define PAGEINFO_COUNT_MASK  0x7fffffffu
#define PAGEINFO_COUNT_MAX   PAGEINFO_COUNT_MASK

enum pageinfo_type {
	PAGEINFO_FREE = 0,           /* in the frame allocator; what a zeroed pageinfo says */
	PAGEINFO_ALLOCATED = 1,      /* handed out by frame_alloc, use not yet declared */
	PAGEINFO_USER = 2,           /* mapped into user address spaces (owned or CoW) */
	PAGEINFO_PAGE_TABLE = 3,     /* a page-table frame, level in PAGEINFO_LEVEL */
	PAGEINFO_KERNEL_HEAP = 4,    /* backs the kernel heap */
};

#define PAGEINFO_TYPE_MASK   0x0000000fu
#define PAGEINFO_LEVEL_SHIFT 4
#define PAGEINFO_LEVEL_MASK  0x00000070u

/* Adds a reference; panics on overflow or when the frame is free (a kernel bug either way). */
void pageinfo_get(struct pageinfo *pi);

/* Drops a reference; returns true when it was the last one (the caller then owns the frame and
 * must free or reuse it). The mode bit is cleared when the count reaches 0. Panics on underflow. */
bool pageinfo_put(struct pageinfo *pi);

/* Checking variant of pageinfo_get: returns 0, -EOVERFLOW when the count is at
 * PAGEINFO_COUNT_MAX or -EINVAL when the frame is free; on error nothing changed. */
int pageinfo_try_get(struct pageinfo *pi);

/* Checking variant of pageinfo_put: returns 0 and sets *LAST, or -ERANGE when the count is
 * already 0 (an underflow); on error nothing changed. */
int pageinfo_try_put(struct pageinfo *pi, bool *last);

/* Returns the number of references (without the mode bit); a snapshot. */
uint32_t pageinfo_refcount(const struct pageinfo *pi);

/* Returns whether the mode bit says shared (only meaningful while the count is above 1). */
bool pageinfo_is_shared(const struct pageinfo *pi);

/* Sets the mode bit to shared / to CoW; the count is untouched. */
void pageinfo_set_shared(struct pageinfo *pi);
void pageinfo_set_cow(struct pageinfo *pi);

/* Returns the frame's type. */
enum pageinfo_type pageinfo_type(const struct pageinfo *pi);

/* Sets the type (and, for page tables, LEVEL, else 0), keeping the other flag bits. The caller
 * must own the frame (allocator lock held, or the frame allocated to it). */
void pageinfo_set_type(struct pageinfo *pi, enum pageinfo_type type, unsigned level);

/* Sets the whole flags word to TYPE alone, clearing every other flag: for the frame allocator,
 * which calls it with its lock held when a frame is handed out or comes back. */
void pageinfo_reset(struct pageinfo *pi, enum pageinfo_type type);

#define PAGEINFO_MARK        0x00000080u

/* Sets the mark bit and returns whether it was set already (mm/check.c, under its lock). */
bool pageinfo_test_and_mark(struct pageinfo *pi);

/* Clears the mark bit. */
void pageinfo_unmark(struct pageinfo *pi);

/* Returns the page-table level stored with PAGEINFO_PAGE_TABLE. */
unsigned pageinfo_level(const struct pageinfo *pi);

#endif
