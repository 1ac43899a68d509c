/* The kernel-side runner of the memory scenarios (../shared/scenario-format.md): runs every
 * scenario linked into this program (the Makefile's table of the .mem files of $(SCENARIOS)) and
 * prints each transcript between `    # scenario-begin NAME` and `    # scenario-end NAME`, every line a KTAP
 * diagnostic `    # LINE: RESULT` (tests/scenario-compare.sh extracts and compares them with the
 * Linux oracle's). A scenario error prints `    # scenario-error FILE:LINE: message` (Linux's
 * stderr) and fails the scenario; a runner failure prints `    # scenario-failure ...`; a
 * scenario needing files while the testfs daemon is absent prints `    # scenario-skip NAME: why`.
 * Then the malformed scenarios of tests/scenario/bad/ run, each of which must stop with exactly
 * its expected `FILE:LINE: message`.
 *
 * The driver (tests/scenario/driver.c, shared with the Linux oracle) keeps all bookkeeping; this
 * file is its transport on our kernel. Scenario processes are real processes (P0 forked by this
 * one, the others by `fork` lines in their parent), so fill/poke/peek/sum are user-mode accesses
 * that fault for real; faults come back through u_try. Communication: a MAP_SHARED anonymous
 * mailbox created before P0 (inherited by every fork), one slot per process with a command, an
 * answer and two sequence numbers; both sides wait with u_yield(). An exited process is reaped
 * by its parent on the driver's request (SD_REAP); its orphans go to the kernel's process 0.
 * Files live in the testfs scheme (tests/user/testfs.h on the testfs branch; the KTEST spawns
 * the program "testfs" when it exists, and this runner stops it at the end by opening
 * testfs:.exit) as "testfs:s<PID>-<SCENARIO#>-<FILE#>" (unique per run, within testfs's 31
 * characters): this process creates, writes and reads them with open/write/lseek/read and keeps
 * them open for the whole scenario; a scenario process maps one by opening it itself. At the end
 * every file is closed, which deletes it in testfs once nothing maps it, and two opens of
 * testfs:.reset wait until the daemon has served every request queued before (the close and
 * munmap notices) and is back waiting, before frames are counted. The daemon's heap grows the
 * first time it needs more and keeps what it got, which is not a leak but would fail the frame
 * check: so a scenario using files runs twice, first silently (warming the daemon up to what
 * that scenario needs; its frames are not checked), then printed and checked. While testfs is
 * absent (open gives -ENOSYS, or -ENOENT after a short wait for the daemon), a scenario reaching
 * a `file` line is skipped.
 * After each scenario this process checks the free frame count and the mm invariant checker;
 * the exit status is the number of failed scenarios. */
#include "tests/user/lib/ulib.h"
#include "tests/scenario/driver.h"
#include "scheme/scheme_abi.h"
#include "kernel/errno.h"
#include "kernel/format.h"

#define MAILBOX_ADDR  0x20000000ul     /* both outside the scenario window */
#define DRIVER_ADDR   0x10000000ul
#define WAIT_LIMIT    2000000ul        /* yields before a silent process is a runner failure */
#define SETTLE_YIELDS 1000             /* for orphans still on their way out (see below) */
#define PATH_MAX_LEN  64
#define TESTFS_WAIT   5000             /* yields while "testfs:" is not (yet) registered */

_Static_assert(SD_PROT_READ == PROT_READ && SD_PROT_WRITE == PROT_WRITE &&
	       SD_PROT_EXEC == PROT_EXEC && SD_MAP_SHARED == MAP_SHARED &&
	       SD_MAP_PRIVATE == MAP_PRIVATE && SD_MAP_FIXED == MAP_FIXED &&
	       SD_MAP_ANONYMOUS == MAP_ANONYMOUS && SD_MAP_FIXED_NOREPLACE == MAP_FIXED_NOREPLACE &&
	       SD_EEXIST == EEXIST, "the driver's Linux values are ours");

/* The Makefile's tables: scenarios {name, path, text, end} and malformed scenarios with their
 * expected message {name, path, text, end, expected error, its end}; each ends with a null entry. */
