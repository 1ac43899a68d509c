/* Host tests of the scenario driver (tests/scenario/driver.c) over a fake transport that records
 * every command and report and gives canned answers: the placement counter and MAP_* flags, the
 * transcript text, each scenario error with its exact FILE:LINE message (malformed lines after
 * the transcript of the lines before), the reaping of parents, exits and orphans, files, skips and
 * a silent process. */
#include <stdio.h>
#include <string.h>
#include "tests/host/htest.h"
#include "tests/scenario/driver.h"

#define MAX_REC 64
#define P(n) ((uint64_t)(n) * SC_PAGE_SIZE)

struct rec_cmd {
	int slot;
	struct sd_cmd c;
};

static struct fake {
	struct rec_cmd cmds[MAX_REC];
	unsigned ncmds;
	char reports[MAX_REC][SD_TEXT_MAX];
	enum sd_report kinds[MAX_REC];
	unsigned nreports;
	int reaps[MAX_REC][2];            /* slot, parent */
	unsigned nreaps;
	int files_ended;                  /* n given to files_end, -1 before */
	bool no_files;                    /* file_create answers SD_SKIP */
	int silent_slot;                  /* this slot never answers (-1: all answer) */
	uint64_t file_seed[SD_FILES];
} fk;

static struct sd_driver drv;

static bool f_start(void *ctx)
{
	(void)ctx;
	return true;
}

/* Answers like a tiny model: map of 0 pages is EINVAL, peek gives the low byte of the address,
 * sum gives the length, everything else is ok. */
static bool f_ask(void *ctx, int slot, const struct sd_cmd *c, struct sd_ans *a)
{
	(void)ctx;
	if (fk.ncmds < MAX_REC)
		fk.cmds[fk.ncmds++] = (struct rec_cmd){ slot, *c };
	if (slot == fk.silent_slot)
		return false;
	*a = (struct sd_ans){ .kind = SD_A_OK };
	if (c->kind == SD_MAP && c->len == 0)
		*a = (struct sd_ans){ .kind = SD_A_ERR, .err = 22 };
	if (c->kind == SD_PEEK)
		*a = (struct sd_ans){ .kind = SD_A_VALUE, .value = c->addr & 0xff };
	if (c->kind == SD_SUM)
		*a = (struct sd_ans){ .kind = SD_A_HASH, .value = c->len };
	return true;
}

static bool f_reap(void *ctx, int slot, int parent)
{
	(void)ctx;
	fk.reaps[fk.nreaps][0] = slot;
	fk.reaps[fk.nreaps++][1] = parent;
	return true;
}

static int f_file_create(void *ctx, unsigned index, const char *name, uint64_t pages,
			 uint64_t seed)
{
	(void)ctx, (void)name, (void)pages;
	if (fk.no_files)
		return SD_SKIP;
	fk.file_seed[index] = seed;
	return 0;
}

/* Page P of a file reads as bytes (seed + P). */
static int f_file_read(void *ctx, unsigned index, uint64_t page, void *buf)
{
	(void)ctx;
	memset(buf, (int)(fk.file_seed[index] + page), SC_PAGE_SIZE);
	return 0;
}

static void f_files_end(void *ctx, unsigned n)
{
	(void)ctx;
	fk.files_ended = (int)n;
}

static void f_report(void *ctx, enum sd_report kind, const char *text)
{
	(void)ctx;
	if (fk.nreports < MAX_REC) {
		fk.kinds[fk.nreports] = kind;
		snprintf(fk.reports[fk.nreports++], SD_TEXT_MAX, "%s", text);
	}
}

static const struct sd_ops fake_ops = {
	.start = f_start, .ask = f_ask, .reap = f_reap, .file_create = f_file_create,
	.file_read = f_file_read, .files_end = f_files_end, .report = f_report,
};

/* Runs TEXT as scenario "t.mem" over a fresh fake. */
static enum sd_result run(const char *text)
{
	memset(&fk, 0, sizeof(fk));
	fk.files_ended = -1;
	fk.silent_slot = -1;
	drv.ops = &fake_ops;
	return sd_run(&drv, "t.mem", text, strlen(text));
}

static enum sd_result run_no_files(const char *text)
{
	memset(&fk, 0, sizeof(fk));
	fk.files_ended = -1;
	fk.silent_slot = -1;
	fk.no_files = true;
	drv.ops = &fake_ops;
	return sd_run(&drv, "t.mem", text, strlen(text));
}

/* Expects the reports to be exactly the N strings of WANT (all of kind LINE but the last, which
 * is of kind LAST). */
