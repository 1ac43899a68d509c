/* Host tests of the testfs daemon's file table (tests/user/lib/testfs_table.c): open/create/
 * exclusive/missing, names, read/write growth and the window limit, the pages mapped in the
 * daemon for each size, mmap_prep answers and exact range-count intervals after each prep and
 * munmap, munmap notices the daemon never prepared (counted, reported, counts unchanged), the
 * deletion rule (last close and no mapped range, in either order), the stats snapshot and its
 * log, reset, exit, and allocation failures leaving everything unchanged. The windows are real
 * host memory reserved PROT_NONE, so a byte touched past a file's mapped pages would crash. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "htest.h"
#include "kernel/errno.h"
#include "scheme/scheme_abi.h"
#include "tests/user/testfs_table.h"

#define PG TESTFS_PAGE
#define WIN ((uint64_t)TESTFS_WINDOW_PAGES * PG)

/* ---- the host backing: reserved windows, calls recorded ----------------------------------- */

struct host_backing {
	uint8_t *area;                       /* TESTFS_MAX_FILES windows, PROT_NONE until mapped */
	uint64_t mapped[TESTFS_MAX_FILES];   /* pages mapped at the start of each window */
	unsigned maps, unmaps, reports;
	long live, calls, fail_at;           /* allocator: live blocks, calls, call that fails */
	struct testfs_log_entry last_report;
};

static struct host_backing hb;
static struct testfs fs;

static uintptr_t hb_base(void *ctx, unsigned slot)
{
	struct host_backing *b = ctx;
	return (uintptr_t)(b->area + (uint64_t)slot * WIN);
}

static int hb_map(void *ctx, unsigned slot, uint64_t first, uint64_t count)
{
	struct host_backing *b = ctx;
	EXPECT_EQ(first, b->mapped[slot]);   /* the table grows each window from its end */
	uint8_t *p = b->area + slot * WIN + first * PG;
	if (mprotect(p, count * PG, PROT_READ | PROT_WRITE) != 0)
		return -ENOMEM;
	memset(p, 0, count * PG);            /* fresh zeroed memory, like an anonymous mmap */
	b->mapped[slot] = first + count;
	b->maps++;
	return 0;
}

static void hb_unmap(void *ctx, unsigned slot, uint64_t first, uint64_t count)
{
	struct host_backing *b = ctx;
	EXPECT_EQ(first + count, b->mapped[slot]);
	uint8_t *p = b->area + slot * WIN + first * PG;
	memset(p, 0xdd, count * PG);         /* junk, so a later read of it would show */
	EXPECT_EQ(mprotect(p, count * PG, PROT_NONE), 0);
	b->mapped[slot] = first;
	b->unmaps++;
}

static size_t hb_heap(void *ctx)
{
	return (size_t)((struct host_backing *)ctx)->live;
}

static void hb_report(void *ctx, const char *what, const struct testfs_log_entry *e)
{
	struct host_backing *b = ctx;
	(void)what;
	b->reports++;
	b->last_report = *e;
}

static void *hb_alloc(void *ctx, size_t size)
{
	struct host_backing *b = ctx;
	if (++b->calls == b->fail_at)
		return NULL;
	void *p = malloc(size);
	if (p)
		b->live++;
	return p;
}

static void hb_free(void *ctx, void *p)
{
	struct host_backing *b = ctx;
	if (p)
		b->live--;
	free(p);
}

