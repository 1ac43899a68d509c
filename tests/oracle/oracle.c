/* The Linux oracle of the memory scenario format (../shared/scenario-format.md): runs one
 * scenario file on this Linux host and prints its transcript `LINE: RESULT` on stdout.
 *   build/host/oracle FILE.mem      exit 0; 2 on a scenario error (`FILE:LINE: message` on
 *                                   stderr, after the transcript of the lines before); 3 when
 *                                   the oracle itself failed
 * The driver (tests/scenario/driver.c, shared with the kernel runner) keeps all bookkeeping and
 * checks; this file is its Linux transport. Every scenario process is a real process: P0 is
 * forked by this process, the others by `fork` lines in their parent, so fill/poke/peek/sum are
 * user-mode accesses of that process; SIGSEGV/SIGBUS are caught and turned into `fault` with
 * siglongjmp. Pipes: SD_SLOTS command/answer pipe pairs are created before P0 so every process
 * inherits all of them; a process serves one slot. Children of scenario processes reap
 * themselves (SIGCHLD ignored); this process is the subreaper of orphans and reaps everything at
 * the end. Files are memfds of this process; a scenario process maps one by opening
 * /proc/ORACLE/fd/N. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tests/scenario/driver.h"

#define PAGE ((uint64_t)SC_PAGE_SIZE)

static int cmd_pipe[SD_SLOTS][2], ans_pipe[SD_SLOTS][2];
static int file_fd[SD_FILES];
static struct sd_driver driver;
static sigjmp_buf fault_jmp;
static pid_t driver_pid;
static bool started;

static void die(const char *what)
{
	perror(what);
	exit(3);
}

static void on_fault(int sig)
{
	(void)sig;
	siglongjmp(fault_jmp, 1);
}

/* Runs the access of C, catching its fault. */
static struct sd_ans serve_access(const struct sd_cmd *c)
{
	static struct sd_access x;

	x = (struct sd_access){ .c = c, .hash = SC_FNV_BASIS };
	if (sigsetjmp(fault_jmp, 1))
		return sd_access_answer(&x, true);
	sd_access_run(&x);
	return sd_access_answer(&x, false);
}

/* Runs one command in this scenario process and returns its answer; in a new child *SLOT
 * changes and the answer's kind is -1 (the child answers nothing). */
static struct sd_ans serve(const struct sd_cmd *c, int *slot)
{
	struct sd_ans a = { .kind = SD_A_OK };
	int r;

	switch (c->kind) {
	case SD_MAP: {
		int fd = -1;
		if (c->file >= 0) {
			char p[64];
			snprintf(p, sizeof(p), "/proc/%d/fd/%d", (int)driver_pid, c->file);
			fd = open(p, O_RDWR);
			if (fd < 0)
				die("open memfd");
		}
		void *m = mmap((void *)(uintptr_t)c->addr, c->len, c->prot, c->flags, fd, (off_t)c->off);
		if (m == MAP_FAILED) {
			a.kind = SD_A_ERR;
			a.err = errno;
		} else if ((uintptr_t)m != c->addr) {
			die("mmap placed elsewhere");
		}
		if (fd >= 0)
			close(fd);
		return a;
	}
	case SD_UNMAP:
	case SD_PROTECT:
		r = c->kind == SD_UNMAP ? munmap((void *)(uintptr_t)c->addr, c->len)
					: mprotect((void *)(uintptr_t)c->addr, c->len, c->prot);
		if (r != 0) {
			a.kind = SD_A_ERR;
			a.err = errno;
		}
		return a;
	case SD_FORK: {
		fflush(NULL);
		pid_t pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0) {
			*slot = c->child_slot;
			return (struct sd_ans){ .kind = -1 };
		}
		return a;
	}
	case SD_EXIT:
		return a;
	default:
		return serve_access(c);
	}
}

static void xread(int fd, void *buf, size_t n)
{
	ssize_t r;

	do
		r = read(fd, buf, n);
	while (r < 0 && errno == EINTR);
	if (r != (ssize_t)n)
		exit(r == 0 ? 0 : 3);   /* the driver is gone */
}

static void xwrite(int fd, const void *buf, size_t n)
{
	if (write(fd, buf, n) != (ssize_t)n)
		die("write pipe");
}

/* The life of one scenario process: serve commands of SLOT until `exit`. */
static __attribute__((noreturn)) void process_main(int slot)
{
	struct sigaction sa = { .sa_handler = on_fault };

	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	signal(SIGCHLD, SIG_IGN);   /* children of scenario processes reap themselves */
	/* Only the driver writes commands and reads answers, so a process sees EOF (and leaves)
	 * when the driver is gone. */
	for (int i = 0; i < SD_SLOTS; i++) {
		close(cmd_pipe[i][1]);
		close(ans_pipe[i][0]);
	}
	for (;;) {
		struct sd_cmd c;
		xread(cmd_pipe[slot][0], &c, sizeof(c));
		struct sd_ans a = serve(&c, &slot);
		if (a.kind < 0)
			continue;   /* a new child: now serves its own slot */
		xwrite(ans_pipe[slot][1], &a, sizeof(a));
		if (c.kind == SD_EXIT)
			_exit(0);
	}
}

