/* The state of the testfs daemon, as pure C (no syscalls): the files, the open ids, each file's
 * range counts, the log of mmap_prep/munmap requests, and the rule that deletes a file. The
 * daemon (tests/user/lib/testfs_daemon.c) feeds it the packets it receives; the host test
 * (tests/host/test_testfs_table.c) drives it directly.
 *
 * Memory: each file owns a window of TESTFS_WINDOW_PAGES pages of the daemon's address space
 * (slot I at backing->base(I)); its first ceil(size / 4096) pages are mapped (backing->map), the
 * rest are left unmapped so that a client's access past the end of the file faults. Everything
 * else comes from the allocator callbacks. Locking: none (one daemon thread). */
#ifndef TESTS_USER_TESTFS_TABLE_H
#define TESTS_USER_TESTFS_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "scheme/range_count.h"
#include "tests/user/testfs.h"

#define TESTFS_PAGE 4096ul

/* Where files' pages live. */
struct testfs_backing {
	/* Returns the address of slot SLOT's window (TESTFS_WINDOW_PAGES pages). */
	uintptr_t (*base)(void *ctx, unsigned slot);
	/* Maps pages [FIRST, FIRST + COUNT) of slot SLOT's window as fresh zeroed shared memory.
	 * Returns 0 or -errno. */
	int (*map)(void *ctx, unsigned slot, uint64_t first, uint64_t count);
	/* Unmaps those pages (they were mapped). */
	void (*unmap)(void *ctx, unsigned slot, uint64_t first, uint64_t count);
	/* Returns the number of live heap blocks (reported in the stats; may be NULL). */
	size_t (*heap_blocks)(void *ctx);
	/* Reports a kernel bug the daemon saw (WHAT, and the request in E) loudly. */
	void (*report)(void *ctx, const char *what, const struct testfs_log_entry *e);
	void *ctx;
};

enum testfs_open_kind { TESTFS_OPEN_FREE = 0, TESTFS_OPEN_FILE, TESTFS_OPEN_STATS, TESTFS_OPEN_CONTROL };

struct testfs_file {
	bool used;
	char name[TESTFS_NAME_MAX];
	uint64_t size;                 /* bytes */
	uint64_t mapped_pages;         /* the first pages of the window that are mapped */
	uint32_t opens;                /* open ids naming it */
	struct range_count ranges;     /* client mappings of each byte range */
};

struct testfs_open {
	enum testfs_open_kind kind;
	uint64_t id;                   /* the id given to the kernel (never reused) */
	unsigned flags;                /* O_* */
	unsigned file;                 /* FILE: slot */
	struct testfs_stats *stats;    /* STATS: the snapshot taken at open */
};

struct testfs {
	struct testfs_backing backing;
	struct range_count_allocator allocator;
	struct testfs_file files[TESTFS_MAX_FILES];
	struct testfs_open opens[TESTFS_MAX_OPENS];
	uint64_t next_id;
	bool exit_requested;
	/* since the last reset: */
	struct testfs_log_entry log[TESTFS_LOG_MAX];
	uint32_t log_len, log_dropped;
	uint32_t unknown_munmaps, errors;
	uint64_t preps, munmaps;
	uint32_t unknown_total, errors_total;   /* never reset: the daemon's exit status */
};

/* Makes FS empty. */
void testfs_init(struct testfs *fs, const struct testfs_backing *backing,
		 const struct range_count_allocator *allocator);

/* Frees everything FS holds (snapshots, range counts, files' pages); FS is then empty. */
void testfs_destroy(struct testfs *fs);

/* OPEN of PATH[0..LEN) (the part after "testfs:") with O_* FLAGS. Returns the id (> 0), or
 * -ENOENT, -EEXIST, -EINVAL (bad name), -EMFILE (too many opens), -ENOSPC (too many files),
 * -ENOMEM. */
int64_t testfs_open(struct testfs *fs, const char *path, size_t len, unsigned flags);

/* CLOSE of ID: the file is deleted if this was its last open and nothing of it is mapped. */
void testfs_close(struct testfs *fs, uint64_t id);

/* READ: copies up to SIZE bytes at OFFSET into BUF. Returns the bytes read (0 past the end),
 * -EBADF (unknown id, or opened write-only). */
int64_t testfs_read(struct testfs *fs, uint64_t id, uint64_t offset, void *buf, uint64_t size);

/* WRITE: copies SIZE bytes from BUF at OFFSET, growing the file. Returns SIZE, the bytes that
 * fit in the window (fewer), -EFBIG (OFFSET at or past the window), -EBADF, -ENOMEM. */
int64_t testfs_write(struct testfs *fs, uint64_t id, uint64_t offset, const void *buf,
		     uint64_t size);

/* FSIZE: the size in bytes, or -EBADF. */
int64_t testfs_fsize(struct testfs *fs, uint64_t id);

/* MMAP_PREP: counts one more mapping of [OFFSET, OFFSET + SIZE) and stores the address in the
 * daemon of its pages in *ADDR. Returns 0, -EBADF, -ENODEV (a control id), -EINVAL (offset not
 * page aligned, size 0, beyond the window), -ENOMEM. Logged. */
int testfs_mmap_prep(struct testfs *fs, uint64_t id, uint64_t offset, uint64_t size,
		     unsigned flags, uintptr_t *addr);

/* MUNMAP: one mapping of [OFFSET, OFFSET + SIZE) went. A range that was never prepared, or an
 * unknown id, is a kernel bug: reported through backing->report, counted and logged. May delete the
 * file. Returns 0 or -ENOENT (the bug case), -ENOMEM (counted in errors). */
int testfs_munmap(struct testfs *fs, uint64_t id, uint64_t offset, uint64_t size, unsigned flags);

/* Fills *OUT with a snapshot of FS. */
void testfs_snapshot(const struct testfs *fs, struct testfs_stats *out);

/* Returns the number of files alive. */
unsigned testfs_file_count(const struct testfs *fs);

#endif
