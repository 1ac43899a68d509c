/* Address spaces: the user half of a process's memory, as a tree of grants (mm/grant.h) over
 * the arch's page tables (struct mmu_space, mm/arch_mmu.h). This header has their lifetime
 * (create, fork, destroy, references), activation, and the list of live address spaces that the
 * invariant checker walks; mapping and faults are in mm/vm.h.
 *
 * Lifetime: addrspace_create gives the owner (a process) one reference. addrspace_destroy,
 * called by the owner once (exit), unmaps everything, frees the page tables and drops that
 * reference; the struct itself lives on while External grants elsewhere hold references to it
 * (their frames are their own references and stay valid), and is freed with the last one.
 *
 * Lock order (take in this order, release in any). Each lock has the rank in brackets (enum
 * lock_rank, kernel/spinlock.h); debug builds (LOCK_DEBUG) panic, naming both locks, when a CPU
 * takes a lock whose rank is not above every rank it holds (the address-space pair excepted):
 *   0. checker_lock     [10]      vm_check_all (mm/check.c), one run at a time
 *   1. addrspace_list_lock [20]   the list of live address spaces (checker, create, destroy)
 *   2. addrspace.lock   [30]      one address space: its grants and page tables. Two at once
 *                                 (vm_borrow): lower address first. fork locks the child after
 *                                 the parent: the child is not reachable by anyone else yet
 *                                 (spin_lock_irqsave_unshared: not checked against the order).
 *                                 TLB shootdown (mm/tlb.c) waits for other CPUs with this lock
 *                                 held: they serve the flush while they spin for it.
 *                                 Scheme-file mappings (mm/fmap.c) never hold a client's and a
 *                                 daemon's lock together: the daemon's frames are referenced
 *                                 under its lock, then mapped under the client's.
 *   2a. shm_list_lock [32], shm_object.lock [33]  shared objects (mm/shm.h): list, then one
 *                                 object's index; never nested in each other today
 *   2b. scheme_lock     [35]      schemes (scheme/scheme.c, user_scheme.c): the registry, each
 *                                 user scheme's queues and requests, file and scheme counts'
 *                                 last puts. Taken under an address-space lock by
 *                                 scheme_munmap_notify / scheme_file_put; never held while
 *                                 taking an address-space lock or touching user memory.
 *   2c. sched_lock      [37]      kernel/sched.c: threads, wait queues; taken under 2 and 2b
 *   3. zero_lock, kheap_lock [40] the zero frame's one-time set-up; the kernel heap (never
 *                                 one inside the other)
 *   4. frame_lock       [50]      the frame allocator
 *   5. inject_lock      [60]      the allocation failure switch (a leaf)
 * Unranked (never checked) leaves: console_lock, each CPU's call_lock, asid_lock (aarch64).
 * pageinfo counts and flags are atomics: no lock. Never touch user memory (usercopy) while
 * holding an address-space lock: a fault there would take the same lock again. Every lock is a
 * spinlock with interrupts masked (faults resolve with interrupts off for now). */
#ifndef MM_ADDRSPACE_H
#define MM_ADDRSPACE_H

#include <stdatomic.h>
#include "kernel/spinlock.h"
#include "mm/arch_mmu.h"
#include "mm/grant_tree.h"

struct addrspace {
	struct spinlock lock;
	struct mmu_space mmu;            /* lock */
	struct grant_tree grants;        /* lock */
	bool dead;                       /* lock: addrspace_destroy has run */
	_Atomic uint32_t refcount;       /* atomic: the owner's, one per External grant on it */
	struct addrspace *live_prev;     /* addrspace_list_lock */
	struct addrspace *live_next;     /* addrspace_list_lock */
	bool listed;                     /* addrspace_list_lock */
	unsigned long faults_resolved;   /* lock: statistics */
	unsigned long pinned_borrows;    /* lock: pinned user-scheme External grants (mm/borrow.c) */
	atomic_ulong cpus;               /* atomic, each CPU changes only its own bit: the CPUs that
					  * may cache its translations (bit 1ul << cpu id; mm/tlb.c) */
	bool lent_private;               /* lock: vm_borrow lent one of its private frames; fork
					  * then copies instead of sharing page tables (mm/fork.c) */
};

/* Creates an empty address space (no grants, a fresh page-table root), listed as live, with
 * one reference for the caller; stores it in *OUT. Returns 0 or -ENOMEM (nothing allocated). */
int addrspace_create(struct addrspace **out);

/* Tears AS down for its owner: takes it off this CPU if active, unmaps every page, drops every
 * frame reference after the TLB flush (freeing frames whose last reference goes), frees every
 * grant and page table, unlists it, and drops the owner's reference. Call once per
 * addrspace_create / addrspace_fork child. Never fails. */
void addrspace_destroy(struct addrspace *as);

/* Creates a copy of PARENT for a forked process in *CHILD_OUT: every grant is copied; pages of
 * private grants become CoW in both (with COW_PT, by sharing their leaf page tables read-only
 * where a table holds only plain private memory, mm/fork.c; else entries read-only, counts
 * incremented; a page borrowed by an External grant elsewhere is copied for the child at once
 * instead, so the borrow keeps seeing the parent's writes); shared pages stay shared (the
 * child's grants reference the same shared objects, mm/shm.h: nothing is populated or copied);
 * device and External pages are mapped in both; unpopulated private pages stay unpopulated;
 * mappings of scheme files are prepared again by their daemons for the child first
 * (mm/fmap.c; may block). Returns 0, or an error with no child and PARENT unchanged in content
 * (some of its entries may have become read-only): -ENOMEM, a live daemon's refusal of the
 * child's mapping (its -errno; a dead
 * daemon's mappings are copied), -EAGAIN (the parent's file mappings kept changing). */
int addrspace_fork(struct addrspace *parent, struct addrspace **child_out);

/* Takes / drops a reference on the struct (not the mappings). The last put frees it; only a
 * destroyed address space can lose its last reference. */
void addrspace_get(struct addrspace *as);
void addrspace_put(struct addrspace *as);

/* Makes AS the user half of this CPU (NULL: none), remembering it for addrspace_active. The
 * only way a CPU changes the address space it runs (the scheduler calls it on every CPU): it
 * adds this CPU to AS's CPU set (addrspace_cpus) before the switch, and takes it out of the
 * previous space's set after the switch where the switch drops that space's translations (x86;
 * on aarch64 the CPU stays in the set: ASID-tagged entries survive). The caller must not
 * migrate during the call and keeps the previous space alive across it. Rules and the ordering
 * argument: mm/tlb.c. */
void addrspace_activate(struct addrspace *as);

/* Returns the address space active on this CPU, or NULL. */
struct addrspace *addrspace_active(void);

/* Returns AS's CPU set: bit (1ul << id) for each CPU that may cache AS's translations. */
unsigned long addrspace_cpus(struct addrspace *as);

/* Calls FN for every live (created, not yet destroyed) address space with
 * addrspace_list_lock held; FN may take the address space's lock. */
void addrspace_for_each_live(void (*fn)(void *ctx, struct addrspace *as), void *ctx);

/* Returns how many address spaces are live. */
unsigned long addrspace_live_count(void);

/* Returns how many resident pages AS maps (present entries; zero-frame pages included). */
size_t addrspace_resident_pages(struct addrspace *as);

#endif
