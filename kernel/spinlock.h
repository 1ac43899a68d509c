/* Spinlocks that also mask interrupts on this CPU while held (one CPU today, written for SMP).
 * A lock records its owner so that *_locked functions can assert they hold it. */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H

#include <stdatomic.h>
#include "kernel/compiler.h"
#include "kernel/panic.h"

struct spinlock {
	atomic_uint locked;      /* 0 free, 1 held */
	const char *name;
	const void *owner;       /* return address of the locker, for debugging */
};

#define SPINLOCK_INIT(n) { .locked = 0, .name = (n), .owner = NULL }

void spin_init(struct spinlock *lock, const char *name);
unsigned long spin_lock_irqsave(struct spinlock *lock);
void spin_unlock_irqrestore(struct spinlock *lock, unsigned long flags);
bool spin_is_locked(const struct spinlock *lock);
void spin_force_unlock(struct spinlock *lock);   /* panic path only */

/* Asserts that LOCK is held; *_locked functions start with it. */
#define spin_assert_held(lock) \
	do { if (unlikely(!spin_is_locked(lock))) \
		panic("%s: lock %s not held", __func__, (lock)->name); } while (0)

#endif
