/* Host tests of the range counts of scheme daemons (scheme/range_count.c): exact interval lists
 * after add/remove sequences (overlapping, nested, adjacent, identical, gapped ranges), invalid
 * ranges (size 0, wrapping past 2^64 - 1) and remove below zero rejected with nothing changed,
 * queries, an allocation failure injected at every allocation of many operations leaving the map
 * unchanged, balance under sorted inserts, and seeded random operations against an array model. */
#include <stdlib.h>
#include <string.h>

#include "htest.h"
#include "kernel/errno.h"
#include "scheme/range_count.h"

#define PG 4096ull

/* ---- the test allocator: malloc with live count and failure injection ---------------------- */

struct talloc {
	long live;                           /* nodes allocated and not freed */
	long calls;                          /* allocation calls so far */
	long fail_at;                        /* the call number (1-based) that fails; 0: none */
};

static void *t_alloc(void *ctx, size_t size)
{
	struct talloc *ta = ctx;
	if (++ta->calls == ta->fail_at)
		return NULL;
	void *p = malloc(size);
	if (p)
		ta->live++;
	return p;
}

static void t_free(void *ctx, void *p)
{
	struct talloc *ta = ctx;
	if (p)
		ta->live--;
	free(p);
}

static struct talloc ta;

static void rc_init(struct range_count *rc)
{
	memset(&ta, 0, sizeof(ta));
	struct range_count_allocator a = { t_alloc, t_free, &ta };
	range_count_init(rc, &a);
}

/* ---- interval lists ------------------------------------------------------------------------ */

struct iv {
	uint64_t start, end, count;
};

#define MAX_IVS 20000

struct ivs {
	size_t n;
	struct iv v[MAX_IVS];
};

static int collect(void *ctx, uint64_t start, uint64_t end, uint64_t count)
{
	struct ivs *l = ctx;
	if (l->n == MAX_IVS)
		return -ERANGE;
	l->v[l->n++] = (struct iv){ start, end, count };
	return 0;
}

static struct ivs snap_a, snap_b;

static void snapshot(const struct range_count *rc, struct ivs *l)
{
	l->n = 0;
	EXPECT_EQ(range_count_for_each(rc, collect, l), 0);
}

static bool ivs_equal(const struct ivs *a, const struct iv *b, size_t n)
{
	if (a->n != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (a->v[i].start != b[i].start || a->v[i].end != b[i].end || a->v[i].count != b[i].count)
			return false;
	return true;
}

static void log_ivs(const char *what, const struct iv *v, size_t n)
{
	htest_log("%s: %zu intervals", what, n);
	for (size_t i = 0; i < n && i < 16; i++)
		htest_log("  [%#llx, %#llx) %llu", (unsigned long long)v[i].start,
			  (unsigned long long)v[i].end, (unsigned long long)v[i].count);
}

/* Returns whether RC is valid and holds exactly the intervals EXP[0..N); logs both if not. */
static bool rc_matches(const struct range_count *rc, const struct iv *exp, size_t n)
{
	const char *why = NULL;
	if (range_count_check(rc, &why)) {
		htest_log("range_count_check: %s", why);
		return false;
	}
	snapshot(rc, &snap_a);
	if (ivs_equal(&snap_a, exp, n) && range_count_intervals(rc) == n)
		return true;
	log_ivs("map", snap_a.v, snap_a.n);
	log_ivs("expected", exp, n);
	return false;
}

#define EXPECT_IVS(rc, ...) do { \
	static const struct iv exp_[] = { __VA_ARGS__ }; \
	EXPECT_TRUE(rc_matches(rc, exp_, sizeof(exp_) / sizeof(exp_[0]))); \
	} while (0)
#define EXPECT_EMPTY(rc) EXPECT_TRUE(rc_matches(rc, NULL, 0))

/* ---- fixed sequences ----------------------------------------------------------------------- */

HTEST(range_count_empty_map_counts_zero_everywhere)
{
	struct range_count rc;
	rc_init(&rc);
	EXPECT_EMPTY(&rc);
	EXPECT_EQ(range_count_at(&rc, 0), 0);
	EXPECT_EQ(range_count_at(&rc, UINT64_MAX), 0);
	struct ivs *q = &snap_b;
	q->n = 0;
	EXPECT_EQ(range_count_query(&rc, 0, UINT64_MAX, collect, q), 0);
	EXPECT_EQ(q->n, 1);
	EXPECT_EQ(q->v[0].start, 0);
	EXPECT_EQ(q->v[0].end, UINT64_MAX);
	EXPECT_EQ(q->v[0].count, 0);
	range_count_destroy(&rc);
	EXPECT_EQ(ta.live, 0);
}

