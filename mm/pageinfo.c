/* Reference counting and typing of frames through their struct pageinfo (layout and rules in
 * mm/pageinfo.h). Pure logic: also built and tested on the host. */
#include "mm/pageinfo.h"
#include "mm/section.h"
#include "kernel/errno.h"
#include "kernel/panic.h"

/* Returns the physical address of PI's frame for a panic message, or ~0 when PI is not in the
 * active section table (a pageinfo outside any section is itself a bug worth seeing). */
static unsigned long long frame_of(const struct pageinfo *pi)
{
	paddr_t paddr;
	return pageinfo_to_paddr(pi, &paddr) ? (unsigned long long)paddr : ~0ull;
}

int pageinfo_try_get(struct pageinfo *pi)
{
	uint32_t old = atomic_load_explicit(&pi->refcount, memory_order_relaxed);
	do {
		if (unlikely((old & PAGEINFO_COUNT_MASK) == PAGEINFO_COUNT_MAX))
			return -EOVERFLOW;
		if (unlikely(pageinfo_type(pi) == PAGEINFO_FREE))
			return -EINVAL;
	} while (!atomic_compare_exchange_weak_explicit(&pi->refcount, &old, old + 1,
							memory_order_relaxed, memory_order_relaxed));
	return 0;
}

void pageinfo_get(struct pageinfo *pi)
{
	int err = pageinfo_try_get(pi);
	if (unlikely(err == -EOVERFLOW))
		panic("refcount overflow frame=%#llx pageinfo=%p count=%u", frame_of(pi), (void *)pi,
		      (unsigned)PAGEINFO_COUNT_MAX);
	if (unlikely(err))
		panic("reference to a free frame frame=%#llx pageinfo=%p", frame_of(pi), (void *)pi);
}

int pageinfo_try_put(struct pageinfo *pi, bool *last)
{
	uint32_t old = atomic_load_explicit(&pi->refcount, memory_order_relaxed);
	uint32_t new;
	do {
		uint32_t count = old & PAGEINFO_COUNT_MASK;
		if (unlikely(count == 0))
			return -ERANGE;
		/* Reaching 0 also clears the mode bit, so a frame is handed back in a clean state. */
		new = count == 1 ? 0 : old - 1;
		/* Release: our earlier writes to the frame happen before whoever frees it; acquire
		 * (for the last put): we see every other holder's writes before we free it. */
	} while (!atomic_compare_exchange_weak_explicit(&pi->refcount, &old, new,
							memory_order_acq_rel, memory_order_relaxed));
	*last = new == 0;
	return 0;
}

bool pageinfo_put(struct pageinfo *pi)
{
	bool last;
	if (unlikely(pageinfo_try_put(pi, &last)))
		panic("refcount underflow frame=%#llx pageinfo=%p", frame_of(pi), (void *)pi);
	return last;
}

uint32_t pageinfo_refcount(const struct pageinfo *pi)
{
	return atomic_load_explicit(&pi->refcount, memory_order_relaxed) & PAGEINFO_COUNT_MASK;
}

bool pageinfo_is_shared(const struct pageinfo *pi)
{
	return atomic_load_explicit(&pi->refcount, memory_order_relaxed) & PAGEINFO_SHARED;
}

void pageinfo_set_shared(struct pageinfo *pi)
{
	atomic_fetch_or_explicit(&pi->refcount, PAGEINFO_SHARED, memory_order_relaxed);
}

void pageinfo_set_cow(struct pageinfo *pi)
{
	atomic_fetch_and_explicit(&pi->refcount, PAGEINFO_COUNT_MASK, memory_order_relaxed);
}

enum pageinfo_type pageinfo_type(const struct pageinfo *pi)
{
	return (enum pageinfo_type)(atomic_load_explicit(&pi->flags, memory_order_relaxed) &
				    PAGEINFO_TYPE_MASK);
}

unsigned pageinfo_level(const struct pageinfo *pi)
{
	return (atomic_load_explicit(&pi->flags, memory_order_relaxed) & PAGEINFO_LEVEL_MASK) >>
	       PAGEINFO_LEVEL_SHIFT;
}

bool pageinfo_test_and_mark(struct pageinfo *pi)
{
	return atomic_fetch_or_explicit(&pi->flags, PAGEINFO_MARK, memory_order_relaxed) &
	       PAGEINFO_MARK;
}

void pageinfo_unmark(struct pageinfo *pi)
{
	atomic_fetch_and_explicit(&pi->flags, ~PAGEINFO_MARK, memory_order_relaxed);
}

void pageinfo_reset(struct pageinfo *pi, enum pageinfo_type type)
{
	atomic_store_explicit(&pi->flags, (uint32_t)type & PAGEINFO_TYPE_MASK, memory_order_release);
}

void pageinfo_set_type(struct pageinfo *pi, enum pageinfo_type type, unsigned level)
{
	if (unlikely((unsigned)type > PAGEINFO_TYPE_MASK ||
		     level > (PAGEINFO_LEVEL_MASK >> PAGEINFO_LEVEL_SHIFT)))
		panic("bad type=%u level=%u frame=%#llx", (unsigned)type, level, frame_of(pi));
	uint32_t bits = (uint32_t)type | (uint32_t)level << PAGEINFO_LEVEL_SHIFT;
	uint32_t old = atomic_load_explicit(&pi->flags, memory_order_relaxed);
	uint32_t new;
	do {
		new = (old & ~(PAGEINFO_TYPE_MASK | PAGEINFO_LEVEL_MASK)) | bits;
	} while (!atomic_compare_exchange_weak_explicit(&pi->flags, &old, new,
							memory_order_release, memory_order_relaxed));
}
