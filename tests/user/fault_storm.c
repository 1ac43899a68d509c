/* The fault storm register test: every general register holds a known, distinct value at each
 * of thousands of page faults (zero-fill writes, zero-frame reads, zero-frame-to-fresh writes,
 * CoW writes in both parent and child after fork), and each register is compared with its
 * expected value after every fault. Timer ticks (100 Hz) and switches between parent and child
 * land in the storm too. This is the test that found the x18 clobber in the seed's kernel.
 *
 * The register work is u_reg_storm (tests/user/arch/<arch>.S): it calls storm_step with a
 * register image, loads every register from the image's first half, makes one access (a read or
 * a write of the value register to the address register's page), stores every register and the
 * stack pointer into the second half, and calls storm_step again, until storm_step returns 0.
 * Exit status: register mismatches plus failed checks (0 expected). */
#include "tests/user/lib/ulib.h"

/* The registers u_reg_storm loads and stores, in image order; STORM_AREG holds the page address,
 * STORM_VREG the value a write stores there. */
#if defined(__x86_64__)
#define STORM_NREGS 15
static const char *const reg_names[STORM_NREGS] = {
	"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "r8", "r9", "r10", "r11", "r12", "r13",
	"r14", "r15",
};
#elif defined(__i386__)
#define STORM_NREGS 7
static const char *const reg_names[STORM_NREGS] = {
	"eax", "ebx", "ecx", "edx", "esi", "edi", "ebp",
};
#elif defined(__aarch64__)
#define STORM_NREGS 31
static const char *const reg_names[STORM_NREGS] = {
	"x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13",
	"x14", "x15", "x16", "x17", "x18", "x19", "x20", "x21", "x22", "x23", "x24", "x25", "x26",
	"x27", "x28", "x29", "x30",
};
#else
#error "fault_storm: unknown architecture"
#endif
#define STORM_AREG 0
#define STORM_VREG 1

/* The image u_reg_storm works on (it lives on u_reg_storm's stack). */
struct storm_image {
	unsigned long load[STORM_NREGS];    /* registers before the access */
	unsigned long store[STORM_NREGS];   /* registers after it */
	unsigned long sp;                   /* the stack pointer after it: &image->load[0] */
};

enum { TOUCH_DONE = 0, TOUCH_READ = 1, TOUCH_WRITE = 2 };

void u_reg_storm(int (*step)(struct storm_image *image));

#define PAGES     4096u                     /* pages of each storm range: 16 MiB */
#define RANGE_A   ((uintptr_t)0x10000000)   /* written, then CoW-written after fork */
#define RANGE_B   ((uintptr_t)0x20000000)   /* read (zero frame), then written */
/* Leaf page tables of one 2 MiB-aligned range (512 entries each on all three arches); both
 * ranges lie in the first GiB, whose upper-level tables the program image already uses. */
#define TABLES    (PAGES / 512)
#define MAX_SHOWN 4                         /* mismatches printed in full */

/* The pass in progress (each process has its own after fork). */
static uintptr_t pass_base;
static unsigned pass_pages, pass_tag, pass_next;
static int pass_kind;
static bool pass_issued;                    /* the image holds an access to check */
static unsigned long mismatches;

/* Returns the value register REG holds for page PAGE of the pass tagged TAG: distinct for every
 * register, pass and page. */
static unsigned long reg_value(unsigned reg, unsigned tag, unsigned page)
{
#if defined(__LP64__)
	return 0x5a00000000000000ul | (unsigned long)(reg + 1) << 48 | (unsigned long)tag << 40 |
	       (unsigned long)page << 12 | 0xc0 | reg;
#else
	return (unsigned long)(reg + 1) << 28 | (unsigned long)tag << 20 | (unsigned long)page << 4 |
	       0x8;
#endif
}

/* Counts (and prints the first few of) the registers whose stored value differs from the loaded
 * one after the access to page PAGE. */
static void check_image(const struct storm_image *im, unsigned page)
{
	for (unsigned r = 0; r < STORM_NREGS; r++) {
		if (im->store[r] == im->load[r])
			continue;
		if (mismatches++ < MAX_SHOWN)
			u_printf("    # fault_storm pid %ld: pass %u page %u: %s = %#lx, expected %#lx\n",
				 u_getpid(), pass_tag, page, reg_names[r], im->store[r], im->load[r]);
	}
	if (im->sp != (unsigned long)im->load) {
		if (mismatches++ < MAX_SHOWN)
			u_printf("    # fault_storm pid %ld: pass %u page %u: sp = %#lx, expected %#lx\n",
				 u_getpid(), pass_tag, page, im->sp, (unsigned long)im->load);
	}
}

/* u_reg_storm's callback: checks the access just made (if any), then prepares the image for the
 * next page of the pass and returns its access kind, or TOUCH_DONE after the last page. */
static int storm_step(struct storm_image *im)
{
	if (pass_issued) {
		check_image(im, pass_next);
		pass_next++;
		pass_issued = false;
	}
	if (pass_next == pass_pages)
		return TOUCH_DONE;
	for (unsigned r = 0; r < STORM_NREGS; r++) {
		im->load[r] = reg_value(r, pass_tag, pass_next);
		im->store[r] = ~im->load[r];              /* a store that did not happen shows */
	}
	im->load[STORM_AREG] = pass_base + pass_next * U_PAGE;
	im->store[STORM_AREG] = ~im->load[STORM_AREG];
	im->sp = 0;
	pass_issued = true;
	return pass_kind;
}

