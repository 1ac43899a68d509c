/* Random map/touch/unmap sequences over one testfs file, checked against a model after every
 * step: eight mapping slots at fixed addresses get eager or lazy, shared or private mappings of
 * random file ranges (some reaching past the end), random pages are read or written (pages past
 * the end must fault; lazy pages come in on first touch), and random sub-ranges are unmapped
 * (splitting mappings) or replaced by MAP_FIXED. The model counts, per file page, the mappings that hold it prepared (an
 * eager mapping: all its mapped pages; a lazy one: its touched pages inside the file), and the
 * daemon's range counts must equal it exactly after every step: every prepared page got exactly
 * one notice, split the way the unmaps split. */
#include "tests/user/lib/ulib.h"
#include "tests/user/testfs.h"
#include "tests/user/lib/umalloc.h"

#define PG         4096ul
#define FILE_PAGES 16
#define SLOTS      8
#define SLOT_PAGES 8
#define MAX_PAGE   (FILE_PAGES + SLOT_PAGES)
#define STEPS      300

struct slot {
	bool active, lazy, shared;
	unsigned off;                    /* file page of the slot's first page */
	bool mapped[SLOT_PAGES], present[SLOT_PAGES];
};

static struct slot slots[SLOTS];
static struct testfs_stats *st;
static uint8_t *area;
static uint64_t rng = 0x9e3779b97f4a7c15ull;

/* Returns a pseudo-random number below N. */
static unsigned rnd(unsigned n)
{
	rng = rng * 6364136223846793005ull + 1442695040888963407ull;
	return (unsigned)((rng >> 33) % n);
}

static uint8_t *slot_addr(unsigned s, unsigned page)
{
	return area + ((uintptr_t)s * (SLOT_PAGES + 1) + page) * PG;
}

/* Compares the daemon's range counts with the model; returns the mismatches. */
static int check_model(unsigned step)
{
	unsigned count[MAX_PAGE] = { 0 };
	for (unsigned s = 0; s < SLOTS; s++)
		for (unsigned i = 0; slots[s].active && i < SLOT_PAGES; i++)
			if (slots[s].mapped[i] && (!slots[s].lazy || slots[s].present[i]))
				count[slots[s].off + i]++;
	struct testfs_interval want[MAX_PAGE];
	unsigned n = 0;
	for (unsigned p = 0; p < MAX_PAGE; p++) {
		if (!count[p])
			continue;
		if (n && want[n - 1].end == p * PG && want[n - 1].count == count[p]) {
			want[n - 1].end += PG;
		} else {
			want[n].start = p * PG;
			want[n].end = (p + 1) * PG;
			want[n].count = count[p];
			n++;
		}
	}
	if (testfs_get_stats(st) != 0)
		return 1;
	int bad = testfs_check_ranges(st, "rnd", want, n, __FILE__, __LINE__);
	if (st->unknown_munmaps) {
		u_fail(__FILE__, __LINE__, "unknown munmaps", st->unknown_munmaps, 0);
		bad++;
	}
	if (bad)
		u_printf("    # scheme_fs_random: mismatch after step %u\n", step);
	return bad;
}

static void do_map(long fd, unsigned s)
{
	struct slot *sl = &slots[s];
	sl->off = rnd(FILE_PAGES);
	unsigned len = 1 + rnd(SLOT_PAGES);
	sl->lazy = rnd(2);
	sl->shared = rnd(2);
	unsigned flags = (sl->shared ? MAP_SHARED : MAP_PRIVATE) | (sl->lazy ? MAP_LAZY : 0) | MAP_FIXED;
	void *p = u_mmap_fd(slot_addr(s, 0), len * PG, PROT_READ | PROT_WRITE, (int)flags, fd,
			    (long)(sl->off * PG));
	U_EXPECT_EQ((uintptr_t)p, (uintptr_t)slot_addr(s, 0));
	sl->active = true;
	for (unsigned i = 0; i < SLOT_PAGES; i++) {
		sl->mapped[i] = i < len;
		sl->present[i] = false;
	}
}

static void do_touch(unsigned s)
{
	struct slot *sl = &slots[s];
	unsigned i = rnd(SLOT_PAGES);
	if (!sl->mapped[i])
		return;
	volatile uint8_t *a = slot_addr(s, i) + rnd((unsigned)PG);
	bool past_end = sl->off + i >= FILE_PAGES;
	bool faulted = rnd(2) ? u_write_faults(a, (uint8_t)rnd(256)) : u_read_faults(a, NULL);
	U_EXPECT_EQ(faulted, past_end);
	if (!past_end)
		sl->present[i] = true;
}

static void do_unmap(unsigned s)
{
	struct slot *sl = &slots[s];
	unsigned first = rnd(SLOT_PAGES), count = 1 + rnd(SLOT_PAGES - first);
	U_EXPECT_EQ(u_munmap(slot_addr(s, first), count * PG), 0);
	bool any = false;
	for (unsigned i = 0; i < SLOT_PAGES; i++) {
		if (i >= first && i < first + count)
			sl->mapped[i] = false;
		any |= sl->mapped[i];
	}
	sl->active = any;
}

int user_main(void)
{
	st = umalloc(sizeof(*st));
	uint8_t *page = umalloc(PG);
	if (!st || !page)
		return 100;
	long daemon = testfs_start();
	U_EXPECT_EQ(daemon > 0, 1);
	if (daemon <= 0)
		return u_failures();
	long fd = u_open("testfs:rnd", O_RDWR | O_CREAT | O_EXCL);
	for (unsigned p = 0; p < FILE_PAGES; p++) {
		memset(page, (int)p, PG);
		U_EXPECT_EQ(u_write(fd, page, PG), PG);
	}
	area = u_mmap(NULL, SLOTS * (SLOT_PAGES + 1) * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS);
	U_EXPECT_EQ(u_mmap_failed(area), 0);
	if (u_mmap_failed(area)) {
		testfs_stop(daemon);
		return u_failures();
	}
	unsigned maps = 0, touches = 0, unmaps = 0, replaces = 0;
	for (unsigned step = 0; step < STEPS && u_failures() == 0; step++) {
		unsigned s = rnd(SLOTS);
		if (!slots[s].active) {
			do_map(fd, s);
			maps++;
		} else if (rnd(2)) {
			do_touch(s);
			touches++;
		} else if (rnd(2)) {
			do_unmap(s);
			unmaps++;
		} else {
			/* MAP_FIXED over the whole slot: the old mapping's notices, then a new one */
			void *p = u_mmap(slot_addr(s, 0), SLOT_PAGES * PG, PROT_NONE,
					 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
			U_EXPECT_EQ((uintptr_t)p, (uintptr_t)slot_addr(s, 0));
			slots[s].active = false;
			check_model(step);
			do_map(fd, s);
			replaces++;
		}
		check_model(step);
	}
	u_printf("    # scheme_fs_random: %u maps, %u touches, %u unmaps, %u maps over a mapping\n",
		 maps, touches, unmaps, replaces);
	U_EXPECT_EQ(u_munmap(area, SLOTS * (SLOT_PAGES + 1) * PG), 0);
	for (unsigned s = 0; s < SLOTS; s++)
		slots[s].active = false;
	check_model(STEPS);
	U_EXPECT_EQ(u_close(fd), 0);
	U_EXPECT_EQ(testfs_idle_problems(), 0);
	U_EXPECT_EQ(testfs_stop(daemon), 0);
	U_EXPECT_EQ(u_check(), 0);
	return u_failures();
}
