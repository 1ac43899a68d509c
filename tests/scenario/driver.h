/* The driver of a memory scenario (format: ../shared/scenario-format.md), shared by the Linux
 * oracle (tests/oracle/oracle.c) and the kernel-side runner (tests/user/scenario_run.c): parses
 * the text, keeps all bookkeeping (processes alive, their name bindings, the placement counter,
 * the files), checks every line (scenario errors `FILE:LINE: message`), reduces each line to a
 * command on raw addresses, sends it to the process the line names through the transport
 * (struct sd_ops), and prints the transcript. Freestanding: kernel/string.h and kernel/format.h
 * only, no allocation (the caller provides the state and the line array).
 *
 * The transport owns what differs between the two systems: how processes are started, how a
 * command reaches a process and its answer comes back, how an exited process is reaped, how
 * files are created and read, and where output goes. The process side of a transport runs
 * fill/poke/peek/sum with sd_access_run inside its own fault catcher.
 *
 * Limits (the same on both systems, so a scenario over them fails the same way): SD_SLOTS live
 * processes, SD_BINDINGS names per process, SD_FILES files, SD_MAX_LINES lines, and file
 * pages up to SD_MAX_FILE_PAGES: a file's size, and PAGEOFF + PAGES of a mapfile (the test file
 * system daemon testfs serves files of up to 16 MiB; Linux would answer EOVERFLOW for offsets
 * past what off_t holds, outside the format's errnos). */
#ifndef TESTS_SCENARIO_DRIVER_H
#define TESTS_SCENARIO_DRIVER_H

#include "tests/scenario/scenario.h"

#define SD_SLOTS          32
#define SD_BINDINGS       1024
#define SD_FILES          32           /* testfs keeps 32 files alive at once */
#define SD_MAX_LINES      4096         /* lines to run in one scenario */
#define SD_MAX_FILE_PAGES 4096         /* 16 MiB, testfs's largest file */
#define SD_TEXT_MAX       192          /* one reported line, NUL included */

/* Linux's values, which our kernel shares (mm/vm.h, kernel/errno.h). */
#define SD_PROT_READ  0x1
#define SD_PROT_WRITE 0x2
#define SD_PROT_EXEC  0x4
#define SD_MAP_SHARED          0x01
#define SD_MAP_PRIVATE         0x02
#define SD_MAP_FIXED           0x10
#define SD_MAP_ANONYMOUS       0x20
#define SD_MAP_FIXED_NOREPLACE 0x100000
#define SD_EEXIST 17

/* Commands, driver -> process. SD_REAP is never sent by the driver: a transport may use it for
 * "wait for your child in slot child_slot" when it implements sd_ops.reap. */
enum sd_cmd_kind {
	SD_MAP, SD_UNMAP, SD_PROTECT, SD_FILL, SD_POKE, SD_PEEK, SD_SUM, SD_FORK, SD_EXIT, SD_REAP,
};

/* Answers, process -> driver. */
enum sd_ans_kind { SD_A_OK, SD_A_ERR, SD_A_VALUE, SD_A_HASH, SD_A_FAULT };

/* One line reduced to addresses. map: addr, len, prot, flags (MAP_ANONYMOUS unless file >= 0),
 * file/file_name/off for a file; unmap/protect: addr, len (+ prot); fill: addr, len, seed and
 * page0 (the page index inside NAME of addr); poke/peek: addr (+ byte); sum: addr, len;
 * fork: child_slot. */
struct sd_cmd {
	uint32_t kind;
	int32_t prot, flags;
	int32_t file;                     /* map of a file: its index in the scenario, else -1 */
	int32_t child_slot;
	uint32_t byte;
	uint64_t addr, len, seed, page0, off;
	char file_name[SC_NAME_MAX];
};

/* err: a positive errno (Linux numbering) for SD_A_ERR; value: peek's byte, sum's hash, or the
 * child's id for fork (the transport's own use). */
struct sd_ans {
	int32_t kind, err;
	uint64_t value;
};

/* What sd_ops.report prints. */
enum sd_report {
	SD_REPORT_LINE,        /* a transcript line `LINE: RESULT` */
	SD_REPORT_ERROR,       /* a scenario error `FILE:LINE: message` */
	SD_REPORT_FAILURE,     /* the runner itself failed: `FILE:LINE: message` */
	SD_REPORT_SKIP,        /* the scenario cannot run on this system: why */
};

