/* Helpers shared by the VM files of mm/ (addrspace, fault, fork, mmap, access, check); not an
 * API for the rest of the kernel. Every *_locked function needs the address space's lock.
 *
 * Reference rule: each present user entry that maps a frame with a pageinfo holds one reference
 * on it (device frames have none). vm_map_ref_locked takes the reference with the entry;
 * vm_unmap_pages_locked removes entries, flushes the TLB, and only then drops the references,
 * freeing frames whose last reference goes. A fresh frame (count 0) handed to
 * vm_map_ref_locked belongs to the mapping from then on: if the mapping fails, it is freed.
 *
 * The zero frame: one frame of zeroes, allocated once, mapped read-only for every read of an
 * untouched private page. It is refcounted like any other frame (one reference per entry) plus
 * one permanent reference of its own, so its count is never 1 and never reaches 0: the "count 1:
 * make the entry writable" path of a CoW break can never apply to it, and it is never freed.
 * The fault path and vm_entry_flags also compare against its address explicitly. */
#ifndef MM_VM_INTERNAL_H
#define MM_VM_INTERNAL_H

#include "mm/addrspace.h"
#include "mm/grant.h"
#include "mm/vm.h"

/* ---- Address spaces (mm/addrspace.c) ---- */

/* addrspace_create without listing it as live (fork lists the child once it is complete). */
int addrspace_new_unlisted(struct addrspace **out);

/* Lists AS as live (once). */
void addrspace_list_add(struct addrspace *as);

/* ---- Which CPU runs which space; TLB shootdown (mm/tlb.c) ----
 * Every change that removes or downgrades a translation of AS (unmap, fewer rights, another
 * frame) is followed, with AS's lock still held and before any frame reference is dropped, by
 * vm_tlb_flush_pages or vm_tlb_flush_space: they flush this CPU and every CPU in AS's CPU set
 * (IPIs on x86, broadcast TLBI on aarch64) and return when all have. */

/* Takes AS off this CPU if it is active here (addrspace_destroy); panics if it still runs on
 * another CPU (the scheduler must have switched its threads away). */
void addrspace_deactivate_all(struct addrspace *as);

#define TLB_FLUSH_ALL (~0u)
/* A request for more pages than this flushes the whole space instead (reason in mm/tlb.c). */
#define TLB_SHOOTDOWN_MAX_PAGES 8

/* Flushes the COUNT pages VA[] of AS everywhere they may be cached; AS's lock held. */
void vm_tlb_flush_pages(struct addrspace *as, const uintptr_t *va, unsigned count);

/* Flushes every translation of AS everywhere it may be cached; AS's lock held. */
void vm_tlb_flush_space(struct addrspace *as);

/* Flushes page VA of AS on this CPU only: for a change that only adds rights (another CPU's
 * stale, narrower entry just faults once: x86 drops the entry on the fault, aarch64 flushes are
 * broadcast anyway). */
void vm_tlb_flush_local(struct addrspace *as, uintptr_t va);

/* Counters since boot (relaxed atomics; tests and the benchmark read differences). */
struct tlb_stats {
	atomic_ulong rounds;     /* shootdowns that sent IPIs (one round each) */
	atomic_ulong ipis;       /* CPUs those rounds reached */
	atomic_ulong full;       /* requests that flushed a whole space */
};
extern struct tlb_stats tlb_stats;

/* ---- The zero frame (mm/vm_page.c) ---- */

/* Allocates the zero frame on first use; returns 0 or -ENOMEM. */
int vm_zero_frame_init(void);

/* Returns the zero frame's address (vm_zero_frame_init must have succeeded). */
paddr_t vm_zero_frame(void);

/* Stores the zero frame's address in *PA and returns true, or returns false when it does not
 * exist yet (allocates nothing). */
bool vm_zero_frame_peek(paddr_t *pa);

/* ---- Frames ---- */

/* Allocates a frame, fills it with zeroes and types it PAGEINFO_USER (count 0); 0 or -ENOMEM. */
int vm_frame_new_zeroed(paddr_t *pa);

/* Allocates a PAGEINFO_USER frame holding a copy of frame SRC (count 0); 0 or -ENOMEM. */
int vm_frame_new_copy(paddr_t src, paddr_t *pa);

