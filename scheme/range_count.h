/* Range counts: an interval map from file byte ranges [offset, offset + size) to mapping counts,
 * kept by a scheme daemon to know how many client mappings cover each part of each file (issue 5:
 * the daemon answers mmap_prep with +1 over the range and munmap with -1, and may release or write
 * back a range when its count drops to 0).
 *
 * The map is a total function from 64-bit offsets to counts, 0 almost everywhere. It is stored
 * canonically: one node per maximal interval of constant non-zero count (no node has count 0, no
 * two nodes that touch have the same count), so two maps holding the same function have the same
 * intervals. Nodes live in an AVL tree keyed by start offset (see scheme/range_count.c for why).
 *
 * Freestanding: no C library; memory comes from the caller's allocator callbacks. Every changing
 * operation takes all the memory it needs before changing anything, so an error (out of memory,
 * invalid range, count below zero) leaves the map exactly as it was.
 * Locking: none; the caller serializes operations on one map. */
#ifndef SCHEME_RANGE_COUNT_H
#define SCHEME_RANGE_COUNT_H

#include <stddef.h>
#include <stdint.h>

/* The caller's allocator: ALLOC returns SIZE bytes aligned for any object, or NULL; FREE takes a
 * pointer ALLOC returned. CTX is passed back to both. */
struct range_count_allocator {
	void *(*alloc)(void *ctx, size_t size);
	void (*free)(void *ctx, void *ptr);
	void *ctx;
};

struct range_count_node;

struct range_count {
	struct range_count_node *root;
	size_t nodes;                        /* number of maximal intervals with a non-zero count */
	struct range_count_allocator allocator;
};

/* Called for each interval a query visits, in increasing offset order; END is exclusive. A non-zero
 * return stops the walk and is returned by the query. */
typedef int (*range_count_visit_fn)(void *ctx, uint64_t start, uint64_t end, uint64_t count);

/* Makes RC an empty map (count 0 everywhere) that takes its memory from ALLOCATOR. */
void range_count_init(struct range_count *rc, const struct range_count_allocator *allocator);

/* Frees every node of RC; RC is then empty and usable again. */
void range_count_destroy(struct range_count *rc);

/* Adds 1 to the count of every offset of [OFFSET, OFFSET + SIZE); returns 0, -EINVAL when SIZE is
 * 0 or the range wraps past 2^64 - 1, -EOVERFLOW when a count would overflow, -ENOMEM. */
int range_count_add(struct range_count *rc, uint64_t offset, uint64_t size);

/* Subtracts 1 from the count of every offset of [OFFSET, OFFSET + SIZE); returns 0, -EINVAL (as
 * for add), -ENOENT when some offset of the range has count 0, -ENOMEM (it needs at most two
 * nodes, for splitting the intervals at the ends of the range). */
int range_count_remove(struct range_count *rc, uint64_t offset, uint64_t size);

/* Returns the count of OFFSET. */
uint64_t range_count_at(const struct range_count *rc, uint64_t offset);

/* Visits the maximal intervals of constant count that make up [OFFSET, OFFSET + SIZE), clipped to
 * it, including those of count 0; returns -EINVAL as add does, else 0 or what VISIT stopped with. */
int range_count_query(const struct range_count *rc, uint64_t offset, uint64_t size,
		      range_count_visit_fn visit, void *ctx);

/* Visits every stored interval (every maximal interval of non-zero count) in order; returns 0 or
 * what VISIT stopped with. */
int range_count_for_each(const struct range_count *rc, range_count_visit_fn visit, void *ctx);

/* Returns the number of stored intervals. */
size_t range_count_intervals(const struct range_count *rc);

/* Checks every invariant of RC (search order, no overlap, non-zero counts, canonical merging, AVL
 * heights and balance, the interval count); returns 0, or -EINVAL and sets *WHY (may be NULL). */
int range_count_check(const struct range_count *rc, const char **why);

#endif
