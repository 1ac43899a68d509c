/* The testfs daemon's state (tests/user/testfs_table.h): files, open ids, range counts, the
 * request log and the deletion rule. Pure C: the daemon and the host test both drive it.
 *
 * A file is deleted (its pages unmapped, its slot freed) as soon as both hold: no open id names
 * it, and its range counts are zero everywhere. The kernel keeps an open file alive while a
 * grant maps it, so CLOSE normally comes last; the check also runs after each MUNMAP so the
 * order of the two does not matter. */
#include "tests/user/testfs_table.h"

#include "kernel/errno.h"
#include "scheme/scheme_abi.h"
#ifdef HOST_TEST
#include <string.h>
#else
#include "kernel/string.h"
#endif

#define WINDOW_BYTES ((uint64_t)TESTFS_WINDOW_PAGES * TESTFS_PAGE)

/* Returns the number of pages that BYTES bytes take. */
static uint64_t pages_for(uint64_t bytes)
{
	return (bytes + TESTFS_PAGE - 1) / TESTFS_PAGE;
}

void testfs_init(struct testfs *fs, const struct testfs_backing *backing,
		 const struct range_count_allocator *allocator)
{
	memset(fs, 0, sizeof(*fs));
	fs->backing = *backing;
	fs->allocator = *allocator;
	fs->next_id = 1;
}

void testfs_destroy(struct testfs *fs)
{
	for (unsigned i = 0; i < TESTFS_MAX_OPENS; i++)
		if (fs->opens[i].kind == TESTFS_OPEN_STATS)
			fs->allocator.free(fs->allocator.ctx, fs->opens[i].stats);
	memset(fs->opens, 0, sizeof(fs->opens));
	for (unsigned i = 0; i < TESTFS_MAX_FILES; i++) {
		struct testfs_file *f = &fs->files[i];
		if (!f->used)
			continue;
		if (f->mapped_pages)
			fs->backing.unmap(fs->backing.ctx, i, 0, f->mapped_pages);
		range_count_destroy(&f->ranges);
		memset(f, 0, sizeof(*f));
	}
}

/* Returns the open entry of ID, or NULL. */
static struct testfs_open *find_open(struct testfs *fs, uint64_t id)
{
	for (unsigned i = 0; i < TESTFS_MAX_OPENS; i++)
		if (fs->opens[i].kind != TESTFS_OPEN_FREE && fs->opens[i].id == id)
			return &fs->opens[i];
	return NULL;
}

/* Returns the file open entry of ID, or NULL when ID is unknown or a control id. */
static struct testfs_file *file_of(struct testfs *fs, uint64_t id, struct testfs_open **out)
{
	struct testfs_open *o = find_open(fs, id);
	if (out)
		*out = o;
	if (!o || o->kind != TESTFS_OPEN_FILE)
		return NULL;
	return &fs->files[o->file];
}

/* Returns a free open entry with a fresh id, or NULL when all are in use. */
static struct testfs_open *new_open(struct testfs *fs, enum testfs_open_kind kind, unsigned flags)
{
	for (unsigned i = 0; i < TESTFS_MAX_OPENS; i++) {
		struct testfs_open *o = &fs->opens[i];
		if (o->kind == TESTFS_OPEN_FREE) {
			memset(o, 0, sizeof(*o));
			o->kind = kind;
			o->flags = flags;
			o->id = fs->next_id++;
			return o;
		}
	}
	return NULL;
}

/* Returns whether C may appear in a file name. */
static bool name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '-';
}

/* Returns whether PATH[0..LEN) is exactly WORD. */
static bool path_is(const char *path, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(path, word, len) == 0;
}

/* Deletes file SLOT if nothing names or maps it any more. */
static void maybe_delete(struct testfs *fs, unsigned slot)
{
	struct testfs_file *f = &fs->files[slot];
	if (!f->used || f->opens || range_count_intervals(&f->ranges))
		return;
	if (f->mapped_pages)
		fs->backing.unmap(fs->backing.ctx, slot, 0, f->mapped_pages);
	range_count_destroy(&f->ranges);
	memset(f, 0, sizeof(*f));
}

