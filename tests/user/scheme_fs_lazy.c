/* MAP_LAZY mappings of a testfs file: nothing is asked at mmap time; each page is asked once,
 * when first touched (read or write), never again; untouched pages are never asked; shared lazy
 * writes reach the file, private lazy writes do not; the munmap notices name exactly the pages
 * that were asked. Then the daemon exits while a lazy mapping has one page in: that page still
 * reads, a fault on another page fails cleanly (the fault upcall, u_try), and no frame is left
 * behind once the client is gone. */
#include "tests/user/lib/ulib.h"
#include "tests/user/testfs.h"
#include "tests/user/lib/umalloc.h"

#define PG 4096ul
#define P  TESTFS_LOG_PREP
#define U  TESTFS_LOG_MUNMAP
#define SL (MAP_SHARED | MAP_LAZY)
#define PL (MAP_PRIVATE | MAP_LAZY)

static uint8_t buf[8 * PG];
static struct testfs_stats *st;     /* umalloc'd (the .bss room of a program is small) */

/* The client, a child of the test: lazy mappings, then its daemon dies under one. */
static void lazy_then_dead_daemon(void)
{
	st = umalloc(sizeof(*st));
	if (!st)
		return;
	long daemon = testfs_start();
	U_EXPECT_EQ(daemon > 0, 1);
	if (daemon <= 0)
		return;
	long fd = u_open("testfs:lazy", O_RDWR | O_CREAT | O_EXCL);
	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = testfs_pattern(i, 4);
	U_EXPECT_EQ(u_write(fd, buf, sizeof(buf)), sizeof(buf));

	/* shared */
	volatile uint8_t *m = u_mmap_fd(NULL, 8 * PG, PROT_READ | PROT_WRITE, SL, fd, 0);
	U_EXPECT_EQ(u_mmap_failed((void *)m), 0);
	if (u_mmap_failed((void *)m)) {
		testfs_stop(daemon);
		return;
	}
	U_EXPECT_EQ(testfs_get_stats(st), 0);
	TESTFS_EXPECT_NO_LOG(st);
	TESTFS_EXPECT_NO_RANGES(st, "lazy");
	U_EXPECT_EQ(m[2 * PG], testfs_pattern(2 * PG, 4));     /* read first */
	m[5 * PG + 1] = 0x44;                                  /* write first */
	m[2 * PG + 3] = 0x45;                                  /* write after read */
	U_EXPECT_EQ(m[5 * PG], testfs_pattern(5 * PG, 4));
	U_EXPECT_EQ(m[2 * PG + 4], testfs_pattern(2 * PG + 4, 4));
	U_EXPECT_EQ(testfs_get_stats(st), 0);
	TESTFS_EXPECT_LOG(st, { P, "lazy", 2 * PG, PG, SL }, { P, "lazy", 5 * PG, PG, SL });
	TESTFS_EXPECT_RANGES(st, "lazy", { 2 * PG, 3 * PG, 1 }, { 5 * PG, 6 * PG, 1 });
	U_EXPECT_EQ(testfs_pread1(fd, 5 * PG + 1), 0x44);
	U_EXPECT_EQ(testfs_pread1(fd, 2 * PG + 3), 0x45);
	U_EXPECT_EQ(u_munmap((void *)m, 8 * PG), 0);
	U_EXPECT_EQ(testfs_get_stats(st), 0);
	TESTFS_EXPECT_LOG(st, { P, "lazy", 2 * PG, PG, SL }, { P, "lazy", 5 * PG, PG, SL },
			  { U, "lazy", 2 * PG, PG, 0 }, { U, "lazy", 5 * PG, PG, 0 });
	TESTFS_EXPECT_NO_RANGES(st, "lazy");

	/* private */
	U_EXPECT_EQ(testfs_reset(), 0);
	volatile uint8_t *q = u_mmap_fd(NULL, 4 * PG, PROT_READ | PROT_WRITE, PL, fd, 0);
	U_EXPECT_EQ(u_mmap_failed((void *)q), 0);
	if (!u_mmap_failed((void *)q)) {
		U_EXPECT_EQ(q[PG], testfs_pattern(PG, 4));
		q[3 * PG] = 0x77;
		q[3 * PG + 1] = 0x78;
		U_EXPECT_EQ(q[PG + 2], testfs_pattern(PG + 2, 4));
		U_EXPECT_EQ(q[3 * PG + 2], testfs_pattern(3 * PG + 2, 4));
		U_EXPECT_EQ(testfs_pread1(fd, 3 * PG), testfs_pattern(3 * PG, 4));
		U_EXPECT_EQ(testfs_get_stats(st), 0);
		TESTFS_EXPECT_LOG(st, { P, "lazy", PG, PG, PL }, { P, "lazy", 3 * PG, PG, PL });
		TESTFS_EXPECT_RANGES(st, "lazy", { PG, 2 * PG, 1 }, { 3 * PG, 4 * PG, 1 });
		U_EXPECT_EQ(u_munmap((void *)q, 4 * PG), 0);
		U_EXPECT_EQ(testfs_get_stats(st), 0);
		TESTFS_EXPECT_LOG(st, { P, "lazy", PG, PG, PL }, { P, "lazy", 3 * PG, PG, PL },
				  { U, "lazy", PG, PG, 0 }, { U, "lazy", 3 * PG, PG, 0 });
		TESTFS_EXPECT_NO_RANGES(st, "lazy");
	}

	/* a lazy page past the end of the file faults; the daemon's answer for it (a hole) is
	 * given back at once, the page in the file is kept until the munmap */
	U_EXPECT_EQ(testfs_reset(), 0);
	volatile uint8_t *e = u_mmap_fd(NULL, 10 * PG, PROT_READ, SL, fd, 0);
	U_EXPECT_EQ(u_mmap_failed((void *)e), 0);
	if (!u_mmap_failed((void *)e)) {
		uint8_t b = 0;
		U_EXPECT_EQ(u_read_faults(e + 9 * PG, &b), 1);
		U_EXPECT_EQ(u_read_faults(e + 7 * PG, &b), 0);
		U_EXPECT_EQ(b, testfs_pattern(7 * PG, 4));
		U_EXPECT_EQ(testfs_get_stats(st), 0);
		TESTFS_EXPECT_RANGES(st, "lazy", { 7 * PG, 8 * PG, 1 });
		U_EXPECT_EQ(u_munmap((void *)e, 10 * PG), 0);
		U_EXPECT_EQ(testfs_get_stats(st), 0);
		TESTFS_EXPECT_LOG(st, { P, "lazy", 9 * PG, PG, SL }, { U, "lazy", 9 * PG, PG, 0 },
				  { P, "lazy", 7 * PG, PG, SL }, { U, "lazy", 7 * PG, PG, 0 });
		TESTFS_EXPECT_NO_RANGES(st, "lazy");
	}

	/* the daemon dies under a lazy mapping */
	U_EXPECT_EQ(testfs_reset(), 0);
	volatile uint8_t *d = u_mmap_fd(NULL, 4 * PG, PROT_READ, SL, fd, 0);
	U_EXPECT_EQ(u_mmap_failed((void *)d), 0);
	if (u_mmap_failed((void *)d)) {
		testfs_stop(daemon);
		return;
	}
	U_EXPECT_EQ(d[0], testfs_pattern(0, 4));
	U_EXPECT_EQ(testfs_get_stats(st), 0);
	TESTFS_EXPECT_LOG(st, { P, "lazy", 0, PG, SL });
	U_EXPECT_EQ(testfs_stop(daemon), 0);
	uint8_t b = 0;
	uintptr_t addr = 0;
	U_EXPECT_EQ(u_read_faults(d + PG, &b), 1);
	U_EXPECT_EQ(u_read_faults(d + 3 * PG + 5, &b), 1);
	U_EXPECT_EQ(u_read_faults(d + 10, &b), 0);
	U_EXPECT_EQ(b, testfs_pattern(10, 4));
	(void)addr;
	U_EXPECT_EQ(u_check(), 0);
	U_EXPECT_EQ(u_munmap((void *)d, 4 * PG), 0);
	U_EXPECT_EQ(u_close(fd), 0);
	U_EXPECT_EQ(u_check(), 0);
}

int user_main(void)
{
	u_run_child_checked(lazy_then_dead_daemon);
	return u_failures();
}
