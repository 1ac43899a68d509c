/* The client side of testfs (tests/user/testfs.h): starting and stopping the daemon, and
 * reading its statistics through the control paths. */
#include "tests/user/lib/ulib.h"
#include "tests/user/testfs.h"
#include "tests/user/lib/umalloc.h"
#include <stddef.h>

#define READY_YIELDS 100000     /* yields before a daemon that never answers is an error */

int testfs_wait_ready(void)
{
	for (unsigned i = 0; i < READY_YIELDS; i++) {
		long fd = u_open(TESTFS_STATS_PATH, O_RDONLY);
		if (fd >= 0) {
			u_close(fd);
			return 0;
		}
		if (fd != -ENOENT)
			return (int)fd;
		u_yield();
	}
	return -ETIMEDOUT;
}

long testfs_start(void)
{
	long fd = u_open(TESTFS_STATS_PATH, O_RDONLY);
	if (fd >= 0) {                           /* another daemon serves the name: not ours */
		u_close(fd);
		u_printf("    # testfs_start: a testfs daemon is running already\n");
		return -EEXIST;
	}
	long pid = u_fork();
	if (pid < 0)
		return pid;
	if (pid == 0)
		u_exit(testfs_serve());
	int err = testfs_wait_ready();
	if (err) {
		u_printf("    # testfs_start: the daemon does not answer: %d\n", err);
		int status;
		u_waitpid(pid, &status);
		return err;
	}
	return pid;
}

int testfs_stop(long pid)
{
	long fd = u_open(TESTFS_EXIT_PATH, O_RDONLY);
	if (fd < 0)
		return (int)fd;
	u_close(fd);
	if (pid <= 0)
		return 0;
	int status = -1;
	long r = u_waitpid(pid, &status);
	return r == pid ? status : (int)r;
}

int testfs_get_stats(struct testfs_stats *out)
{
	long fd = u_open(TESTFS_STATS_PATH, O_RDONLY);
	if (fd < 0)
		return (int)fd;
	size_t done = 0;
	int err = 0;
	while (done < sizeof(*out)) {
		long n = u_read(fd, (char *)out + done, sizeof(*out) - done);
		if (n <= 0) {
			err = n < 0 ? (int)n : -EIO;
			break;
		}
		done += (size_t)n;
	}
	u_close(fd);
	return err;
}

int testfs_reset(void)
{
	long fd = u_open(TESTFS_RESET_PATH, O_RDONLY);
	if (fd < 0)
		return (int)fd;
	u_close(fd);
	return 0;
}

const struct testfs_file_stat *testfs_stats_file(const struct testfs_stats *s, const char *name)
{
	for (uint32_t i = 0; i < s->files && i < TESTFS_MAX_FILES; i++)
		if (strcmp(s->file[i].name, name) == 0)
			return &s->file[i];
	return NULL;
}

void testfs_stats_print(const struct testfs_stats *s)
{
	u_printf("    # testfs: %u files, %u opens, %llu preps, %llu munmaps, %u unknown, %u errors, "
		 "%llu heap blocks\n", s->files, s->opens, (unsigned long long)s->preps,
		 (unsigned long long)s->munmaps, s->unknown_munmaps, s->errors,
		 (unsigned long long)s->heap_blocks);
	for (uint32_t i = 0; i < s->files && i < TESTFS_MAX_FILES; i++) {
		const struct testfs_file_stat *f = &s->file[i];
		u_printf("    #   file %s: size %llu, %u opens, %u intervals\n", f->name,
			 (unsigned long long)f->size, f->opens, f->nintervals);
		for (uint32_t j = 0; j < f->nintervals && j < TESTFS_STAT_INTERVALS; j++)
			u_printf("    #     [%#llx, %#llx) x%llu\n", (unsigned long long)f->iv[j].start,
				 (unsigned long long)f->iv[j].end, (unsigned long long)f->iv[j].count);
	}
	for (uint32_t i = 0; i < s->log_len && i < TESTFS_LOG_MAX; i++) {
		const struct testfs_log_entry *e = &s->log[i];
		u_printf("    #   %s %s %#llx+%#llx flags %#x -> %lld\n",
			 e->op == TESTFS_LOG_PREP ? "mmap_prep" : "munmap", e->name,
			 (unsigned long long)e->offset, (unsigned long long)e->size, e->flags,
			 (long long)e->result);
	}
}

/* Prints one check's mismatch as u_fail does and counts it. */
static int mismatch(const char *file, int line, const char *what, unsigned long long a,
		    unsigned long long b)
{
	u_fail(file, line, what, a, b);
	return 1;
}