/* Makes the first PAGES pages of F's window mapped. Returns 0 or -ENOMEM. */
static int ensure_mapped(struct testfs *fs, unsigned slot, uint64_t pages)
{
	struct testfs_file *f = &fs->files[slot];
	if (pages <= f->mapped_pages)
		return 0;
	int err = fs->backing.map(fs->backing.ctx, slot, f->mapped_pages, pages - f->mapped_pages);
	if (err)
		return -ENOMEM;
	f->mapped_pages = pages;
	return 0;
}

/* Returns the daemon address of slot SLOT's first byte. */
static uint8_t *file_data(struct testfs *fs, unsigned slot)
{
	return (uint8_t *)fs->backing.base(fs->backing.ctx, slot);
}

/* Clears the log and the counters that a reset clears. */
static void reset_log(struct testfs *fs)
{
	fs->log_len = fs->log_dropped = 0;
	fs->unknown_munmaps = fs->errors = 0;
	fs->preps = fs->munmaps = 0;
}

int64_t testfs_open(struct testfs *fs, const char *path, size_t len, unsigned flags)
{
	if (len > 0 && path[0] == '.') {
		enum testfs_open_kind kind = TESTFS_OPEN_CONTROL;
		if (path_is(path, len, ".stats"))
			kind = TESTFS_OPEN_STATS;
		else if (!path_is(path, len, ".reset") && !path_is(path, len, ".exit"))
			return -ENOENT;
		struct testfs_stats *snap = NULL;
		if (kind == TESTFS_OPEN_STATS) {
			snap = fs->allocator.alloc(fs->allocator.ctx, sizeof(*snap));
			if (!snap)
				return -ENOMEM;
		}
		struct testfs_open *o = new_open(fs, kind, flags);
		if (!o) {
			if (snap)
				fs->allocator.free(fs->allocator.ctx, snap);
			return -EMFILE;
		}
		if (snap) {
			o->stats = snap;
			testfs_snapshot(fs, snap);
		} else if (path_is(path, len, ".reset")) {
			reset_log(fs);
		} else {
			fs->exit_requested = true;
		}
		return (int64_t)o->id;
	}
	if (len == 0 || len >= TESTFS_NAME_MAX)
		return len == 0 ? -ENOENT : -EINVAL;
	for (size_t i = 0; i < len; i++)
		if (!name_char_ok(path[i]))
			return -EINVAL;

	int slot = -1, free_slot = -1;
	for (unsigned i = 0; i < TESTFS_MAX_FILES; i++) {
		struct testfs_file *f = &fs->files[i];
		if (f->used && strlen(f->name) == len && memcmp(f->name, path, len) == 0)
			slot = (int)i;
		else if (!f->used && free_slot < 0)
			free_slot = (int)i;
	}
	if (slot >= 0 && (flags & O_CREAT) && (flags & O_EXCL))
		return -EEXIST;
	if (slot < 0 && !(flags & O_CREAT))
		return -ENOENT;
	if (slot < 0 && free_slot < 0)
		return -ENOSPC;
	struct testfs_open *o = new_open(fs, TESTFS_OPEN_FILE, flags);
	if (!o)
		return -EMFILE;
	if (slot < 0) {
		slot = free_slot;
		struct testfs_file *f = &fs->files[slot];
		memset(f, 0, sizeof(*f));
		f->used = true;
		memcpy(f->name, path, len);
		range_count_init(&f->ranges, &fs->allocator);
	}
	struct testfs_file *f = &fs->files[slot];
	if ((flags & O_TRUNC) && (flags & O_ACCMODE) != O_RDONLY && f->mapped_pages) {
		/* Clients that map the file keep their frames; the file starts over with new ones. */
		fs->backing.unmap(fs->backing.ctx, (unsigned)slot, 0, f->mapped_pages);
		f->mapped_pages = 0;
	}
	if ((flags & O_TRUNC) && (flags & O_ACCMODE) != O_RDONLY)
		f->size = 0;
	o->file = (unsigned)slot;
	f->opens++;
	return (int64_t)o->id;
}

