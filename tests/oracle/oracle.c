/* The Linux oracle of the memory scenario format (../shared/scenario-format.md): runs one
 * scenario file on this Linux host and prints its transcript `LINE: RESULT` on stdout.
 *   build/host/oracle FILE.mem      exit 0; 2 on a scenario error (`FILE:LINE: message` on stderr)
 * A driver (this process) keeps all bookkeeping (bindings, the placement counter, files) and
 * sends each line, reduced to raw addresses, to the scenario process it names. Every scenario
 * process is a real process: P0 is forked by the driver, the others by `fork` lines in their
 * parent, so fill/poke/peek/sum are user-mode accesses of that process; SIGSEGV/SIGBUS are caught
 * and turned into `fault` with siglongjmp. Pipes: SLOTS command/answer pipe pairs are created
 * before P0 so every process inherits all of them; a process serves one slot.
 * Files are memfds of the driver; a process maps one by opening /proc/DRIVER/fd/N.
 * Resolved ambiguities (Linux behaviour, or the strict reading):
 *  - placement: the counter moves only when the unhinted map succeeds; a MAP_FIXED_NOREPLACE
 *    failing with EEXIST (host address already in use) is a scenario error, not a result;
 *  - window: every range a line touches, [base+FIRST*4096, +COUNT*4096), must lie in
 *    [0x40000000, 0x80000000); for COUNT 0 only the start is checked (start <= 0x80000000);
 *  - a `file` of more than 1 GiB (the window's size) or a PAGEOFF past 1 GiB is a scenario
 *    error (Linux would give EOVERFLOW for huge offsets, outside the format's errnos);
 *  - a line's checks run in this order: process alive, names/files known, window; fill/sum of 0
 *    pages still need a bound name and an in-window start, but send nothing to the process;
 *  - `file` and `filesum` run in the driver (files are scenario-wide), after checking that the
 *    named process is alive; `fork` of a child name equal to the parent's is a live-name error. */
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
#include "tests/scenario/scenario.h"

#define SLOTS        64
#define MAX_BINDINGS 2048
#define MAX_FILES    64
#define MAX_LINES    100000
#define PAGE         ((uint64_t)SC_PAGE_SIZE)
/* Files and PAGEOFF are limited to the window's size (1 GiB): Linux would answer EOVERFLOW for
 * huge offsets, which the format does not allow, and i686 has 32-bit file offsets. */
#define MAX_FILE_PAGES ((SC_WINDOW_HI - SC_WINDOW_LO) / PAGE)

enum cmd_kind { C_MAP, C_UNMAP, C_PROTECT, C_FILL, C_POKE, C_PEEK, C_SUM, C_FORK, C_EXIT };
enum ans_kind { A_OK, A_ERR, A_VALUE, A_HASH, A_FAULT };

/* Driver -> process: one line reduced to addresses. */
struct cmd {
	int kind;
	uint64_t addr, len, seed, page0;  /* page0: page index inside NAME of addr (fill) */
	int prot, flags, file_fd, child_slot;
	uint64_t off;
	unsigned char byte;
};

/* Process -> driver. */
struct ans {
	int kind, err;
	uint64_t value;
};

struct binding {
	char name[SC_NAME_MAX];
	uint64_t addr;
};

struct proc {
	bool alive;
	char name[SC_NAME_MAX];
	unsigned nbind;
	struct binding bind[MAX_BINDINGS];
};

struct file {
	char name[SC_NAME_MAX];
	int fd;
	uint64_t pages;
};

static int cmd_pipe[SLOTS][2], ans_pipe[SLOTS][2];
static struct proc procs[SLOTS];
static struct file files[MAX_FILES];
static unsigned nfiles;
static uint64_t counter = SC_WINDOW_LO;
static struct sc_line lines[MAX_LINES];
static const char *path;
static sigjmp_buf fault_jmp;
static pid_t driver_pid;

