/* Test-and-test-and-set spinlock with interrupts masked while held; the lock-order check of
 * debug builds (per-CPU lists of the ranked locks held); serving cross-CPU calls while spinning.
 *
 * Why spinning serves calls: TLB shootdown (mm/tlb.c) runs with an address-space lock held and
 * waits until every CPU that may cache the space ran its flush. Another CPU may at that moment
 * spin for the same lock with interrupts masked (a fault of another thread of that space): it
 * would take the IPI only after getting the lock, which the shooter releases only after the
 * flush -- a deadlock. So the spin loop polls this CPU's call slot (smp_serve_calls). That is
 * safe because a cross-CPU call takes no spinlock and touches nothing a lock protects (the
 * rule of kernel/smp.h): running it in the middle of an acquisition is like taking an
 * interrupt just before it. */
#include "kernel/spinlock.h"
#include "kernel/arch.h"
#include "kernel/smp.h"

void spin_init(struct spinlock *lock, const char *name)
{
	spin_init_ranked(lock, name, LOCK_RANK_NONE);
}

void spin_init_ranked(struct spinlock *lock, const char *name, unsigned rank)
{
	atomic_init(&lock->locked, 0);
	lock->name = name;
	lock->owner = NULL;
	lock->rank = rank;
}

#if LOCK_DEBUG
/* The ranked locks each CPU holds, in the order taken. Touched only by that CPU with interrupts
 * masked (every spinlock masks them), so no lock protects it. A ranked lock is released on the
 * CPU that took it: nothing sleeps or migrates while holding a spinlock. */
#define LOCK_HELD_MAX 8
struct lock_held {
	const struct spinlock *lock[LOCK_HELD_MAX];
	unsigned count;
};
static struct lock_held lock_held[SMP_MAX_CPUS];

/* Returns this CPU's list, or NULL while the CPU does not know who it is yet (an AP before
 * smp_ap_main): such early locks are not tracked. */
static struct lock_held *held_here(void)
{
	struct cpu *cpu = smp_cpu_self();
	return cpu ? &lock_held[cpu->id] : NULL;
}

const struct spinlock *lock_order_violation(const struct spinlock *lock)
{
	struct lock_held *h = held_here();
	if (!h || lock->rank == LOCK_RANK_NONE)
		return NULL;
	for (unsigned i = 0; i < h->count; i++) {
		const struct spinlock *held = h->lock[i];
		if (held->rank < lock->rank)
			continue;
		/* The documented pair: two address-space locks, the lower address first. */
		if (held->rank == LOCK_RANK_ADDRSPACE && lock->rank == LOCK_RANK_ADDRSPACE &&
		    (uintptr_t)held < (uintptr_t)lock)
			continue;
		return held;
	}
	return NULL;
}

unsigned lock_held_count(void)
{
	struct lock_held *h = held_here();
	return h ? h->count : 0;
}

/* Records LOCK (just taken, ranked) as held by this CPU. */
static void held_push(const struct spinlock *lock)
{
	struct lock_held *h = held_here();
	if (!h)
		return;
	if (h->count == LOCK_HELD_MAX)
		panic("spin_lock_irqsave: %s is the %uth ranked lock held", lock->name, h->count + 1);
	h->lock[h->count++] = lock;
}

/* Forgets LOCK (being released) from this CPU's list. */
static void held_pop(const struct spinlock *lock)
{
	struct lock_held *h = held_here();
	if (!h)
		return;
	for (unsigned i = h->count; i-- > 0;) {
		if (h->lock[i] == lock) {
			for (unsigned j = i; j + 1 < h->count; j++)
				h->lock[j] = h->lock[j + 1];
			h->count--;
			return;
		}
	}
	panic("spin_unlock_irqrestore: %s (rank %u) is not held by CPU %u", lock->name, lock->rank,
	      smp_cpu_self()->id);
}
#else
const struct spinlock *lock_order_violation(const struct spinlock *lock)
{
	(void)lock;
	return NULL;
}

unsigned lock_held_count(void)
{
	return 0;
}
#endif

/* Spins until LOCK is ours (interrupts already masked), serving cross-CPU calls meanwhile. */
static void acquire(struct spinlock *lock)
{
	for (;;) {
		if (!atomic_exchange_explicit(&lock->locked, 1, memory_order_acquire))
			break;
		while (atomic_load_explicit(&lock->locked, memory_order_relaxed)) {
			smp_serve_calls();
			arch_cpu_relax();
		}
	}
	lock->owner = __builtin_return_address(0);
}

unsigned long spin_lock_irqsave(struct spinlock *lock)
{
	unsigned long flags = arch_irq_save();
#if LOCK_DEBUG
	if (lock->rank != LOCK_RANK_NONE) {
		const struct spinlock *held = lock_order_violation(lock);
		if (unlikely(held))
			panic("lock order: taking %s (rank %u) while holding %s (rank %u)", lock->name,
			      lock->rank, held->name, held->rank);
	}
#endif
	acquire(lock);
#if LOCK_DEBUG
	if (lock->rank != LOCK_RANK_NONE)
		held_push(lock);
#endif
	return flags;
}

bool spin_trylock_irqsave(struct spinlock *lock, unsigned long *flags)
{
	*flags = arch_irq_save();
	if (atomic_load_explicit(&lock->locked, memory_order_relaxed) ||
	    atomic_exchange_explicit(&lock->locked, 1, memory_order_acquire)) {
		arch_irq_restore(*flags);
		return false;
	}
	lock->owner = __builtin_return_address(0);
#if LOCK_DEBUG
	if (lock->rank != LOCK_RANK_NONE)
		held_push(lock);
#endif
	return true;
}

unsigned long spin_lock_irqsave_unshared(struct spinlock *lock)
{
	unsigned long flags = arch_irq_save();
	acquire(lock);
#if LOCK_DEBUG
	if (lock->rank != LOCK_RANK_NONE)
		held_push(lock);
#endif
	return flags;
}

void spin_unlock_irqrestore(struct spinlock *lock, unsigned long flags)
{
	if (unlikely(!atomic_load_explicit(&lock->locked, memory_order_relaxed)))
		panic("spin_unlock_irqrestore: lock %s not held", lock->name);
#if LOCK_DEBUG
	if (lock->rank != LOCK_RANK_NONE)
		held_pop(lock);
#endif
	lock->owner = NULL;
	atomic_store_explicit(&lock->locked, 0, memory_order_release);
	arch_irq_restore(flags);
}

bool spin_is_locked(const struct spinlock *lock)
{
	return atomic_load_explicit(&lock->locked, memory_order_relaxed) != 0;
}

void spin_force_unlock(struct spinlock *lock)
{
	lock->owner = NULL;
	atomic_store_explicit(&lock->locked, 0, memory_order_release);
}