struct scenario_file {
	const char *name, *path, *text, *end;
};
struct scenario_bad_file {
	const char *name, *path, *text, *end, *expect, *expect_end;
};
extern const struct scenario_file scenario_files[];
extern const struct scenario_bad_file scenario_bad_files[];

struct slot {
	uint32_t cmd_seq, ans_seq;        /* accessed with __atomic */
	struct sd_cmd c;
	long reap_pid;                    /* SD_REAP: the child to wait for */
	struct sd_ans a;
};

/* The transport's state, in this process (scenario processes have a copy from their fork). */
struct runner {
	const char *name;                 /* the running scenario */
	bool quiet;                       /* malformed scenarios: nothing printed */
	char last_error[SD_TEXT_MAX];     /* the last scenario error reported */
	long pid[SD_SLOTS];
	int fd[SD_FILES];
	long run_id;
	unsigned index;                   /* of the running scenario */
	bool files;                       /* testfs answers */
};

static struct slot *mailbox;
static struct sd_driver *driver;
static struct runner run;

/* ---- The scenario process side ---- */

static void do_access(void *arg)
{
	sd_access_run(arg);
}

/* Writes the path of file INDEX of the running scenario into OUT; returns its length. */
static size_t file_path(int index, char out[PATH_MAX_LEN])
{
	int n = ksnprintf(out, PATH_MAX_LEN, "testfs:s%ld-%u-%d", run.run_id, run.index, index);
	return n < PATH_MAX_LEN ? (size_t)n : PATH_MAX_LEN - 1;
}

/* Opens PATH (NUL-terminated) with FLAGS: the fd or -errno. */
static long path_open(const char *path, unsigned flags)
{
	return sys3(SYS_OPEN, (long)path, (long)strlen(path), (long)flags);
}

/* mmap of command C in this process: anonymous, or of the file C names (opened here). */
static struct sd_ans serve_map(const struct sd_cmd *c)
{
	long fd = -1, r;

	if (c->file >= 0) {
		char path[PATH_MAX_LEN];
		size_t len = file_path(c->file, path);
		fd = sys3(SYS_OPEN, (long)path, (long)len, O_RDWR);
		if (fd < 0)
			return (struct sd_ans){ .kind = SD_A_ERR, .err = -1 };
	}
	r = sys_call(SYS_MMAP, (long)c->addr, (long)c->len, c->prot, c->flags, fd, (long)c->off);
	if (fd >= 0)
		sys1(SYS_CLOSE, fd);
	if (u_mmap_failed((void *)r))
		return (struct sd_ans){ .kind = SD_A_ERR, .err = (int)-r };
	if ((uint64_t)(uintptr_t)r != c->addr)
		return (struct sd_ans){ .kind = SD_A_ERR, .err = -1 };   /* placed elsewhere */
	return (struct sd_ans){ .kind = SD_A_OK };
}

/* Runs command C (REAP_PID for SD_REAP) in this process and returns its answer; in a new child
 * *SLOT and *SEEN change and the answer's kind is -1 (the child answers nothing). */
static struct sd_ans serve(const struct sd_cmd *c, long reap_pid, int *slot, uint32_t *seen)
{
	struct sd_ans a = { .kind = SD_A_OK };
	long r;

	switch (c->kind) {
	case SD_MAP:
		return serve_map(c);
	case SD_UNMAP:
	case SD_PROTECT:
		r = c->kind == SD_UNMAP ? u_munmap((void *)(uintptr_t)c->addr, (size_t)c->len)
					: u_mprotect((void *)(uintptr_t)c->addr, (size_t)c->len, c->prot);
		if (r != 0) {
			a.kind = SD_A_ERR;
			a.err = (int)-r;
		}
		return a;
	case SD_FORK: {
		uint32_t child_seen = mailbox[c->child_slot].cmd_seq;
		r = u_fork();
		if (r == 0) {
			*slot = c->child_slot;
			*seen = child_seen;
			return (struct sd_ans){ .kind = -1 };
		}
		if (r < 0)
			return (struct sd_ans){ .kind = SD_A_ERR, .err = (int)-r };
		a.value = (uint64_t)r;
		return a;
	}
	case SD_REAP: {
		int st = -1;
		if (u_waitpid(reap_pid, &st) != reap_pid || st != 0)
			return (struct sd_ans){ .kind = SD_A_ERR, .err = -1 };
		return a;
	}
	case SD_EXIT:
		return a;
	}
	struct sd_access x = { .c = c, .hash = SC_FNV_BASIS };
	return sd_access_answer(&x, u_try(do_access, &x, NULL, NULL));
}

