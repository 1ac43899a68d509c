/* testfs, the test file system daemon (scheme "testfs", program "testfs"): what its clients see.
 *
 * Files are "testfs:NAME" (NAME of [A-Za-z0-9_.-], not starting with '.', at most
 * TESTFS_NAME_MAX - 1 bytes). open with O_CREAT creates (O_EXCL: -EEXIST if it exists), without
 * O_CREAT a missing file is -ENOENT; O_TRUNC empties it. read/write at any offset (writes grow the
 * file, a read past the end returns 0 bytes), mmap shared, private and MAP_LAZY. A file lives while
 * it is open or any range of it is mapped; when the last open reference is closed and no range is
 * mapped any more, it is deleted and its memory freed.
 *
 * Control paths (a blocking open is a barrier: requests are served in order, so every munmap
 * notice queued before it has been counted when it returns):
 *   testfs:.stats  open, then read a struct testfs_stats (a snapshot taken at open)
 *   testfs:.reset  open: clears the log of mmap_prep/munmap calls and its counters
 *   testfs:.exit   open: the daemon answers, then exits (status: unknown notices + errors)
 *
 * Starting and stopping (tests/user/lib/testfs_client.c):
 *   pid = testfs_start();   fork; the child serves (testfs_serve) until .exit; the parent waits
 *                           until "testfs:" answers. The daemon is the caller's child.
 *   testfs_stop(pid);       open .exit, close, waitpid: returns the daemon's exit status.
 * Or spawn the program "testfs" (its user_main is testfs_serve) and poll with testfs_wait_ready.
 *
 * A scenario runner (tests/user/scheme_fs_runner.c does exactly this): per scenario with file
 * lines, measure the free frames, testfs_start(); `file` = open(O_RDWR|O_CREAT|O_EXCL) in the
 * driver, write the pattern (loop: one read/write moves at most 1 MiB), keep that fd; `mapfile`
 * = the scenario process opens "testfs:NAME" itself, mmaps, closes its fd (the mapping keeps
 * the file); `filesum` = lseek + read on the driver's fd. At the end, once every scenario
 * process is reaped: close the driver's fds (files are deleted: nothing opens or maps them),
 * testfs_idle_problems() == 0, testfs_stop(pid) == 0, then the frame and invariant checks.
 * Limits: TESTFS_MAX_FILES files, a file and any mapped range within TESTFS_WINDOW_PAGES pages
 * (mmap_prep beyond: -EINVAL, where Linux would succeed), TESTFS_MAX_OPENS open ids. */
#ifndef TESTS_USER_TESTFS_H
#define TESTS_USER_TESTFS_H

#include <stdint.h>
#include "kernel/errno.h"

/* Linux's values of the errors testfs adds to kernel/errno.h's. */
#ifndef EMFILE
#define EMFILE    24
#endif
#ifndef EFBIG
#define EFBIG     27
#endif
#ifndef ETIMEDOUT
#define ETIMEDOUT 110
#endif

#define TESTFS_SCHEME       "testfs"
#define TESTFS_STATS_PATH   "testfs:.stats"
#define TESTFS_RESET_PATH   "testfs:.reset"
#define TESTFS_EXIT_PATH    "testfs:.exit"

#define TESTFS_NAME_MAX       32        /* with the NUL */
#define TESTFS_MAX_FILES      32        /* files alive at once */
#define TESTFS_MAX_OPENS      128       /* open ids alive at once (control ones included) */
#define TESTFS_WINDOW_PAGES   4096      /* the largest file: 16 MiB; mmap_prep beyond: -EINVAL */
#define TESTFS_LOG_MAX        128       /* mmap_prep/munmap calls kept since the last reset */
#define TESTFS_STAT_INTERVALS 16        /* range-count intervals reported per file */

enum testfs_log_op { TESTFS_LOG_PREP = 1, TESTFS_LOG_MUNMAP = 2 };

/* One mmap_prep or munmap request as the daemon received it. */
struct testfs_log_entry {
	char name[TESTFS_NAME_MAX];    /* the file ("" when the id was unknown) */
	uint32_t op;                   /* enum testfs_log_op */
	uint32_t flags;                /* the packet's flags */
	uint64_t offset, size;         /* bytes */
	int64_t result;                /* PREP: 0 or -errno; MUNMAP: 0, or -ENOENT (never prepared) */
};

struct testfs_interval {
	uint64_t start, end, count;    /* [start, end) bytes, count mappings */
};

struct testfs_file_stat {
	char name[TESTFS_NAME_MAX];
	uint64_t size;                 /* bytes */
	uint32_t opens;                /* open ids naming it */
	uint32_t nintervals;           /* range-count intervals (all of them, even past the array) */
	uint64_t mapped_pages;         /* pages of its window mapped in the daemon */
	struct testfs_interval iv[TESTFS_STAT_INTERVALS];
};

