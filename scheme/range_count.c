/* Range counts (see scheme/range_count.h): canonical interval map in an AVL tree.
 *
 * Design. Each node is one maximal interval [start, end) of constant non-zero count; offsets not
 * covered by a node have count 0. Nodes never overlap, so ordering them by start orders them by
 * end too, and the node containing X is the last node with start <= X (when X < its end).
 * The tree is an AVL tree without parent links, written recursively (depth <= 1.44 log2 n, so
 * about 90 frames at worst for any n that fits in memory). AVL rather than a treap: deterministic,
 * no random source needed in a freestanding daemon, and the checker can verify every height.
 *
 * An operation on [a, b) works in three steps:
 *   1. plan: walk the pieces of [a, b) (maximal sub-intervals of constant count, gaps included),
 *      reject the operation if needed (a gap under remove, a count at its maximum under add) and
 *      count the nodes it will need: one per node split at a or b, plus (add) one per gap;
 *   2. take all those nodes from the allocator; on failure give them back: nothing changed;
 *   3. change: split at a and b, then add/subtract 1 over the nodes inside [a, b) (add fills the
 *      gaps with count-1 nodes; remove deletes nodes reaching 0), then merge touching nodes of
 *      equal count from the node ending at a to the node starting at b, so the map is canonical.
 * Cost: O((k + 1) log n) for an operation whose range meets k intervals. Every interval inside the
 * range changes its count, so any structure that stores counts explicitly touches all k; the usual
 * case (mmap_prep/munmap of one mapping's range) has k small. Queries are O((k + 1) log n) too,
 * count_at is O(log n). Successors are found by a search from the root (no parent links), which
 * keeps nodes small and the rebalancing simple. */
#include "scheme/range_count.h"

#include <stdbool.h>

#include "kernel/errno.h"

struct range_count_node {
	struct range_count_node *left, *right;
	uint64_t start, end;                 /* [start, end), start < end */
	uint64_t count;                      /* > 0 */
	int height;                          /* of the subtree rooted here; a leaf has 1 */
};

typedef struct range_count_node node_t;

/* ---- AVL tree ---------------------------------------------------------------------------- */

static int height(const node_t *n)
{
	return n ? n->height : 0;
}

static void update(node_t *n)
{
	int l = height(n->left), r = height(n->right);
	n->height = (l > r ? l : r) + 1;
}

static node_t *rotate_right(node_t *n)
{
	node_t *l = n->left;
	n->left = l->right;
	l->right = n;
	update(n);
	update(l);
	return l;
}

static node_t *rotate_left(node_t *n)
{
	node_t *r = n->right;
	n->right = r->left;
	r->left = n;
	update(n);
	update(r);
	return r;
}

/* Restores the AVL balance at N, whose subtrees are balanced and differ in height by at most 2;
 * returns the new subtree root. */
static node_t *rebalance(node_t *n)
{
	update(n);
	int diff = height(n->left) - height(n->right);
	if (diff > 1) {
		if (height(n->left->left) < height(n->left->right))
			n->left = rotate_left(n->left);
		return rotate_right(n);
	}
	if (diff < -1) {
		if (height(n->right->right) < height(n->right->left))
			n->right = rotate_right(n->right);
		return rotate_left(n);
	}
	return n;
}

/* Inserts N (its start not in the tree) below ROOT; returns the new root. */
static node_t *tree_insert(node_t *root, node_t *n)
{
	if (!root) {
		n->left = n->right = NULL;
		n->height = 1;
		return n;
	}
	if (n->start < root->start)
		root->left = tree_insert(root->left, n);
	else
		root->right = tree_insert(root->right, n);
	return rebalance(root);
}

/* Takes the lowest node out of the non-empty ROOT into *MIN; returns the new root. */
static node_t *tree_take_min(node_t *root, node_t **min)
{
	if (!root->left) {
		*min = root;
		return root->right;
	}
	root->left = tree_take_min(root->left, min);
	return rebalance(root);
}

/* Takes the node whose start is START (it is in the tree) out of ROOT; returns the new root. The
 * other nodes keep their addresses: a node with two children is replaced by its successor node. */
static node_t *tree_delete(node_t *root, uint64_t start)
{
	if (start < root->start) {
		root->left = tree_delete(root->left, start);
		return rebalance(root);
	}
	if (start > root->start) {
		root->right = tree_delete(root->right, start);
		return rebalance(root);
	}
	if (!root->left)
		return root->right;
	if (!root->right)
		return root->left;
	node_t *succ;
	node_t *right = tree_take_min(root->right, &succ);
	succ->left = root->left;
	succ->right = right;
	return rebalance(succ);
}

/* Returns the last node with start <= X, or NULL. */
static node_t *find_le(node_t *n, uint64_t x)
{
	node_t *best = NULL;
	while (n) {
		if (n->start <= x) {
			best = n;
			n = n->right;
		} else {
			n = n->left;
		}
	}
	return best;
}