/* Starts every test from an empty table and fresh windows. */
static void setup(void)
{
	if (!hb.area) {
		hb.area = mmap(NULL, TESTFS_MAX_FILES * WIN, PROT_NONE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (hb.area == MAP_FAILED)
			abort();
	} else {
		testfs_destroy(&fs);
	}
	EXPECT_EQ(hb.live, 0);
	mprotect(hb.area, TESTFS_MAX_FILES * WIN, PROT_NONE);
	uint8_t *area = hb.area;
	memset(&hb, 0, sizeof(hb));
	hb.area = area;
	struct testfs_backing b = { hb_base, hb_map, hb_unmap, hb_heap, hb_report, &hb };
	struct range_count_allocator a = { hb_alloc, hb_free, &hb };
	testfs_init(&fs, &b, &a);
}

static int64_t op(const char *name, unsigned flags)
{
	return testfs_open(&fs, name, strlen(name), flags);
}

/* Checks that file NAME's range counts are exactly the N intervals {start, end, count} of IV. */
static void expect_ranges(const char *name, size_t n, const struct testfs_interval *iv, int line)
{
	struct testfs_stats *s = malloc(sizeof(*s));
	testfs_snapshot(&fs, s);
	const struct testfs_file_stat *f = NULL;
	for (unsigned i = 0; i < s->files; i++)
		if (strcmp(s->file[i].name, name) == 0)
			f = &s->file[i];
	if (!f) {
		htest_fail(__FILE__, line, "no file %s", name);
	} else {
		if (f->nintervals != n)
			htest_fail(__FILE__, line, "%s: %u intervals, expected %zu", name, f->nintervals, n);
		for (size_t i = 0; i < n && i < f->nintervals; i++)
			if (f->iv[i].start != iv[i].start || f->iv[i].end != iv[i].end ||
			    f->iv[i].count != iv[i].count)
				htest_fail(__FILE__, line, "%s: interval %zu is [%#llx,%#llx)x%llu", name, i,
					   (unsigned long long)f->iv[i].start,
					   (unsigned long long)f->iv[i].end,
					   (unsigned long long)f->iv[i].count);
	}
	free(s);
}
#define EXPECT_RANGES(name, ...) do { \
	const struct testfs_interval iv_[] = { __VA_ARGS__ }; \
	expect_ranges(name, sizeof(iv_) / sizeof(iv_[0]), iv_, __LINE__); } while (0)
#define EXPECT_NO_RANGES(name) expect_ranges(name, 0, NULL, __LINE__)

HTEST(testfs_open_create_exclusive_missing)
{
	setup();
	EXPECT_EQ(op("a", O_RDWR), -ENOENT);
	int64_t a = op("a", O_RDWR | O_CREAT);
	EXPECT_EQ(a, 1);
	EXPECT_EQ(op("a", O_RDWR | O_CREAT | O_EXCL), -EEXIST);
	int64_t a2 = op("a", O_RDONLY);
	EXPECT_EQ(a2, 2);                                 /* ids are never reused */
	EXPECT_EQ(op("b", O_RDWR | O_CREAT | O_EXCL), 3);
	EXPECT_EQ(testfs_file_count(&fs), 2);
	EXPECT_EQ(op("", O_RDWR | O_CREAT), -ENOENT);
	EXPECT_EQ(op(".hidden", O_RDWR | O_CREAT), -ENOENT);   /* '.' names are control paths */
	EXPECT_EQ(op("a/b", O_RDWR | O_CREAT), -EINVAL);
	EXPECT_EQ(op("0123456789012345678901234567890", O_RDWR | O_CREAT), 4);   /* 31 bytes */
	EXPECT_EQ(op("01234567890123456789012345678901", O_RDWR | O_CREAT), -EINVAL);
	EXPECT_EQ(testfs_fsize(&fs, 99), -EBADF);
	EXPECT_EQ(testfs_file_count(&fs), 3);
}

HTEST(testfs_read_write_grow_and_window_limit)
{
	setup();
	int64_t a = op("f", O_RDWR | O_CREAT);
	char buf[64], out[64];
	for (int i = 0; i < 64; i++)
		buf[i] = (char)(i + 1);
	EXPECT_EQ(testfs_read(&fs, a, 0, out, 64), 0);            /* empty */
	EXPECT_EQ(testfs_write(&fs, a, 10, buf, 20), 20);
	EXPECT_EQ(testfs_fsize(&fs, a), 30);
	EXPECT_EQ(hb.mapped[0], 1);
	memset(out, 0x77, sizeof(out));
	EXPECT_EQ(testfs_read(&fs, a, 0, out, 64), 30);           /* short read at the end */
	EXPECT_EQ(out[0], 0);                                     /* the hole before offset 10 */
	EXPECT_EQ(out[10], 1);
	EXPECT_EQ(out[29], 20);
	EXPECT_EQ(out[30], 0x77);
	EXPECT_EQ(testfs_read(&fs, a, 30, out, 64), 0);           /* at the end */
	EXPECT_EQ(testfs_read(&fs, a, 5000, out, 64), 0);         /* past it */
	EXPECT_EQ(testfs_write(&fs, a, 3 * PG + 1, buf, 1), 1);   /* sparse growth */
	EXPECT_EQ(testfs_fsize(&fs, a), 3 * PG + 2);
	EXPECT_EQ(hb.mapped[0], 4);
	EXPECT_EQ(hb.maps, 2);
	EXPECT_EQ(testfs_read(&fs, a, 2 * PG, out, 8), 8);
	EXPECT_EQ(out[0], 0);
	EXPECT_EQ(testfs_write(&fs, a, WIN, buf, 1), -EFBIG);
	EXPECT_EQ(testfs_write(&fs, a, WIN - 5, buf, 20), 5);     /* what fits */
	EXPECT_EQ(testfs_fsize(&fs, a), WIN);
	EXPECT_EQ(hb.mapped[0], TESTFS_WINDOW_PAGES);
	/* access modes */
	int64_t r = op("f", O_RDONLY), w = op("f", O_WRONLY);
	EXPECT_EQ(testfs_write(&fs, r, 0, buf, 1), -EBADF);
	EXPECT_EQ(testfs_read(&fs, w, 0, out, 1), -EBADF);
	EXPECT_EQ(testfs_read(&fs, r, 10, out, 1), 1);
	EXPECT_EQ(out[0], 1);
	/* O_TRUNC empties it and gives its pages back */
	int64_t t = op("f", O_RDWR | O_TRUNC);
	EXPECT_EQ(testfs_fsize(&fs, t), 0);
	EXPECT_EQ(hb.mapped[0], 0);
	EXPECT_EQ(testfs_write(&fs, t, 0, buf, 1), 1);
	EXPECT_EQ(testfs_read(&fs, t, 0, out, 4), 1);
}

