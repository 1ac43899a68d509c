/* The scenario driver shared by the Linux oracle and the kernel runner (see driver.h).
 * Resolved ambiguities of the format (Linux behaviour, or the strict reading):
 *  - placement: the counter moves only when an unhinted map succeeds; MAP_FIXED_NOREPLACE failing
 *    with EEXIST (the address is already in use by the runner itself) is a runner failure;
 *  - window: every range a line touches, [base+FIRST*4096, +COUNT*4096), must lie in
 *    [0x40000000, 0x80000000); for COUNT 0 only the start is checked (start <= 0x80000000);
 *  - a `file` of more than SD_MAX_FILE_PAGES pages, or a `mapfile` reaching past that page of
 *    the file, is a scenario error (a limit of the runners, see driver.h);
 *  - a line's checks run in this order: process alive, names/files known, window; fill/sum of 0
 *    pages still need a bound name and an in-window start, but send nothing to the process;
 *  - `file` and `filesum` run in the driver (files are scenario-wide), after checking that the
 *    named process is alive; `fork` to a child name equal to the parent's is a live-name error;
 *  - a malformed line: the lines before it run and print their transcript, then the error is
 *    reported and the scenario stops (all processes exit, files are deleted). */
#include "tests/scenario/driver.h"
#include "kernel/format.h"
#include "kernel/string.h"

#define SD_PAGE        ((uint64_t)SC_PAGE_SIZE)
#define SD_WINDOW_PAGES ((SC_WINDOW_HI - SC_WINDOW_LO) / SD_PAGE)

const char *sd_errno_name(int e)
{
	switch (e) {
	case 1: return "EPERM";
	case 2: return "ENOENT";
	case 9: return "EBADF";
	case 11: return "EAGAIN";
	case 12: return "ENOMEM";
	case 13: return "EACCES";
	case 17: return "EEXIST";
	case 19: return "ENODEV";
	case 22: return "EINVAL";
	case 38: return "ENOSYS";
	case 75: return "EOVERFLOW";
	default: return "E?";
	}
}

void sd_pattern_page(uint64_t seed, uint64_t page, uint64_t buf[512])
{
	for (unsigned w = 0; w < 512; w++)
		buf[w] = sc_pattern_word(seed, page, w);   /* every arch here is little-endian */
}

void sd_access_run(struct sd_access *x)
{
	const struct sd_cmd *c = x->c;
	volatile uint8_t *b = (volatile uint8_t *)(uintptr_t)c->addr;

	switch (c->kind) {
	case SD_FILL: {
		volatile uint64_t *w = (volatile uint64_t *)(uintptr_t)c->addr;
		for (uint64_t i = 0; i < c->len / 8; i++)
			w[i] = sc_pattern_word(c->seed, c->page0 + i / 512, i % 512);
		break;
	}
	case SD_POKE:
		*b = (uint8_t)c->byte;
		break;
	case SD_PEEK:
		x->value = *b;
		break;
	case SD_SUM: {
		uint64_t h = SC_FNV_BASIS;
		for (uint64_t i = 0; i < c->len; i++) {
			h = (h ^ b[i]) * SC_FNV_PRIME;
			x->hash = h;
		}
		break;
	}
	default:
		break;
	}
}

struct sd_ans sd_access_answer(const struct sd_access *x, bool faulted)
{
	if (faulted)
		return (struct sd_ans){ .kind = SD_A_FAULT };
	if (x->c->kind == SD_PEEK)
		return (struct sd_ans){ .kind = SD_A_VALUE, .value = x->value };
	if (x->c->kind == SD_SUM)
		return (struct sd_ans){ .kind = SD_A_HASH, .value = x->hash };
	return (struct sd_ans){ .kind = SD_A_OK };
}

