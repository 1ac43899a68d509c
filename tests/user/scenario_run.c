/* The kernel-side runner of the memory scenarios (../shared/scenario-format.md), anonymous subset:
 * runs every scenario linked into this program (the Makefile's table of $(SCENARIO_DIR)) and
 * prints each transcript between `    # scenario-begin NAME` and `    # scenario-end NAME`, every
 * line a KTAP diagnostic `    # LINE: RESULT` (tests/run-tests.sh extracts and compares them with
 * the Linux oracle's). Scenarios using file/mapfile/filesum print `    # scenario-skip NAME: ...`.
 * Design, as in tests/oracle/oracle.c: this process is the driver, keeping all bookkeeping
 * (bindings, the placement counter) and sending each line, reduced to addresses, to the scenario
 * process it names. Scenario processes are real processes (P0 forked by the driver, the others by
 * `fork` lines in their parent), so fill/poke/peek/sum are user-mode accesses that fault for real;
 * faults come back through u_try. Communication: a MAP_SHARED anonymous mailbox created before P0
 * (inherited by every fork), one slot per process with a command, an answer and two sequence
 * numbers; both sides wait with u_yield(). An exited process is reaped by its parent on the
 * driver's request (its orphans go to the kernel's process 0). Checks order and scenario errors
 * follow the oracle. After each scenario the driver checks the free frame count and the mm
 * invariant checker; the exit status is the number of failed scenarios. */
#include "tests/user/lib/ulib.h"
#include "tests/scenario/scenario.h"

#define SLOTS        32
#define MAX_BINDINGS 1024
#define MAX_LINES    2048
#define PAGE         ((uint64_t)SC_PAGE_SIZE)
#define MAILBOX_ADDR 0x20000000ul      /* both outside the scenario window */
#define TABLES_ADDR  0x10000000ul
#define WAIT_LIMIT   2000000ul         /* yields before a silent process is a runner failure */
#define SETTLE_YIELDS 1000             /* for orphans still on their way out (see below) */

struct scenario_file {
	const char *name, *text, *end;
};
extern const struct scenario_file scenario_files[];

enum cmd_kind { C_MAP, C_UNMAP, C_PROTECT, C_FILL, C_POKE, C_PEEK, C_SUM, C_FORK, C_EXIT, C_REAP };
enum ans_kind { A_OK, A_ERR, A_VALUE, A_HASH, A_FAULT };

/* Driver -> process: one line reduced to addresses (C_REAP: wait for child PID). */
struct cmd {
	int kind, prot, flags, child_slot;
	uint32_t child_seq;               /* the child slot's cmd_seq when forked */
	long pid;
	uint64_t addr, len, seed, page0;
	unsigned char byte;
};

struct ans {
	int kind, err;
	uint64_t value;
};

struct slot {
	uint32_t cmd_seq, ans_seq;        /* accessed with __atomic */
	struct cmd c;
	struct ans a;
};

struct binding {
	char name[SC_NAME_MAX];
	uint64_t addr;
};

struct proc {
	bool alive;
	char name[SC_NAME_MAX];
	int parent;                       /* slot of the parent, -1 = the driver */
	unsigned parent_gen;              /* the parent slot's generation when forked */
	unsigned gen;
	long pid;
	unsigned nbind;
	struct binding bind[MAX_BINDINGS];
};

struct tables {
	struct sc_line lines[MAX_LINES];
	struct proc procs[SLOTS];
};

static struct slot *mailbox;
static struct tables *t;
static uint64_t counter;
static const char *cur_name;
static bool scenario_failed;

/* ---- The scenario process side ---- */

static int prot_bits(enum sc_prot p)
{
	static const int bits[] = { PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE,
				    PROT_READ | PROT_EXEC, PROT_READ | PROT_WRITE | PROT_EXEC };
	return bits[p];
}

/* A fill/poke/peek/sum in progress: what a fault must not lose lives here. */
struct access {
	const struct cmd *c;
	volatile uint64_t hash;
	volatile uint8_t value;
};

static void do_access(void *arg)
{
	struct access *x = arg;
	const struct cmd *c = x->c;
	volatile uint8_t *b = (volatile uint8_t *)(uintptr_t)c->addr;

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
		x->value = *b;
		break;
	case C_SUM: {
		uint64_t h = SC_FNV_BASIS;
		for (uint64_t i = 0; i < c->len; i++) {
			h = (h ^ b[i]) * SC_FNV_PRIME;
			x->hash = h;
		}
		break;
	}
	}
}

/* Runs command C in this process and returns its answer; in a new child SLOT and SEEN change,
 * which answers nothing (kind -1). */
static struct ans serve(const struct cmd *c, int *slot, uint32_t *seen)
{
	struct ans a = { .kind = A_OK };
	long r;