void testfs_close(struct testfs *fs, uint64_t id)
{
	struct testfs_open *o = find_open(fs, id);
	if (!o)
		return;
	if (o->kind == TESTFS_OPEN_STATS)
		fs->allocator.free(fs->allocator.ctx, o->stats);
	unsigned slot = o->file;
	bool is_file = o->kind == TESTFS_OPEN_FILE;
	memset(o, 0, sizeof(*o));
	if (is_file) {
		fs->files[slot].opens--;
		maybe_delete(fs, slot);
	}
}

int64_t testfs_read(struct testfs *fs, uint64_t id, uint64_t offset, void *buf, uint64_t size)
{
	struct testfs_open *o;
	struct testfs_file *f = file_of(fs, id, &o);
	const uint8_t *src;
	uint64_t avail;
	if (f) {
		if ((o->flags & O_ACCMODE) == O_WRONLY)
			return -EBADF;
		src = file_data(fs, o->file);
		avail = f->size;
	} else if (o && o->kind == TESTFS_OPEN_STATS) {
		src = (const uint8_t *)o->stats;
		avail = sizeof(*o->stats);
	} else {
		return o ? -EINVAL : -EBADF;
	}
	if (offset >= avail)
		return 0;
	uint64_t n = avail - offset < size ? avail - offset : size;
	memcpy(buf, src + offset, (size_t)n);
	return (int64_t)n;
}