struct testfs_stats {
	uint32_t files;                /* files alive (entries of file[] in use, in slot order) */
	uint32_t opens;                /* open ids alive, this snapshot's own included */
	uint32_t log_len;              /* entries of log[] */
	uint32_t log_dropped;          /* entries past TESTFS_LOG_MAX since the reset */
	uint32_t unknown_munmaps;      /* munmaps of ranges never prepared or of unknown ids (kernel bug) */
	uint32_t errors;               /* requests the daemon could not serve for lack of memory */
	uint64_t preps, munmaps;       /* totals since the reset */
	uint64_t heap_blocks;          /* the daemon's live heap blocks (this snapshot's included) */
	struct testfs_file_stat file[TESTFS_MAX_FILES];
	struct testfs_log_entry log[TESTFS_LOG_MAX];
};

/* ---- Client side (tests/user/lib/testfs_client.c) ---- */

/* Serves the scheme "testfs" until .exit; returns the exit status (unknown notices + errors, or
 * 100 when the scheme cannot be created). */
int testfs_serve(void);

/* Forks the daemon and waits until it answers. Returns its pid, -EEXIST when a testfs daemon
 * runs already, or -errno. */
long testfs_start(void);

/* Waits (yielding) until "testfs:" answers an open. Returns 0 or -ETIMEDOUT. */
int testfs_wait_ready(void);

/* Asks the daemon PID (the caller's child, or 0 when it is not) to exit; returns its exit
 * status (0 when PID is 0), or -errno. */
int testfs_stop(long pid);

/* Reads a snapshot of the daemon's state into *OUT. Returns 0 or -errno. */
int testfs_get_stats(struct testfs_stats *out);

/* Clears the daemon's log and counters. Returns 0 or -errno. */
int testfs_reset(void);

/* Returns the entry of file NAME in S, or NULL. */
const struct testfs_file_stat *testfs_stats_file(const struct testfs_stats *s, const char *name);

/* Prints S on the console as KTAP diagnostics. */
void testfs_stats_print(const struct testfs_stats *s);

/* Returns the byte at OFF of file FD read through its daemon (seek, then a 1-byte read), or -1. */
int testfs_pread1(long fd, uint64_t off);

/* Writes byte B at OFF of file FD through its daemon. Returns what write returned, or -1 when
 * the seek failed. */
long testfs_pwrite1(long fd, uint64_t off, uint8_t b);

/* ---- Checks for the tests (each mismatch is a failed check, see u_fail) ---- */

/* An expected log entry: OP, file NAME, OFFSET and SIZE in bytes, FLAGS (for a PREP compared
 * under MAP_TYPE | MAP_LAZY, the bits a client chooses; a MUNMAP's must be equal), and RESULT
 * (0 when left out of an initializer). */
struct testfs_expect {
	uint32_t op;
	const char *name;
	uint64_t offset, size;
	uint32_t flags;
	int64_t result;
};

/* Checks that the log of S is exactly the N entries of WANT, and that no notice was unknown or
 * dropped. Returns the number of mismatches (printed, with the whole log when there are any). */
int testfs_check_log(const struct testfs_stats *s, const struct testfs_expect *want, unsigned n,
		     const char *file, int line);

/* For a runner between two uses of the daemon (e.g. at the end of a scenario, after its files
 * were closed): checks through a snapshot that no file is left, and that since the last reset no
 * munmap was unknown and no request failed for lack of memory; prints what is wrong. Returns the
 * number of problems, or -errno when the daemon does not answer. */
int testfs_idle_problems(void);

/* Checks that the range counts of file NAME in S are exactly the N intervals of WANT (N == 0: no
 * range mapped, or the file is gone). Returns the number of mismatches. */
int testfs_check_ranges(const struct testfs_stats *s, const char *name,
			const struct testfs_interval *want, unsigned n, const char *file, int line);

/* The test data: the byte at file offset OFF of a file made with SEED. */
static inline uint8_t testfs_pattern(uint64_t off, unsigned seed)
{
	return (uint8_t)(off * 131u + (off >> 12) * 7u + (off >> 8) + seed);
}

/* (RESULT may be left out of an entry: the warning about it is off inside the macro.) */
#define TESTFS_EXPECT_LOG(s, ...) do { \
	_Pragma("GCC diagnostic push") \
	_Pragma("GCC diagnostic ignored \"-Wmissing-field-initializers\"") \
	const struct testfs_expect want_[] = { __VA_ARGS__ }; \
	_Pragma("GCC diagnostic pop") \
	testfs_check_log((s), want_, sizeof(want_) / sizeof(want_[0]), __FILE__, __LINE__); } while (0)
#define TESTFS_EXPECT_NO_LOG(s) testfs_check_log((s), NULL, 0, __FILE__, __LINE__)
#define TESTFS_EXPECT_RANGES(s, name, ...) do { \
	const struct testfs_interval want_[] = { __VA_ARGS__ }; \
	testfs_check_ranges((s), (name), want_, sizeof(want_) / sizeof(want_[0]), __FILE__, \
			    __LINE__); } while (0)
#define TESTFS_EXPECT_NO_RANGES(s, name) testfs_check_ranges((s), (name), NULL, 0, __FILE__, __LINE__)

#endif
