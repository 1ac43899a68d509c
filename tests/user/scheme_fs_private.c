/* MAP_PRIVATE of a testfs file: the pages show the file; a write makes a private copy (CoW) that
 * the file and the daemon never see; a page the client has not written shows the file's current
 * contents (a later daemon write() shows through), one it has written does not; a second
 * private mapping (through a read-only open, which may still map private read/write) shows the
 * file, not the first one's copies; a shared read/write mapping of the read-only open is
 * refused with EACCES and asks the daemon nothing. The daemon's requests and range counts are
 * compared exactly; at the end the file holds exactly its data plus the daemon-side writes. */
#include "tests/user/lib/ulib.h"
#include "tests/user/testfs.h"
#include "tests/user/lib/umalloc.h"

#define PG 4096ul
#define P  TESTFS_LOG_PREP
#define U  TESTFS_LOG_MUNMAP

static uint8_t buf[3 * PG], out[3 * PG];
static struct testfs_stats *st;     /* umalloc'd (the .bss room of a program is small) */

int user_main(void)
{
	st = umalloc(sizeof(*st));
	if (!st)
		return 100;
	long daemon = testfs_start();
	U_EXPECT_EQ(daemon > 0, 1);
	if (daemon <= 0)
		return u_failures();
	long fd = u_open("testfs:priv", O_RDWR | O_CREAT | O_EXCL);
	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = testfs_pattern(i, 2);
	U_EXPECT_EQ(u_write(fd, buf, sizeof(buf)), sizeof(buf));

	volatile uint8_t *m = u_mmap_fd(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	U_EXPECT_EQ(u_mmap_failed((void *)m), 0);
	if (u_mmap_failed((void *)m)) {
		testfs_stop(daemon);
		return u_failures();
	}
	U_EXPECT_EQ(testfs_get_stats(st), 0);
	TESTFS_EXPECT_LOG(st, { P, "priv", 0, 3 * PG, MAP_PRIVATE });
	TESTFS_EXPECT_RANGES(st, "priv", { 0, 3 * PG, 1 });
	U_EXPECT_EQ(m[0], testfs_pattern(0, 2));
	U_EXPECT_EQ(m[3 * PG - 1], testfs_pattern(3 * PG - 1, 2));

	m[0] = 0x11;                                   /* CoW: private */
	m[10] = 0x12;
	U_EXPECT_EQ(m[0], 0x11);
	U_EXPECT_EQ(testfs_pread1(fd, 0), testfs_pattern(0, 2));
	U_EXPECT_EQ(testfs_pread1(fd, 10), testfs_pattern(10, 2));

	U_EXPECT_EQ(testfs_pwrite1(fd, PG + 3, 'W'), 1);      /* a page the client never wrote */
	U_EXPECT_EQ(m[PG + 3], 'W');
	m[2 * PG] = 0x33;                              /* a page the client wrote ... */
	U_EXPECT_EQ(testfs_pwrite1(fd, 2 * PG + 1, 'V'), 1);  /* ... does not show later file writes */
	U_EXPECT_EQ(m[2 * PG + 1], testfs_pattern(2 * PG + 1, 2));
	U_EXPECT_EQ(m[2 * PG], 0x33);

	/* a read-only open: private read/write is fine, shared read/write is not */
	long ro = u_open("testfs:priv", O_RDONLY);
	U_EXPECT_EQ(ro >= 0, 1);
	void *bad = u_mmap_fd(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0);
	U_EXPECT_EQ((long)bad, -EACCES);
	volatile uint8_t *m3 = u_mmap_fd(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0);
	U_EXPECT_EQ(u_mmap_failed((void *)m3), 0);
	if (!u_mmap_failed((void *)m3)) {
		U_EXPECT_EQ(m3[0], testfs_pattern(0, 2));  /* not the first mapping's copy */
		U_EXPECT_EQ(m3[PG + 3], 'W');
		U_EXPECT_EQ(m3[2 * PG + 1], 'V');
		m3[1] = 0x99;
		U_EXPECT_EQ(m[1], testfs_pattern(1, 2));
		U_EXPECT_EQ(u_munmap((void *)m3, 3 * PG), 0);
	}
	U_EXPECT_EQ(u_munmap((void *)m, 3 * PG), 0);
	U_EXPECT_EQ(testfs_get_stats(st), 0);
	TESTFS_EXPECT_LOG(st, { P, "priv", 0, 3 * PG, MAP_PRIVATE },
			  { P, "priv", 0, 3 * PG, MAP_PRIVATE },
			  { U, "priv", 0, 3 * PG, 0 }, { U, "priv", 0, 3 * PG, 0 });
	TESTFS_EXPECT_NO_RANGES(st, "priv");

	/* the file: its data and the daemon-side writes, nothing the clients wrote */
	buf[PG + 3] = 'W';
	buf[2 * PG + 1] = 'V';
	U_EXPECT_EQ(u_lseek(fd, 0, SEEK_SET), 0);
	U_EXPECT_EQ(u_read(fd, out, sizeof(out)), sizeof(out));
	U_EXPECT_EQ(memcmp(out, buf, sizeof(buf)), 0);

	U_EXPECT_EQ(u_close(ro), 0);
	U_EXPECT_EQ(u_close(fd), 0);
	U_EXPECT_EQ(testfs_get_stats(st), 0);
	U_EXPECT_EQ(st->files, 0);
	U_EXPECT_EQ(testfs_stop(daemon), 0);
	U_EXPECT_EQ(u_check(), 0);
	return u_failures();
}
