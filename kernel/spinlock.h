/* Spinlocks that also mask interrupts on this CPU while held. A lock records its owner so that
 * *_locked functions can assert they hold it, and a rank: the place of the lock in the kernel's
 * lock order (written in mm/addrspace.h). Debug builds (LOCK_DEBUG, on with MM_DEBUG; the bench
 * kernel turns both off) keep, per CPU, the ranked locks it holds and panic, naming both locks,
 * when a CPU takes a lock whose rank is lower than or equal to that of a lock it holds (see
 * lock_order_violation). While a CPU spins for a lock it serves the cross-CPU calls aimed at it
 * (kernel/smp.h), so a CPU that holds a lock and waits for a call (TLB shootdown) never waits on
 * a CPU that spins for that lock. */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H

#include <stdatomic.h>
#include "kernel/compiler.h"
#include "kernel/panic.h"

#ifndef MM_DEBUG
#define MM_DEBUG 1
#endif
#ifndef LOCK_DEBUG
#define LOCK_DEBUG MM_DEBUG
#endif

/* Ranks of the ordered locks (mm/addrspace.h has the order and why): a lock may be taken only
 * while every ranked lock this CPU holds has a lower rank. 0 = not in the order (never checked:
 * leaf locks such as the console, a CPU's call slot, the ASID allocator). Gaps leave room. */
enum lock_rank {
	LOCK_RANK_NONE = 0,
	LOCK_RANK_CHECKER = 10,          /* checker_lock */
	LOCK_RANK_ADDRSPACE_LIST = 20,   /* addrspace_list_lock */
	LOCK_RANK_ADDRSPACE = 30,        /* addrspace.lock; two at once: lower address first */
	LOCK_RANK_SHM_LIST = 32,         /* shm_list_lock (mm/shm.c) */
	LOCK_RANK_SHM_OBJECT = 33,       /* shm_object.lock */
	LOCK_RANK_SCHEME = 35,           /* scheme_lock */
	LOCK_RANK_SCHED = 37,            /* sched_lock (kernel/sched.c) */
	LOCK_RANK_HEAP = 40,             /* zero_lock, kheap_lock (never nested in each other) */
	LOCK_RANK_FRAME = 50,            /* frame_lock */
	LOCK_RANK_INJECT = 60,           /* inject_lock */
};

struct spinlock {
	atomic_uint locked;      /* 0 free, 1 held */
	const char *name;
	const void *owner;       /* return address of the locker, for debugging */
	unsigned rank;           /* enum lock_rank; fixed at init */
};

#define SPINLOCK_INIT(n) { .locked = 0, .name = (n), .owner = NULL, .rank = LOCK_RANK_NONE }
#define SPINLOCK_INIT_RANKED(n, r) { .locked = 0, .name = (n), .owner = NULL, .rank = (r) }

void spin_init(struct spinlock *lock, const char *name);
void spin_init_ranked(struct spinlock *lock, const char *name, unsigned rank);
unsigned long spin_lock_irqsave(struct spinlock *lock);
void spin_unlock_irqrestore(struct spinlock *lock, unsigned long flags);
bool spin_is_locked(const struct spinlock *lock);
void spin_force_unlock(struct spinlock *lock);   /* panic path only */

/* Takes LOCK if it is free, masking interrupts (their previous state in *FLAGS); returns
 * whether it did (then release with spin_unlock_irqrestore), else leaves interrupts as they
 * were. Never waits, so it is not checked against the order, but a taken ranked lock is
 * recorded like any other (a raw exchange on lock->locked would not be, and its release would
 * panic under LOCK_DEBUG). */
bool spin_trylock_irqsave(struct spinlock *lock, unsigned long *flags);

/* spin_lock_irqsave for a lock no other CPU can reach yet (fork's child address space, locked
 * after the parent whatever their addresses): not checked against the order, but recorded, so
 * locks taken under it are. */
unsigned long spin_lock_irqsave_unshared(struct spinlock *lock);

/* Returns the held lock that taking LOCK now on this CPU would violate the order with (a ranked
 * lock of higher or equal rank; equal is allowed for two address-space locks in address order),
 * or NULL when taking it is fine or LOCK_DEBUG is off. spin_lock_irqsave panics on a violation
 * with both names; the self-test calls this to see the check fire without the panic. */
const struct spinlock *lock_order_violation(const struct spinlock *lock);

/* Returns how many ranked locks this CPU holds (0 without LOCK_DEBUG). */
unsigned lock_held_count(void);

/* Asserts that LOCK is held; *_locked functions start with it. */
#define spin_assert_held(lock) \
	do { if (unlikely(!spin_is_locked(lock))) \
		panic("%s: lock %s not held", __func__, (lock)->name); } while (0)

#endif