/* The life of one scenario process: serve the commands of SLOT until `exit`. */
static __attribute__((noreturn)) void process_main(int slot, uint32_t seen)
{
	for (;;) {
		struct slot *s = &mailbox[slot];
		while (__atomic_load_n(&s->cmd_seq, __ATOMIC_ACQUIRE) == seen)
			u_yield();
		seen = s->cmd_seq;
		struct sd_cmd c = s->c;
		struct sd_ans a = serve(&c, s->reap_pid, &slot, &seen);
		if (a.kind < 0)
			continue;                  /* a new child: now serves its own slot */
		s->a = a;
		__atomic_store_n(&s->ans_seq, seen, __ATOMIC_RELEASE);
		if (c.kind == SD_EXIT)
			u_exit(0);
	}
}

/* ---- The transport (struct sd_ops), in this process ---- */

/* Sends C (with REAP_PID) to SLOT and waits for the answer; false when none comes. */
static bool post(int slot, const struct sd_cmd *c, long reap_pid, struct sd_ans *a)
{
	struct slot *s = &mailbox[slot];
	uint32_t seq = s->cmd_seq + 1;

	s->c = *c;
	s->reap_pid = reap_pid;
	__atomic_store_n(&s->cmd_seq, seq, __ATOMIC_RELEASE);
	for (unsigned long n = 0; __atomic_load_n(&s->ans_seq, __ATOMIC_ACQUIRE) != seq; n++) {
		if (n == WAIT_LIMIT)
			return false;
		u_yield();
	}
	*a = s->a;
	return true;
}

static bool t_start(void *ctx)
{
	(void)ctx;
	uint32_t seq0 = mailbox[0].cmd_seq;
	long pid = u_fork();
	if (pid == 0)
		process_main(0, seq0);
	run.pid[0] = pid;
	return pid > 0;
}

static bool t_ask(void *ctx, int slot, const struct sd_cmd *c, struct sd_ans *a)
{
	(void)ctx;
	if (!post(slot, c, 0, a))
		return false;
	if (c->kind == SD_FORK && a->kind == SD_A_OK)
		run.pid[c->child_slot] = (long)a->value;
	return true;
}

static bool t_reap(void *ctx, int slot, int parent)
{
	struct sd_cmd c = { .kind = SD_REAP, .file = -1 };
	struct sd_ans a;
	int st = -1;

	(void)ctx;
	if (parent == SD_PARENT_GONE)
		return true;                       /* an orphan: process 0 reaps it */
	if (parent == SD_PARENT_DRIVER)
		return u_waitpid(run.pid[slot], &st) == run.pid[slot] && st == 0;
	return post(parent, &c, run.pid[slot], &a) && a.kind == SD_A_OK;
}

static int t_file_create(void *ctx, unsigned index, const char *name, uint64_t pages,
			 uint64_t seed)
{
	static uint64_t buf[512];
	char path[PATH_MAX_LEN];

	(void)ctx, (void)name;
	if (!run.files)
		return SD_SKIP;                    /* no testfs daemon (yet) */
	file_path((int)index, path);
	long fd = path_open(path, O_CREAT | O_RDWR | O_TRUNC);
	if (fd < 0)
		return (int)fd;
	run.fd[index] = (int)fd;
	for (uint64_t p = 0; p < pages; p++) {
		sd_pattern_page(seed, p, buf);
		long w = sys3(SYS_WRITE, fd, (long)buf, SC_PAGE_SIZE);
		if (w != SC_PAGE_SIZE)
			return w < 0 ? (int)w : -EIO;
	}
	return 0;
}