	switch (c->kind) {
	case C_MAP: {
		void *p = u_mmap((void *)(uintptr_t)c->addr, (size_t)c->len, c->prot, c->flags);
		if (u_mmap_failed(p)) {
			a.kind = A_ERR;
			a.err = (int)-(long)(uintptr_t)p;
		} else if ((uintptr_t)p != c->addr) {
			a.kind = A_ERR;
			a.err = -1;                /* placed elsewhere: a runner failure */
		}
		return a;
	}
	case C_UNMAP:
	case C_PROTECT:
		r = c->kind == C_UNMAP ? u_munmap((void *)(uintptr_t)c->addr, (size_t)c->len)
				       : u_mprotect((void *)(uintptr_t)c->addr, (size_t)c->len, c->prot);
		if (r != 0) {
			a.kind = A_ERR;
			a.err = (int)-r;
		}
		return a;
	case C_FORK:
		r = u_fork();
		if (r == 0) {
			*slot = c->child_slot;
			*seen = c->child_seq;
			return (struct ans){ .kind = -1 };
		}
		if (r < 0) {
			a.kind = A_ERR;
			a.err = -1;
		}
		a.value = (uint64_t)r;
		return a;
	case C_REAP: {
		int st = -1;
		if (u_waitpid(c->pid, &st) != c->pid || st != 0) {
			a.kind = A_ERR;
			a.err = -1;
		}
		return a;
	}
	case C_EXIT:
		return a;
	}
	struct access x = { .c = c, .hash = SC_FNV_BASIS };
	if (u_try(do_access, &x, NULL, NULL))
		return (struct ans){ .kind = A_FAULT };
	if (c->kind == C_PEEK)
		return (struct ans){ .kind = A_VALUE, .value = x.value };
	if (c->kind == C_SUM)
		return (struct ans){ .kind = A_HASH, .value = x.hash };
	return a;
}

/* The life of one scenario process: serve the commands of SLOT until `exit`. */
static __attribute__((noreturn)) void process_main(int slot, uint32_t seen)
{
	for (;;) {
		struct slot *s = &mailbox[slot];
		while (__atomic_load_n(&s->cmd_seq, __ATOMIC_ACQUIRE) == seen)
			u_yield();
		seen = s->cmd_seq;
		struct cmd c = s->c;
		struct ans a = serve(&c, &slot, &seen);
		if (a.kind < 0)
			continue;                  /* a new child: now serves its own slot */
		s->a = a;
		__atomic_store_n(&s->ans_seq, seen, __ATOMIC_RELEASE);
		if (c.kind == C_EXIT)
			u_exit(0);
	}
}

/* ---- The driver side ---- */

/* Reports a runner failure (not a scenario result) and marks the scenario failed. */
static void runner_fail(unsigned lineno, const char *msg)
{
	u_printf("    # scenario-error %s:%u: %s\n", cur_name, lineno, msg);
	scenario_failed = true;
}

/* Sends C to the process in SLOT and returns its answer (kind -1 when it never answers). */
static struct ans ask(int slot, const struct cmd *c)
{
	struct slot *s = &mailbox[slot];
	uint32_t seq = s->cmd_seq + 1;

	s->c = *c;
	__atomic_store_n(&s->cmd_seq, seq, __ATOMIC_RELEASE);
	for (unsigned long n = 0; __atomic_load_n(&s->ans_seq, __ATOMIC_ACQUIRE) != seq; n++) {
		if (n == WAIT_LIMIT)
			return (struct ans){ .kind = -1 };
		u_yield();
	}
	return s->a;
}

static int find_proc(const char *name)
{
	for (int i = 0; i < SLOTS; i++)
		if (t->procs[i].alive && strcmp(t->procs[i].name, name) == 0)
			return i;
	return -1;
}

static struct binding *find_binding(struct proc *p, const char *name)
{
	for (unsigned i = 0; i < p->nbind; i++)
		if (strcmp(p->bind[i].name, name) == 0)
			return &p->bind[i];
	return NULL;
}

/* Scenario error: prints `NAME:LINE: message` as the oracle does and returns false. */
static bool scenario_error(unsigned lineno, const char *msg, const char *arg)
{
	u_printf("    # scenario-error %s:%u: %s%s%s\n", cur_name, lineno, msg, arg ? " " : "",
		 arg ? arg : "");
	scenario_failed = true;
	return false;
}

/* Sets *ADDR to page PAGE of NAME in P; false after a scenario error. */
static bool page_addr(const struct sc_line *l, struct proc *p, const char *name, uint64_t page,
		      uint64_t *addr)
{
	struct binding *b = find_binding(p, name);

	if (!b)
		return scenario_error(l->lineno, "name never bound in this process:", name);
	if (page >= (SC_WINDOW_HI - SC_WINDOW_LO) / PAGE)
		return scenario_error(l->lineno, "address outside the scenario window", NULL);
	*addr = b->addr + page * PAGE;
	return true;
}