/* Takes a reference on PA when it has a pageinfo; returns 0, or -ENOMEM when the count is at
 * its maximum (2^31 - 1 entries: treated as out of memory, not as a panic). */
int vm_frame_ref(paddr_t pa);

/* Drops a reference on PA when it has a pageinfo, freeing the frame when it was the last. The
 * caller has flushed every TLB that could hold an entry it removed for PA. */
void vm_frame_unref(paddr_t pa);

/* ---- Entries ---- */

/* Returns the attributes an entry of G mapping frame PA must have: G's rights, without write
 * for the zero frame and for a CoW-shared frame of a private grant (count > 1, shared bit
 * clear; in a private file grant count > 1 whatever the bit: maybe the file's frame). */
unsigned vm_entry_flags(const struct grant *g, paddr_t pa);

/* Returns attributes FLAGS (from arch_mmu_query or for arch_mmu_map) reduced to what they
 * mean, so that the generic code compares like with like: the hardware accessed/dirty bits
 * dropped, and for an entry user mode cannot reach, the read/exec rights (x86 reports every
 * present entry readable, aarch64 does not). */
static inline unsigned vm_flags_norm(unsigned flags)
{
	flags &= ~(MMU_ACCESSED | MMU_DIRTY);
	if (!(flags & MMU_USER))
		flags &= ~(MMU_READ | MMU_EXEC);
	return flags;
}

/* Maps VA to PA with FLAGS in AS, taking PA's reference. Returns 0 or -ENOMEM (no page table, or
 * the count is full); on error nothing is mapped and a frame whose count was 0 has been freed. */
int vm_map_ref_locked(struct addrspace *as, uintptr_t va, paddr_t pa, unsigned flags);

/* Sets the entry of VA (present) to exactly FLAGS when it differs (hardware accessed/dirty bits
 * aside), flushing the TLB entry. */
void vm_entry_sync_locked(struct addrspace *as, uintptr_t va, unsigned flags);

/* Replaces the frame OLD mapped at VA of G with a private copy (a zeroed frame when OLD is the
 * zero frame): copy, unmap, flush, map the copy, then drop OLD's reference. 0 or -ENOMEM (then
 * nothing changed). */
int vm_page_replace_locked(struct addrspace *as, struct grant *g, uintptr_t va, paddr_t old);

/* Makes page VA of G (Allocated, AllocatedShared or External) present with a frame of its own or
 * a shared one, never the zero frame or a CoW-shared frame (nor a file's frame in a private file
 * grant): populates it or breaks CoW by copying; the entry gets vm_entry_flags. Stores the frame
 * in *PA. Returns 0, -ENOMEM, -EFAULT (an External or file page that is not present) or -EINVAL
 * (another provider). */
int vm_page_own_locked(struct addrspace *as, struct grant *g, uintptr_t va, paddr_t *pa);

/* ---- Copy-on-write page tables (COW_PT, mm/arch_mmu.h) ---- */

/* Makes the page tables of AS over [START, END) private to AS before entries there change.
 * Returns 0 or -ENOMEM (no mapping changed). Nothing to do without COW_PT. */
int vm_unshare_locked(struct addrspace *as, uintptr_t start, uintptr_t end);

/* Before [START, END) is removed: unshares the two leaf tables that the range covers only in
 * part (vm_unmap_pages_locked detaches the others whole). 0 or -ENOMEM (nothing changed). */
int vm_unshare_edges_locked(struct addrspace *as, uintptr_t start, uintptr_t end);

/* ---- Walking present entries in batches ---- */

struct vm_entry {
	uintptr_t va;
	paddr_t pa;
	unsigned flags;
};

#define VM_BATCH 16

/* Receives up to VM_BATCH present entries in address order; may change AS (unmap, protect)
 * for those entries and map elsewhere. Returns 0 to go on or an error that stops the walk. */
typedef int (*vm_batch_fn)(void *ctx, struct vm_entry *entries, unsigned count);

/* Calls FN with every present entry of AS in [START, END), VM_BATCH at a time; returns 0 or the
 * first error of FN. Windows grow while they are empty, so sparse ranges cost little. */
int vm_walk_batches_locked(struct addrspace *as, uintptr_t start, uintptr_t end, vm_batch_fn fn,
			   void *ctx);