static void die(const char *what)
{
	perror(what);
	exit(3);
}

/* Closes every command pipe, so that each live process reads EOF and leaves, and reaps them
 * all (the driver is their subreaper). */
static void stop_all(void)
{
	for (int i = 0; i < SLOTS; i++)
		close(cmd_pipe[i][1]);
	while (wait(NULL) > 0 || errno == EINTR)
		;
}

/* Prints a scenario error for LINENO and exits with status 2 (stdout flushed first). */
static void scenario_error(unsigned lineno, const char *msg, const char *arg)
{
	fflush(stdout);
	fprintf(stderr, "%s:%u: %s%s%s\n", path, lineno, msg, arg ? " " : "", arg ? arg : "");
	stop_all();
	exit(2);
}

static void on_fault(int sig)
{
	(void)sig;
	siglongjmp(fault_jmp, 1);
}

static int prot_bits(enum sc_prot p)
{
	static const int bits[] = { PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE,
				    PROT_READ | PROT_EXEC, PROT_READ | PROT_WRITE | PROT_EXEC };
	return bits[p];
}

/* Runs one command in this scenario process and returns its answer; volatile locals survive
 * the siglongjmp of a fault. */
static struct ans serve(const struct cmd *c, int *slot)
{
	struct ans a = { .kind = A_OK };
	volatile uint64_t h = SC_FNV_BASIS;

	switch (c->kind) {
	case C_MAP: {
		int fd = -1;
		if (c->file_fd >= 0) {
			char p[64];
			snprintf(p, sizeof(p), "/proc/%d/fd/%d", (int)driver_pid, c->file_fd);
			fd = open(p, O_RDWR);
			if (fd < 0)
				die("open memfd");
		}
		void *r = mmap((void *)(uintptr_t)c->addr, c->len, c->prot, c->flags, fd, (off_t)c->off);
		if (r == MAP_FAILED) {
			a.kind = A_ERR;
			a.err = errno;
		} else if ((uintptr_t)r != c->addr) {
			die("mmap placed elsewhere");
		}
		if (fd >= 0)
			close(fd);
		return a;
	}
	case C_UNMAP:
	case C_PROTECT:
		if ((c->kind == C_UNMAP ? munmap((void *)(uintptr_t)c->addr, c->len)
					: mprotect((void *)(uintptr_t)c->addr, c->len, c->prot)) != 0) {
			a.kind = A_ERR;
			a.err = errno;
		}
		return a;
	case C_FORK: {
		fflush(NULL);
		pid_t pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0) {
			*slot = c->child_slot;
			return (struct ans){ .kind = -1 };   /* the child answers nothing */
		}
		return a;
	}
	case C_EXIT:
		return a;
	default:
		break;
	}
	if (sigsetjmp(fault_jmp, 1))
		return (struct ans){ .kind = A_FAULT };   /* `a` may be clobbered here */
	volatile unsigned char *b = (volatile unsigned char *)(uintptr_t)c->addr;
	switch (c->kind) {
	case C_FILL: {
		volatile uint64_t *w = (volatile uint64_t *)(uintptr_t)c->addr;
		for (uint64_t i = 0; i < c->len / 8; i++)
			w[i] = sc_pattern_word(c->seed, c->page0 + i / 512, i % 512);
		break;
	}
	case C_POKE:
		*b = c->byte;
		break;
	case C_PEEK:
		a.kind = A_VALUE;
		a.value = *b;
		break;
	case C_SUM:
		for (uint64_t i = 0; i < c->len; i++) {
			unsigned char v = b[i];
			h = (h ^ v) * SC_FNV_PRIME;
		}
		a.kind = A_HASH;
		a.value = h;
		break;
	}
	return a;
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
static void process_main(int slot)
{
	struct sigaction sa = { .sa_handler = on_fault };

	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	signal(SIGCHLD, SIG_IGN);   /* children of scenario processes reap themselves */
	/* Only the driver writes commands and reads answers, so a process sees EOF (and leaves)
	 * when the driver is gone, e.g. after a scenario error. */
	for (int i = 0; i < SLOTS; i++) {
		close(cmd_pipe[i][1]);
		close(ans_pipe[i][0]);
	}
	for (;;) {
		struct cmd c;
		xread(cmd_pipe[slot][0], &c, sizeof(c));
		struct ans a = serve(&c, &slot);
		if (a.kind < 0)
			continue;   /* a new child: now serves its own slot */
		xwrite(ans_pipe[slot][1], &a, sizeof(a));
		if (c.kind == C_EXIT)
			_exit(0);
	}
}