HTEST(range_count_adjacent_ranges_with_equal_counts_merge)
{
	struct range_count rc;
	rc_init(&rc);
	EXPECT_EQ(range_count_add(&rc, 0, 10 * PG), 0);
	EXPECT_EQ(range_count_add(&rc, 10 * PG, 10 * PG), 0);
	EXPECT_IVS(&rc, { 0, 20 * PG, 1 });
	EXPECT_EQ(range_count_add(&rc, 30 * PG, 5 * PG), 0);      /* a gap: separate */
	EXPECT_IVS(&rc, { 0, 20 * PG, 1 }, { 30 * PG, 35 * PG, 1 });
	EXPECT_EQ(range_count_add(&rc, 20 * PG, 10 * PG), 0);     /* fills the gap: one interval */
	EXPECT_IVS(&rc, { 0, 35 * PG, 1 });
	EXPECT_EQ(range_count_remove(&rc, 10 * PG, 5 * PG), 0);   /* a hole in the middle */
	EXPECT_IVS(&rc, { 0, 10 * PG, 1 }, { 15 * PG, 35 * PG, 1 });
	EXPECT_EQ(range_count_at(&rc, 10 * PG - 1), 1);
	EXPECT_EQ(range_count_at(&rc, 10 * PG), 0);
	EXPECT_EQ(range_count_at(&rc, 15 * PG - 1), 0);
	EXPECT_EQ(range_count_at(&rc, 15 * PG), 1);
	range_count_destroy(&rc);
	EXPECT_EQ(ta.live, 0);
}

HTEST(range_count_overlapping_and_nested_ranges_split_and_merge_back)
{
	struct range_count rc;
	rc_init(&rc);
	EXPECT_EQ(range_count_add(&rc, 0, 10 * PG), 0);
	EXPECT_EQ(range_count_add(&rc, 5 * PG, 10 * PG), 0);
	EXPECT_IVS(&rc, { 0, 5 * PG, 1 }, { 5 * PG, 10 * PG, 2 }, { 10 * PG, 15 * PG, 1 });
	EXPECT_EQ(range_count_add(&rc, 7 * PG, 1 * PG), 0);       /* nested in the count-2 part */
	EXPECT_IVS(&rc, { 0, 5 * PG, 1 }, { 5 * PG, 7 * PG, 2 }, { 7 * PG, 8 * PG, 3 },
		   { 8 * PG, 10 * PG, 2 }, { 10 * PG, 15 * PG, 1 });
	EXPECT_EQ(range_count_add(&rc, 0, 20 * PG), 0);           /* covers all and a gap */
	EXPECT_IVS(&rc, { 0, 5 * PG, 2 }, { 5 * PG, 7 * PG, 3 }, { 7 * PG, 8 * PG, 4 },
		   { 8 * PG, 10 * PG, 3 }, { 10 * PG, 15 * PG, 2 }, { 15 * PG, 20 * PG, 1 });
	EXPECT_EQ(range_count_remove(&rc, 7 * PG, 1 * PG), 0);
	EXPECT_IVS(&rc, { 0, 5 * PG, 2 }, { 5 * PG, 10 * PG, 3 }, { 10 * PG, 15 * PG, 2 },
		   { 15 * PG, 20 * PG, 1 });
	EXPECT_EQ(range_count_remove(&rc, 5 * PG, 10 * PG), 0);
	EXPECT_IVS(&rc, { 0, 10 * PG, 2 }, { 10 * PG, 20 * PG, 1 });
	EXPECT_EQ(range_count_remove(&rc, 0, 20 * PG), 0);
	EXPECT_IVS(&rc, { 0, 10 * PG, 1 });
	EXPECT_EQ(range_count_remove(&rc, 0, 10 * PG), 0);
	EXPECT_EMPTY(&rc);
	EXPECT_EQ(ta.live, 0);
	range_count_destroy(&rc);
}