static void expect_reports(const char *const *want, unsigned n, enum sd_report last, int line)
{
	if (fk.nreports != n)
		htest_fail(__FILE__, line, "%u reports, wanted %u (first: '%s')", fk.nreports, n,
			   fk.nreports ? fk.reports[0] : "");
	for (unsigned i = 0; i < n && i < fk.nreports; i++) {
		enum sd_report k = i + 1 == n ? last : SD_REPORT_LINE;
		if (strcmp(fk.reports[i], want[i]) != 0 || fk.kinds[i] != k)
			htest_fail(__FILE__, line, "report %u: '%s' (kind %d), wanted '%s' (kind %d)", i,
				   fk.reports[i], fk.kinds[i], want[i], k);
	}
}
#define EXPECT_REPORTS(last, ...) do { \
	const char *const w_[] = { __VA_ARGS__ }; \
	expect_reports(w_, sizeof(w_) / sizeof(w_[0]), last, __LINE__); } while (0)

HTEST(driver_places_maps_by_the_counter_and_prints_the_transcript)
{
	ASSERT_EQ(run("P0 map a 2 rw private\n"
		      "P0 map b 0 rw private\n"          /* EINVAL: the counter stays */
		      "# comment\n"
		      "P0 map c 1 r shared\n"
		      "P0 map d 1 rwx private at a+1\n"   /* fixed: the counter stays */
		      "P0 map e 3 none shared\n"
		      "P0 peek d 0 5\n"
		      "P0 sum e 1 2\n"
		      "P0 fill e 2 0 9\n"                 /* 0 pages: nothing sent */
		      "P0 sum e 2 0\n"
		      "P0 poke a 1 4095 200\n"), SD_CLEAN);
	EXPECT_REPORTS(SD_REPORT_LINE, "1: ok", "2: err EINVAL", "4: ok", "5: ok", "6: ok",
		       "7: = 5", "8: = 0000000000002000", "9: ok", "10: = cbf29ce484222325",
		       "11: ok", );
	ASSERT_EQ(fk.ncmds, 9);                   /* 7 lines sent + P0's exit at the end */
	EXPECT_EQ(fk.cmds[0].c.addr, 0x40000000);
	EXPECT_EQ(fk.cmds[0].c.len, P(2));
	EXPECT_EQ(fk.cmds[0].c.flags, SD_MAP_PRIVATE | SD_MAP_ANONYMOUS | SD_MAP_FIXED_NOREPLACE);
	EXPECT_EQ(fk.cmds[0].c.prot, SD_PROT_READ | SD_PROT_WRITE);
	EXPECT_EQ(fk.cmds[1].c.addr, 0x40000000 + P(3));
	EXPECT_EQ(fk.cmds[2].c.addr, 0x40000000 + P(3));
	EXPECT_EQ(fk.cmds[2].c.flags, SD_MAP_SHARED | SD_MAP_ANONYMOUS | SD_MAP_FIXED_NOREPLACE);
	EXPECT_EQ(fk.cmds[2].c.prot, SD_PROT_READ);
	EXPECT_EQ(fk.cmds[3].c.addr, 0x40000000 + P(1));
	EXPECT_EQ(fk.cmds[3].c.flags, SD_MAP_PRIVATE | SD_MAP_ANONYMOUS | SD_MAP_FIXED);
	EXPECT_EQ(fk.cmds[3].c.prot, SD_PROT_READ | SD_PROT_WRITE | SD_PROT_EXEC);
	EXPECT_EQ(fk.cmds[4].c.addr, 0x40000000 + P(5));
	EXPECT_EQ(fk.cmds[4].c.prot, 0);
	EXPECT_EQ(fk.cmds[5].c.kind, SD_PEEK);
	EXPECT_EQ(fk.cmds[5].c.addr, 0x40000000 + P(1) + 5);   /* d rebinds to a+1 */
	EXPECT_EQ(fk.cmds[6].c.kind, SD_SUM);
	EXPECT_EQ(fk.cmds[6].c.addr, 0x40000000 + P(6));
	EXPECT_EQ(fk.cmds[7].c.kind, SD_POKE);
	EXPECT_EQ(fk.cmds[7].c.addr, 0x40000000 + P(1) + 4095);
	EXPECT_EQ(fk.cmds[7].c.byte, 200);
	EXPECT_EQ(fk.cmds[8].c.kind, SD_EXIT);
	EXPECT_EQ(fk.nreaps, 1);
	EXPECT_EQ(fk.reaps[0][1], SD_PARENT_DRIVER);
	EXPECT_EQ(fk.files_ended, 0);
}