/* Sends C to the process in SLOT and returns its answer (a 60 s silence is an oracle failure). */
static struct ans ask(int slot, const struct cmd *c)
{
	struct ans a;
	struct pollfd p = { .fd = ans_pipe[slot][0], .events = POLLIN };

	xwrite(cmd_pipe[slot][1], c, sizeof(*c));
	if (poll(&p, 1, 60000) != 1) {
		fprintf(stderr, "%s: oracle: scenario process %s does not answer\n", path,
			procs[slot].name);
		exit(3);
	}
	xread(ans_pipe[slot][0], &a, sizeof(a));
	return a;
}

static int find_proc(const char *name)
{
	for (int i = 0; i < SLOTS; i++)
		if (procs[i].alive && strcmp(procs[i].name, name) == 0)
			return i;
	return -1;
}

static struct file *find_file(const char *name)
{
	for (unsigned i = 0; i < nfiles; i++)
		if (strcmp(files[i].name, name) == 0)
			return &files[i];
	return NULL;
}

static struct binding *find_binding(struct proc *p, const char *name)
{
	for (unsigned i = 0; i < p->nbind; i++)
		if (strcmp(p->bind[i].name, name) == 0)
			return &p->bind[i];
	return NULL;
}

/* Returns the address of page PAGE of NAME in P, or a scenario error. */
static uint64_t page_addr(const struct sc_line *l, struct proc *p, const char *name, uint64_t page)
{
	struct binding *b = find_binding(p, name);

	if (!b)
		scenario_error(l->lineno, "name never bound in this process:", name);
	if (page >= (SC_WINDOW_HI - SC_WINDOW_LO) / PAGE)
		scenario_error(l->lineno, "address outside the scenario window", NULL);
	return b->addr + page * PAGE;
}

/* Checks that [addr, addr + pages pages) lies in the window (see the top comment for 0). */
static void check_window(const struct sc_line *l, uint64_t addr, uint64_t pages)
{
	if (addr < SC_WINDOW_LO || addr > SC_WINDOW_HI ||
	    pages > (SC_WINDOW_HI - addr) / PAGE || (pages > 0 && addr == SC_WINDOW_HI))
		scenario_error(l->lineno, "address outside the scenario window", NULL);
}

static void bind(const struct sc_line *l, struct proc *p, const char *name, uint64_t addr)
{
	struct binding *b = find_binding(p, name);

	if (!b) {
		if (p->nbind == MAX_BINDINGS)
			scenario_error(l->lineno, "too many mapping names for the oracle", NULL);
		b = &p->bind[p->nbind++];
		strcpy(b->name, name);
	}
	b->addr = addr;
}

static const char *errno_name(int e)
{
	switch (e) {
	case EINVAL: return "EINVAL";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EEXIST: return "EEXIST";
	case EPERM: return "EPERM";
	case EBADF: return "EBADF";
	case ENODEV: return "ENODEV";
	case EOVERFLOW: return "EOVERFLOW";
	default: return "E?";
	}
}