/* Unmaps every present entry of AS in [START, END): unmap, flush, then drop the references.
 * Shared page tables wholly inside the range are detached; one that the range covers in part
 * must have been unshared (vm_unshare_edges_locked), else the arch panics. */
void vm_unmap_pages_locked(struct addrspace *as, uintptr_t start, uintptr_t end);

/* Flushes the TLB entries of the COUNT pages of ENTRIES on every CPU that may cache them, one
 * shootdown per VM_BATCH entries (vm_tlb_flush_pages); AS's lock held. */
void vm_flush_entries(struct addrspace *as, const struct vm_entry *entries, unsigned count);

/* ---- Grants of an address space (mm/mmap.c) ---- */

/* Removes every grant of AS in [START, END) (page aligned) with its pages, splitting grants that
 * straddle the ends with the nodes in SPARES (two, NULLed when used). The range must hold no
 * pinned borrow (check vm_range_has_pinned_locked first and fail with -EBUSY; panics), and its
 * edges must be unshared (vm_unshare_edges_locked first, which may fail with -ENOMEM). */
void vm_remove_range_locked(struct addrspace *as, uintptr_t start, uintptr_t end,
			    struct grant *spares[2]);

/* Finds a free range of LEN bytes (a page multiple) in AS: [HINT, HINT + LEN) (HINT rounded
 * down to a page) when free and inside the user half, else the highest free range. Stores its
 * start in *OUT and returns true, or returns false when no range is big enough. */
bool vm_find_free_locked(struct addrspace *as, size_t len, uintptr_t hint, uintptr_t *out);

/* Inserts G into AS's tree and merges it with compatible neighbours (G may be freed). */
void vm_insert_grant_locked(struct addrspace *as, struct grant *g);

/* ---- Pinned user-scheme borrows (mm/borrow.c) ----
 * While a scheme daemon serves a READ/WRITE request, the client's buffer pages are lent to it as
 * an External grant with is_pinned_userscheme_borrow set. The daemon cannot unmap, reprotect,
 * split or map over such a grant (munmap/mprotect/MAP_FIXED give -EBUSY), it is never merged
 * with a neighbour, never copied by fork, and never lent on by vm_borrow; only vm_borrow_end
 * (or the destruction of the daemon's space) removes it. as->pinned_borrows counts them. */

/* Borrows [SRC_ADDR, SRC_ADDR + LEN) of SRC into DST at a free address with PROT, pinned; as
 * vm_borrow otherwise. Returns 0 and the address in *OUT, vm_borrow's errors, or -EIO when DST
 * or SRC is destroyed. No lock held. */
int vm_borrow_pinned(struct addrspace *dst, struct addrspace *src, uintptr_t src_addr, size_t len,
		     unsigned prot, uintptr_t *out);

/* Ends the pinned borrow that vm_borrow_pinned(DST, SRC, SRC_ADDR, LEN) put at ADDR: unmaps and
 * frees exactly that grant. Nothing when DST is destroyed already. Panics if the grant is not
 * there unchanged (nothing but this function may remove it). No lock held. */
void vm_borrow_end(struct addrspace *dst, uintptr_t addr, struct addrspace *src,
		   uintptr_t src_addr, size_t len);

/* Returns whether a pinned borrow of AS lies in [START, END). */
bool vm_range_has_pinned_locked(struct addrspace *as, uintptr_t start, uintptr_t end);

/* Called by vm_place_grant with AS's lock held once G's range is free and G->start is set,
 * before G is inserted: fills G's pages. An error stops the placement. */
typedef int (*vm_fill_fn)(void *ctx, struct addrspace *as, struct grant *g);

/* Places grant G of LEN bytes (a page multiple; start chosen here) in AS as vm_mmap does: at ADDR
 * with MAP_FIXED (replacing what is there: that part is gone even when a later step fails) or
 * MAP_FIXED_NOREPLACE (-EEXIST), else at the hint or the highest free range (-ENOMEM). Calls FILL
 * (if not NULL) and inserts G. Returns 0 and the address in *OUT, or an error: G is then not
 * inserted and still the caller's. No lock may be held. */
int vm_place_grant(struct addrspace *as, uintptr_t addr, size_t len, unsigned flags,
		   struct grant *g, vm_fill_fn fill, void *ctx, uintptr_t *out);