HTEST(range_count_identical_ranges_stack_in_one_interval)
{
	struct range_count rc;
	rc_init(&rc);
	for (int i = 0; i < 5; i++)
		EXPECT_EQ(range_count_add(&rc, 3 * PG, 4 * PG), 0);
	EXPECT_IVS(&rc, { 3 * PG, 7 * PG, 5 });
	EXPECT_EQ(ta.live, 1);
	for (int i = 0; i < 4; i++)
		EXPECT_EQ(range_count_remove(&rc, 3 * PG, 4 * PG), 0);
	EXPECT_IVS(&rc, { 3 * PG, 7 * PG, 1 });
	EXPECT_EQ(range_count_remove(&rc, 3 * PG, 4 * PG), 0);
	EXPECT_EMPTY(&rc);
	EXPECT_EQ(ta.live, 0);
	EXPECT_EQ(range_count_remove(&rc, 3 * PG, 4 * PG), -ENOENT);
	range_count_destroy(&rc);
}

HTEST(range_count_removing_the_ends_of_a_stacked_range)
{
	struct range_count rc;
	rc_init(&rc);
	EXPECT_EQ(range_count_add(&rc, 0, 10), 0);
	EXPECT_EQ(range_count_add(&rc, 0, 10), 0);
	EXPECT_EQ(range_count_remove(&rc, 0, 1), 0);
	EXPECT_EQ(range_count_remove(&rc, 9, 1), 0);
	EXPECT_IVS(&rc, { 0, 1, 1 }, { 1, 9, 2 }, { 9, 10, 1 });
	EXPECT_EQ(range_count_remove(&rc, 0, 1), 0);
	EXPECT_EQ(range_count_remove(&rc, 1, 8), 0);
	EXPECT_IVS(&rc, { 1, 10, 1 });
	range_count_destroy(&rc);
	EXPECT_EQ(ta.live, 0);
}

HTEST(range_count_invalid_ranges_are_rejected_with_nothing_changed)
{
	struct range_count rc;
	rc_init(&rc);
	EXPECT_EQ(range_count_add(&rc, 0, 4 * PG), 0);
	EXPECT_EQ(range_count_add(&rc, 0, 0), -EINVAL);
	EXPECT_EQ(range_count_add(&rc, 2 * PG, 0), -EINVAL);
	EXPECT_EQ(range_count_remove(&rc, 2 * PG, 0), -EINVAL);
	EXPECT_EQ(range_count_query(&rc, 2 * PG, 0, collect, &snap_b), -EINVAL);
	/* Wrapping past 2^64 - 1: the end offset must be representable. */
	EXPECT_EQ(range_count_add(&rc, UINT64_MAX - 5, 10), -EINVAL);
	EXPECT_EQ(range_count_add(&rc, UINT64_MAX, 1), -EINVAL);
	EXPECT_EQ(range_count_add(&rc, 1, UINT64_MAX), -EINVAL);
	EXPECT_EQ(range_count_add(&rc, UINT64_MAX, UINT64_MAX), -EINVAL);
	EXPECT_EQ(range_count_remove(&rc, 2 * PG, UINT64_MAX - PG), -EINVAL);
	EXPECT_EQ(range_count_query(&rc, 1, UINT64_MAX, collect, &snap_b), -EINVAL);
	EXPECT_IVS(&rc, { 0, 4 * PG, 1 });
	EXPECT_EQ(ta.calls, 1);
	/* The highest ranges that fit. */
	EXPECT_EQ(range_count_add(&rc, UINT64_MAX - PG, PG), 0);
	EXPECT_EQ(range_count_add(&rc, 0, UINT64_MAX), 0);
	EXPECT_IVS(&rc, { 0, 4 * PG, 2 }, { 4 * PG, UINT64_MAX - PG, 1 },
		   { UINT64_MAX - PG, UINT64_MAX, 2 });
	EXPECT_EQ(range_count_at(&rc, UINT64_MAX - 1), 2);
	EXPECT_EQ(range_count_at(&rc, UINT64_MAX), 0);
	EXPECT_EQ(range_count_remove(&rc, 0, UINT64_MAX), 0);
	EXPECT_IVS(&rc, { 0, 4 * PG, 1 }, { UINT64_MAX - PG, UINT64_MAX, 1 });
	range_count_destroy(&rc);
	EXPECT_EQ(ta.live, 0);
}