HTEST(testfs_gap_after_end_reads_zero)
{
	setup();
	int64_t a = op("g", O_RDWR | O_CREAT);
	char x = 'x', out[8];
	EXPECT_EQ(testfs_write(&fs, a, 0, &x, 1), 1);
	/* a client wrote past the end inside the last page through a shared mapping */
	((uint8_t *)hb_base(&hb, 0))[100] = 0x55;
	EXPECT_EQ(testfs_write(&fs, a, 200, &x, 1), 1);
	EXPECT_EQ(testfs_read(&fs, a, 100, out, 1), 1);
	EXPECT_EQ(out[0], 0);
}

HTEST(testfs_prep_munmap_range_counts_exact)
{
	setup();
	int64_t a = op("m", O_RDWR | O_CREAT);
	char buf[PG] = { 0 };
	for (int p = 0; p < 3; p++)
		EXPECT_EQ(testfs_write(&fs, a, p * PG, buf, PG), PG);
	uintptr_t addr = 0;
	EXPECT_EQ(testfs_mmap_prep(&fs, a, 0, 3 * PG, 0x1, &addr), 0);
	EXPECT_EQ(addr, hb_base(&hb, 0));
	EXPECT_RANGES("m", { 0, 3 * PG, 1 });
	EXPECT_EQ(testfs_mmap_prep(&fs, a, PG, 4 * PG, 0x2, &addr), 0);   /* past the end: fine */
	EXPECT_EQ(addr, hb_base(&hb, 0) + PG);
	EXPECT_EQ(hb.mapped[0], 3);                                 /* pages past the end stay unmapped */
	EXPECT_RANGES("m", { 0, PG, 1 }, { PG, 3 * PG, 2 }, { 3 * PG, 5 * PG, 1 });
	EXPECT_EQ(testfs_munmap(&fs, a, 2 * PG, PG, 0), 0);
	EXPECT_RANGES("m", { 0, PG, 1 }, { PG, 2 * PG, 2 }, { 2 * PG, 5 * PG, 1 });
	EXPECT_EQ(testfs_munmap(&fs, a, 0, 2 * PG, 0), 0);
	EXPECT_RANGES("m", { PG, 5 * PG, 1 });
	/* bad preps */
	EXPECT_EQ(testfs_mmap_prep(&fs, a, 1, PG, 0, &addr), -EINVAL);
	EXPECT_EQ(testfs_mmap_prep(&fs, a, 0, 0, 0, &addr), -EINVAL);
	EXPECT_EQ(testfs_mmap_prep(&fs, a, WIN - PG, 2 * PG, 0, &addr), -EINVAL);
	EXPECT_EQ(testfs_mmap_prep(&fs, a, WIN, PG, 0, &addr), -EINVAL);
	EXPECT_EQ(testfs_mmap_prep(&fs, a, PG, UINT64_MAX - 10, 0, &addr), -EINVAL);
	EXPECT_EQ(testfs_mmap_prep(&fs, 77, 0, PG, 0, &addr), -EBADF);
	EXPECT_EQ(testfs_mmap_prep(&fs, a, WIN - PG, PG, 0, &addr), 0);   /* the last page */
	EXPECT_RANGES("m", { PG, 5 * PG, 1 }, { WIN - PG, WIN, 1 });
	EXPECT_EQ(hb.reports, 0);
	/* never prepared: reported, counted, nothing changes */
	EXPECT_EQ(testfs_munmap(&fs, a, 0, PG, 0), -ENOENT);
	EXPECT_EQ(hb.reports, 1);
	EXPECT_EQ(hb.last_report.offset, 0);
	EXPECT_EQ(strcmp(hb.last_report.name, "m"), 0);
	EXPECT_EQ(testfs_munmap(&fs, a, PG, 5 * PG, 0), -ENOENT);   /* half prepared */
	EXPECT_EQ(testfs_munmap(&fs, 1234, 0, PG, 0), -ENOENT);     /* unknown id */
	EXPECT_EQ(hb.last_report.name[0], 0);
	EXPECT_EQ(testfs_munmap(&fs, a, PG, 0, 0), -ENOENT);        /* size 0 */
	EXPECT_EQ(hb.reports, 4);
	EXPECT_RANGES("m", { PG, 5 * PG, 1 }, { WIN - PG, WIN, 1 });
	struct testfs_stats *s = malloc(sizeof(*s));
	testfs_snapshot(&fs, s);
	EXPECT_EQ(s->unknown_munmaps, 4);
	EXPECT_EQ(s->errors, 0);
	EXPECT_EQ(s->preps, 9);
	EXPECT_EQ(s->munmaps, 6);
	EXPECT_EQ(s->log_len, 15);
	/* the log, in order: op, offset, size, flags, result */
	const struct { uint32_t op; uint64_t off, size; uint32_t flags; int64_t res; } want[] = {
		{ TESTFS_LOG_PREP, 0, 3 * PG, 1, 0 }, { TESTFS_LOG_PREP, PG, 4 * PG, 2, 0 },
		{ TESTFS_LOG_MUNMAP, 2 * PG, PG, 0, 0 }, { TESTFS_LOG_MUNMAP, 0, 2 * PG, 0, 0 },
		{ TESTFS_LOG_PREP, 1, PG, 0, -EINVAL }, { TESTFS_LOG_PREP, 0, 0, 0, -EINVAL },
		{ TESTFS_LOG_PREP, WIN - PG, 2 * PG, 0, -EINVAL }, { TESTFS_LOG_PREP, WIN, PG, 0, -EINVAL },
		{ TESTFS_LOG_PREP, PG, UINT64_MAX - 10, 0, -EINVAL }, { TESTFS_LOG_PREP, 0, PG, 0, -EBADF },
		{ TESTFS_LOG_PREP, WIN - PG, PG, 0, 0 }, { TESTFS_LOG_MUNMAP, 0, PG, 0, -ENOENT },
		{ TESTFS_LOG_MUNMAP, PG, 5 * PG, 0, -ENOENT }, { TESTFS_LOG_MUNMAP, 0, PG, 0, -ENOENT },
		{ TESTFS_LOG_MUNMAP, PG, 0, 0, -ENOENT },
	};
	for (unsigned i = 0; i < 15; i++) {
		EXPECT_EQ(s->log[i].op, want[i].op);
		EXPECT_EQ(s->log[i].offset, want[i].off);
		EXPECT_EQ(s->log[i].size, want[i].size);
		EXPECT_EQ(s->log[i].flags, want[i].flags);
		EXPECT_EQ(s->log[i].result, want[i].res);
		EXPECT_EQ(strcmp(s->log[i].name, i == 9 || i == 13 ? "" : "m"), 0);
	}
	free(s);
}