/* Formats and reports one line of KIND; for errors and failures prefixed with `PATH:LINENO: `. */
static void sd_say(struct sd_driver *d, enum sd_report kind, unsigned lineno, const char *msg,
		   const char *arg)
{
	char text[SD_TEXT_MAX];

	ksnprintf(text, sizeof(text), "%s:%u: %s%s%s", d->path, lineno, msg, arg ? " " : "",
		  arg ? arg : "");
	d->ops->report(d->ctx, kind, text);
}

/* Reports a scenario error at LINENO (MSG, then ARG if not NULL) and returns false. */
static bool sd_error(struct sd_driver *d, unsigned lineno, const char *msg, const char *arg)
{
	sd_say(d, SD_REPORT_ERROR, lineno, msg, arg);
	d->result = SD_SCENARIO_ERROR;
	return false;
}

/* Reports a runner failure at LINENO and returns false. */
static bool sd_fail(struct sd_driver *d, unsigned lineno, const char *msg, const char *arg)
{
	sd_say(d, SD_REPORT_FAILURE, lineno, msg, arg);
	d->result = SD_FAILED;
	return false;
}

static int sd_find_proc(struct sd_driver *d, const char *name)
{
	for (int i = 0; i < SD_SLOTS; i++)
		if (d->procs[i].alive && strcmp(d->procs[i].name, name) == 0)
			return i;
	return -1;
}

static struct sd_file *sd_find_file(struct sd_driver *d, const char *name)
{
	for (unsigned i = 0; i < d->nfiles; i++)
		if (strcmp(d->files[i].name, name) == 0)
			return &d->files[i];
	return NULL;
}

static struct sd_binding *sd_find_binding(struct sd_proc *p, const char *name)
{
	for (unsigned i = 0; i < p->nbind; i++)
		if (strcmp(p->bind[i].name, name) == 0)
			return &p->bind[i];
	return NULL;
}

/* Sets *ADDR to page PAGE of NAME in P; false after a scenario error. */
static bool sd_page_addr(struct sd_driver *d, const struct sc_line *l, struct sd_proc *p,
			 const char *name, uint64_t page, uint64_t *addr)
{
	struct sd_binding *b = sd_find_binding(p, name);

	if (!b)
		return sd_error(d, l->lineno, "name never bound in this process:", name);
	if (page >= SD_WINDOW_PAGES)
		return sd_error(d, l->lineno, "address outside the scenario window", NULL);
	*addr = b->addr + page * SD_PAGE;
	return true;
}

/* True when [ADDR, +PAGES pages) lies in the window (for 0 pages: the start); else an error. */
static bool sd_check_window(struct sd_driver *d, const struct sc_line *l, uint64_t addr,
			    uint64_t pages)
{
	if (addr < SC_WINDOW_LO || addr > SC_WINDOW_HI ||
	    pages > (SC_WINDOW_HI - addr) / SD_PAGE || (pages > 0 && addr == SC_WINDOW_HI))
		return sd_error(d, l->lineno, "address outside the scenario window", NULL);
	return true;
}

static bool sd_bind(struct sd_driver *d, const struct sc_line *l, struct sd_proc *p,
		    const char *name, uint64_t addr)
{
	struct sd_binding *b = sd_find_binding(p, name);

	if (!b) {
		if (p->nbind == SD_BINDINGS)
			return sd_error(d, l->lineno, "too many mapping names in one process", NULL);
		b = &p->bind[p->nbind++];
		memcpy(b->name, name, sizeof(b->name));
	}
	b->addr = addr;
	return true;
}

static int sd_prot_bits(enum sc_prot p)
{
	static const int bits[] = {
		[SC_PROT_NONE] = 0, [SC_PROT_R] = SD_PROT_READ,
		[SC_PROT_RW] = SD_PROT_READ | SD_PROT_WRITE, [SC_PROT_RX] = SD_PROT_READ | SD_PROT_EXEC,
		[SC_PROT_RWX] = SD_PROT_READ | SD_PROT_WRITE | SD_PROT_EXEC,
	};
	return bits[p];
}