static int t_file_read(void *ctx, unsigned index, uint64_t page, void *buf)
{
	long fd = run.fd[index], r = sys3(SYS_LSEEK, fd, (long)(page * SC_PAGE_SIZE), SEEK_SET);
	size_t got = 0;

	(void)ctx;
	if (r < 0)
		return (int)r;
	while (got < SC_PAGE_SIZE) {
		r = sys3(SYS_READ, fd, (long)((char *)buf + got), (long)(SC_PAGE_SIZE - got));
		if (r <= 0)
			return r < 0 ? (int)r : -EIO;
		got += (size_t)r;
	}
	return 0;
}

/* Returns when the daemon has served every request queued before and waits for the next: the
 * first open is served after them, the second after the daemon finished the first; the yields
 * let it go back to its receive, where the kernel lets go of the last request. */
static void testfs_barrier(void)
{
	for (int i = 0; i < 2; i++) {
		long fd = path_open("testfs:.reset", O_RDONLY);
		if (fd >= 0)
			sys1(SYS_CLOSE, fd);
	}
	for (int i = 0; i < 20; i++)
		u_yield();
}

/* Returns the free-frame count once two readings a yield apart agree (at most 100 tries): with
 * several CPUs the daemon may still be finishing the notices of the last scenario on another
 * CPU when the barrier returns, so one reading can catch its frees half done. */
static long settled_free_frames(void)
{
	long a = u_free_frames();
	for (int i = 0; i < 100; i++) {
		u_yield();
		long b = u_free_frames();
		if (b == a)
			return a;
		a = b;
	}
	return a;
}

/* Closes every file (testfs deletes it: nothing maps it any more, every process has exited) and
 * waits until the daemon has served the closes, so that its memory is back before the frame
 * check. */
static void t_files_end(void *ctx, unsigned n)
{
	(void)ctx;
	for (unsigned i = 0; i < n; i++)
		sys1(SYS_CLOSE, run.fd[i]);
	if (n > 0)
		testfs_barrier();
}

/* Returns true when the testfs scheme answers, waiting a little for a daemon still starting. */
static bool testfs_present(void)
{
	for (unsigned i = 0; i < TESTFS_WAIT; i++) {
		long fd = path_open("testfs:.reset", O_RDONLY);
		if (fd >= 0) {
			sys1(SYS_CLOSE, fd);
			return true;
		}
		if (fd != -ENOENT)
			return false;                  /* -ENOSYS: no file syscalls at all */
		u_yield();
	}
	return false;
}

static void t_report(void *ctx, enum sd_report kind, const char *text)
{
	(void)ctx;
	if (kind == SD_REPORT_ERROR) {
		size_t n = strlen(text) < SD_TEXT_MAX - 1 ? strlen(text) : SD_TEXT_MAX - 1;
		memcpy(run.last_error, text, n);
		run.last_error[n] = '\0';
	}
	if (run.quiet)
		return;
	switch (kind) {
	case SD_REPORT_LINE: u_printf("    # %s\n", text); break;
	case SD_REPORT_ERROR: u_printf("    # scenario-error %s\n", text); break;
	case SD_REPORT_FAILURE: u_printf("    # scenario-failure %s\n", text); break;
	case SD_REPORT_SKIP: u_printf("    # scenario-skip %s: %s\n", run.name, text); break;
	}
}

static const struct sd_ops runner_ops = {
	.start = t_start, .ask = t_ask, .reap = t_reap, .file_create = t_file_create,
	.file_read = t_file_read, .files_end = t_files_end, .report = t_report,
};

/* ---- The driver process ---- */

/* Returns whether the scenario TEXT..END has a `file` line (parsed into the driver's lines). */
static bool uses_files(const char *text, const char *end)
{
	struct sc_error err;
	size_t count;

	sc_parse(text, (size_t)(end - text), driver->lines, SD_MAX_LINES, &count, &err);
	for (size_t i = 0; i < count; i++)
		if (driver->lines[i].op == SC_FILE)
			return true;
	return false;
}

/* Runs scenario NAME (PATH, TEXT..END) and checks frames and invariants after it; returns the
 * driver's outcome, SD_FAILED when a check failed. */