/* ---- Scheme files (mm/fmap.c) ----
 * Who prepared what: an eager file grant (no MAP_LAZY in map_flags) stands for its whole range,
 * which the daemon prepared; a lazy one for exactly its present entries. When pages go (munmap,
 * MAP_FIXED over them, exit) the remover collects one notice per maximal run of pages of one
 * mmap (map_id) with following file offsets, and sends them (scheme_munmap_notify) with the lock
 * still held, after the pages are unmapped. */

/* Pending munmap notices of one removal (a run being extended; a file reference while set). */
struct fmap_notices {
	struct scheme_file *file;
	uint32_t map_id;
	uint64_t offset, size;
};

#define FMAP_NOTICES_INIT { NULL, 0, 0, 0 }

/* Adds the prepared pages of G (a grant of AS about to be removed, pages still mapped) to N. */
void fmap_grant_release_locked(struct addrspace *as, struct grant *g, struct fmap_notices *n);

/* Sends the pending notice of N, if any. */
void fmap_notices_flush(struct fmap_notices *n);

/* Sets G's pin_refcount (FmapBorrowed) to its present entries that have a pageinfo. */
void fmap_recount_pins_locked(struct addrspace *as, struct grant *g);

/* Returns a fresh map_id. */
uint32_t fmap_new_map_id(void);

/* Returns whether frame PA, mapped at a page of the private file grant G, may be the file's
 * frame (shared with the daemon or other mappings): then it is never written in place. */
bool fmap_private_frame_is_shared(const struct grant *g, paddr_t pa);

/* A page of a lazy file grant being asked from the daemon by vm_fault. */
struct fmap_fault {
	struct scheme_file *file;    /* a reference while set */
	uint64_t offset;             /* the page's file offset */
	uint32_t map_id;
	unsigned flags;              /* MAP_* passed to the daemon */
	bool private;
	bool ready;                  /* answered: PA holds one reference (or is FMAP_HOLE) */
	paddr_t pa;
	unsigned cache;
};

#define FMAP_HOLE   (~(paddr_t)0)
#define FMAP_FAULT_ASK 1             /* fmap_fault_locked: unlock, fmap_fault_ask, retry */

/* Resolves a fault at VA of the file grant G of AS (private file mapping or FmapBorrowed): 0,
 * -EFAULT (a hole), -ENOMEM, or FMAP_FAULT_ASK with FF set up (the caller drops the lock, calls
 * fmap_fault_ask and retries). A prepared page in FF is used when it is still this page's. */
int fmap_fault_locked(struct addrspace *as, struct grant *g, uintptr_t va,
		      enum vm_access access, struct fmap_fault *ff);

/* Asks the daemon for FF's page and references its frame; no lock may be held. Returns 0,
 * -EFAULT (error answer, dead daemon, a page it may not lend) or -ENOMEM. */
int fmap_fault_ask(struct fmap_fault *ff);

/* Releases what FF still holds: an unused prepared page gets its notice; the file reference. */
void fmap_fault_done(struct fmap_fault *ff);

/* The daemon ranges fork prepares for the child's copies of the parent's file grants: one per
 * eager grant, one per maximal run of present pages of a lazy grant, in address order. */
struct fmap_range {
	struct scheme_file *file;    /* a reference */
	uint64_t offset, size;
	uintptr_t start;             /* where in the parent */
	unsigned flags;
};

struct fmap_fork {
	struct fmap_range *ranges;   /* kmalloc'd */
	size_t count;
	size_t prepared;             /* ranges[0, prepared) were prepared for the child */
};

/* Collects PARENT's ranges and asks the daemons to prepare each for the child (-EIO, a dead
 * daemon, counts as prepared); no lock may be held. Returns 0, or an error (-ENOMEM, a
 * daemon's refusal) with every prepared range notified. */
int fmap_fork_prepare(struct addrspace *parent, struct fmap_fork *ff);

/* Returns whether PARENT (locked) still has exactly FF's ranges. */
bool fmap_fork_matches_locked(struct addrspace *parent, const struct fmap_fork *ff);

/* Ends FF: with NOTIFY, every prepared range gets its notice (the child did not take them). */
void fmap_fork_end(struct fmap_fork *ff, bool notify);

#endif