/* Asks SLOT; a silent process is a runner failure (false), and is not asked again. */
static bool sd_ask(struct sd_driver *d, const struct sc_line *l, int slot, const struct sd_cmd *c,
		   struct sd_ans *a)
{
	if (d->ops->ask(d->ctx, slot, c, a))
		return true;
	d->procs[slot].alive = false;
	return sd_fail(d, l->lineno, "scenario process does not answer:", d->procs[slot].name);
}

/* Ends the process in SLOT (it answers `exit`) and has it reaped; false after a failure. */
static bool sd_end_proc(struct sd_driver *d, unsigned lineno, int slot, struct sd_ans *a)
{
	struct sd_proc *p = &d->procs[slot];
	struct sd_cmd c = { .kind = SD_EXIT, .file = -1 };
	int parent = p->parent;

	p->alive = false;
	if (!d->ops->ask(d->ctx, slot, &c, a) || a->kind != SD_A_OK)
		return sd_fail(d, lineno, "exit failed:", p->name);
	if (parent >= 0 && (!d->procs[parent].alive || d->procs[parent].gen != p->parent_gen))
		parent = SD_PARENT_GONE;
	if (!d->ops->reap(d->ctx, slot, parent))
		return sd_fail(d, lineno, "reap failed:", p->name);
	return true;
}

/* map and mapfile: fills C; false after a scenario error. */
static bool sd_map_cmd(struct sd_driver *d, const struct sc_line *l, struct sd_proc *p,
		       struct sd_cmd *c)
{
	uint64_t pages = l->op == SC_MAP ? l->n[0] : l->n[1];

	c->kind = SD_MAP;
	c->prot = sd_prot_bits(l->prot);
	c->flags = l->shared ? SD_MAP_SHARED : SD_MAP_PRIVATE;
	if (l->op == SC_MAP) {
		c->flags |= SD_MAP_ANONYMOUS;
	} else {
		struct sd_file *f = sd_find_file(d, l->file);
		if (!f)
			return sd_error(d, l->lineno, "file never created:", l->file);
		if (l->n[0] > SD_MAX_FILE_PAGES || l->n[1] > SD_MAX_FILE_PAGES - l->n[0])
			return sd_error(d, l->lineno, "mapfile past page 4096 of the file (runner limit)",
					NULL);
		c->file = (int32_t)(f - d->files);
		memcpy(c->file_name, f->name, sizeof(c->file_name));
		c->off = l->n[0] * SD_PAGE;
	}
	if (l->has_at) {
		if (!sd_page_addr(d, l, p, l->at_name, l->at_page, &c->addr))
			return false;
		c->flags |= SD_MAP_FIXED;
	} else {
		c->addr = d->counter;
		c->flags |= SD_MAP_FIXED_NOREPLACE;
	}
	if (!sd_check_window(d, l, c->addr, pages))
		return false;
	c->len = pages * SD_PAGE;
	return true;
}

/* `file`: creates the file in the transport; false after an error, a failure or a skip. */
static bool sd_file_create(struct sd_driver *d, const struct sc_line *l)
{
	if (sd_find_file(d, l->name))
		return sd_error(d, l->lineno, "file created twice:", l->name);
	if (l->n[0] > SD_MAX_FILE_PAGES)
		return sd_error(d, l->lineno, "file larger than 4096 pages (runner limit)", NULL);
	if (d->nfiles == SD_FILES)
		return sd_error(d, l->lineno, "too many files", NULL);
	int rc = d->ops->file_create(d->ctx, d->nfiles, l->name, l->n[0], l->n[1]);
	if (rc == SD_SKIP) {
		sd_say(d, SD_REPORT_SKIP, l->lineno, "no file system for scenario files", NULL);
		d->result = SD_SKIPPED;
		return false;
	}
	if (rc < 0)
		return sd_fail(d, l->lineno, "creating the file failed:", sd_errno_name(-rc));
	struct sd_file *f = &d->files[d->nfiles++];
	memcpy(f->name, l->name, sizeof(f->name));
	f->pages = l->n[0];
	return true;
}

