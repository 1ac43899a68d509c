/* The daemon exits while a client maps its pages (shared and private): the client still reads
 * the data, a write through the shared mapping shows in the private one (both map the same
 * frames, which the client's mappings now keep alive alone); unmapping the private mapping frees
 * nothing, unmapping the shared one frees exactly the file's 8 frames; after the client is gone
 * the free frame count is back to its value before the daemon started. The client's mappings sit
 * between two touched pages of an anonymous mapping so that no page table comes or goes with
 * them and the frame counts are exact. */
#include "tests/user/lib/ulib.h"
#include "tests/user/testfs.h"

#define PG    4096ul
#define PAGES 8

static uint8_t buf[PAGES * PG];

/* The client, a child of the test: starts its daemon, maps, outlives the daemon. */
static void client(void)
{
	long daemon = testfs_start();
	U_EXPECT_EQ(daemon > 0, 1);
	if (daemon <= 0)
		return;
	long fd = u_open("testfs:gone", O_RDWR | O_CREAT | O_EXCL);
	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = testfs_pattern(i, 3);
	U_EXPECT_EQ(u_write(fd, buf, sizeof(buf)), sizeof(buf));

	volatile uint8_t *a = u_mmap(NULL, 32 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	a[0] = 1;
	a[31 * PG] = 1;
	volatile uint8_t *m = u_mmap_fd((void *)(a + 4 * PG), PAGES * PG, PROT_READ | PROT_WRITE,
					MAP_SHARED | MAP_FIXED, fd, 0);
	volatile uint8_t *p = u_mmap_fd((void *)(a + 16 * PG), PAGES * PG, PROT_READ,
					MAP_PRIVATE | MAP_FIXED, fd, 0);
	U_EXPECT_EQ((uintptr_t)m, (uintptr_t)(a + 4 * PG));
	U_EXPECT_EQ((uintptr_t)p, (uintptr_t)(a + 16 * PG));
	if (m != a + 4 * PG || p != a + 16 * PG) {
		testfs_stop(daemon);
		return;
	}
	U_EXPECT_EQ(testfs_stop(daemon), 0);           /* exits and is reaped */

	long f0 = u_free_frames();
	unsigned bad = 0;
	for (unsigned i = 0; i < PAGES * PG; i++)
		bad += (m[i] != testfs_pattern(i, 3)) + (p[i] != testfs_pattern(i, 3));
	U_EXPECT_EQ(bad, 0);
	m[5] = 0x5a;
	U_EXPECT_EQ(p[5], 0x5a);
	U_EXPECT_EQ(u_free_frames(), f0);              /* reading and writing allocate nothing */
	U_EXPECT_EQ(u_check(), 0);
	U_EXPECT_EQ(u_munmap((void *)p, PAGES * PG), 0);
	U_EXPECT_EQ(u_free_frames(), f0);              /* the shared mapping still holds them */
	U_EXPECT_EQ(m[PG], testfs_pattern(PG, 3));
	U_EXPECT_EQ(u_munmap((void *)m, PAGES * PG), 0);
	U_EXPECT_EQ(u_free_frames(), f0 + PAGES);      /* the last references went */
	U_EXPECT_EQ(u_close(fd), 0);                   /* the daemon is gone: nothing to tell */
	U_EXPECT_EQ(u_munmap((void *)a, 32 * PG), 0);
	U_EXPECT_EQ(u_check(), 0);
}

int user_main(void)
{
	u_run_child_checked(client);
	return u_failures();
}