HTEST(range_count_remove_below_zero_is_an_error_with_nothing_changed)
{
	struct range_count rc;
	rc_init(&rc);
	EXPECT_EQ(range_count_add(&rc, 0, 10 * PG), 0);
	EXPECT_EQ(range_count_add(&rc, 20 * PG, 10 * PG), 0);
	EXPECT_EQ(range_count_add(&rc, 2 * PG, 2 * PG), 0);
	long calls = ta.calls;
	EXPECT_EQ(range_count_remove(&rc, 5 * PG, 20 * PG), -ENOENT);   /* crosses the gap */
	EXPECT_EQ(range_count_remove(&rc, 10 * PG, PG), -ENOENT);       /* in the gap */
	EXPECT_EQ(range_count_remove(&rc, 29 * PG, 2 * PG), -ENOENT);   /* runs off the end */
	EXPECT_EQ(range_count_remove(&rc, 0, 30 * PG), -ENOENT);
	EXPECT_EQ(range_count_remove(&rc, 40 * PG, PG), -ENOENT);
	EXPECT_EQ(range_count_remove(&rc, 10 * PG - 1, 2), -ENOENT);    /* one byte past */
	EXPECT_EQ(ta.calls, calls);                                      /* nothing allocated */
	EXPECT_IVS(&rc, { 0, 2 * PG, 1 }, { 2 * PG, 4 * PG, 2 }, { 4 * PG, 10 * PG, 1 },
		   { 20 * PG, 30 * PG, 1 });
	EXPECT_EQ(range_count_remove(&rc, 0, 10 * PG), 0);
	EXPECT_IVS(&rc, { 2 * PG, 4 * PG, 1 }, { 20 * PG, 30 * PG, 1 });
	range_count_destroy(&rc);
	EXPECT_EQ(ta.live, 0);
}

static int stop_at_second(void *ctx, uint64_t start, uint64_t end, uint64_t count)
{
	(void)start; (void)end; (void)count;
	int *seen = ctx;
	return ++*seen == 2 ? 77 : 0;
}

HTEST(range_count_query_clips_to_the_range_includes_gaps_and_stops_on_request)
{
	struct range_count rc;
	rc_init(&rc);
	EXPECT_EQ(range_count_add(&rc, 10, 10), 0);
	EXPECT_EQ(range_count_add(&rc, 15, 10), 0);
	EXPECT_EQ(range_count_add(&rc, 40, 10), 0);
	struct ivs *q = &snap_b;
	q->n = 0;
	EXPECT_EQ(range_count_query(&rc, 12, 33, collect, q), 0);
	static const struct iv exp[] = { { 12, 15, 1 }, { 15, 20, 2 }, { 20, 25, 1 }, { 25, 40, 0 },
					 { 40, 45, 1 } };
	EXPECT_TRUE(ivs_equal(q, exp, 5));
	q->n = 0;
	EXPECT_EQ(range_count_query(&rc, 0, 5, collect, q), 0);
	EXPECT_EQ(q->n, 1);
	EXPECT_EQ(q->v[0].count, 0);
	EXPECT_EQ(q->v[0].end, 5);
	int seen = 0;
	EXPECT_EQ(range_count_query(&rc, 0, 100, stop_at_second, &seen), 77);
	EXPECT_EQ(seen, 2);
	seen = 0;
	EXPECT_EQ(range_count_for_each(&rc, stop_at_second, &seen), 77);
	EXPECT_EQ(seen, 2);
	range_count_destroy(&rc);
	EXPECT_EQ(ta.live, 0);
}

HTEST(range_count_stays_balanced_under_sorted_inserts_and_removals)
{
	struct range_count rc;
	rc_init(&rc);
	const unsigned n = 10000;
	for (unsigned i = 0; i < n; i++)
		ASSERT_EQ(range_count_add(&rc, (uint64_t)i * 2 * PG, PG), 0);
	EXPECT_EQ(range_count_intervals(&rc), n);
	EXPECT_EQ(range_count_check(&rc, NULL), 0);
	for (unsigned i = 0; i < n; i += 2)
		ASSERT_EQ(range_count_remove(&rc, (uint64_t)i * 2 * PG, PG), 0);
	EXPECT_EQ(range_count_intervals(&rc), n / 2);
	EXPECT_EQ(range_count_check(&rc, NULL), 0);
	/* One add over everything fills every gap; counts 1 and 2 then alternate, nothing merges. */
	ASSERT_EQ(range_count_add(&rc, 0, (uint64_t)2 * n * PG), 0);
	EXPECT_EQ(range_count_check(&rc, NULL), 0);
	EXPECT_EQ(range_count_at(&rc, 0), 1);
	EXPECT_EQ(range_count_at(&rc, 2 * PG), 2);
	EXPECT_EQ(range_count_at(&rc, 3 * PG), 1);
	/* Removing the count-2 parts leaves one interval. */
	for (unsigned i = 1; i < n; i += 2)
		ASSERT_EQ(range_count_remove(&rc, (uint64_t)i * 2 * PG, PG), 0);
	EXPECT_IVS(&rc, { 0, (uint64_t)2 * n * PG, 1 });
	range_count_destroy(&rc);
	EXPECT_EQ(ta.live, 0);
}