int testfs_check_log(const struct testfs_stats *s, const struct testfs_expect *want, unsigned n,
		     const char *file, int line)
{
	int bad = 0;
	if (s->log_len != n)
		bad += mismatch(file, line, "testfs log length", s->log_len, n);
	if (s->log_dropped)
		bad += mismatch(file, line, "testfs log dropped", s->log_dropped, 0);
	if (s->unknown_munmaps)
		bad += mismatch(file, line, "testfs unknown munmaps", s->unknown_munmaps, 0);
	for (unsigned i = 0; i < n && i < s->log_len && i < TESTFS_LOG_MAX; i++) {
		const struct testfs_log_entry *e = &s->log[i];
		const struct testfs_expect *w = &want[i];
		uint32_t mask = w->op == TESTFS_LOG_PREP ? (MAP_TYPE | MAP_LAZY) : ~0u;
		if (e->op != w->op || strcmp(e->name, w->name) != 0 || e->offset != w->offset ||
		    e->size != w->size || (e->flags & mask) != w->flags || e->result != w->result) {
			u_printf("    # testfs log entry %u: expected %s %s %#llx+%#llx flags %#x -> %lld\n",
				 i, w->op == TESTFS_LOG_PREP ? "mmap_prep" : "munmap", w->name,
				 (unsigned long long)w->offset, (unsigned long long)w->size, w->flags,
				 (long long)w->result);
			bad += mismatch(file, line, "testfs log entry (index, 0)", i, 0);
		}
	}
	if (bad)
		testfs_stats_print(s);
	return bad;
}

int testfs_check_ranges(const struct testfs_stats *s, const char *name,
			const struct testfs_interval *want, unsigned n, const char *file, int line)
{
	const struct testfs_file_stat *f = testfs_stats_file(s, name);
	uint32_t have = f ? f->nintervals : 0;
	int bad = 0;
	if (have != n)
		bad += mismatch(file, line, "testfs range-count intervals", have, n);
	for (unsigned i = 0; f && i < n && i < have && i < TESTFS_STAT_INTERVALS; i++) {
		const struct testfs_interval *iv = &f->iv[i];
		if (iv->start != want[i].start || iv->end != want[i].end || iv->count != want[i].count) {
			u_printf("    # testfs %s interval %u: [%#llx, %#llx) x%llu, expected [%#llx, "
				 "%#llx) x%llu\n", name, i, (unsigned long long)iv->start,
				 (unsigned long long)iv->end, (unsigned long long)iv->count,
				 (unsigned long long)want[i].start, (unsigned long long)want[i].end,
				 (unsigned long long)want[i].count);
			bad += mismatch(file, line, "testfs interval (index, 0)", i, 0);
		}
	}
	if (bad)
		testfs_stats_print(s);
	return bad;
}

int testfs_idle_problems(void)
{
	/* Only the counters at the start of the snapshot: no buffer to allocate, so a runner's
	 * frame count is not disturbed by new mappings (and their page tables) on the good path. */
	uint8_t head[offsetof(struct testfs_stats, file)];
	long fd = u_open(TESTFS_STATS_PATH, O_RDONLY);
	if (fd < 0)
		return (int)fd;
	long n = u_read(fd, head, sizeof(head));
	u_close(fd);
	if (n != (long)sizeof(head))
		return n < 0 ? (int)n : -EIO;
	uint32_t files, unknown, errors;
	memcpy(&files, head + offsetof(struct testfs_stats, files), sizeof(files));
	memcpy(&unknown, head + offsetof(struct testfs_stats, unknown_munmaps), sizeof(unknown));
	memcpy(&errors, head + offsetof(struct testfs_stats, errors), sizeof(errors));
	int problems = (int)files + (unknown != 0) + (errors != 0);
	if (problems) {
		u_printf("    # testfs not idle: %u files left, %u unknown munmaps, %u errors\n", files,
			 unknown, errors);
		struct testfs_stats *s = umalloc(sizeof(*s));
		if (s && testfs_get_stats(s) == 0)
			testfs_stats_print(s);
		ufree(s);
	}
	return problems;
}

int testfs_pread1(long fd, uint64_t off)
{
	uint8_t b;
	if (u_lseek(fd, (long)off, SEEK_SET) != (long)off || u_read(fd, &b, 1) != 1)
		return -1;
	return b;
}

long testfs_pwrite1(long fd, uint64_t off, uint8_t b)
{
	if (u_lseek(fd, (long)off, SEEK_SET) != (long)off)
		return -1;
	return u_write(fd, &b, 1);
}