static enum sd_result run_one(const char *name, const char *path, const char *text,
			      const char *end)
{
	run.name = name;
	run.last_error[0] = '\0';
	if (run.files && uses_files(text, end)) {
		bool quiet = run.quiet;
		run.quiet = true;                  /* the warm-up run (see the top comment) */
		run.index++;
		sd_run(driver, path, text, (size_t)(end - text));
		run.quiet = quiet;
	}
	if (run.files)
		testfs_barrier();
	run.index++;
	long frames = settled_free_frames();
	if (!run.quiet)
		u_printf("    # scenario-begin %s\n", name);
	enum sd_result r = sd_run(driver, path, text, (size_t)(end - text));
	if (!run.quiet)
		u_printf("    # scenario-end %s\n", name);
	/* An orphan (its parent exited first) is nobody's to wait for here: it answered `exit` and
	 * may not have run its exit yet, so give it the CPU before counting frames. */
	long after = u_free_frames();
	for (int i = 0; i < SETTLE_YIELDS && after != frames; i++) {
		u_yield();
		after = u_free_frames();
	}
	if (after != frames) {
		u_printf("    # scenario %s: free frames %ld before, %ld after\n", name, frames, after);
		r = SD_FAILED;
	}
	long problems = u_check();
	if (problems != 0) {
		u_printf("    # scenario %s: invariant checker found %ld problems\n", name, problems);
		r = SD_FAILED;
	}
	return r;
}

/* Runs malformed scenario B: true when it stopped with exactly its expected message. */
static bool run_bad(const struct scenario_bad_file *b)
{
	size_t n = (size_t)(b->expect_end - b->expect);

	while (n > 0 && (b->expect[n - 1] == '\n' || b->expect[n - 1] == '\r'))
		n--;
	run.quiet = true;
	enum sd_result r = run_one(b->name, b->path, b->text, b->end);
	run.quiet = false;
	bool ok = r == SD_SCENARIO_ERROR && strlen(run.last_error) == n &&
		  memcmp(run.last_error, b->expect, n) == 0;
	if (!ok)
		u_printf("    # scenario-bad %s: result %d, message '%s', expected '%.*s'\n", b->name,
			 (int)r, run.last_error, (int)n, b->expect);
	return ok;
}

int user_main(void)
{
	size_t dsize = (sizeof(struct sd_driver) + U_PAGE - 1) & ~(U_PAGE - 1);
	size_t box = (SD_SLOTS * sizeof(struct slot) + U_PAGE - 1) & ~(U_PAGE - 1);
	int failed = 0, n = 0, skipped = 0, bad = 0, bad_failed = 0;

	driver = u_mmap((void *)DRIVER_ADDR, dsize, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE);
	mailbox = u_mmap((void *)MAILBOX_ADDR, box, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE);
	if (u_mmap_failed(driver) || u_mmap_failed(mailbox))
		return 100;
	memset(mailbox, 0, box);               /* every page present before the first count */
	memset(driver, 0, dsize);
	driver->ops = &runner_ops;
	run.run_id = u_getpid();
	run.files = testfs_present();
	u_printf("    # scenario files: %s\n", run.files ? "testfs" : "none (no testfs daemon)");
	for (const struct scenario_file *f = scenario_files; f->name; f++, n++) {
		enum sd_result r = run_one(f->name, f->path, f->text, f->end);
		skipped += r == SD_SKIPPED;
		failed += r == SD_SCENARIO_ERROR || r == SD_FAILED;
	}
	for (const struct scenario_bad_file *b = scenario_bad_files; b->name; b++, bad++)
		bad_failed += !run_bad(b);
	u_printf("    # scenarios: %d run, %d failed, %d skipped; %d malformed reported right, "
		 "%d wrong\n", n, failed, skipped, bad - bad_failed, bad_failed);
	if (run.files) {                       /* stop the daemon the KTEST started */
		long fd = path_open("testfs:.exit", O_RDONLY);
		if (fd >= 0)
			sys1(SYS_CLOSE, fd);
	}
	return failed + bad_failed;
}