/* Returned by sd_ops.file_create when this system has no file system for scenarios. */
#define SD_SKIP 1

/* The transport. CTX is sd_driver.ctx. */
struct sd_ops {
	/* Starts P0, serving slot 0; returns false on failure. */
	bool (*start)(void *ctx);
	/* Sends C to the live process in SLOT and stores its answer in *A; returns false when the
	 * process does not answer. For SD_FORK the child serves C->child_slot from then on. */
	bool (*ask)(void *ctx, int slot, const struct sd_cmd *c, struct sd_ans *a);
	/* The process in SLOT answered SD_EXIT: reap it. PARENT is the slot of its live parent,
	 * SD_PARENT_DRIVER (P0) or SD_PARENT_GONE (an orphan). Returns false on failure. */
	bool (*reap)(void *ctx, int slot, int parent);
	/* Creates file INDEX called NAME: PAGES pages, page p filled by sd_pattern_page(SEED, p).
	 * Returns 0, SD_SKIP (no files on this system), or a negative errno. */
	int (*file_create)(void *ctx, unsigned index, const char *name, uint64_t pages,
			   uint64_t seed);
	/* Reads page PAGE of file INDEX into BUF (4096 bytes); returns 0 or a negative errno. */
	int (*file_read)(void *ctx, unsigned index, uint64_t page, void *buf);
	/* Deletes files 0..N-1 (the scenario ended). */
	void (*files_end)(void *ctx, unsigned n);
	/* Prints TEXT (no newline) of KIND. */
	void (*report)(void *ctx, enum sd_report kind, const char *text);
};

#define SD_PARENT_DRIVER (-1)
#define SD_PARENT_GONE   (-2)

struct sd_binding {
	char name[SC_NAME_MAX];
	uint64_t addr;
};

struct sd_proc {
	bool alive;
	char name[SC_NAME_MAX];
	int parent;                       /* the parent's slot, SD_PARENT_DRIVER for P0 */
	unsigned parent_gen;              /* the parent slot's generation when forked */
	unsigned gen;                     /* bumped each time a process starts in this slot */
	unsigned nbind;
	struct sd_binding bind[SD_BINDINGS];
};

struct sd_file {
	char name[SC_NAME_MAX];
	uint64_t pages;
};

/* The outcome of sd_run. */
enum sd_result {
	SD_CLEAN,              /* every line ran */
	SD_SCENARIO_ERROR,     /* malformed or invalid scenario (reported with FILE:LINE) */
	SD_SKIPPED,            /* needs files this system does not have */
	SD_FAILED,             /* the runner or the system under test failed */
};

/* A driver (about 2 MiB). The caller sets ops and ctx; sd_run sets up the rest. */
struct sd_driver {
	const struct sd_ops *ops;
	void *ctx;
	/* state of the running scenario */
	const char *path;
	enum sd_result result;
	uint64_t counter;
	unsigned nfiles;
	struct sd_proc procs[SD_SLOTS];
	struct sd_file files[SD_FILES];
	uint8_t page[SC_PAGE_SIZE];
	struct sc_line lines[SD_MAX_LINES];
};

/* Runs the scenario PATH whose text is TEXT[0..LEN): the lines before a malformed one run, then
 * the parse error is reported; every process still alive exits at the end and the files are
 * deleted. Returns the outcome; the transcript and messages went to ops->report. */
enum sd_result sd_run(struct sd_driver *d, const char *path, const char *text, size_t len);

/* Returns the symbolic name of the Linux errno E ("EINVAL"), or "E?". */
const char *sd_errno_name(int e);

/* Fills BUF (512 words) with page PAGE of the fill pattern of SEED. */
void sd_pattern_page(uint64_t seed, uint64_t page, uint64_t buf[512]);

/* ---- The process side ---- */

/* A fill/poke/peek/sum in progress; what a fault must not lose lives here. */
struct sd_access {
	const struct sd_cmd *c;
	volatile uint64_t hash;
	volatile uint8_t value;
};

/* Runs the access of X->c (fill, poke, peek or sum) in the calling process; it may fault, and
 * the caller's fault catcher then answers sd_access_answer(X, true). */
void sd_access_run(struct sd_access *x);

/* Returns the answer to X's command: fault, peek's value, sum's hash, or ok. */
struct sd_ans sd_access_answer(const struct sd_access *x, bool faulted);

#endif
