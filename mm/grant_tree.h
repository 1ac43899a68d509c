/* The grant tree: the grants of one address space, ordered by start address, in an AVL tree
 * with parent links (intrusive: the links live in struct grant). Lookup, insertion and removal
 * are O(log n); next/prev are O(1) amortized. Why AVL and not red-black: simpler to write and to
 * check exhaustively (the checker verifies every height), lookups (every page fault) are more
 * frequent than changes (mmap/munmap), and AVL trees are the shallower of the two.
 * Locking: the owning address space's lock. */
#ifndef MM_GRANT_TREE_H
#define MM_GRANT_TREE_H

#include "mm/grant.h"

struct grant_tree {
	struct grant *root;
	size_t count;
};

void grant_tree_init(struct grant_tree *t);

/* Inserts G (not in any tree); panics when G overlaps a grant of T (callers check first). */
void grant_tree_insert(struct grant_tree *t, struct grant *g);

/* Takes G out of T. */
void grant_tree_remove(struct grant_tree *t, struct grant *g);

/* Returns the grant of T containing ADDR, or NULL. */
struct grant *grant_tree_find(const struct grant_tree *t, uintptr_t addr);

/* Returns the lowest grant of T that ends after ADDR (the first that may overlap [ADDR, ...)),
 * or NULL. */
struct grant *grant_tree_lower_bound(const struct grant_tree *t, uintptr_t addr);

/* Returns the lowest / highest grant of T, or NULL when T is empty. */
struct grant *grant_tree_first(const struct grant_tree *t);
struct grant *grant_tree_last(const struct grant_tree *t);

/* Returns the grant after / before G in address order, or NULL. */
struct grant *grant_tree_next(const struct grant *g);
struct grant *grant_tree_prev(const struct grant *g);

/* Returns whether some grant of T overlaps [START, END). */
bool grant_tree_overlaps(const struct grant_tree *t, uintptr_t start, uintptr_t end);

/* Checks T's structure: parent links, order without overlap, every height and balance factor,
 * the count. Returns the number of problems, each printed with kprintf prefixed by WHO. */
unsigned grant_tree_check(const struct grant_tree *t, const char *who);

#endif