/* Returns the first node with start >= X, or NULL. */
static node_t *find_ge(node_t *n, uint64_t x)
{
	node_t *best = NULL;
	while (n) {
		if (n->start >= x) {
			best = n;
			n = n->left;
		} else {
			n = n->right;
		}
	}
	return best;
}

/* Returns the node containing X, or NULL when X has count 0. */
static node_t *find_containing(node_t *root, uint64_t x)
{
	node_t *n = find_le(root, x);
	return n && x < n->end ? n : NULL;
}

/* ---- pieces: the maximal constant-count sub-intervals of a range, gaps included ----------- */

struct piece {
	uint64_t start, end, count;
};

/* Sets *P to the piece of [CUR, END) (CUR < END) that starts at CUR. */
static void piece_at(node_t *root, uint64_t cur, uint64_t end, struct piece *p)
{
	node_t *n = find_containing(root, cur);
	p->start = cur;
	if (n) {
		p->end = n->end < end ? n->end : end;
		p->count = n->count;
		return;
	}
	n = find_ge(root, cur);
	p->end = n && n->start < end ? n->start : end;
	p->count = 0;
}

/* Returns whether [OFFSET, OFFSET + SIZE) is a valid range: non-empty and not wrapping. */
static bool range_valid(uint64_t offset, uint64_t size)
{
	return size != 0 && size <= UINT64_MAX - offset;
}

/* ---- node pool: the nodes an operation takes before changing anything --------------------- */

static void pool_free(struct range_count *rc, node_t *pool)
{
	while (pool) {
		node_t *next = pool->left;
		rc->allocator.free(rc->allocator.ctx, pool);
		pool = next;
	}
}

/* Allocates N nodes linked through ->left into *POOL; returns 0 or -ENOMEM with none kept. */
static int pool_fill(struct range_count *rc, size_t n, node_t **pool)
{
	*pool = NULL;
	for (size_t i = 0; i < n; i++) {
		node_t *nd = rc->allocator.alloc(rc->allocator.ctx, sizeof(*nd));
		if (!nd) {
			pool_free(rc, *pool);
			*pool = NULL;
			return -ENOMEM;
		}
		nd->left = *pool;
		*pool = nd;
	}
	return 0;
}

/* Takes a node from the non-empty *POOL (the plan counted it) and inserts [START, END) COUNT. */
static void insert_new(struct range_count *rc, node_t **pool, uint64_t start, uint64_t end,
		       uint64_t count)
{
	node_t *n = *pool;
	*pool = n->left;
	n->start = start;
	n->end = end;
	n->count = count;
	rc->root = tree_insert(rc->root, n);
	rc->nodes++;
}

static void delete_node(struct range_count *rc, node_t *n)
{
	rc->root = tree_delete(rc->root, n->start);
	rc->nodes--;
	rc->allocator.free(rc->allocator.ctx, n);
}

/* Returns the number of nodes a split at X takes: 1 when X lies strictly inside a node, else 0. */
static size_t split_cost(const struct range_count *rc, uint64_t x)
{
	node_t *n = find_containing(rc->root, x);
	return n && n->start < x ? 1 : 0;
}

/* Splits the node strictly containing X, if any, into [start, X) and [X, end). */
static void split_at(struct range_count *rc, node_t **pool, uint64_t x)
{
	node_t *n = find_containing(rc->root, x);
	if (!n || n->start == x)
		return;
	uint64_t end = n->end;
	n->end = x;                          /* start unchanged: the tree order holds */
	insert_new(rc, pool, x, end, n->count);
}

/* Merges touching nodes of equal count from the node ending at A (or the first node from A) up to
 * the node starting at B. */
static void normalize(struct range_count *rc, uint64_t a, uint64_t b)
{
	node_t *n = a > 0 ? find_containing(rc->root, a - 1) : NULL;
	if (!n)
		n = find_ge(rc->root, a);
	while (n && n->start < b) {
		node_t *next = find_ge(rc->root, n->end);
		if (next && next->start == n->end && next->count == n->count) {
			n->end = next->end;
			delete_node(rc, next);
			continue;                    /* N may also merge with the node after */
		}
		n = next;
	}
}

/* ---- the operations ---------------------------------------------------------------------- */

void range_count_init(struct range_count *rc, const struct range_count_allocator *allocator)
{
	rc->root = NULL;
	rc->nodes = 0;
	rc->allocator = *allocator;
}

static void free_subtree(struct range_count *rc, node_t *n)
{
	while (n) {                          /* recursion on the left, iteration on the right */
		free_subtree(rc, n->left);
		node_t *right = n->right;
		rc->allocator.free(rc->allocator.ctx, n);
		n = right;
	}
}

void range_count_destroy(struct range_count *rc)
{
	free_subtree(rc, rc->root);
	rc->root = NULL;
	rc->nodes = 0;
}

