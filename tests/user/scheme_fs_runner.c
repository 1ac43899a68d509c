/* The way a scenario runner (tests/user/scenario_run.c, file/mapfile/filesum lines) uses testfs,
 * checked end to end: per scenario, the driver starts a daemon, a `file` line creates and fills
 * the file with the scenario pattern and keeps the driver's fd open, a scenario process maps it
 * (shared and private) through an fd of its own that it closes at once, writes through both and
 * exits; `filesum` reads the file with read() and gets the FNV-1a of exactly the shared writes;
 * at the end the driver closes its fds, finds the daemon idle (no file left, no unknown notice),
 * stops it, and the free frame count is back to its value before the scenario. */
#include "tests/user/lib/ulib.h"
#include "tests/user/testfs.h"
#include "tests/scenario/scenario.h"

#define PG    4096ul
#define PAGES 3
#define SEED  1234u
#define BASE  0x40000000ul

static uint64_t page[PG / 8];

/* Fills page P with the scenario pattern of SEED for page INDEX. */
static void fill_page(volatile uint64_t *p, uint64_t seed, uint64_t index)
{
	for (uint64_t w = 0; w < PG / 8; w++)
		p[w] = sc_pattern_word(seed, index, w);
}

/* The scenario process: mapfile shared at BASE and private after it, writes, exits. */
static __attribute__((noreturn)) void scenario_process(void)
{
	long fd = u_open("testfs:f", O_RDWR);
	volatile uint64_t *s = u_mmap_fd((void *)BASE, PAGES * PG, PROT_READ | PROT_WRITE,
					 MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0);
	volatile uint64_t *p = u_mmap_fd((void *)(BASE + (PAGES + 1) * PG), PAGES * PG,
					 PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED_NOREPLACE, fd, 0);
	U_EXPECT_EQ((uintptr_t)s, BASE);
	U_EXPECT_EQ((uintptr_t)p, BASE + (PAGES + 1) * PG);
	U_EXPECT_EQ(u_close(fd), 0);                   /* the mappings keep the file */
	if ((uintptr_t)s == BASE && (uintptr_t)p == BASE + (PAGES + 1) * PG) {
		U_EXPECT_EQ(s[PG / 8 + 3], sc_pattern_word(SEED, 1, 3));
		fill_page(s + PG / 8, 99, 1);              /* shared: the file changes */
		fill_page(p, 77, 0);                       /* private: it does not */
		U_EXPECT_EQ(p[PG / 8], sc_pattern_word(99, 1, 0));
	}
	u_exit(u_failures());
}

int user_main(void)
{
	fill_page(page, 0, 0);                         /* touched before the count */
	long free0 = u_free_frames();
	long daemon = testfs_start();
	U_EXPECT_EQ(daemon > 0, 1);
	if (daemon <= 0)
		return u_failures();

	/* file f PAGES SEED */
	long fd = u_open("testfs:f", O_RDWR | O_CREAT | O_EXCL);
	U_EXPECT_EQ(fd >= 0, 1);
	for (uint64_t i = 0; i < PAGES; i++) {
		fill_page(page, SEED, i);
		U_EXPECT_EQ(u_write(fd, page, PG), PG);
	}
	long pid = u_fork();
	if (pid == 0)
		scenario_process();
	int status = -1;
	U_EXPECT_EQ(u_waitpid(pid, &status), pid);
	U_EXPECT_EQ(status, 0);

	/* filesum f 0 PAGES */
	uint64_t want = SC_FNV_BASIS, got = SC_FNV_BASIS;
	for (uint64_t i = 0; i < PAGES; i++) {
		fill_page(page, i == 1 ? 99 : SEED, i);
		want = sc_fnv1a(want, page, PG);
	}
	U_EXPECT_EQ(u_lseek(fd, 0, SEEK_SET), 0);
	for (uint64_t i = 0; i < PAGES; i++) {
		U_EXPECT_EQ(u_read(fd, page, PG), PG);
		got = sc_fnv1a(got, page, PG);
	}
	U_EXPECT_EQ(got, want);

	/* the end of the scenario */
	U_EXPECT_EQ(u_close(fd), 0);
	U_EXPECT_EQ(testfs_idle_problems(), 0);
	U_EXPECT_EQ(testfs_stop(daemon), 0);
	U_EXPECT_EQ(u_free_frames(), free0);
	U_EXPECT_EQ(u_check(), 0);
	return u_failures();
}