HTEST(testfs_delete_on_last_close_and_last_munmap)
{
	setup();
	char c = 'c';
	/* closed with nothing mapped: gone at once */
	int64_t a = op("d", O_RDWR | O_CREAT);
	EXPECT_EQ(testfs_write(&fs, a, 0, &c, 1), 1);
	testfs_close(&fs, a);
	EXPECT_EQ(testfs_file_count(&fs), 0);
	EXPECT_EQ(hb.mapped[0], 0);
	EXPECT_EQ(hb.unmaps, 1);
	EXPECT_EQ(op("d", O_RDWR), -ENOENT);
	EXPECT_EQ(hb.live, 0);
	/* closed while mapped: gone at the last munmap */
	a = op("d", O_RDWR | O_CREAT);
	int64_t b = op("d", O_RDWR);
	EXPECT_EQ(testfs_write(&fs, a, 0, &c, 1), 1);
	uintptr_t addr;
	EXPECT_EQ(testfs_mmap_prep(&fs, a, 0, 2 * PG, 0, &addr), 0);
	EXPECT_EQ(testfs_mmap_prep(&fs, b, PG, PG, 0, &addr), 0);
	testfs_close(&fs, a);
	testfs_close(&fs, b);
	EXPECT_EQ(testfs_file_count(&fs), 1);
	EXPECT_EQ(testfs_munmap(&fs, a, 0, 2 * PG, 0), -ENOENT);   /* A is closed: unknown id */
	EXPECT_EQ(testfs_file_count(&fs), 1);
	/* reopen, then the mappings go while it is open: it stays */
	int64_t c2 = op("d", O_RDWR);
	EXPECT_GT(c2, 0);
	EXPECT_EQ(testfs_munmap(&fs, c2, 0, 2 * PG, 0), 0);
	EXPECT_EQ(testfs_munmap(&fs, c2, PG, PG, 0), 0);
	EXPECT_EQ(testfs_file_count(&fs), 1);
	char out;
	EXPECT_EQ(testfs_read(&fs, c2, 0, &out, 1), 1);
	EXPECT_EQ(out, 'c');
	EXPECT_EQ(testfs_mmap_prep(&fs, c2, 0, PG, 0, &addr), 0);
	testfs_close(&fs, c2);
	EXPECT_EQ(testfs_file_count(&fs), 1);                     /* still mapped */
	int64_t d = op("e", O_RDWR | O_CREAT);                    /* takes slot 1 */
	EXPECT_EQ(testfs_munmap(&fs, c2, 0, PG, 0), -ENOENT);     /* the id is closed */
	/* the kernel names mappings by the id they were made through; with that id closed the
	 * file can only go away once it is reopened and the notice comes with a live id */
	EXPECT_EQ(testfs_file_count(&fs), 2);
	testfs_close(&fs, d);
	EXPECT_EQ(testfs_file_count(&fs), 1);
	EXPECT_EQ(hb.live, 1);                                    /* d's one interval */
}