/* Runs one storm pass: an access of KIND to each of PAGES pages from BASE with the registers of
 * pass TAG. Returns the mismatches it found. */
static unsigned long storm_pass(uintptr_t base, unsigned pages, int kind, unsigned tag)
{
	unsigned long before = mismatches;
	pass_base = base;
	pass_pages = pages;
	pass_kind = kind;
	pass_tag = tag;
	pass_next = 0;
	pass_issued = false;
	u_reg_storm(storm_step);
	return mismatches - before;
}

/* Returns how many of PAGES pages from BASE do not hold, in their first word, what a write pass
 * tagged TAG stored there (TAG 0: zero). */
static unsigned bad_pages(uintptr_t base, unsigned pages, unsigned tag)
{
	unsigned bad = 0;
	for (unsigned p = 0; p < pages; p++) {
		unsigned long want = tag ? reg_value(STORM_VREG, tag, p) : 0;
		bad += *(volatile unsigned long *)(base + p * U_PAGE) != want;
	}
	return bad;
}

/* Maps PAGES private anonymous pages exactly at ADDR; returns false when that fails. */
static bool map_fixed(uintptr_t addr, unsigned pages)
{
	void *m = u_mmap((void *)addr, pages * U_PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE);
	return !u_mmap_failed(m) && (uintptr_t)m == addr;
}

int user_main(void)
{
	/* A warm-up pass: the stack and the statics the storm uses get their frames here, so the
	 * frame counts below see only the storm ranges. */
	uintptr_t warm = RANGE_B + PAGES * U_PAGE;
	if (!map_fixed(RANGE_A, PAGES) || !map_fixed(RANGE_B, PAGES) || !map_fixed(warm, 8))
		return 100;
	U_EXPECT_EQ(storm_pass(warm, 8, TOUCH_WRITE, 9), 0);

	/* Pass 1: a write to each fresh page of A (zero fill). */
	long f0 = u_free_frames();
	U_EXPECT_EQ(storm_pass(RANGE_A, PAGES, TOUCH_WRITE, 1), 0);
	long f1 = u_free_frames();
	U_EXPECT_EQ(f0 - f1, PAGES + TABLES);
	U_EXPECT_EQ(bad_pages(RANGE_A, PAGES, 1), 0);

	/* Pass 2: a read of each fresh page of B (maps the zero frame: page tables only). */
	U_EXPECT_EQ(storm_pass(RANGE_B, PAGES, TOUCH_READ, 2), 0);
	long f2 = u_free_frames();
	U_EXPECT_EQ(f1 - f2, TABLES);
	U_EXPECT_EQ(bad_pages(RANGE_B, PAGES, 0), 0);

	/* Pass 3: a write to each page of B (the zero frame gives way to a fresh frame). */
	U_EXPECT_EQ(storm_pass(RANGE_B, PAGES, TOUCH_WRITE, 3), 0);
	long f3 = u_free_frames();
	U_EXPECT_EQ(f2 - f3, PAGES);
	U_EXPECT_EQ(bad_pages(RANGE_B, PAGES, 3), 0);
	u_printf("    # fault_storm: %u write, %u read and %u write faults, %lu mismatches\n",
		 PAGES, PAGES, PAGES, mismatches);

	/* Pass 4: fork; parent and child each write every page of A (CoW: whoever comes first
	 * copies, the other then owns the frame alone), preempting each other meanwhile. */
	long pid = u_fork();
	if (pid == 0) {
		unsigned long m = storm_pass(RANGE_A, PAGES, TOUCH_WRITE, 5);
		U_EXPECT_EQ(m, 0);
		U_EXPECT_EQ(bad_pages(RANGE_A, PAGES, 5), 0);
		U_EXPECT_EQ(bad_pages(RANGE_B, PAGES, 3), 0);
		u_exit((int)m + u_failures());
	}
	U_EXPECT_NE(pid, -1);
	unsigned long m4 = storm_pass(RANGE_A, PAGES, TOUCH_WRITE, 4);
	U_EXPECT_EQ(m4, 0);
	int status = -1;
	U_EXPECT_EQ(u_waitpid(pid, &status), pid);
	U_EXPECT_EQ(status, 0);
	U_EXPECT_EQ(bad_pages(RANGE_A, PAGES, 4), 0);         /* the child's writes stayed there */
	U_EXPECT_EQ(bad_pages(RANGE_B, PAGES, 3), 0);
	U_EXPECT_EQ(u_free_frames(), f3);                       /* the child's copies went with it */
	u_printf("    # fault_storm: CoW pass in parent and child, %lu mismatches in the parent, "
		 "child status %d\n", m4, status);

	U_EXPECT_EQ(u_munmap((void *)RANGE_A, PAGES * U_PAGE), 0);
	U_EXPECT_EQ(u_munmap((void *)RANGE_B, PAGES * U_PAGE + 8 * U_PAGE), 0);
	U_EXPECT_EQ(u_check(), 0);
	return (int)mismatches + (status > 0 ? status : 0) + u_failures();
}