/* ---- The transport (struct sd_ops) ---- */

static bool t_start(void *ctx)
{
	(void)ctx;
	fflush(NULL);
	pid_t p0 = fork();
	if (p0 < 0)
		die("fork");
	if (p0 == 0)
		process_main(0);
	started = true;
	return true;
}

/* Sends C to SLOT and waits for the answer (a 60 s silence is a failure). The process gets
 * the memfd's number in place of the file's index (it was forked before the file existed). */
static bool t_ask(void *ctx, int slot, const struct sd_cmd *c, struct sd_ans *a)
{
	struct pollfd p = { .fd = ans_pipe[slot][0], .events = POLLIN };
	struct sd_cmd wire = *c;

	(void)ctx;
	if (c->kind == SD_FORK)
		fflush(stdout);
	if (c->kind == SD_MAP && c->file >= 0)
		wire.file = file_fd[c->file];
	xwrite(cmd_pipe[slot][1], &wire, sizeof(wire));
	if (poll(&p, 1, 60000) != 1)
		return false;
	xread(ans_pipe[slot][0], a, sizeof(*a));
	return true;
}

/* Nothing to do: scenario processes reap their children, this process reaps P0 and orphans at
 * the end (stop_all). */
static bool t_reap(void *ctx, int slot, int parent)
{
	(void)ctx, (void)slot, (void)parent;
	return true;
}

static int t_file_create(void *ctx, unsigned index, const char *name, uint64_t pages,
			 uint64_t seed)
{
	static uint64_t buf[512];

	(void)ctx;
	file_fd[index] = memfd_create(name, 0);
	if (file_fd[index] < 0)
		return -errno;
	for (uint64_t p = 0; p < pages; p++) {
		sd_pattern_page(seed, p, buf);
		if (pwrite(file_fd[index], buf, PAGE, (off_t)(p * PAGE)) != (ssize_t)PAGE)
			return -EIO;
	}
	return 0;
}

static int t_file_read(void *ctx, unsigned index, uint64_t page, void *buf)
{
	(void)ctx;
	if (lseek(file_fd[index], (off_t)(page * PAGE), SEEK_SET) < 0)
		return -errno;
	if (read(file_fd[index], buf, PAGE) != (ssize_t)PAGE)
		return -EIO;
	return 0;
}

static void t_files_end(void *ctx, unsigned n)
{
	(void)ctx;
	for (unsigned i = 0; i < n; i++)
		close(file_fd[i]);
}

static void t_report(void *ctx, enum sd_report kind, const char *text)
{
	(void)ctx;
	if (kind == SD_REPORT_LINE) {
		printf("%s\n", text);
		return;
	}
	fflush(stdout);
	fprintf(stderr, "%s%s\n", kind == SD_REPORT_FAILURE ? "oracle failure: " :
		kind == SD_REPORT_SKIP ? "skipped: " : "", text);
}

static const struct sd_ops oracle_ops = {
	.start = t_start, .ask = t_ask, .reap = t_reap, .file_create = t_file_create,
	.file_read = t_file_read, .files_end = t_files_end, .report = t_report,
};

/* Reads the whole file at PATH into a malloc'd buffer. */
static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);

	if (!f || !buf)
		die(path);
	for (size_t r; (r = fread(buf + n, 1, cap - n, f)) > 0;) {
		n += r;
		if (n == cap && !(buf = realloc(buf, cap *= 2)))
			die("realloc");
	}
	fclose(f);
	*len = n;
	return buf;
}

int main(int argc, char **argv)
{
	size_t len;

	if (argc != 2) {
		fprintf(stderr, "usage: %s FILE.mem\n", argv[0]);
		return 3;
	}
	char *text = read_all(argv[1], &len);
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
		die("prctl");
	signal(SIGPIPE, SIG_IGN);
	for (int i = 0; i < SD_SLOTS; i++)
		if (pipe(cmd_pipe[i]) != 0 || pipe(ans_pipe[i]) != 0)
			die("pipe");
	driver_pid = getpid();
	driver.ops = &oracle_ops;
	enum sd_result r = sd_run(&driver, argv[1], text, len);
	fflush(stdout);
	/* Closing the command pipes makes any process still alive read EOF and leave. */
	for (int i = 0; i < SD_SLOTS; i++)
		close(cmd_pipe[i][1]);
	while (started && (wait(NULL) > 0 || errno == EINTR))
		;
	free(text);
	return r == SD_CLEAN ? 0 : r == SD_SCENARIO_ERROR ? 2 : 3;
}
