/* Allocation failure injection (contract in mm/alloc_inject.h). */
#include <stdatomic.h>
#include "mm/alloc_inject.h"
#include "kernel/spinlock.h"

enum inject_mode { INJECT_OFF = 0, INJECT_NTH, INJECT_EVERY, INJECT_RANDOM };

static struct spinlock inject_lock = SPINLOCK_INIT_RANKED("alloc_inject", LOCK_RANK_INJECT);
static _Atomic int mode = INJECT_OFF;     /* written under inject_lock, read lock-free first */
static unsigned long period;              /* inject_lock: N of nth / every */
static unsigned long calls;               /* inject_lock: allocations seen since the mode change */
static unsigned long failures[ALLOC_INJECT_KINDS];   /* inject_lock */
static uint64_t rng;                      /* inject_lock: xorshift64 state */
static uint32_t ppm;                      /* inject_lock */
static _Atomic unsigned suspended;        /* nesting count of alloc_inject_suspend */
static long (*scope_who)(void);           /* inject_lock: NULL = every allocation */
static long scope_id;                     /* inject_lock */

static void set_mode(int new_mode, unsigned long n)
{
	unsigned long flags = spin_lock_irqsave(&inject_lock);
	period = n;
	calls = 0;
	for (unsigned k = 0; k < ALLOC_INJECT_KINDS; k++)
		failures[k] = 0;
	atomic_store_explicit(&mode, n || new_mode == INJECT_RANDOM ? new_mode : INJECT_OFF,
			      memory_order_relaxed);
	spin_unlock_irqrestore(&inject_lock, flags);
}

void alloc_inject_nth(unsigned long n)
{
	set_mode(INJECT_NTH, n);
}

void alloc_inject_every(unsigned long n)
{
	set_mode(INJECT_EVERY, n);
}

void alloc_inject_random(uint64_t seed, uint32_t per_million)
{
	unsigned long flags = spin_lock_irqsave(&inject_lock);
	/* splitmix64 of the seed first: xorshift's first outputs from nearby seeds (a fuzzer
	 * re-arming with seed + k) are strongly correlated */
	uint64_t z = seed + 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	rng = z ? z : 0x9e3779b97f4a7c15ull;          /* xorshift must not start at 0 */
	ppm = per_million;
	spin_unlock_irqrestore(&inject_lock, flags);
	set_mode(INJECT_RANDOM, 0);
}

void alloc_inject_scope(long (*who)(void), long id)
{
	unsigned long flags = spin_lock_irqsave(&inject_lock);
	scope_who = who;
	scope_id = id;
	spin_unlock_irqrestore(&inject_lock, flags);
}

void alloc_inject_off(void)
{
	set_mode(INJECT_OFF, 0);
	alloc_inject_scope(NULL, 0);
}

bool alloc_inject_should_fail_kind(enum alloc_inject_kind kind)
{
	if (likely(atomic_load_explicit(&mode, memory_order_relaxed) == INJECT_OFF) ||
	    atomic_load_explicit(&suspended, memory_order_relaxed))
		return false;
	bool fail = false;
	unsigned long flags = spin_lock_irqsave(&inject_lock);
	if (scope_who && scope_who() != scope_id) {
		spin_unlock_irqrestore(&inject_lock, flags);
		return false;
	}
	calls++;
	switch (atomic_load_explicit(&mode, memory_order_relaxed)) {
	case INJECT_NTH:
		if (calls == period) {
			fail = true;
			atomic_store_explicit(&mode, INJECT_OFF, memory_order_relaxed);
		}
		break;
	case INJECT_EVERY:
		fail = calls % period == 0;
		break;
	case INJECT_RANDOM:
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		fail = (uint32_t)(rng >> 32) % 1000000u < ppm;
		break;
	default:
		break;
	}
	failures[kind < ALLOC_INJECT_KINDS ? kind : ALLOC_INJECT_FRAME] += fail;
	spin_unlock_irqrestore(&inject_lock, flags);
	return fail;
}

unsigned long alloc_inject_failures_kind(enum alloc_inject_kind kind)
{
	if (kind >= ALLOC_INJECT_KINDS)
		return 0;
	unsigned long flags = spin_lock_irqsave(&inject_lock);
	unsigned long n = failures[kind];
	spin_unlock_irqrestore(&inject_lock, flags);
	return n;
}

unsigned long alloc_inject_failures(void)
{
	unsigned long n = 0;
	for (unsigned k = 0; k < ALLOC_INJECT_KINDS; k++)
		n += alloc_inject_failures_kind(k);
	return n;
}

void alloc_inject_suspend(void)
{
	atomic_fetch_add_explicit(&suspended, 1, memory_order_relaxed);
}

void alloc_inject_resume(void)
{
	atomic_fetch_sub_explicit(&suspended, 1, memory_order_relaxed);
}
