/* The physical frame allocator: hands out the frames of the sections (mm/section.h), one at a
 * time in O(1) or as physically contiguous aligned runs. Every frame it hands out has a pageinfo,
 * with count 0 and type PAGEINFO_ALLOCATED. Frames come back dirty: callers that need zeroes
 * write them. All functions may be called from any CPU; they take frame_lock inside.
 * Every allocation first asks the failure-injection switch (mm/alloc_inject.h), off by default. */
#ifndef MM_FRAME_H
#define MM_FRAME_H

#include "kernel/compiler.h"
#include "mm/page.h"

/* MM_DEBUG (default on; the benchmark kernel builds with -DMM_DEBUG=0): freed frames are filled
 * with FRAME_JUNK so that a use after free reads garbage that stands out, and the allocator
 * counts its bitmap reads for the tests. */
#ifndef MM_DEBUG
#define MM_DEBUG 1
#endif

#define FRAME_JUNK 0x6b6b6b6b6b6b6b6bull   /* every byte 0x6b, like Linux's POISON_FREE */

/* Sets up the allocator over the installed section table (section_table_install): every frame
 * of every section becomes free. Called once at boot by mm_init (host tests call it again after
 * installing a new table). Fills no frame. */
void frame_init(void);

/* Allocates one frame and stores its address in *FRAME; returns 0, or -ENOMEM when no frame is
 * free. O(1): no search, whatever the number of sections or free frames. */
int frame_alloc(paddr_t *frame);

/* Constraints for frame_alloc_flags / frame_alloc_contig_flags. */
#define FRAME_DIRECT  (1u << 0)   /* inside the direct map (arch_phys_to_virt works on it) */
#define FRAME_HIGH    (1u << 1)   /* preferably outside the direct map (user pages on i686, which
                                     only kmap reaches), so that direct-mapped RAM stays for the
                                     kernel heap; any frame when there is none */

/* frame_alloc with constraints FLAGS (FRAME_*). With FRAME_DIRECT: O(1) while the first section
 * with free frames lies wholly in the direct map (always on x86_64 and aarch64); otherwise a scan
 * of the sections that start inside the direct map (i686: at most 6 of them). With FRAME_HIGH:
 * O(1) when all RAM is in the direct map, else a scan of the sections from the top. Returns 0 or
 * -ENOMEM. */
int frame_alloc_flags(unsigned flags, paddr_t *frame);

/* Allocates COUNT physically contiguous frames whose first frame number is a multiple of ALIGN
 * (a power of two, in frames), storing the first frame's address in *BASE. Returns 0, -EINVAL for
 * COUNT 0 or an ALIGN that is not a power of two, or -ENOMEM when no such run is free. A run never
 * crosses a section, so COUNT is at most SECTION_MAX_FRAMES (128 MiB). First fit from the lowest
 * address; O(frames / 64) in the worst case. A single frame (COUNT 1, ALIGN 1) is frame_alloc's:
 * it may come from anywhere, not the lowest address. */
int frame_alloc_contig(size_t count, size_t align, paddr_t *base);

/* frame_alloc_contig with constraints FLAGS (FRAME_*): with FRAME_DIRECT every frame of the run
 * lies inside the direct map. */
int frame_alloc_contig_flags(size_t count, size_t align, unsigned flags, paddr_t *base);

/* Gives back one frame from frame_alloc (or one frame of a contiguous run). The frame must have
 * no references left (pageinfo count 0). Panics on a frame the allocator does not own, on a
 * double free and on a frame that is still referenced. */
void frame_free(paddr_t frame);

/* Gives back COUNT frames starting at BASE (a run from frame_alloc_contig, or any part of one);
 * the same checks as frame_free for each frame. */
void frame_free_contig(paddr_t base, size_t count);

/* Returns how many times frame_init has run: 1 in the kernel; host tests build a new fake
 * machine per test, and code that caches a frame across calls (the zero frame) compares this
 * to notice that its frame belongs to a machine that is gone. */
unsigned long frame_generation(void);

/* Returns the number of free frames / of frames the allocator manages (a snapshot). */
uint64_t frame_count_free(void);
uint64_t frame_count_total(void);

/* Returns whether FRAME is owned by the allocator and free right now (for tests and asserts). */
bool frame_is_free(paddr_t frame);

/* Returns whether every 64-bit word of FRAME holds FRAME_JUNK (for tests of the MM_DEBUG fill). */
bool frame_is_junk(paddr_t frame);

/* Returns how many bitmap words the allocator has read since boot (MM_DEBUG; else 0); the tests
 * use it to check that frame_alloc reads a fixed number of words. */
unsigned long frame_debug_words_read(void);

#endif
