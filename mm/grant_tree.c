/* The AVL tree of grants (contract in mm/grant_tree.h). Heights: an empty subtree is 0, a leaf
 * 1; every node's subtrees differ by at most 1. Rebalancing walks from the changed node up to
 * the root, fixing heights and rotating where the balance factor reaches +-2. */
#include "mm/grant_tree.h"
#include "kernel/kprintf.h"
#include "kernel/panic.h"

static int height(const struct grant *g)
{
	return g ? g->height : 0;
}

static void update_height(struct grant *g)
{
	g->height = 1 + MAX(height(g->left), height(g->right));
}

/* Makes NEW take OLD's place under OLD's parent (or at the root). */
static void replace_child(struct grant_tree *t, struct grant *old, struct grant *new)
{
	struct grant *p = old->parent;
	if (!p)
		t->root = new;
	else if (p->left == old)
		p->left = new;
	else
		p->right = new;
	if (new)
		new->parent = p;
}

/* Rotates X's right child up into X's place; returns the new subtree root. */
static struct grant *rotate_left(struct grant_tree *t, struct grant *x)
{
	struct grant *y = x->right;
	replace_child(t, x, y);
	x->right = y->left;
	if (x->right)
		x->right->parent = x;
	y->left = x;
	x->parent = y;
	update_height(x);
	update_height(y);
	return y;
}

/* Rotates X's left child up into X's place; returns the new subtree root. */
static struct grant *rotate_right(struct grant_tree *t, struct grant *x)
{
	struct grant *y = x->left;
	replace_child(t, x, y);
	x->left = y->right;
	if (x->left)
		x->left->parent = x;
	y->right = x;
	x->parent = y;
	update_height(x);
	update_height(y);
	return y;
}

/* Restores heights and balance from N up to the root. */
static void rebalance(struct grant_tree *t, struct grant *n)
{
	while (n) {
		update_height(n);
		int bf = height(n->left) - height(n->right);
		if (bf > 1) {
			if (height(n->left->left) < height(n->left->right))
				rotate_left(t, n->left);
			n = rotate_right(t, n);
		} else if (bf < -1) {
			if (height(n->right->right) < height(n->right->left))
				rotate_right(t, n->right);
			n = rotate_left(t, n);
		}
		n = n->parent;
	}
}

void grant_tree_init(struct grant_tree *t)
{
	t->root = NULL;
	t->count = 0;
}

void grant_tree_insert(struct grant_tree *t, struct grant *g)
{
	struct grant *parent = NULL, **link = &t->root;
	while (*link) {
		parent = *link;
		if (grant_end(g) <= parent->start)
			link = &parent->left;
		else if (g->start >= grant_end(parent))
			link = &parent->right;
		else
			panic("grant [%#lx, %#lx) overlaps grant [%#lx, %#lx)", (unsigned long)g->start,
			      (unsigned long)grant_end(g), (unsigned long)parent->start,
			      (unsigned long)grant_end(parent));
	}
	g->left = g->right = NULL;
	g->parent = parent;
	g->height = 1;
	*link = g;
	t->count++;
	rebalance(t, parent);
}

void grant_tree_remove(struct grant_tree *t, struct grant *g)
{
	struct grant *start;
	if (g->left && g->right) {
		struct grant *s = g->right;              /* the successor takes G's place */
		while (s->left)
			s = s->left;
		if (s->parent == g) {
			start = s;
		} else {
			start = s->parent;
			start->left = s->right;
			if (s->right)
				s->right->parent = start;
			s->right = g->right;
			s->right->parent = s;
		}
		s->left = g->left;
		s->left->parent = s;
		replace_child(t, g, s);
		s->height = g->height;
	} else {
		start = g->parent;
		replace_child(t, g, g->left ? g->left : g->right);
	}
	g->left = g->right = g->parent = NULL;
	t->count--;
	rebalance(t, start);
}

struct grant *grant_tree_find(const struct grant_tree *t, uintptr_t addr)
{
	struct grant *g = t->root;
	while (g) {
		if (addr < g->start)
			g = g->left;
		else if (addr >= grant_end(g))
			g = g->right;
		else
			return g;
	}
	return NULL;
}

struct grant *grant_tree_lower_bound(const struct grant_tree *t, uintptr_t addr)
{
	struct grant *g = t->root, *best = NULL;
	while (g) {
		if (grant_end(g) > addr) {
			best = g;
			g = g->left;
		} else {
			g = g->right;
		}
	}
	return best;
}

struct grant *grant_tree_first(const struct grant_tree *t)
{
	struct grant *g = t->root;
	while (g && g->left)
		g = g->left;
	return g;
}

struct grant *grant_tree_last(const struct grant_tree *t)
{
	struct grant *g = t->root;
	while (g && g->right)
		g = g->right;
	return g;
}

struct grant *grant_tree_next(const struct grant *g)
{
	if (g->right) {
		g = g->right;
		while (g->left)
			g = g->left;
		return (struct grant *)g;
	}
	while (g->parent && g->parent->right == g)
		g = g->parent;
	return g->parent;
}

struct grant *grant_tree_prev(const struct grant *g)
{
	if (g->left) {
		g = g->left;
		while (g->right)
			g = g->right;
		return (struct grant *)g;
	}
	while (g->parent && g->parent->left == g)
		g = g->parent;
	return g->parent;
}

bool grant_tree_overlaps(const struct grant_tree *t, uintptr_t start, uintptr_t end)
{
	struct grant *g = grant_tree_lower_bound(t, start);
	return g && g->start < end;
}

struct check_state {
	const char *who;
	unsigned problems;
	size_t nodes;
	const struct grant *last;    /* previous grant in order */
};

static void problem(struct check_state *st, const struct grant *g, const char *what)
{
	st->problems++;
	kprintf("check: %s: grant tree: %s at grant [%#lx, %#lx)\n", st->who, what,
		(unsigned long)(g ? g->start : 0), (unsigned long)(g ? grant_end(g) : 0));
}

/* Checks the subtree G (parent PARENT) in order; returns its height. */
static int check_subtree(struct check_state *st, const struct grant *g, const struct grant *parent,
			 int depth)
{
	if (!g)
		return 0;
	if (depth > 128) {
		problem(st, g, "deeper than any balanced tree (a cycle?)");
		return 0;
	}
	if (g->parent != parent)
		problem(st, g, "parent link wrong");
	int hl = check_subtree(st, g->left, g, depth + 1);
	st->nodes++;
	if (g->pages == 0 || !IS_ALIGNED(g->start, FRAME_SIZE) || grant_end(g) <= g->start)
		problem(st, g, "empty, unaligned or wrapping range");
	if (st->last && grant_end(st->last) > g->start)
		problem(st, g, "out of order or overlapping the previous grant");
	st->last = g;
	int hr = check_subtree(st, g->right, g, depth + 1);
	int h = 1 + MAX(hl, hr);
	if (g->height != h)
		problem(st, g, "stored height wrong");
	if (hl - hr > 1 || hr - hl > 1)
		problem(st, g, "unbalanced");
	return h;
}

unsigned grant_tree_check(const struct grant_tree *t, const char *who)
{
	struct check_state st = { .who = who };
	check_subtree(&st, t->root, NULL, 0);
	if (st.nodes != t->count) {
		st.problems++;
		kprintf("check: %s: grant tree: count %zu but %zu nodes\n", who, t->count, st.nodes);
	}
	return st.problems;
}