/* ---- allocation failure at every allocation ------------------------------------------------ */

struct op {
	bool add;
	uint64_t offset, size;
};

/* Runs OP on RC with the Nth allocation failing for N = 1, 2, ... until it succeeds; checks that
 * every failure left RC unchanged and leaked nothing. Returns how many failures were injected. */
static long op_under_oom(struct range_count *rc, const struct op *op)
{
	long injected = 0;
	snapshot(rc, &snap_b);
	for (long n = 1;; n++) {
		long live = ta.live;
		ta.calls = 0;
		ta.fail_at = n;
		int ret = op->add ? range_count_add(rc, op->offset, op->size)
				  : range_count_remove(rc, op->offset, op->size);
		ta.fail_at = 0;
		if (ret != -ENOMEM) {
			EXPECT_EQ(ret, 0);
			EXPECT_LT(ta.calls, n);          /* it needed fewer than N allocations */
			return injected;
		}
		injected++;
		EXPECT_EQ(ta.live, live);
		EXPECT_TRUE(rc_matches(rc, snap_b.v, snap_b.n));
		if (n > 100) {
			htest_fail(__FILE__, __LINE__, "operation keeps failing");
			return injected;
		}
	}
}

HTEST(range_count_allocation_failure_at_every_allocation_changes_nothing)
{
	static const struct op ops[] = {
		{ true, 10 * PG, 10 * PG }, { true, 15 * PG, 10 * PG }, { true, 40 * PG, 5 * PG },
		{ true, 50 * PG, 5 * PG }, { true, 60 * PG, 5 * PG },
		{ true, 0, 100 * PG },                /* splits nothing, fills 5 gaps */
		{ true, 12 * PG, 50 * PG },           /* splits at both ends */
		{ true, 17 * PG, 1 * PG },            /* splits one interval in three */
		{ false, 17 * PG, 1 * PG }, { false, 13 * PG, 3 * PG }, { false, 0, 100 * PG },
		{ false, 42 * PG, 1 * PG },           /* hole in a count-2 interval */
		{ false, 12 * PG, 50 * PG }, { true, 42 * PG, 1 * PG },
	};
	struct range_count rc, ref;
	rc_init(&rc);
	struct talloc ref_ta = { 0, 0, 0 };
	struct range_count_allocator ref_alloc = { t_alloc, t_free, &ref_ta };
	range_count_init(&ref, &ref_alloc);
	long injected = 0;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		const struct op *op = &ops[i];
		ASSERT_EQ(op->add ? range_count_add(&ref, op->offset, op->size)
				  : range_count_remove(&ref, op->offset, op->size), 0);
		injected += op_under_oom(&rc, op);
		snapshot(&ref, &snap_b);
		EXPECT_TRUE(rc_matches(&rc, snap_b.v, snap_b.n));
	}
	htest_log("%ld allocation failures injected", injected);
	EXPECT_GE(injected, 20);
	range_count_destroy(&rc);
	range_count_destroy(&ref);
	EXPECT_EQ(ta.live, 0);
	EXPECT_EQ(ref_ta.live, 0);
}

/* ---- random operations against an array model ----------------------------------------------- */

#define UNITS 300

static uint64_t rng_state;

