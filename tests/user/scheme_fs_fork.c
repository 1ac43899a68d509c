/* fork of a process that maps a testfs file shared, private and lazily: the daemon prepares the
 * child's copies again (one mmap_prep per eager mapping, one per run of present pages of a lazy
 * one, in address order), the child sees the parent's data and the parent sees the child's
 * shared writes but not its private ones, the file never sees private writes, and the child's
 * exit sends one munmap per mapping (the lazy one's pages following each other in the file: one
 * notice). The three mappings sit at fixed places of one anonymous reservation so the order is
 * known. The exact requests and range counts are compared after the fork, after the child's exit
 * and after the parent's munmaps. */
#include "tests/user/lib/ulib.h"
#include "tests/user/testfs.h"
#include "tests/user/lib/umalloc.h"

#define PG 4096ul
#define P  TESTFS_LOG_PREP
#define U  TESTFS_LOG_MUNMAP
#define SL (MAP_SHARED | MAP_LAZY)

static uint8_t buf[4 * PG];
static struct testfs_stats *st;

int user_main(void)
{
	st = umalloc(sizeof(*st));
	if (!st)
		return 100;
	long daemon = testfs_start();
	U_EXPECT_EQ(daemon > 0, 1);
	if (daemon <= 0)
		return u_failures();
	long fd = u_open("testfs:forked", O_RDWR | O_CREAT | O_EXCL);
	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = testfs_pattern(i, 5);
	U_EXPECT_EQ(u_write(fd, buf, sizeof(buf)), sizeof(buf));

	uint8_t *a = u_mmap(NULL, 16 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS);
	volatile uint8_t *m = u_mmap_fd(a, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
	volatile uint8_t *q = u_mmap_fd(a + 8 * PG, 2 * PG, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_FIXED, fd, 2 * PG);
	volatile uint8_t *l = u_mmap_fd(a + 11 * PG, 4 * PG, PROT_READ | PROT_WRITE, SL | MAP_FIXED,
					fd, 0);
	U_EXPECT_EQ((uintptr_t)m, (uintptr_t)a);
	U_EXPECT_EQ((uintptr_t)q, (uintptr_t)(a + 8 * PG));
	U_EXPECT_EQ((uintptr_t)l, (uintptr_t)(a + 11 * PG));
	if ((uintptr_t)m != (uintptr_t)a || (uintptr_t)q != (uintptr_t)(a + 8 * PG) ||
	    (uintptr_t)l != (uintptr_t)(a + 11 * PG)) {
		testfs_stop(daemon);
		return u_failures();
	}
	q[0] = 0x71;                                   /* the parent's private copy of page 2 */
	U_EXPECT_EQ(l[0], testfs_pattern(0, 5));       /* lazy pages 0, 1 and 3 in */
	l[PG] = 0x72;
	U_EXPECT_EQ(l[3 * PG], testfs_pattern(3 * PG, 5));
	U_EXPECT_EQ(testfs_get_stats(st), 0);
	TESTFS_EXPECT_LOG(st, { P, "forked", 0, 4 * PG, MAP_SHARED },
			  { P, "forked", 2 * PG, 2 * PG, MAP_PRIVATE },
			  { P, "forked", 0, PG, SL }, { P, "forked", PG, PG, SL },
			  { P, "forked", 3 * PG, PG, SL });
	TESTFS_EXPECT_RANGES(st, "forked", { 0, 3 * PG, 2 }, { 3 * PG, 4 * PG, 3 });

	U_EXPECT_EQ(testfs_reset(), 0);
	int failures_before = u_failures();            /* the child inherits the count */
	long child = u_fork();
	if (child == 0) {
		U_EXPECT_EQ(m[5], testfs_pattern(5, 5));
		U_EXPECT_EQ(q[0], 0x71);                   /* the parent's copy, inherited */
		U_EXPECT_EQ(q[PG], testfs_pattern(3 * PG, 5));
		U_EXPECT_EQ(l[PG], 0x72);
		m[1] = 0xee;                               /* shared: the parent and the file see it */
		q[PG + 1] = 0x66;                          /* private: nobody else does */
		l[3 * PG + 2] = 0x67;                      /* lazy shared, present: no request */
		U_EXPECT_EQ(l[2 * PG], testfs_pattern(2 * PG, 5));   /* lazy page 2: asked now */
		u_exit(u_failures() - failures_before);
	}
	U_EXPECT_EQ(child > 0, 1);
	int status = -1;
	U_EXPECT_EQ(u_waitpid(child, &status), child);
	U_EXPECT_EQ(status, 0);
	U_EXPECT_EQ(m[1], 0xee);
	U_EXPECT_EQ(testfs_pread1(fd, 1), 0xee);
	U_EXPECT_EQ(q[PG + 1], testfs_pattern(3 * PG + 1, 5));
	U_EXPECT_EQ(testfs_pread1(fd, 3 * PG + 1), testfs_pattern(3 * PG + 1, 5));
	U_EXPECT_EQ(l[3 * PG + 2], 0x67);
	U_EXPECT_EQ(testfs_pread1(fd, 2 * PG), testfs_pattern(2 * PG, 5));
	U_EXPECT_EQ(testfs_get_stats(st), 0);
	TESTFS_EXPECT_LOG(st, { P, "forked", 0, 4 * PG, MAP_SHARED },
			  { P, "forked", 2 * PG, 2 * PG, MAP_PRIVATE },
			  { P, "forked", 0, 2 * PG, SL }, { P, "forked", 3 * PG, PG, SL },
			  { P, "forked", 2 * PG, PG, SL },
			  { U, "forked", 0, 4 * PG, 0 }, { U, "forked", 2 * PG, 2 * PG, 0 },
			  { U, "forked", 0, 4 * PG, 0 });
	TESTFS_EXPECT_RANGES(st, "forked", { 0, 3 * PG, 2 }, { 3 * PG, 4 * PG, 3 });

	U_EXPECT_EQ(testfs_reset(), 0);
	U_EXPECT_EQ(u_munmap(a, 16 * PG), 0);
	U_EXPECT_EQ(testfs_get_stats(st), 0);
	TESTFS_EXPECT_LOG(st, { U, "forked", 0, 4 * PG, 0 }, { U, "forked", 2 * PG, 2 * PG, 0 },
			  { U, "forked", 0, 2 * PG, 0 }, { U, "forked", 3 * PG, PG, 0 });
	TESTFS_EXPECT_NO_RANGES(st, "forked");
	U_EXPECT_EQ(u_close(fd), 0);
	U_EXPECT_EQ(testfs_get_stats(st), 0);
	U_EXPECT_EQ(st->files, 0);
	U_EXPECT_EQ(testfs_stop(daemon), 0);
	U_EXPECT_EQ(u_check(), 0);
	return u_failures();
}