HTEST(driver_reports_a_malformed_line_after_the_lines_before_it)
{
	EXPECT_EQ(run("P0 map a 1 rw private\n"
		      "\n"
		      "P0 fork C1   # a child to end at the end\n"
		      "P0 poke a 0 4096 1\n"
		      "P0 peek a 0 0\n"), SD_SCENARIO_ERROR);
	EXPECT_REPORTS(SD_REPORT_ERROR, "1: ok", "3: ok", "t.mem:4: OFFSET out of range '4096'");
	EXPECT_EQ(fk.nreaps, 2);                  /* both processes ended */
	EXPECT_EQ(fk.files_ended, 0);
	EXPECT_EQ(run("P0 mop a\n"), SD_SCENARIO_ERROR);
	EXPECT_REPORTS(SD_REPORT_ERROR, "t.mem:1: unknown op 'mop'");
}

HTEST(driver_scenario_errors_name_the_file_and_line)
{
	EXPECT_EQ(run("P0 peek x 0 0\n"), SD_SCENARIO_ERROR);
	EXPECT_REPORTS(SD_REPORT_ERROR, "t.mem:1: name never bound in this process: x");
	EXPECT_EQ(run("P0 fork C\nC exit\nC map a 1 r private\n"), SD_SCENARIO_ERROR);
	EXPECT_REPORTS(SD_REPORT_ERROR, "1: ok", "2: ok", "t.mem:3: process not alive: C");
	EXPECT_EQ(run("P0 fork C\nC fork P0\n"), SD_SCENARIO_ERROR);
	EXPECT_REPORTS(SD_REPORT_ERROR, "1: ok", "t.mem:2: fork to a live name: P0");
	EXPECT_EQ(run("P0 file f 1 1\nP0 file f 1 2\n"), SD_SCENARIO_ERROR);
	EXPECT_REPORTS(SD_REPORT_ERROR, "1: ok", "t.mem:2: file created twice: f");
	EXPECT_EQ(fk.files_ended, 1);
	EXPECT_EQ(run("P0 file f 2 1\nP0 filesum f 1 2\n"), SD_SCENARIO_ERROR);
	EXPECT_REPORTS(SD_REPORT_ERROR, "1: ok", "t.mem:2: filesum past the end of the file");
	EXPECT_EQ(run("P0 filesum g 0 0\n"), SD_SCENARIO_ERROR);
	EXPECT_REPORTS(SD_REPORT_ERROR, "t.mem:1: file never created: g");
	EXPECT_EQ(run("P0 map a 1 r private\nP0 sum a 262143 2\n"), SD_SCENARIO_ERROR);
	EXPECT_REPORTS(SD_REPORT_ERROR, "1: ok", "t.mem:2: address outside the scenario window");
	EXPECT_EQ(run("P0 map a 262145 r private\n"), SD_SCENARIO_ERROR);
	EXPECT_REPORTS(SD_REPORT_ERROR, "t.mem:1: address outside the scenario window");
	EXPECT_EQ(run("P0 file f 4096 1\nP0 file g 4097 1\n"), SD_SCENARIO_ERROR);
	EXPECT_REPORTS(SD_REPORT_ERROR, "1: ok", "t.mem:2: file larger than 4096 pages (runner limit)");
	EXPECT_EQ(run("P0 file f 1 1\nP0 mapfile m f 4000 96 r shared\nP0 mapfile m f 4000 97 r shared\n"),
		  SD_SCENARIO_ERROR);
	EXPECT_REPORTS(SD_REPORT_ERROR, "1: ok", "2: ok",
		       "t.mem:3: mapfile past page 4096 of the file (runner limit)");
	/* a map that exactly fills the window is fine */
	EXPECT_EQ(run("P0 map a 262144 r private\n"), SD_CLEAN);
}

