/* MAP_SHARED of a testfs file: client 1 maps the file and writes; client 2 (another process,
 * forked before the mapping so it inherits none) opens and maps part of it itself, sees client
 * 1's writes and writes back; client 1 sees that write; the daemon sees both through read(), and
 * a daemon-side write() shows in the mapping. After each map and unmap (munmap of a middle page,
 * then of the rest; client 2's exit) the daemon's range counts and the exact sequence of
 * mmap_prep/munmap requests it received are compared with what the kernel must have sent. Then:
 * a mapping reaching past the end of the file and one wholly past it (accesses there fault), a
 * prep beyond the daemon's window refused, MAP_FIXED over part of a mapping and an mprotect
 * split (exact notices), the daemon dropping its pages (O_TRUNC) under a client's mapping (the
 * client keeps them), the file deleted on the last close, the daemon's clean exit. */
#include "tests/user/lib/ulib.h"
#include "tests/user/testfs.h"
#include "tests/user/lib/umalloc.h"

#define PG 4096ul
#define P  TESTFS_LOG_PREP
#define U  TESTFS_LOG_MUNMAP

static uint8_t buf[4 * PG];
static struct testfs_stats *st;     /* umalloc'd (the .bss room of a program is small) */

/* Client 2: waits for client 1's go, maps [PG, 3 PG) of the file itself, checks, writes. */
static __attribute__((noreturn)) void client2(volatile uint32_t *sync)
{
	for (unsigned i = 0; sync[0] != 1 && i < 1000000; i++)
		u_yield();
	long fd = u_open("testfs:shared", O_RDWR);
	U_EXPECT_EQ(fd >= 0, 1);
	volatile uint8_t *m = u_mmap_fd(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, PG);
	U_EXPECT_EQ(u_mmap_failed((void *)m), 0);
	if (u_mmap_failed((void *)m))
		u_exit(u_failures());
	U_EXPECT_EQ(m[0], testfs_pattern(PG, 1));
	U_EXPECT_EQ(m[5], 0xb2);                      /* client 1's write at PG + 5 */
	m[PG + 7] = 0xc3;                             /* file offset 2 PG + 7 */
	U_EXPECT_EQ(u_munmap((void *)m, PG), 0);      /* munmap [PG, 2 PG) */
	u_exit(u_failures());                         /* exit: munmap [2 PG, 3 PG) */
}

