/* A client of a testfs daemon that the kernel spawned as the program "testfs" (see
 * tests/ktest/scheme_fs_test.c): waits until it answers, uses a file through read/write and a
 * shared mapping, checks the daemon's log, lets the file go, and stops the daemon (which is not
 * its child: the KTEST reaps it and checks its exit status). */
#include "tests/user/lib/ulib.h"
#include "tests/user/testfs.h"
#include "tests/user/lib/umalloc.h"

#define PG 4096ul

static struct testfs_stats *st;     /* umalloc'd (the .bss room of a program is small) */

int user_main(void)
{
	st = umalloc(sizeof(*st));
	if (!st)
		return 100;
	U_EXPECT_EQ(testfs_wait_ready(), 0);
	long fd = u_open("testfs:spawned", O_RDWR | O_CREAT | O_EXCL);
	U_EXPECT_EQ(fd >= 0, 1);
	U_EXPECT_EQ(u_write(fd, "hello", 5), 5);
	volatile char *m = u_mmap_fd(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	U_EXPECT_EQ(u_mmap_failed((void *)m), 0);
	if (!u_mmap_failed((void *)m)) {
		U_EXPECT_EQ(m[4], 'o');
		m[0] = 'j';
		U_EXPECT_EQ(u_munmap((void *)m, PG), 0);
	}
	char out[5];
	U_EXPECT_EQ(u_lseek(fd, 0, SEEK_SET), 0);
	U_EXPECT_EQ(u_read(fd, out, 5), 5);
	U_EXPECT_EQ(memcmp(out, "jello", 5), 0);
	U_EXPECT_EQ(testfs_get_stats(st), 0);
	TESTFS_EXPECT_LOG(st, { TESTFS_LOG_PREP, "spawned", 0, PG, MAP_SHARED },
			  { TESTFS_LOG_MUNMAP, "spawned", 0, PG, 0 });
	U_EXPECT_EQ(u_close(fd), 0);
	U_EXPECT_EQ(testfs_get_stats(st), 0);
	U_EXPECT_EQ(st->files, 0);
	U_EXPECT_EQ(testfs_stop(0), 0);
	U_EXPECT_EQ(u_check(), 0);
	return u_failures();
}
