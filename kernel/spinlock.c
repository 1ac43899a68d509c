/* Test-and-test-and-set spinlock with interrupts masked while held. */
#include "kernel/spinlock.h"
#include "kernel/arch.h"

void spin_init(struct spinlock *lock, const char *name)
{
	atomic_init(&lock->locked, 0);
	lock->name = name;
	lock->owner = NULL;
}

unsigned long spin_lock_irqsave(struct spinlock *lock)
{
	unsigned long flags = arch_irq_save();
	for (;;) {
		if (!atomic_exchange_explicit(&lock->locked, 1, memory_order_acquire))
			break;
		while (atomic_load_explicit(&lock->locked, memory_order_relaxed))
			arch_cpu_relax();
	}
	lock->owner = __builtin_return_address(0);
	return flags;
}

void spin_unlock_irqrestore(struct spinlock *lock, unsigned long flags)
{
	if (unlikely(!atomic_load_explicit(&lock->locked, memory_order_relaxed)))
		panic("spin_unlock_irqrestore: lock %s not held", lock->name);
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