int user_main(void)
{
	st = umalloc(sizeof(*st));
	if (!st)
		return 100;
	long daemon = testfs_start();
	U_EXPECT_EQ(daemon > 0, 1);
	if (daemon <= 0)
		return u_failures();
	/* the daemon's heap when it holds no file: its table, a snapshot, and what it inherited */
	U_EXPECT_EQ(testfs_get_stats(st), 0);
	uint64_t heap0 = st->heap_blocks;
	U_EXPECT_EQ(st->files, 0);
	U_EXPECT_EQ(st->opens, 1);
	volatile uint32_t *sync = u_mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS);
	sync[0] = 0;
	long fd = u_open("testfs:shared", O_RDWR | O_CREAT | O_EXCL);
	U_EXPECT_EQ(fd >= 0, 1);
	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = testfs_pattern(i, 1);
	U_EXPECT_EQ(u_write(fd, buf, sizeof(buf)), sizeof(buf));
	long child = u_fork();
	if (child == 0)
		client2(sync);
	U_EXPECT_EQ(child > 0, 1);

	volatile uint8_t *m = u_mmap_fd(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	U_EXPECT_EQ(u_mmap_failed((void *)m), 0);
	if (u_mmap_failed((void *)m)) {
		sync[0] = 1;
		int st_ = 0;
		u_waitpid(child, &st_);
		testfs_stop(daemon);
		return u_failures();
	}
	U_EXPECT_EQ(testfs_get_stats(st), 0);
	TESTFS_EXPECT_LOG(st, { P, "shared", 0, 4 * PG, MAP_SHARED });
	TESTFS_EXPECT_RANGES(st, "shared", { 0, 4 * PG, 1 });
	unsigned bad = 0;
	for (unsigned i = 0; i < 4 * PG; i++)
		bad += m[i] != testfs_pattern(i, 1);
	U_EXPECT_EQ(bad, 0);
	m[0] = 0xa1;
	m[PG + 5] = 0xb2;

	sync[0] = 1;
	int status = -1;
	U_EXPECT_EQ(u_waitpid(child, &status), child);
	U_EXPECT_EQ(status, 0);
	U_EXPECT_EQ(m[2 * PG + 7], 0xc3);             /* client 2's write */
	U_EXPECT_EQ(testfs_get_stats(st), 0);
	TESTFS_EXPECT_LOG(st, { P, "shared", 0, 4 * PG, MAP_SHARED },
			  { P, "shared", PG, 2 * PG, MAP_SHARED },
			  { U, "shared", PG, PG, 0 }, { U, "shared", 2 * PG, PG, 0 });
	TESTFS_EXPECT_RANGES(st, "shared", { 0, 4 * PG, 1 });

	/* the daemon sees both clients' writes, and the clients see the daemon's */
	U_EXPECT_EQ(testfs_pread1(fd, 0), 0xa1);
	U_EXPECT_EQ(testfs_pread1(fd, PG + 5), 0xb2);
	U_EXPECT_EQ(testfs_pread1(fd, 2 * PG + 7), 0xc3);
	U_EXPECT_EQ(testfs_pread1(fd, 3 * PG + 1), testfs_pattern(3 * PG + 1, 1));
	U_EXPECT_EQ(u_lseek(fd, 3 * PG + 9, SEEK_SET), 3 * PG + 9);
	U_EXPECT_EQ(u_write(fd, "Q", 1), 1);
	U_EXPECT_EQ(m[3 * PG + 9], 'Q');

	/* unmapping the middle page, then the whole range (two pieces, two notices) */
	U_EXPECT_EQ(testfs_reset(), 0);
	U_EXPECT_EQ(u_munmap((void *)(m + PG), PG), 0);
	U_EXPECT_EQ(testfs_get_stats(st), 0);
	TESTFS_EXPECT_LOG(st, { U, "shared", PG, PG, 0 });
	TESTFS_EXPECT_RANGES(st, "shared", { 0, PG, 1 }, { 2 * PG, 4 * PG, 1 });
	U_EXPECT_EQ(u_munmap((void *)m, 4 * PG), 0);
	U_EXPECT_EQ(testfs_get_stats(st), 0);
	TESTFS_EXPECT_LOG(st, { U, "shared", PG, PG, 0 }, { U, "shared", 0, PG, 0 },
			  { U, "shared", 2 * PG, 2 * PG, 0 });
	TESTFS_EXPECT_NO_RANGES(st, "shared");
	U_EXPECT_EQ(st->files, 1);                      /* still open */

	/* past the end of the file (4 pages): those pages fault, the others work */
	U_EXPECT_EQ(testfs_reset(), 0);
	volatile uint8_t *m2 = u_mmap_fd(NULL, 6 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	volatile uint8_t *m3 = u_mmap_fd(NULL, 2 * PG, PROT_READ, MAP_SHARED, fd, 8 * PG);
	U_EXPECT_EQ(u_mmap_failed((void *)m2) || u_mmap_failed((void *)m3), 0);
	/* beyond the daemon's window for a file: it refuses, the kernel passes the error on */
	U_EXPECT_EQ((long)u_mmap_fd(NULL, PG, PROT_READ, MAP_SHARED, fd,
				    (long)(TESTFS_WINDOW_PAGES * PG)), -EINVAL);
	if (!u_mmap_failed((void *)m2) && !u_mmap_failed((void *)m3)) {
		uint8_t b = 0;
		U_EXPECT_EQ(u_read_faults(m2 + 3 * PG + 9, &b), 0);
		U_EXPECT_EQ(b, 'Q');
		U_EXPECT_EQ(u_read_faults(m2 + 4 * PG, &b), 1);
		U_EXPECT_EQ(u_write_faults(m2 + 5 * PG + 100, 1), 1);
		U_EXPECT_EQ(u_read_faults(m3, &b), 1);
		U_EXPECT_EQ(u_read_faults(m3 + PG, &b), 1);
		U_EXPECT_EQ(testfs_get_stats(st), 0);
		TESTFS_EXPECT_RANGES(st, "shared", { 0, 6 * PG, 1 }, { 8 * PG, 10 * PG, 1 });
		U_EXPECT_EQ(u_munmap((void *)m2, 6 * PG), 0);
		U_EXPECT_EQ(u_munmap((void *)m3, 2 * PG), 0);
		U_EXPECT_EQ(testfs_get_stats(st), 0);
		TESTFS_EXPECT_LOG(st, { P, "shared", 0, 6 * PG, MAP_SHARED },
				  { P, "shared", 8 * PG, 2 * PG, MAP_SHARED },
				  { P, "shared", TESTFS_WINDOW_PAGES * PG, PG, MAP_SHARED, -EINVAL },
				  { U, "shared", 0, 6 * PG, 0 }, { U, "shared", 8 * PG, 2 * PG, 0 });
		TESTFS_EXPECT_NO_RANGES(st, "shared");
		const struct testfs_file_stat *f = testfs_stats_file(st, "shared");
		U_EXPECT_EQ(f ? f->size : 0, 4 * PG);      /* accesses past the end grow nothing */
	}

	/* MAP_FIXED over the middle of a mapping: that part's notice at once; an mprotect split
	 * does not split the notice of what stays in one piece of the file */
	U_EXPECT_EQ(testfs_reset(), 0);
	uint8_t *r = u_mmap_fd(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	U_EXPECT_EQ(u_mmap_failed(r), 0);
	if (!u_mmap_failed(r)) {
		void *anon = u_mmap(r + PG, 2 * PG, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
		U_EXPECT_EQ((uintptr_t)anon, (uintptr_t)(r + PG));
		U_EXPECT_EQ(testfs_get_stats(st), 0);
		TESTFS_EXPECT_LOG(st, { P, "shared", 0, 4 * PG, MAP_SHARED },
				  { U, "shared", PG, 2 * PG, 0 });
		TESTFS_EXPECT_RANGES(st, "shared", { 0, PG, 1 }, { 3 * PG, 4 * PG, 1 });
		U_EXPECT_EQ(u_munmap(r, 4 * PG), 0);
		uint8_t *t = u_mmap_fd(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		U_EXPECT_EQ(u_mmap_failed(t), 0);
		if (!u_mmap_failed(t)) {
			U_EXPECT_EQ(u_mprotect(t + PG, PG, PROT_READ), 0);
			U_EXPECT_EQ(u_write_faults(t + PG, 1), 1);
			U_EXPECT_EQ(t[PG], testfs_pattern(PG, 1));
			U_EXPECT_EQ(u_munmap(t, 4 * PG), 0);
		}
		U_EXPECT_EQ(testfs_get_stats(st), 0);
		TESTFS_EXPECT_LOG(st, { P, "shared", 0, 4 * PG, MAP_SHARED },
				  { U, "shared", PG, 2 * PG, 0 },
				  { U, "shared", 0, PG, 0 }, { U, "shared", 3 * PG, PG, 0 },
				  { P, "shared", 0, 4 * PG, MAP_SHARED },
				  { U, "shared", 0, 4 * PG, 0 });
		TESTFS_EXPECT_NO_RANGES(st, "shared");
	}

	/* the daemon drops its pages (O_TRUNC) while a client maps them: the client keeps the
	 * old frames and data, the file starts over with new ones */
	U_EXPECT_EQ(testfs_reset(), 0);
	volatile uint8_t *o = u_mmap_fd(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	U_EXPECT_EQ(u_mmap_failed((void *)o), 0);
	if (!u_mmap_failed((void *)o)) {
		long tr = u_open("testfs:shared", O_RDWR | O_TRUNC);
		U_EXPECT_EQ(tr >= 0, 1);
		U_EXPECT_EQ(u_lseek(tr, 0, SEEK_END), 0);
		U_EXPECT_EQ(o[0], 0xa1);
		o[PG + 1] = 0x5e;
		U_EXPECT_EQ(o[PG + 1], 0x5e);
		U_EXPECT_EQ(u_write(tr, "new", 3), 3);
		U_EXPECT_EQ(o[0], 0xa1);                   /* not the file's new page */
		U_EXPECT_EQ(testfs_pread1(fd, 0), 'n');
		U_EXPECT_EQ(u_check(), 0);
		U_EXPECT_EQ(u_munmap((void *)o, 2 * PG), 0);
		U_EXPECT_EQ(u_close(tr), 0);
		U_EXPECT_EQ(testfs_get_stats(st), 0);
		TESTFS_EXPECT_LOG(st, { P, "shared", 0, 2 * PG, MAP_SHARED },
				  { U, "shared", 0, 2 * PG, 0 });
		TESTFS_EXPECT_NO_RANGES(st, "shared");
	}

	/* the last close deletes the file */
	U_EXPECT_EQ(u_close(fd), 0);
	U_EXPECT_EQ(testfs_get_stats(st), 0);
	U_EXPECT_EQ(st->files, 0);
	U_EXPECT_EQ(st->heap_blocks, heap0);             /* every file's memory went */
	U_EXPECT_EQ(testfs_stop(daemon), 0);
	U_EXPECT_EQ(u_munmap((void *)sync, PG), 0);
	U_EXPECT_EQ(u_check(), 0);
	return u_failures();
}