HTEST(testfs_stats_reset_exit_and_control_paths)
{
	setup();
	int64_t a = op("s", O_RDWR | O_CREAT);
	char buf[100] = { 1 };
	EXPECT_EQ(testfs_write(&fs, a, 0, buf, 100), 100);
	uintptr_t addr;
	EXPECT_EQ(testfs_mmap_prep(&fs, a, 0, PG, MAP_SHARED, &addr), 0);
	int64_t st = op(".stats", O_RDONLY);
	EXPECT_GT(st, 0);
	EXPECT_EQ(testfs_fsize(&fs, st), sizeof(struct testfs_stats));
	struct testfs_stats *s = malloc(sizeof(*s));
	memset(s, 0xee, sizeof(*s));
	EXPECT_EQ(testfs_read(&fs, st, 0, s, 100), 100);
	EXPECT_EQ(testfs_read(&fs, st, 100, (char *)s + 100, sizeof(*s)), sizeof(*s) - 100);
	EXPECT_EQ(s->files, 1);
	EXPECT_EQ(s->opens, 2);
	EXPECT_EQ(s->heap_blocks, 2);                             /* one range node + the snapshot */
	EXPECT_EQ(strcmp(s->file[0].name, "s"), 0);
	EXPECT_EQ(s->file[0].size, 100);
	EXPECT_EQ(s->file[0].opens, 1);
	EXPECT_EQ(s->file[0].mapped_pages, 1);
	EXPECT_EQ(s->file[0].nintervals, 1);
	EXPECT_EQ(s->log_len, 1);
	EXPECT_EQ(s->log[0].flags, MAP_SHARED);
	EXPECT_EQ(testfs_write(&fs, st, 0, buf, 1), -EINVAL);
	uintptr_t ad;
	EXPECT_EQ(testfs_mmap_prep(&fs, st, 0, PG, 0, &ad), -ENODEV);
	testfs_close(&fs, st);
	EXPECT_EQ(hb.live, 1);
	int64_t r = op(".reset", O_RDONLY);
	EXPECT_GT(r, 0);
	testfs_close(&fs, r);
	testfs_snapshot(&fs, s);
	EXPECT_EQ(s->log_len, 0);
	EXPECT_EQ(s->preps, 0);
	EXPECT_EQ(s->file[0].nintervals, 1);                      /* counts are not log */
	EXPECT_EQ(op(".nope", O_RDONLY), -ENOENT);
	/* the log keeps TESTFS_LOG_MAX entries and counts the rest */
	for (int i = 0; i < TESTFS_LOG_MAX + 3; i++)
		EXPECT_EQ(testfs_munmap(&fs, a, PG, PG, 0), -ENOENT);
	testfs_snapshot(&fs, s);
	EXPECT_EQ(s->log_len, TESTFS_LOG_MAX);
	EXPECT_EQ(s->log_dropped, 3);
	EXPECT_EQ(s->unknown_munmaps, TESTFS_LOG_MAX + 3);
	EXPECT_EQ(fs.exit_requested, false);
	int64_t x = op(".exit", O_RDONLY);
	EXPECT_GT(x, 0);
	EXPECT_EQ(fs.exit_requested, true);
	free(s);
}