static uint64_t rng(void)
{
	uint64_t x = rng_state;                  /* xorshift64 */
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static unsigned rng_below(unsigned n)
{
	return (unsigned)(rng() % n);
}

/* The model: counts[u] is the count of unit u = [base + u * scale, base + (u + 1) * scale). */
struct model {
	uint64_t base, scale;
	uint64_t counts[UNITS];
};

static size_t model_intervals(const struct model *m, unsigned lo, unsigned hi, bool gaps,
			      struct iv *out)
{
	size_t n = 0;
	for (unsigned u = lo; u < hi;) {
		unsigned v = u + 1;
		while (v < hi && m->counts[v] == m->counts[u])
			v++;
		if (gaps || m->counts[u])
			out[n++] = (struct iv){ m->base + u * m->scale, m->base + v * m->scale,
						m->counts[u] };
		u = v;
	}
	return n;
}

static struct iv model_ivs[UNITS];

static void random_run(uint64_t seed, uint64_t base, uint64_t scale, unsigned steps)
{
	static struct model m;
	memset(&m, 0, sizeof(m));
	m.base = base;
	m.scale = scale;
	rng_state = seed;
	htest_log("seed %#llx base %#llx scale %llu", (unsigned long long)seed,
		  (unsigned long long)base, (unsigned long long)scale);
	struct range_count rc;
	rc_init(&rc);
	unsigned adds = 0, removes = 0, rejected = 0, oom = 0;
	for (unsigned step = 0; step < steps; step++) {
		unsigned lo = rng_below(UNITS);
		unsigned len = 1 + (rng_below(4) == 0 ? rng_below(UNITS - lo) : rng_below(8));
		if (lo + len > UNITS)
			len = UNITS - lo;
		bool add = rng_below(100) < 55;
		if (!add && rng_below(2)) {
			/* Mostly valid removals: inside the interval of a counted unit. */
			unsigned u = rng_below(UNITS);
			if (m.counts[u]) {
				unsigned a = u, b = u + 1;
				while (a > 0 && m.counts[a - 1] && rng_below(4))
					a--;
				while (b < UNITS && m.counts[b] && rng_below(4))
					b++;
				lo = a;
				len = b - a;
			}
		}
		bool valid = true;
		for (unsigned u = lo; u < lo + len; u++)
			if (!add && m.counts[u] == 0)
				valid = false;
		long live = ta.live;
		if (rng_below(10) == 0)
			ta.fail_at = ta.calls + 1 + rng_below(3);
		int ret = add ? range_count_add(&rc, base + lo * scale, len * scale)
			      : range_count_remove(&rc, base + lo * scale, len * scale);
		ta.fail_at = 0;
		if (ret == -ENOMEM) {
			oom++;
			EXPECT_EQ(ta.live, live);
		} else if (!valid) {
			EXPECT_EQ(ret, -ENOENT);
			rejected++;
		} else {
			EXPECT_EQ(ret, 0);
			for (unsigned u = lo; u < lo + len; u++)
				m.counts[u] += add ? 1 : (uint64_t)-1;
			add ? adds++ : removes++;
		}
		size_t n = model_intervals(&m, 0, UNITS, false, model_ivs);
		if (!rc_matches(&rc, model_ivs, n)) {
			htest_fail(__FILE__, __LINE__, "step %u: %s [%u, %u) returned %d", step,
				   add ? "add" : "remove", lo, lo + len, ret);
			break;
		}
		EXPECT_EQ(ta.live, (long)n);
		for (int i = 0; i < 3; i++) {
			unsigned u = rng_below(UNITS);
			uint64_t off = base + u * scale + rng() % scale;
			EXPECT_EQ(range_count_at(&rc, off), m.counts[u]);
		}
		if (step % 16 == 0) {
			unsigned qlo = rng_below(UNITS), qhi = qlo + 1 + rng_below(UNITS - qlo);
			size_t qn = model_intervals(&m, qlo, qhi, true, model_ivs);
			snap_b.n = 0;
			EXPECT_EQ(range_count_query(&rc, base + qlo * scale, (qhi - qlo) * scale, collect,
						    &snap_b), 0);
			EXPECT_TRUE(ivs_equal(&snap_b, model_ivs, qn));
		}
	}
	htest_log("%u adds, %u removes, %u rejected removes, %u injected failures, %zu intervals",
		  adds, removes, rejected, oom, range_count_intervals(&rc));
	EXPECT_GT(adds, steps / 4);
	EXPECT_GT(removes, steps / 8);
	EXPECT_GT(rejected, 0);
	EXPECT_GT(oom, 0);
	range_count_destroy(&rc);
	EXPECT_EQ(ta.live, 0);
}

HTEST(range_count_random_operations_match_the_array_model_bytes)
{
	random_run(0x9e3779b97f4a7c15ull, 0, 1, 6000);
}

HTEST(range_count_random_operations_match_the_array_model_pages_at_the_top)
{
	random_run(0x0123456789abcdefull, UINT64_MAX - (UNITS + 1) * PG, PG, 6000);
}

HTEST(range_count_random_operations_match_the_array_model_pages_at_40_bits)
{
	random_run(20261125, 1ull << 40, PG, 6000);
}