int range_count_add(struct range_count *rc, uint64_t offset, uint64_t size)
{
	if (!range_valid(offset, size))
		return -EINVAL;
	uint64_t a = offset, b = offset + size;

	size_t need = split_cost(rc, a) + split_cost(rc, b);
	struct piece p;
	for (uint64_t cur = a; cur < b; cur = p.end) {
		piece_at(rc->root, cur, b, &p);
		if (p.count == 0)
			need++;
		else if (p.count == UINT64_MAX)
			return -EOVERFLOW;
	}
	node_t *pool;
	int err = pool_fill(rc, need, &pool);
	if (err)
		return err;

	split_at(rc, &pool, a);
	split_at(rc, &pool, b);
	for (uint64_t cur = a; cur < b;) {
		node_t *n = find_ge(rc->root, cur);
		if (!n || n->start >= b) {
			insert_new(rc, &pool, cur, b, 1);
			break;
		}
		if (n->start > cur) {
			insert_new(rc, &pool, cur, n->start, 1);
			cur = n->start;
			continue;
		}
		n->count++;                      /* after the splits N lies inside [a, b) */
		cur = n->end;
	}
	pool_free(rc, pool);                 /* empty: the plan is exact */
	normalize(rc, a, b);
	return 0;
}

int range_count_remove(struct range_count *rc, uint64_t offset, uint64_t size)
{
	if (!range_valid(offset, size))
		return -EINVAL;
	uint64_t a = offset, b = offset + size;

	struct piece p;
	for (uint64_t cur = a; cur < b; cur = p.end) {
		piece_at(rc->root, cur, b, &p);
		if (p.count == 0)
			return -ENOENT;
	}
	node_t *pool;
	int err = pool_fill(rc, split_cost(rc, a) + split_cost(rc, b), &pool);
	if (err)
		return err;

	split_at(rc, &pool, a);
	split_at(rc, &pool, b);
	for (uint64_t cur = a; cur < b;) {
		node_t *n = find_ge(rc->root, cur);  /* starts at CUR: [a, b) is covered */
		cur = n->end;
		if (--n->count == 0)
			delete_node(rc, n);
	}
	pool_free(rc, pool);
	normalize(rc, a, b);
	return 0;
}

uint64_t range_count_at(const struct range_count *rc, uint64_t offset)
{
	node_t *n = find_containing(rc->root, offset);
	return n ? n->count : 0;
}

int range_count_query(const struct range_count *rc, uint64_t offset, uint64_t size,
		      range_count_visit_fn visit, void *ctx)
{
	if (!range_valid(offset, size))
		return -EINVAL;
	uint64_t b = offset + size;
	struct piece p;
	for (uint64_t cur = offset; cur < b; cur = p.end) {
		piece_at(rc->root, cur, b, &p);
		int ret = visit(ctx, p.start, p.end, p.count);
		if (ret)
			return ret;
	}
	return 0;
}

static int visit_subtree(const node_t *n, range_count_visit_fn visit, void *ctx)
{
	for (; n; n = n->right) {
		int ret = visit_subtree(n->left, visit, ctx);
		if (!ret)
			ret = visit(ctx, n->start, n->end, n->count);
		if (ret)
			return ret;
	}
	return 0;
}

int range_count_for_each(const struct range_count *rc, range_count_visit_fn visit, void *ctx)
{
	return visit_subtree(rc->root, visit, ctx);
}

size_t range_count_intervals(const struct range_count *rc)
{
	return rc->nodes;
}

/* ---- checker ----------------------------------------------------------------------------- */

struct check_state {
	const node_t *prev;                  /* the previous node in order */
	size_t nodes;
	const char *why;
};

/* Checks the subtree N, all of whose starts must lie in [LO, HI]; returns its height or -1. */
static int check_subtree(const node_t *n, uint64_t lo, uint64_t hi, struct check_state *st)
{
	if (!n)
		return 0;
	if (n->start < lo || n->start > hi) {
		st->why = "search order";
		return -1;
	}
	int l = check_subtree(n->left, lo, n->start, st);
	if (l < 0)
		return -1;
	if (n->start >= n->end) {
		st->why = "empty interval";
		return -1;
	}
	if (n->count == 0) {
		st->why = "stored count 0";
		return -1;
	}
	if (st->prev && st->prev->end > n->start) {
		st->why = "overlapping intervals";
		return -1;
	}
	if (st->prev && st->prev->end == n->start && st->prev->count == n->count) {
		st->why = "touching intervals with equal counts (not merged)";
		return -1;
	}
	st->prev = n;
	st->nodes++;
	int r = check_subtree(n->right, n->start, hi, st);
	if (r < 0)
		return -1;
	if (n->height != (l > r ? l : r) + 1) {
		st->why = "wrong height";
		return -1;
	}
	if (l - r > 1 || r - l > 1) {
		st->why = "unbalanced";
		return -1;
	}
	return n->height;
}

int range_count_check(const struct range_count *rc, const char **why)
{
	struct check_state st = { NULL, 0, NULL };
	if (check_subtree(rc->root, 0, UINT64_MAX, &st) >= 0 && st.nodes != rc->nodes)
		st.why = "wrong interval count";
	if (why)
		*why = st.why;
	return st.why ? -EINVAL : 0;
}