HTEST(testfs_allocation_failures_change_nothing)
{
	setup();
	int64_t a = op("o", O_RDWR | O_CREAT);
	uintptr_t addr;
	EXPECT_EQ(testfs_mmap_prep(&fs, a, 0, 4 * PG, 0, &addr), 0);
	hb.fail_at = hb.calls + 1;
	EXPECT_EQ(testfs_mmap_prep(&fs, a, PG, PG, 0, &addr), -ENOMEM);   /* needs a split */
	EXPECT_RANGES("o", { 0, 4 * PG, 1 });
	hb.fail_at = hb.calls + 1;
	EXPECT_EQ(op(".stats", O_RDONLY), -ENOMEM);
	hb.fail_at = hb.calls + 1;
	EXPECT_EQ(testfs_munmap(&fs, a, PG, PG, 0), -ENOMEM);
	EXPECT_RANGES("o", { 0, 4 * PG, 1 });
	struct testfs_stats *s = malloc(sizeof(*s));
	testfs_snapshot(&fs, s);
	EXPECT_EQ(s->errors, 2);
	EXPECT_EQ(s->opens, 1);
	EXPECT_EQ(hb.reports, 1);
	free(s);
	EXPECT_EQ(testfs_munmap(&fs, a, 0, 4 * PG, 0), 0);
	testfs_close(&fs, a);
	EXPECT_EQ(testfs_file_count(&fs), 0);
	EXPECT_EQ(hb.live, 0);
}

HTEST(testfs_too_many_files_and_opens)
{
	setup();
	char name[8];
	for (int i = 0; i < TESTFS_MAX_FILES; i++) {
		name[0] = 'f';
		name[1] = (char)('A' + i / 26);
		name[2] = (char)('a' + i % 26);
		name[3] = 0;
		EXPECT_GT(op(name, O_RDWR | O_CREAT), 0);
	}
	EXPECT_EQ(op("another", O_RDWR | O_CREAT), -ENOSPC);
	for (int i = TESTFS_MAX_FILES; i < TESTFS_MAX_OPENS; i++)
		EXPECT_GT(op("fAa", O_RDWR), 0);
	EXPECT_EQ(op("fAa", O_RDWR), -EMFILE);
	EXPECT_EQ(op(".stats", O_RDONLY), -EMFILE);
	EXPECT_EQ(hb.live, 0);                                     /* the snapshot was given back */
}

HTEST(testfs_destroy_frees_everything)
{
	setup();
	int64_t a = op("z", O_RDWR | O_CREAT);
	char c = 1;
	EXPECT_EQ(testfs_write(&fs, a, 5 * PG, &c, 1), 1);
	uintptr_t addr;
	EXPECT_EQ(testfs_mmap_prep(&fs, a, 0, 2 * PG, 0, &addr), 0);
	EXPECT_EQ(testfs_mmap_prep(&fs, a, PG, 2 * PG, 0, &addr), 0);
	EXPECT_GT(op(".stats", O_RDONLY), 0);
	EXPECT_EQ(hb.live, 4);                        /* three intervals and the snapshot */
	testfs_destroy(&fs);
	EXPECT_EQ(hb.live, 0);
	EXPECT_EQ(hb.mapped[0], 0);
	EXPECT_EQ(testfs_file_count(&fs), 0);
	EXPECT_EQ(op("z", O_RDWR), -ENOENT);
}
