/* The client side of testfs (tests/user/testfs.h): starting and stopping the daemon, and
 * reading its statistics through the control paths. */
#include "tests/user/testfs_sys.h"
#include "tests/user/testfs.h"

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