HTEST(driver_reaps_through_the_live_parent_or_not_at_all)
{
	EXPECT_EQ(run("P0 fork C1\n"
		      "C1 fork C2\n"
		      "C2 fork C3\n"
		      "C2 exit\n"            /* parent C1 alive */
		      "C1 exit\n"            /* parent P0 alive */
		      "C3 exit\n"            /* parent C2 gone */
		      "P0 fork C1\n"         /* the slot of the old C1 again */
		      "C1 fork C2\n"), SD_CLEAN);
	ASSERT_EQ(fk.nreaps, 6);
	EXPECT_EQ(fk.reaps[0][0], 2);
	EXPECT_EQ(fk.reaps[0][1], 1);
	EXPECT_EQ(fk.reaps[1][0], 1);
	EXPECT_EQ(fk.reaps[1][1], 0);
	EXPECT_EQ(fk.reaps[2][0], 3);
	EXPECT_EQ(fk.reaps[2][1], SD_PARENT_GONE);
	/* at the end, in slot order: P0 (the driver's), then C1, whose parent P0 has gone, then
	 * C2 whose parent C1 has gone */
	EXPECT_EQ(fk.reaps[3][0], 0);
	EXPECT_EQ(fk.reaps[3][1], SD_PARENT_DRIVER);
	EXPECT_EQ(fk.reaps[4][0], 1);
	EXPECT_EQ(fk.reaps[4][1], SD_PARENT_GONE);
	EXPECT_EQ(fk.reaps[5][0], 2);
	EXPECT_EQ(fk.reaps[5][1], SD_PARENT_GONE);
	ASSERT_GE(fk.ncmds, 7);
	EXPECT_EQ(fk.cmds[0].c.kind, SD_FORK);
	EXPECT_EQ(fk.cmds[0].c.child_slot, 1);
	EXPECT_EQ(fk.cmds[6].c.child_slot, 1);    /* P0 fork C1 again: the freed slot */
}

HTEST(driver_files_map_and_sum_through_the_transport)
{
	EXPECT_EQ(run("P0 file f 3 16\n"
		      "P0 fork C\n"
		      "C mapfile m f 1 4 rw shared\n"
		      "C filesum f 1 2\n"
		      "C filesum f 3 0\n"), SD_CLEAN);
	char want[SD_TEXT_MAX], hex[17];
	uint8_t page[SC_PAGE_SIZE];
	uint64_t h = SC_FNV_BASIS;
	for (int p = 1; p <= 2; p++) {
		memset(page, 16 + p, sizeof(page));
		h = sc_fnv1a(h, page, sizeof(page));
	}
	sc_hex64(h, hex);
	snprintf(want, sizeof(want), "4: = %s", hex);
	EXPECT_REPORTS(SD_REPORT_LINE, "1: ok", "2: ok", "3: ok", want, "5: = cbf29ce484222325");
	ASSERT_GE(fk.ncmds, 2);
	EXPECT_EQ(fk.cmds[1].slot, 1);
	EXPECT_EQ(fk.cmds[1].c.file, 0);
	EXPECT_EQ(strcmp(fk.cmds[1].c.file_name, "f"), 0);
	EXPECT_EQ(fk.cmds[1].c.off, P(1));
	EXPECT_EQ(fk.cmds[1].c.len, P(4));
	EXPECT_EQ(fk.cmds[1].c.flags, SD_MAP_SHARED | SD_MAP_FIXED_NOREPLACE);
	EXPECT_EQ(fk.files_ended, 1);
}

HTEST(driver_skips_file_scenarios_without_files_and_fails_on_a_silent_process)
{
	EXPECT_EQ(run_no_files("P0 map a 1 rw private\nP0 file f 1 1\nP0 peek a 0 0\n"), SD_SKIPPED);
	EXPECT_REPORTS(SD_REPORT_SKIP, "1: ok", "t.mem:2: no file system for scenario files");
	EXPECT_EQ(fk.files_ended, 0);

	memset(&fk, 0, sizeof(fk));
	fk.files_ended = -1;
	fk.silent_slot = 1;
	drv.ops = &fake_ops;
	const char *text = "P0 fork C\nC map a 1 rw private\n";
	EXPECT_EQ(sd_run(&drv, "t.mem", text, strlen(text)), SD_FAILED);
	EXPECT_REPORTS(SD_REPORT_FAILURE, "1: ok", "t.mem:2: scenario process does not answer: C");
}

HTEST(driver_errno_names_and_pattern_page)
{
	EXPECT_EQ(strcmp(sd_errno_name(22), "EINVAL"), 0);
	EXPECT_EQ(strcmp(sd_errno_name(12), "ENOMEM"), 0);
	EXPECT_EQ(strcmp(sd_errno_name(4242), "E?"), 0);
	uint64_t buf[512];
	sd_pattern_page(3, 5, buf);
	EXPECT_EQ(buf[0], 3 * SC_FNV_PRIME + 5 * 4096);
	EXPECT_EQ(buf[511], 3 * SC_FNV_PRIME + 5 * 4096 + 511 * 8);
}
