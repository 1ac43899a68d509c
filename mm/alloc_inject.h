/* Allocation failure injection: one global switch, consulted by every frame_alloc* and kmalloc
 * call, that makes chosen allocations fail with -ENOMEM / NULL as if memory had run out. Off by
 * default; tests turn it on to drive the out-of-memory paths (fork, faults, mmap) through every
 * point where an allocation can fail.
 *
 * Modes:
 *   nth(N)             the Nth allocation from now fails, once; then the switch is off again.
 *                      Looping N = 1, 2, ... until the operation succeeds visits each failure
 *                      point of an operation in turn.
 *   every(N)           every Nth allocation fails, until turned off.
 *   random(SEED, PPM)  each allocation fails with probability PPM / 1000000, from a
 *                      deterministic generator seeded with SEED.
 * Scope: alloc_inject_scope(WHO, ID) limits the switch to allocations made while WHO() returns ID
 * (the syscall layer passes the current pid), so a user-mode fuzzer can put one process under
 * injection while its parent and the self-test runner allocate normally. Allocations outside the
 * scope are not counted either, which keeps every(N) and random(SEED) reproducible.
 * Who calls it: every frame_alloc* (user frames and page-table frames on every arch) and every
 * kmalloc (grant nodes, address spaces, checker arrays unless suspended).
 * Concurrency: a leaf spinlock (inject_lock) guards the state; callers hold no lock of their own
 * requirement, and the off check is a single atomic load. */
#ifndef MM_ALLOC_INJECT_H
#define MM_ALLOC_INJECT_H

#include "kernel/compiler.h"

/* Makes the Nth allocation from now fail, once (N >= 1; N = 0 turns the switch off). */
void alloc_inject_nth(unsigned long n);

/* Makes every Nth allocation fail until alloc_inject_off (N >= 1; 0 turns the switch off). */
void alloc_inject_every(unsigned long n);

/* Makes each allocation fail with probability PER_MILLION / 10^6, reproducibly from SEED. */
void alloc_inject_random(uint64_t seed, uint32_t per_million);

/* Limits the switch to allocations made while WHO() == ID (WHO NULL: every allocation, the
 * default). Survives mode changes; alloc_inject_off clears it. */
void alloc_inject_scope(long (*who)(void), long id);

/* Turns injection off (the default) and clears the scope. */
void alloc_inject_off(void);

/* What asks (for the failure counts only; every kind meets the same switch). Page-table frames
 * come from frame_alloc on every arch, so they count as frames. */
enum alloc_inject_kind { ALLOC_INJECT_FRAME = 0, ALLOC_INJECT_KMALLOC = 1, ALLOC_INJECT_KINDS = 2 };

/* Called by the allocators once per allocation: returns true when this one must fail. */
bool alloc_inject_should_fail_kind(enum alloc_inject_kind kind);
static inline bool alloc_inject_should_fail(void)
{
	return alloc_inject_should_fail_kind(ALLOC_INJECT_FRAME);
}

/* Returns how many failures were injected since the last mode change: of KIND, or of every
 * kind for alloc_inject_failures. */
unsigned long alloc_inject_failures_kind(enum alloc_inject_kind kind);
unsigned long alloc_inject_failures(void);

/* Stops / restarts injection around a region without changing the mode (nests); for code such
 * as the invariant checker whose own allocations must not be the ones that fail. */
void alloc_inject_suspend(void);
void alloc_inject_resume(void);

#endif