/* `filesum`: the hash of the pages read with read(); false after an error or failure. */
static bool sd_file_sum(struct sd_driver *d, const struct sc_line *l, uint64_t *hash)
{
	struct sd_file *f = sd_find_file(d, l->name);
	uint64_t h = SC_FNV_BASIS;

	if (!f)
		return sd_error(d, l->lineno, "file never created:", l->name);
	if (l->n[0] > f->pages || l->n[1] > f->pages - l->n[0])
		return sd_error(d, l->lineno, "filesum past the end of the file", NULL);
	for (uint64_t p = 0; p < l->n[1]; p++) {
		int rc = d->ops->file_read(d->ctx, (unsigned)(f - d->files), l->n[0] + p, d->page);
		if (rc < 0)
			return sd_fail(d, l->lineno, "reading the file failed:", sd_errno_name(-rc));
		h = sc_fnv1a(h, d->page, SC_PAGE_SIZE);
	}
	*hash = h;
	return true;
}

/* `fork`: picks the child's slot and asks the parent in SLOT; false after an error or failure. */
static bool sd_fork(struct sd_driver *d, const struct sc_line *l, int slot, struct sd_ans *a)
{
	struct sd_cmd c = { .kind = SD_FORK, .file = -1 };
	int child;

	if (sd_find_proc(d, l->name) >= 0)
		return sd_error(d, l->lineno, "fork to a live name:", l->name);
	for (child = 0; child < SD_SLOTS && d->procs[child].alive; child++)
		;
	if (child == SD_SLOTS)
		return sd_error(d, l->lineno, "too many live processes", NULL);
	c.child_slot = child;
	if (!sd_ask(d, l, slot, &c, a))
		return false;
	if (a->kind != SD_A_OK) {
		char why[SC_NAME_MAX + 16];
		ksnprintf(why, sizeof(why), "%s: %s", l->proc,
			  a->kind == SD_A_ERR ? sd_errno_name(a->err) : "bad answer");
		return sd_fail(d, l->lineno, "fork failed in", why);
	}
	struct sd_proc *cp = &d->procs[child], *p = &d->procs[slot];
	unsigned gen = cp->gen + 1;
	*cp = *p;
	memcpy(cp->name, l->name, sizeof(cp->name));
	cp->gen = gen;
	cp->parent = slot;
	cp->parent_gen = p->gen;
	return true;
}

/* Prints the transcript line of L for answer A. */
static void sd_print(struct sd_driver *d, const struct sc_line *l, const struct sd_ans *a)
{
	char text[SD_TEXT_MAX], hex[17];

	switch (a->kind) {
	case SD_A_OK:
		ksnprintf(text, sizeof(text), "%u: ok", l->lineno);
		break;
	case SD_A_ERR:
		ksnprintf(text, sizeof(text), "%u: err %s", l->lineno, sd_errno_name(a->err));
		break;
	case SD_A_VALUE:
		ksnprintf(text, sizeof(text), "%u: = %llu", l->lineno, (unsigned long long)a->value);
		break;
	case SD_A_FAULT:
		ksnprintf(text, sizeof(text), "%u: fault", l->lineno);
		break;
	default:
		sc_hex64(a->value, hex);
		ksnprintf(text, sizeof(text), "%u: = %s", l->lineno, hex);
		break;
	}
	d->ops->report(d->ctx, SD_REPORT_LINE, text);
}

