/* The test file system through the kernel's file syscalls: open with and without O_CREAT and
 * O_EXCL, names the daemon refuses, write and read at the file position (lseek SEEK_SET/CUR/END),
 * files growing by writes, reads past the end returning 0, O_TRUNC, access modes, a write
 * larger than a page, two opens of the same file seeing each other's writes, a file deleted on
 * its last close, the control paths, and the daemon's clean exit (status 0, no frames left). */
#include "tests/user/lib/ulib.h"
#include "tests/user/testfs.h"
#include "tests/user/lib/umalloc.h"

static uint8_t buf[3 * 4096 + 100], out[3 * 4096 + 100];
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
	/* the daemon's heap when it holds no file: its table, a snapshot, and what it inherited */
	U_EXPECT_EQ(testfs_get_stats(st), 0);
	uint64_t heap0 = st->heap_blocks;
	U_EXPECT_EQ(st->files, 0);
	U_EXPECT_EQ(st->opens, 1);

	U_EXPECT_EQ(u_open("testfs:a", O_RDWR), -ENOENT);
	long fd = u_open("testfs:a", O_RDWR | O_CREAT | O_EXCL);
	U_EXPECT_EQ(fd >= 0, 1);
	U_EXPECT_EQ(u_open("testfs:a", O_RDWR | O_CREAT | O_EXCL), -EEXIST);
	U_EXPECT_EQ(u_open("testfs:bad/name", O_RDWR | O_CREAT), -EINVAL);
	U_EXPECT_EQ(u_open("testfs:.secret", O_RDWR | O_CREAT), -ENOENT);
	U_EXPECT_EQ(u_open("nosuchscheme:x", O_RDWR), -ENOENT);

	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = testfs_pattern(i, 1);
	U_EXPECT_EQ(u_read(fd, out, 10), 0);                       /* empty */
	U_EXPECT_EQ(u_write(fd, buf, sizeof(buf)), sizeof(buf));   /* several pages at once */
	U_EXPECT_EQ(u_lseek(fd, 0, SEEK_CUR), sizeof(buf));
	U_EXPECT_EQ(u_read(fd, out, 10), 0);                       /* at the end */
	U_EXPECT_EQ(u_lseek(fd, 0, SEEK_END), sizeof(buf));
	U_EXPECT_EQ(u_lseek(fd, 0, SEEK_SET), 0);
	memset(out, 0, sizeof(out));
	U_EXPECT_EQ(u_read(fd, out, sizeof(out)), sizeof(buf));
	U_EXPECT_EQ(memcmp(out, buf, sizeof(buf)), 0);
	U_EXPECT_EQ(u_lseek(fd, 4096 - 2, SEEK_SET), 4096 - 2);
	U_EXPECT_EQ(u_read(fd, out, 4), 4);                        /* across a page boundary */
	U_EXPECT_EQ(memcmp(out, buf + 4096 - 2, 4), 0);
	U_EXPECT_EQ(u_lseek(fd, 10 * 4096, SEEK_SET), 10 * 4096);  /* a hole, then one byte */
	U_EXPECT_EQ(u_write(fd, "Z", 1), 1);
	U_EXPECT_EQ(u_lseek(fd, 0, SEEK_END), 10 * 4096 + 1);
	U_EXPECT_EQ(u_lseek(fd, 5 * 4096, SEEK_SET), 5 * 4096);
	out[0] = 0xff;
	U_EXPECT_EQ(u_read(fd, out, 1), 1);
	U_EXPECT_EQ(out[0], 0);
	U_EXPECT_EQ(u_lseek(fd, 20 * 4096, SEEK_SET), 20 * 4096);
	U_EXPECT_EQ(u_read(fd, out, 1), 0);                        /* past the end */

	/* a second open sees the first one's writes; access modes are enforced */
	long ro = u_open("testfs:a", O_RDONLY);
	U_EXPECT_EQ(ro >= 0, 1);
	U_EXPECT_EQ(u_read(ro, out, 3), 3);
	U_EXPECT_EQ(memcmp(out, buf, 3), 0);
	long werr = u_write(ro, buf, 1);
	U_EXPECT_EQ(werr == -EBADF || werr == -EACCES, 1);
	long wo = u_open("testfs:a", O_WRONLY);
	long rerr = u_read(wo, out, 1);
	U_EXPECT_EQ(rerr == -EBADF || rerr == -EACCES, 1);
	U_EXPECT_EQ(u_write(wo, "xy", 2), 2);
	U_EXPECT_EQ(u_lseek(ro, 0, SEEK_SET), 0);
	U_EXPECT_EQ(u_read(ro, out, 3), 3);
	U_EXPECT_EQ(out[0], 'x');
	U_EXPECT_EQ(out[1], 'y');
	U_EXPECT_EQ(out[2], buf[2]);

	U_EXPECT_EQ(testfs_get_stats(st), 0);
	U_EXPECT_EQ(st->files, 1);
	U_EXPECT_EQ(st->opens, 4);                                  /* fd, ro, wo and the snapshot */
	const struct testfs_file_stat *f = testfs_stats_file(st, "a");
	U_EXPECT_EQ(f != NULL, 1);
	if (f) {
		U_EXPECT_EQ(f->size, 10 * 4096 + 1);
		U_EXPECT_EQ(f->opens, 3);
		U_EXPECT_EQ(f->mapped_pages, 11);
		U_EXPECT_EQ(f->nintervals, 0);
	}
	TESTFS_EXPECT_NO_LOG(st);
	U_EXPECT_EQ(testfs_idle_problems(), 1);                    /* "a" is still there */

	/* O_TRUNC */
	long tr = u_open("testfs:a", O_RDWR | O_TRUNC);
	U_EXPECT_EQ(u_lseek(tr, 0, SEEK_END), 0);
	U_EXPECT_EQ(u_read(ro, out, 1), 0);

	/* the last close deletes it */
	U_EXPECT_EQ(u_close(fd), 0);
	U_EXPECT_EQ(u_close(ro), 0);
	U_EXPECT_EQ(u_close(wo), 0);
	U_EXPECT_EQ(u_close(tr), 0);
	U_EXPECT_EQ(u_close(tr), -EBADF);
	U_EXPECT_EQ(testfs_get_stats(st), 0);
	U_EXPECT_EQ(st->files, 0);
	U_EXPECT_EQ(st->opens, 1);
	U_EXPECT_EQ(st->heap_blocks, heap0);             /* every file's memory went */
	U_EXPECT_EQ(u_open("testfs:a", O_RDWR), -ENOENT);
	U_EXPECT_EQ(testfs_start(), -EEXIST);                     /* one daemon per name */

	U_EXPECT_EQ(testfs_idle_problems(), 0);
	U_EXPECT_EQ(testfs_stop(daemon), 0);
	U_EXPECT_EQ(u_open("testfs:a", O_RDWR | O_CREAT), -ENOENT);   /* the scheme is gone */
	U_EXPECT_EQ(u_check(), 0);
	return u_failures();
}