/* Fills PAGES pages of file F with the pattern of SEED (page index = page of the file). */
static void file_create(const struct sc_line *l)
{
	static uint64_t buf[512];

	if (find_file(l->name))
		scenario_error(l->lineno, "file created twice:", l->name);
	if (l->n[0] > MAX_FILE_PAGES)
		scenario_error(l->lineno, "file larger than the window", NULL);
	if (nfiles == MAX_FILES)
		scenario_error(l->lineno, "too many files for the oracle", NULL);
	struct file *f = &files[nfiles++];
	strcpy(f->name, l->name);
	f->pages = l->n[0];
	f->fd = memfd_create(l->name, 0);
	if (f->fd < 0)
		die("memfd_create");
	for (uint64_t p = 0; p < f->pages; p++) {
		for (unsigned w = 0; w < 512; w++)
			buf[w] = sc_pattern_word(l->n[1], p, w);   /* little-endian host */
		if (pwrite(f->fd, buf, PAGE, (off_t)(p * PAGE)) != (ssize_t)PAGE)
			die("pwrite file");
	}
}

static uint64_t file_sum(const struct sc_line *l)
{
	static unsigned char buf[SC_PAGE_SIZE];
	struct file *f = find_file(l->name);
	uint64_t h = SC_FNV_BASIS;

	if (!f)
		scenario_error(l->lineno, "file never created:", l->name);
	if (l->n[0] > f->pages || l->n[1] > f->pages - l->n[0])
		scenario_error(l->lineno, "filesum past the end of the file", NULL);
	if (lseek(f->fd, (off_t)(l->n[0] * PAGE), SEEK_SET) < 0)
		die("lseek");
	for (uint64_t p = 0; p < l->n[1]; p++) {
		if (read(f->fd, buf, PAGE) != (ssize_t)PAGE)
			die("read file");
		h = sc_fnv1a(h, buf, PAGE);
	}
	return h;
}