int64_t testfs_write(struct testfs *fs, uint64_t id, uint64_t offset, const void *buf,
		     uint64_t size)
{
	struct testfs_open *o;
	struct testfs_file *f = file_of(fs, id, &o);
	if (!f)
		return o ? -EINVAL : -EBADF;
	if ((o->flags & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	if (size == 0)
		return 0;
	if (offset >= WINDOW_BYTES)
		return -EFBIG;
	uint64_t n = WINDOW_BYTES - offset < size ? WINDOW_BYTES - offset : size;
	uint64_t end = offset + n;
	if (ensure_mapped(fs, o->file, pages_for(end)) != 0)
		return -ENOMEM;
	uint8_t *data = file_data(fs, o->file);
	/* A gap between the old end and OFFSET reads as zeroes (a client may have written past
	 * the end inside the last page of a shared mapping). */
	if (offset > f->size) {
		uint64_t old_mapped_end = pages_for(f->size) * TESTFS_PAGE;
		uint64_t stop = offset < old_mapped_end ? offset : old_mapped_end;
		if (stop > f->size)
			memset(data + f->size, 0, (size_t)(stop - f->size));
	}
	memcpy(data + offset, buf, (size_t)n);
	if (end > f->size)
		f->size = end;
	return (int64_t)n;
}

int64_t testfs_fsize(struct testfs *fs, uint64_t id)
{
	struct testfs_open *o;
	struct testfs_file *f = file_of(fs, id, &o);
	if (f)
		return (int64_t)f->size;
	if (o && o->kind == TESTFS_OPEN_STATS)
		return (int64_t)sizeof(*o->stats);
	return o ? 0 : -EBADF;
}

/* Appends a request to the log (or counts it as dropped). */
static void log_request(struct testfs *fs, const struct testfs_log_entry *e)
{
	if (fs->log_len < TESTFS_LOG_MAX)
		fs->log[fs->log_len++] = *e;
	else
		fs->log_dropped++;
}

/* Fills log entry E for a request on F (NULL: unknown id). */
static void fill_entry(struct testfs_log_entry *e, const struct testfs_file *f, uint32_t op,
		       uint64_t offset, uint64_t size, unsigned flags)
{
	memset(e, 0, sizeof(*e));
	if (f)
		memcpy(e->name, f->name, TESTFS_NAME_MAX);
	e->op = op;
	e->flags = flags;
	e->offset = offset;
	e->size = size;
}

int testfs_mmap_prep(struct testfs *fs, uint64_t id, uint64_t offset, uint64_t size,
		     unsigned flags, uintptr_t *addr)
{
	struct testfs_open *o;
	struct testfs_file *f = file_of(fs, id, &o);
	struct testfs_log_entry e;
	fill_entry(&e, f, TESTFS_LOG_PREP, offset, size, flags);
	fs->preps++;
	int err = 0;
	if (!f)
		err = o ? -ENODEV : -EBADF;
	else if (offset % TESTFS_PAGE || size == 0 || offset >= WINDOW_BYTES ||
		 size > WINDOW_BYTES - offset)
		err = -EINVAL;
	else
		err = range_count_add(&f->ranges, offset, size);
	if (err == -EOVERFLOW || err == -ENOMEM) {
		fs->errors++;
		fs->errors_total++;
		err = -ENOMEM;
	}
	e.result = err;
	log_request(fs, &e);
	if (err)
		return err;
	/* Populate the file's pages of the range so that the kernel finds frames there; pages
	 * past the end of the file stay unmapped (the client's accesses to them fault). */
	uint8_t *data = file_data(fs, o->file);
	uint64_t last = pages_for(offset + size);
	if (last > f->mapped_pages)
		last = f->mapped_pages;
	for (uint64_t p = offset / TESTFS_PAGE; p < last; p++)
		(void)*(volatile uint8_t *)(data + p * TESTFS_PAGE);
	*addr = (uintptr_t)data + (uintptr_t)offset;
	return 0;
}

int testfs_munmap(struct testfs *fs, uint64_t id, uint64_t offset, uint64_t size, unsigned flags)
{
	struct testfs_open *o;
	struct testfs_file *f = file_of(fs, id, &o);
	struct testfs_log_entry e;
	fill_entry(&e, f, TESTFS_LOG_MUNMAP, offset, size, flags);
	fs->munmaps++;
	int err = f ? range_count_remove(&f->ranges, offset, size) : -ENOENT;
	if (err == -EINVAL)
		err = -ENOENT;          /* size 0 or a wrapping range: never prepared either */
	e.result = err;
	log_request(fs, &e);
	if (err == -ENOENT) {
		fs->unknown_munmaps++;
		fs->unknown_total++;
		if (fs->backing.report)
			fs->backing.report(fs->backing.ctx, f ? "munmap of a range never prepared"
							      : "munmap of an unknown id", &e);
	} else if (err) {
		fs->errors++;
		fs->errors_total++;
		if (fs->backing.report)
			fs->backing.report(fs->backing.ctx, "munmap: no memory to split a range", &e);
	} else {
		maybe_delete(fs, o->file);
	}
	return err;
}

struct snap_ctx {
	struct testfs_file_stat *st;
};

/* Adds one range-count interval to the file's snapshot; returns 0 (go on). */
static int snap_interval(void *ctx, uint64_t start, uint64_t end, uint64_t count)
{
	struct testfs_file_stat *st = ((struct snap_ctx *)ctx)->st;
	if (st->nintervals < TESTFS_STAT_INTERVALS) {
		st->iv[st->nintervals].start = start;
		st->iv[st->nintervals].end = end;
		st->iv[st->nintervals].count = count;
	}
	st->nintervals++;
	return 0;
}

void testfs_snapshot(const struct testfs *fs, struct testfs_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < TESTFS_MAX_FILES; i++) {
		const struct testfs_file *f = &fs->files[i];
		if (!f->used)
			continue;
		struct testfs_file_stat *st = &out->file[out->files++];
		memcpy(st->name, f->name, TESTFS_NAME_MAX);
		st->size = f->size;
		st->opens = f->opens;
		st->mapped_pages = f->mapped_pages;
		struct snap_ctx c = { st };
		range_count_for_each(&f->ranges, snap_interval, &c);
	}
	for (unsigned i = 0; i < TESTFS_MAX_OPENS; i++)
		if (fs->opens[i].kind != TESTFS_OPEN_FREE)
			out->opens++;
	out->log_len = fs->log_len;
	out->log_dropped = fs->log_dropped;
	out->unknown_munmaps = fs->unknown_munmaps;
	out->errors = fs->errors;
	out->preps = fs->preps;
	out->munmaps = fs->munmaps;
	out->heap_blocks = fs->backing.heap_blocks ? fs->backing.heap_blocks(fs->backing.ctx) : 0;
	memcpy(out->log, fs->log, sizeof(out->log[0]) * fs->log_len);
}

unsigned testfs_file_count(const struct testfs *fs)
{
	unsigned n = 0;
	for (unsigned i = 0; i < TESTFS_MAX_FILES; i++)
		n += fs->files[i].used;
	return n;
}