/* True when [ADDR, +PAGES pages) lies in the window (for 0 pages: the start, as the oracle). */
static bool check_window(const struct sc_line *l, uint64_t addr, uint64_t pages)
{
	if (addr < SC_WINDOW_LO || addr > SC_WINDOW_HI ||
	    pages > (SC_WINDOW_HI - addr) / PAGE || (pages > 0 && addr == SC_WINDOW_HI))
		return scenario_error(l->lineno, "address outside the scenario window", NULL);
	return true;
}

static bool bind(const struct sc_line *l, struct proc *p, const char *name, uint64_t addr)
{
	struct binding *b = find_binding(p, name);

	if (!b) {
		if (p->nbind == MAX_BINDINGS)
			return scenario_error(l->lineno, "too many mapping names for the runner", NULL);
		b = &p->bind[p->nbind++];
		memcpy(b->name, name, sizeof(b->name));
	}
	b->addr = addr;
	return true;
}

static const char *errno_name(int e)
{
	switch (e) {
	case 22: return "EINVAL";
	case 12: return "ENOMEM";
	case 13: return "EACCES";
	case 17: return "EEXIST";
	case 1: return "EPERM";
	case 9: return "EBADF";
	default: return "E?";
	}
}

/* Ends the process in SLOT (answering `exit`) and has its parent reap it; false on failure. */
static bool end_proc(int slot, struct ans *a)
{
	struct proc *p = &t->procs[slot];
	struct cmd c = { .kind = C_EXIT };

	*a = ask(slot, &c);
	p->alive = false;
	if (a->kind != A_OK)
		return false;
	if (p->parent < 0) {
		int st = -1;
		return u_waitpid(p->pid, &st) == p->pid && st == 0;
	}
	struct proc *parent = &t->procs[p->parent];
	if (!parent->alive || parent->gen != p->parent_gen)
		return true;                       /* an orphan: process 0 reaps it */
	struct cmd r = { .kind = C_REAP, .pid = p->pid };
	return ask(p->parent, &r).kind == A_OK;
}