/* Runs one line and prints its transcript line. */
static void run_line(const struct sc_line *l)
{
	int slot = find_proc(l->proc);
	struct cmd c = { .file_fd = -1 };
	struct proc *p;
	struct ans a;
	char hex[17];

	if (slot < 0)
		scenario_error(l->lineno, "process not alive:", l->proc);
	p = &procs[slot];
	switch (l->op) {
	case SC_MAP:
	case SC_MAPFILE: {
		uint64_t pages = l->op == SC_MAP ? l->n[0] : l->n[1];
		c.kind = C_MAP;
		c.prot = prot_bits(l->prot);
		c.flags = l->shared ? MAP_SHARED : MAP_PRIVATE;
		if (l->op == SC_MAP) {
			c.flags |= MAP_ANONYMOUS;
		} else {
			struct file *f = find_file(l->file);
			if (!f)
				scenario_error(l->lineno, "file never created:", l->file);
			if (l->n[0] > MAX_FILE_PAGES)
				scenario_error(l->lineno, "PAGEOFF larger than the window", NULL);
			c.file_fd = f->fd;
			c.off = l->n[0] * PAGE;
		}
		if (l->has_at) {
			c.addr = page_addr(l, p, l->at_name, l->at_page);
			c.flags |= MAP_FIXED;
		} else {
			c.addr = counter;
			c.flags |= MAP_FIXED_NOREPLACE;
		}
		check_window(l, c.addr, pages);
		c.len = pages * PAGE;
		a = ask(slot, &c);
		if (a.kind == A_ERR && a.err == EEXIST)
			scenario_error(l->lineno, "placement address already in use on this host", NULL);
		if (a.kind == A_OK) {
			bind(l, p, l->name, c.addr);
			if (!l->has_at)
				counter += (pages + 1) * PAGE;
		}
		break;
	}
	case SC_UNMAP:
	case SC_PROTECT:
	case SC_FILL:
	case SC_SUM:
		c.kind = l->op == SC_UNMAP ? C_UNMAP : l->op == SC_PROTECT ? C_PROTECT :
			 l->op == SC_FILL ? C_FILL : C_SUM;
		c.addr = page_addr(l, p, l->name, l->n[0]);
		check_window(l, c.addr, l->n[1]);
		c.len = l->n[1] * PAGE;
		c.prot = prot_bits(l->prot);
		c.seed = l->n[2];
		c.page0 = l->n[0];
		if ((l->op == SC_FILL || l->op == SC_SUM) && l->n[1] == 0)
			a = (struct ans){ .kind = l->op == SC_FILL ? A_OK : A_HASH, .value = SC_FNV_BASIS };
		else
			a = ask(slot, &c);
		break;
	case SC_POKE:
	case SC_PEEK:
		c.kind = l->op == SC_POKE ? C_POKE : C_PEEK;
		c.addr = page_addr(l, p, l->name, l->n[0]);
		check_window(l, c.addr, 1);
		c.addr += l->n[1];
		c.byte = (unsigned char)l->n[2];
		a = ask(slot, &c);
		break;
	case SC_FORK: {
		int child = find_proc(l->name);
		if (child >= 0)
			scenario_error(l->lineno, "fork to a live name:", l->name);
		for (child = 0; child < SLOTS && procs[child].alive; child++)
			;
		if (child == SLOTS)
			scenario_error(l->lineno, "too many live processes for the oracle", NULL);
		c.kind = C_FORK;
		c.child_slot = child;
		fflush(stdout);
		a = ask(slot, &c);
		procs[child] = *p;
		strcpy(procs[child].name, l->name);
		break;
	}
	case SC_EXIT:
		c.kind = C_EXIT;
		a = ask(slot, &c);
		p->alive = false;
		break;
	case SC_FILE:
		file_create(l);
		a = (struct ans){ .kind = A_OK };
		break;
	case SC_FILESUM:
		a = (struct ans){ .kind = A_HASH, .value = file_sum(l) };
		break;
	default:
		scenario_error(l->lineno, "internal: unknown op", NULL);
	}
	switch (a.kind) {
	case A_OK: printf("%u: ok\n", l->lineno); break;
	case A_ERR: printf("%u: err %s\n", l->lineno, errno_name(a.err)); break;
	case A_VALUE: printf("%u: = %llu\n", l->lineno, (unsigned long long)a.value); break;
	case A_FAULT: printf("%u: fault\n", l->lineno); break;
	case A_HASH:
		sc_hex64(a.value, hex);
		printf("%u: = %s\n", l->lineno, hex);
		break;
	}
}

/* Reads the whole file at PATH into a malloc'd buffer. */
static char *read_all(size_t *len)
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
	struct sc_error err;
	size_t len, count;
	int status = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s FILE.mem\n", argv[0]);
		return 3;
	}
	path = argv[1];
	char *text = read_all(&len);
	int rc = sc_parse(text, len, lines, MAX_LINES, &count, &err);
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
		die("prctl");
	signal(SIGPIPE, SIG_IGN);
	for (int i = 0; i < SLOTS; i++)
		if (pipe(cmd_pipe[i]) != 0 || pipe(ans_pipe[i]) != 0)
			die("pipe");
	driver_pid = getpid();
	strcpy(procs[0].name, "P0");
	procs[0].alive = true;
	fflush(NULL);
	pid_t p0 = fork();
	if (p0 < 0)
		die("fork");
	if (p0 == 0)
		process_main(0);
	/* Scenario errors exit from inside run_line; the processes then see the pipes close. */
	for (size_t i = 0; i < count; i++)
		run_line(&lines[i]);
	if (rc != 0) {
		fflush(stdout);
		fprintf(stderr, "%s:%u: %s\n", path, err.lineno, err.msg);
		status = 2;
	}
	for (int i = 0; i < SLOTS; i++) {
		if (procs[i].alive) {
			struct cmd c = { .kind = C_EXIT, .file_fd = -1 };
			ask(i, &c);
			procs[i].alive = false;
		}
	}
	stop_all();
	free(text);
	return status;
}
