/* fork of a process with a large populated private region (512 MiB when there is room for it,
 * 64 MiB where RAM is short) with copy-on-write page tables (COW_PT, mm/fork.c): the fork costs the same
 * number of frames as a fork of the same process with one page of the region populated (to the
 * frame: with COW_PT=0 it costs one more leaf table per 2 MiB instead), a first write in the
 * child costs exactly one table and one page (COW_PT=0: the page), both sides keep their data,
 * and every frame comes back whichever side lets go of the region first; a MAP_SHARED page in
 * a span of private pages does not keep that span's table from being shared, and stays shared.
 * Exit status = failed checks.
 *
 * How the fork cost is measured from user mode: the child signals through a MAP_SHARED page
 * once it is running and then waits; the parent reads the free-frame count at that point. What
 * both sides did by then (their stack writes after fork) is the same in both forks, so the two
 * costs differ exactly by what the populated pages cost the fork. */
#include "tests/user/lib/ulib.h"

#define REGION_BASE ((uintptr_t)1 << 30)         /* 1 GiB: a 2 MiB boundary, free on every arch */
#define SPAN        ((size_t)2 << 20)            /* what one leaf table maps */

static volatile long *flags;                     /* MAP_SHARED: [0] child running, [1] go,
						  * [3] the parent unmapped the region */
static uint8_t *region;
static size_t region_len;

static uint8_t byte_of(size_t page)
{
	return (uint8_t)(0x40 + page * 7);
}

/* Returns how many pages of the region in [0, PAGES) do not hold byte_of (skipping SKIP). */
static size_t wrong_pages(size_t pages, size_t skip)
{
	size_t wrong = 0;
	for (size_t i = 0; i < pages; i++)
		if (i != skip && region[i * U_PAGE] != byte_of(i))
			wrong++;
	return wrong;
}

/* The child of a measured fork: waits for the go, then checks the data and the cost of its first
 * writes (with BIG, the whole region is populated). */
static void measured_child(bool big)
{
	flags[0] = 1;
	while (!flags[1])
		u_yield();
	if (!big)
		u_exit(u_failures());
	size_t pages = region_len / U_PAGE;
	U_EXPECT_EQ(wrong_pages(pages, ~(size_t)0), 0);
	/* Each first write under a leaf table still shared: the table and the page. */
	for (size_t k = 1; k <= 3; k++) {
		size_t page = k * (SPAN / U_PAGE) + 17 * k;
		long before = u_free_frames();
		region[page * U_PAGE] = 0xc0 + k;
		long cost = before - u_free_frames();
		U_EXPECT_EQ(cost, COW_PT ? 2 : 1);
		U_EXPECT_EQ(region[page * U_PAGE], 0xc0 + k);
	}
	u_exit(u_failures());
}

/* Forks a measured child (see the top); returns the frames the fork and the two sides' first
 * steps cost, after checking that the child exited cleanly and every frame came back. */
static long measured_fork(bool big)
{
	flags[0] = flags[1] = 0;
	long free0 = u_free_frames();
	long pid = u_fork();
	if (pid == 0)
		measured_child(big);
	while (!flags[0])
		u_yield();
	long cost = free0 - u_free_frames();
	flags[1] = 1;
	int status = -1;
	U_EXPECT_EQ(u_waitpid(pid, &status), pid);
	U_EXPECT_EQ(status, 0);
	U_EXPECT_EQ(u_free_frames(), free0);
	U_EXPECT_EQ(u_check(), 0);
	return cost;
}

/* A MAP_SHARED page in the leaf-table span of private pages at MIXED (COW_PT shares that table
 * at fork too): each side's write to it, a hardware write fault under a read-only upper entry
 * on the first try, reaches the other side; the private pages stay copy-on-write; the child's
 * exit gives back every frame. */
static void shared_page_beside_private(uint8_t *mixed, volatile uint8_t *shm)
{
	long free0 = u_free_frames();
	flags[0] = flags[1] = 0;
	long pid = u_fork();
	if (pid == 0) {
		U_EXPECT_EQ(shm[0], 0x31);
		shm[0] = 0x32;
		flags[0] = 1;
		while (!flags[1])
			u_yield();
		U_EXPECT_EQ(shm[0], 0x33);
		mixed[U_PAGE] = 0x99;
		U_EXPECT_EQ(mixed[U_PAGE], 0x99);
		U_EXPECT_EQ(mixed[2 * U_PAGE], byte_of(2));
		u_exit(u_failures());
	}
	while (!flags[0])
		u_yield();
	U_EXPECT_EQ(shm[0], 0x32);
	shm[0] = 0x33;
	flags[1] = 1;
	int status = -1;
	U_EXPECT_EQ(u_waitpid(pid, &status), pid);
	U_EXPECT_EQ(status, 0);
	U_EXPECT_EQ(mixed[U_PAGE], byte_of(1));
	U_EXPECT_EQ(u_free_frames(), free0);
	U_EXPECT_EQ(u_check(), 0);
}