/* Runs one line and prints its transcript line; false after a scenario error or a failure. */
static bool run_line(const struct sc_line *l)
{
	int slot = find_proc(l->proc);
	struct cmd c = { .kind = 0 };
	struct proc *p;
	struct ans a;
	char hex[17];

	if (slot < 0)
		return scenario_error(l->lineno, "process not alive:", l->proc);
	p = &t->procs[slot];
	switch (l->op) {
	case SC_MAP:
		c.kind = C_MAP;
		c.prot = prot_bits(l->prot);
		c.flags = (l->shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS;
		if (l->has_at) {
			if (!page_addr(l, p, l->at_name, l->at_page, &c.addr))
				return false;
			c.flags |= MAP_FIXED;
		} else {
			c.addr = counter;
			c.flags |= MAP_FIXED_NOREPLACE;
		}
		if (!check_window(l, c.addr, l->n[0]))
			return false;
		c.len = l->n[0] * PAGE;
		a = ask(slot, &c);
		if (a.kind == A_ERR && a.err == 17)
			return scenario_error(l->lineno, "placement address already in use", NULL);
		if (a.kind == A_OK) {
			if (!bind(l, p, l->name, c.addr))
				return false;
			if (!l->has_at)
				counter += (l->n[0] + 1) * PAGE;
		}
		break;
	case SC_UNMAP:
	case SC_PROTECT:
	case SC_FILL:
	case SC_SUM:
		c.kind = l->op == SC_UNMAP ? C_UNMAP : l->op == SC_PROTECT ? C_PROTECT :
			 l->op == SC_FILL ? C_FILL : C_SUM;
		if (!page_addr(l, p, l->name, l->n[0], &c.addr) || !check_window(l, c.addr, l->n[1]))
			return false;
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
		if (!page_addr(l, p, l->name, l->n[0], &c.addr) || !check_window(l, c.addr, 1))
			return false;
		c.addr += l->n[1];
		c.byte = (unsigned char)l->n[2];
		a = ask(slot, &c);
		break;
	case SC_FORK: {
		if (find_proc(l->name) >= 0)
			return scenario_error(l->lineno, "fork to a live name:", l->name);
		int child;
		for (child = 0; child < SLOTS && t->procs[child].alive; child++)
			;
		if (child == SLOTS)
			return scenario_error(l->lineno, "too many live processes for the runner", NULL);
		c.kind = C_FORK;
		c.child_slot = child;
		c.child_seq = mailbox[child].cmd_seq;
		a = ask(slot, &c);
		if (a.kind != A_OK)
			break;
		struct proc *cp = &t->procs[child];
		unsigned gen = cp->gen + 1;
		*cp = *p;
		memcpy(cp->name, l->name, sizeof(cp->name));
		cp->gen = gen;
		cp->parent = slot;
		cp->parent_gen = p->gen;
		cp->pid = (long)a.value;
		break;
	}
	case SC_EXIT:
		if (!end_proc(slot, &a)) {
			runner_fail(l->lineno, "exit or reap failed");
			return false;
		}
		break;
	default:
		return scenario_error(l->lineno, "file operations are not supported yet", NULL);
	}
	switch (a.kind) {
	case A_OK: u_printf("    # %u: ok\n", l->lineno); break;
	case A_ERR:
		if (a.err < 0) {
			runner_fail(l->lineno, "mmap placed elsewhere, fork or reap failed");
			return false;
		}
		u_printf("    # %u: err %s\n", l->lineno, errno_name(a.err));
		break;
	case A_VALUE: u_printf("    # %u: = %llu\n", l->lineno, (unsigned long long)a.value); break;
	case A_FAULT: u_printf("    # %u: fault\n", l->lineno); break;
	case A_HASH:
		sc_hex64(a.value, hex);
		u_printf("    # %u: = %s\n", l->lineno, hex);
		break;
	default:
		runner_fail(l->lineno, "the scenario process does not answer");
		return false;
	}
	return true;
}

/* True when the scenario uses files (not supported by this runner yet). */
static bool uses_files(size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (t->lines[i].op == SC_FILE || t->lines[i].op == SC_MAPFILE ||
		    t->lines[i].op == SC_FILESUM)
			return true;
	return false;
}

/* Runs scenario F; returns true when it ran clean (or was skipped). */
static bool run_scenario(const struct scenario_file *f)
{
	struct sc_error err;
	size_t count;

	cur_name = f->name;
	scenario_failed = false;
	int rc = sc_parse(f->text, (size_t)(f->end - f->text), t->lines, MAX_LINES, &count, &err);
	if (uses_files(count)) {
		u_printf("    # scenario-skip %s: uses files (not supported by this runner yet)\n", f->name);
		return true;
	}
	long frames = u_free_frames();
	memset(t->procs, 0, sizeof(t->procs));
	counter = SC_WINDOW_LO;
	u_printf("    # scenario-begin %s\n", f->name);
	t->procs[0].alive = true;
	t->procs[0].parent = -1;
	memcpy(t->procs[0].name, "P0", 3);
	uint32_t seq0 = mailbox[0].cmd_seq;
	long pid = u_fork();
	if (pid == 0)
		process_main(0, seq0);
	if (pid < 0) {
		runner_fail(0, "fork of P0 failed");
		return false;
	}
	t->procs[0].pid = pid;
	for (size_t i = 0; i < count && !scenario_failed; i++)
		run_line(&t->lines[i]);
	if (rc != 0 && !scenario_failed) {
		u_printf("    # scenario-error %s:%u: %s\n", f->name, err.lineno, err.msg);
		scenario_failed = true;
	}
	for (int i = 0; i < SLOTS; i++) {
		struct ans a;
		if (t->procs[i].alive && !end_proc(i, &a))
			runner_fail(0, "a process did not exit cleanly at the end");
	}
	u_printf("    # scenario-end %s\n", f->name);
	/* An orphan (its parent exited first) is nobody's to wait for here: it answered `exit` and
	 * may not have run its exit yet, so give it the CPU before counting frames. */
	long after = u_free_frames();
	for (int i = 0; i < SETTLE_YIELDS && after != frames; i++) {
		u_yield();
		after = u_free_frames();
	}
	if (after != frames) {
		u_printf("    # scenario %s: free frames %ld before, %ld after\n", f->name, frames, after);
		scenario_failed = true;
	}
	long problems = u_check();
	if (problems != 0) {
		u_printf("    # scenario %s: invariant checker found %ld problems\n", f->name, problems);
		scenario_failed = true;
	}
	return !scenario_failed;
}

int user_main(void)
{
	size_t tables = (sizeof(struct tables) + U_PAGE - 1) & ~(U_PAGE - 1);
	size_t box = (SLOTS * sizeof(struct slot) + U_PAGE - 1) & ~(U_PAGE - 1);
	int failed = 0, n = 0;

	t = u_mmap((void *)TABLES_ADDR, tables, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE);
	mailbox = u_mmap((void *)MAILBOX_ADDR, box, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE);
	if (u_mmap_failed(t) || u_mmap_failed(mailbox))
		return 100;
	memset(mailbox, 0, box);               /* every page present before the first count */
	memset(t, 0, tables);
	for (const struct scenario_file *f = scenario_files; f->name; f++, n++)
		if (!run_scenario(f))
			failed++;
	u_printf("    # scenarios: %d run, %d failed\n", n, failed);
	return failed;
}