/* Runs one line and prints its transcript line; false when the scenario must stop. */
static bool sd_run_line(struct sd_driver *d, const struct sc_line *l)
{
	int slot = sd_find_proc(d, l->proc);
	struct sd_cmd c = { .file = -1 };
	struct sd_ans a = { .kind = SD_A_OK };
	struct sd_proc *p;

	if (slot < 0)
		return sd_error(d, l->lineno, "process not alive:", l->proc);
	p = &d->procs[slot];
	switch (l->op) {
	case SC_MAP:
	case SC_MAPFILE:
		if (!sd_map_cmd(d, l, p, &c) || !sd_ask(d, l, slot, &c, &a))
			return false;
		if (a.kind == SD_A_ERR && a.err == SD_EEXIST)
			return sd_fail(d, l->lineno, "placement address already in use", NULL);
		if (a.kind == SD_A_OK) {
			if (!sd_bind(d, l, p, l->name, c.addr))
				return false;
			if (!l->has_at)
				d->counter += c.len + SD_PAGE;
		}
		break;
	case SC_UNMAP:
	case SC_PROTECT:
	case SC_FILL:
	case SC_SUM:
		c.kind = l->op == SC_UNMAP ? SD_UNMAP : l->op == SC_PROTECT ? SD_PROTECT :
			 l->op == SC_FILL ? SD_FILL : SD_SUM;
		if (!sd_page_addr(d, l, p, l->name, l->n[0], &c.addr) ||
		    !sd_check_window(d, l, c.addr, l->n[1]))
			return false;
		c.len = l->n[1] * SD_PAGE;
		c.prot = sd_prot_bits(l->prot);
		c.seed = l->n[2];
		c.page0 = l->n[0];
		if ((l->op == SC_FILL || l->op == SC_SUM) && l->n[1] == 0)
			a = (struct sd_ans){ .kind = l->op == SC_FILL ? SD_A_OK : SD_A_HASH,
					     .value = SC_FNV_BASIS };
		else if (!sd_ask(d, l, slot, &c, &a))
			return false;
		break;
	case SC_POKE:
	case SC_PEEK:
		c.kind = l->op == SC_POKE ? SD_POKE : SD_PEEK;
		if (!sd_page_addr(d, l, p, l->name, l->n[0], &c.addr) ||
		    !sd_check_window(d, l, c.addr, 1))
			return false;
		c.addr += l->n[1];
		c.byte = (uint32_t)l->n[2];
		if (!sd_ask(d, l, slot, &c, &a))
			return false;
		break;
	case SC_FORK:
		if (!sd_fork(d, l, slot, &a))
			return false;
		break;
	case SC_EXIT:
		if (!sd_end_proc(d, l->lineno, slot, &a))
			return false;
		break;
	case SC_FILE:
		if (!sd_file_create(d, l))
			return false;
		break;
	case SC_FILESUM:
		a.kind = SD_A_HASH;
		if (!sd_file_sum(d, l, &a.value))
			return false;
		break;
	}
	if (a.kind > SD_A_FAULT || (a.kind == SD_A_ERR && a.err <= 0))
		return sd_fail(d, l->lineno, "bad answer from", l->proc);
	sd_print(d, l, &a);
	return true;
}

enum sd_result sd_run(struct sd_driver *d, const char *path, const char *text, size_t len)
{
	struct sc_error err;
	size_t count;
	int rc = sc_parse(text, len, d->lines, SD_MAX_LINES, &count, &err);

	d->path = path;
	d->result = SD_CLEAN;
	d->counter = SC_WINDOW_LO;
	d->nfiles = 0;
	memset(d->procs, 0, sizeof(d->procs));
	d->procs[0].alive = true;
	d->procs[0].parent = SD_PARENT_DRIVER;
	d->procs[0].gen = 1;
	memcpy(d->procs[0].name, "P0", 3);
	if (!d->ops->start(d->ctx)) {
		d->procs[0].alive = false;
		sd_fail(d, 0, "starting P0 failed", NULL);
		return d->result;
	}
	for (size_t i = 0; i < count && d->result == SD_CLEAN; i++)
		sd_run_line(d, &d->lines[i]);
	if (rc != 0 && d->result == SD_CLEAN)
		sd_error(d, err.lineno, err.msg, NULL);
	for (int i = 0; i < SD_SLOTS; i++) {
		struct sd_ans a;
		if (d->procs[i].alive)
			sd_end_proc(d, 0, i, &a);
	}
	d->ops->files_end(d->ctx, d->nfiles);
	return d->result;
}