/* The parent's tables go first: after a fork the parent unmaps the whole region (what its exit
 * does to it: the shared tables are detached, nothing copied), then the child checks the data,
 * writes and exits. Every frame of the region and its leaf tables come back then (with COW_PT=0
 * the parent's emptied leaf tables stay until its exit). Ends with the region unmapped. */
static void parent_unmaps_first(void)
{
	long free0 = u_free_frames();
	flags[3] = 0;
	long pid = u_fork();
	if (pid == 0) {
		while (!flags[3])
			u_yield();
		U_EXPECT_EQ(wrong_pages(region_len / U_PAGE, ~(size_t)0), 0);
		region[5 * U_PAGE] = 0x99;
		U_EXPECT_EQ(region[5 * U_PAGE], 0x99);
		U_EXPECT_EQ(region[6 * U_PAGE], byte_of(6));
		U_EXPECT_EQ(u_check(), 0);
		u_exit(u_failures());
	}
	U_EXPECT_EQ(u_munmap(region, region_len), 0);
	U_EXPECT_EQ(u_check(), 0);
	flags[3] = 1;
	int status = -1;
	U_EXPECT_EQ(u_waitpid(pid, &status), pid);
	U_EXPECT_EQ(status, 0);
	long spans = (long)(region_len / SPAN);
	U_EXPECT_EQ(u_free_frames() - free0, (long)(region_len / U_PAGE) + (COW_PT ? spans : 0));
	U_EXPECT_EQ(u_check(), 0);
}

int user_main(void)
{
	flags = u_mmap(NULL, U_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS);
	if (u_mmap_failed((void *)flags))
		return 100;
	/* 512 MiB where RAM allows it, else 64 MiB. On i686 at 4G and 6G most of it lies above
	 * 4 GiB: this test found that QEMU does not walk page tables there (x86_table_alloc). */
	size_t big = 512ul << 20;
	region_len = u_free_frames() > (long)(big / U_PAGE + 16384) ? big : 64ul << 20;
	region = u_mmap((void *)REGION_BASE, region_len, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
	if ((uintptr_t)region != REGION_BASE)
		return 101;
	size_t pages = region_len / U_PAGE;

	/* One page populated, then all of them: the same fork cost (COW_PT=0: one leaf table more
	 * per 2 MiB). */
	region[0] = byte_of(0);
	long cost_small = measured_fork(false);

	/* A span of 4 private pages and a MAP_SHARED page, below the region: shared at fork as a
	 * whole (COW_PT=0: copied, one leaf table). */
	uint8_t *mixed = u_mmap((void *)(REGION_BASE - SPAN), 4 * U_PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
	volatile uint8_t *shm = u_mmap((void *)(REGION_BASE - SPAN + 8 * U_PAGE), U_PAGE,
				       PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED);
	if ((uintptr_t)mixed != REGION_BASE - SPAN || (uintptr_t)shm != REGION_BASE - SPAN + 8 * U_PAGE)
		return 102;
	for (size_t i = 0; i < 4; i++)
		mixed[i * U_PAGE] = byte_of(i);
	shm[0] = 0x31;
	U_EXPECT_EQ(measured_fork(false) - cost_small, COW_PT ? 0 : 1);
	shared_page_beside_private(mixed, shm);
	U_EXPECT_EQ(u_munmap(mixed, 4 * U_PAGE), 0);
	U_EXPECT_EQ(u_munmap((void *)shm, U_PAGE), 0);
	for (size_t i = 0; i < pages; i++)
		region[i * U_PAGE] = byte_of(i);
	long cost_big = measured_fork(true);
	U_EXPECT_EQ(cost_big - cost_small, COW_PT ? 0 : (long)(region_len / SPAN) - 1);
	U_EXPECT_EQ(wrong_pages(pages, ~(size_t)0), 0);      /* the child's writes stayed there */

	/* The parent writes after a fork, the child exits first (u_run_child_checked's checks). */
	long free0 = u_free_frames();
	long pid = u_fork();
	if (pid == 0) {
		U_EXPECT_EQ(wrong_pages(pages, ~(size_t)0), 0);
		u_exit(u_failures());
	}
	region[9 * U_PAGE] = 0x77;
	int status = -1;
	U_EXPECT_EQ(u_waitpid(pid, &status), pid);
	U_EXPECT_EQ(status, 0);
	U_EXPECT_EQ(region[9 * U_PAGE], 0x77);
	region[9 * U_PAGE] = byte_of(9);
	U_EXPECT_EQ(u_free_frames(), free0);
	U_EXPECT_EQ(u_check(), 0);

	parent_unmaps_first();
	return u_failures();
}
