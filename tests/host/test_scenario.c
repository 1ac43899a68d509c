/* Host tests of the memory scenario parser, fill pattern and FNV-1a 64 (tests/scenario/):
 * what the parser accepts and rejects, with line numbers, and the hash and pattern against an
 * independent reference loop and hand-checked literals. */
#include <stdio.h>
#include <string.h>
#include "tests/host/htest.h"
#include "tests/scenario/scenario.h"

#define MAXL 16

static struct sc_line lines[MAXL];
static struct sc_error err;
static size_t count;

/* Parses the NUL-terminated TEXT into the static lines. */
static int parse(const char *text)
{
	memset(&err, 0, sizeof(err));
	return sc_parse(text, strlen(text), lines, MAXL, &count, &err);
}

/* Expects TEXT (one line) to be rejected at line 1 with a message containing WHAT. */
static void expect_reject(const char *text, const char *what, int line)
{
	int rc = parse(text);

	if (rc != -SC_EINVAL || err.lineno != 1 || count != 0 || !strstr(err.msg, what))
		htest_fail(__FILE__, line, "'%s': rc %d line %u count %zu msg '%s' (wanted '%s')",
			   text, rc, err.lineno, count, err.msg, what);
}
#define REJECT(text, what) expect_reject(text, what, __LINE__)

HTEST(scenario_parses_every_op)
{
	const char *text =
		"# comment line\n"
		"\n"
		"P0 map a 4 rw private\n"
		"P0 map b 2 r shared at a+3   # trailing comment\n"
		"P0 mapfile m f.1 2 3 rx shared\n"
		"\tP0  unmap a 1 2\r\n"
		"P0 protect a 0 0 none\n"
		"P0 fill a 0 4 18446744073709551615\n"
		"P0 poke a 3 4095 255\n"
		"P0 peek a 0 0\n"
		"P0 sum a 0 4\n"
		"P0 fork C_1-x.y\n"
		"C_1-x.y exit\n"
		"P0 file f.1 0 7\n"
		"P0 filesum f.1 0 0";          /* no final newline */
	ASSERT_EQ(parse(text), 0);
	ASSERT_EQ(count, 13);
	EXPECT_EQ(lines[0].lineno, 3);
	EXPECT_EQ(lines[0].op, SC_MAP);
	EXPECT_STREQ(lines[0].proc, "P0");
	EXPECT_STREQ(lines[0].name, "a");
	EXPECT_EQ(lines[0].n[0], 4);
	EXPECT_EQ(lines[0].prot, SC_PROT_RW);
	EXPECT_FALSE(lines[0].shared);
	EXPECT_FALSE(lines[0].has_at);
	EXPECT_TRUE(lines[1].has_at);
	EXPECT_STREQ(lines[1].at_name, "a");
	EXPECT_EQ(lines[1].at_page, 3);
	EXPECT_TRUE(lines[1].shared);
	EXPECT_EQ(lines[1].prot, SC_PROT_R);
	EXPECT_EQ(lines[2].op, SC_MAPFILE);
	EXPECT_STREQ(lines[2].name, "m");
	EXPECT_STREQ(lines[2].file, "f.1");
	EXPECT_EQ(lines[2].n[0], 2);
	EXPECT_EQ(lines[2].n[1], 3);
	EXPECT_EQ(lines[2].prot, SC_PROT_RX);
	EXPECT_EQ(lines[3].op, SC_UNMAP);
	EXPECT_EQ(lines[3].lineno, 6);
	EXPECT_EQ(lines[3].n[1], 2);
	EXPECT_EQ(lines[4].op, SC_PROTECT);
	EXPECT_EQ(lines[4].prot, SC_PROT_NONE);
	EXPECT_EQ(lines[5].op, SC_FILL);
	EXPECT_EQ(lines[5].n[2], UINT64_MAX);
	EXPECT_EQ(lines[6].op, SC_POKE);
	EXPECT_EQ(lines[6].n[1], 4095);
	EXPECT_EQ(lines[6].n[2], 255);
	EXPECT_EQ(lines[7].op, SC_PEEK);
	EXPECT_EQ(lines[8].op, SC_SUM);
	EXPECT_EQ(lines[9].op, SC_FORK);
	EXPECT_STREQ(lines[9].name, "C_1-x.y");
	EXPECT_EQ(lines[10].op, SC_EXIT);
	EXPECT_STREQ(lines[10].proc, "C_1-x.y");
	EXPECT_EQ(lines[11].op, SC_FILE);
	EXPECT_EQ(lines[11].n[1], 7);
	EXPECT_EQ(lines[12].op, SC_FILESUM);
	EXPECT_EQ(lines[12].lineno, 15);
	static const char *const names[] = { "map", "map", "mapfile", "unmap", "protect", "fill",
					     "poke", "peek", "sum", "fork", "exit", "file", "filesum" };
	for (size_t i = 0; i < count; i++)
		EXPECT_STREQ(sc_op_name(lines[i].op), names[i]);
}

HTEST(scenario_empty_and_comment_only_files)
{
	EXPECT_EQ(parse(""), 0);
	EXPECT_EQ(count, 0);
	EXPECT_EQ(parse("\n\n  \t\n# only a comment\n   # indented comment\n"), 0);
	EXPECT_EQ(count, 0);
	EXPECT_EQ(parse("P0 exit#comment right after"), 0);
	EXPECT_EQ(count, 1);
}

HTEST(scenario_rejects_bad_ops_and_arity)
{
	REJECT("P0 mmap a 1 rw private", "unknown op 'mmap'");
	REJECT("P0 MAP a 1 rw private", "unknown op");
	REJECT("P0", "missing op");
	REJECT("P0 map a 1 rw", "missing arguments for map");
	REJECT("P0 map a 1 rw private at", "too many arguments for map");
	REJECT("P0 map a 1 rw private at a+0 x", "too many arguments for map");
	REJECT("P0 map a 1 rw private on a+0", "expected 'at'");
	REJECT("P0 mapfile a f 0 1 rw", "missing arguments for mapfile");
	REJECT("P0 unmap a 0", "missing arguments for unmap");
	REJECT("P0 protect a 0 1", "missing arguments for protect");
	REJECT("P0 fill a 0 1", "missing arguments for fill");
	REJECT("P0 poke a 0 1", "missing arguments for poke");
	REJECT("P0 peek a 0 1 2", "too many arguments for peek");
	REJECT("P0 sum a 0", "missing arguments for sum");
	REJECT("P0 fork", "missing arguments for fork");
	REJECT("P0 exit now", "too many arguments for exit");
	REJECT("P0 file f 1", "missing arguments for file");
	REJECT("P0 filesum f 1", "missing arguments for filesum");
	REJECT("P0 exit a b c d e f g h i j", "too many words");
}

HTEST(scenario_rejects_bad_values)
{
	REJECT("P0 map a -1 rw private", "bad number '-1'");
	REJECT("P0 map a +1 rw private", "bad number");
	REJECT("P0 map a 0x10 rw private", "bad number '0x10'");
	REJECT("P0 map a 1k rw private", "bad number");
	REJECT("P0 fill a 0 1 18446744073709551616", "number too large");
	REJECT("P0 poke a 0 4096 1", "OFFSET out of range");
	REJECT("P0 peek a 0 99999", "OFFSET out of range");
	REJECT("P0 poke a 0 0 256", "BYTE out of range");
	REJECT("P0 map a 1 wr private", "bad PROT");
	REJECT("P0 map a 1 w private", "bad PROT");
	REJECT("P0 protect a 0 1 RW", "bad PROT");
	REJECT("P0 map a 1 rw Private", "bad SHARE");
	REJECT("P0 map a/b 1 rw private", "bad name 'a/b'");
	REJECT("P$ exit", "bad name");
	REJECT("P0 fork C+1", "bad name");
	REJECT("P0 map b 1 rw private at a", "expected NAME2+PAGE");
	REJECT("P0 map b 1 rw private at a+", "bad number");
	REJECT("P0 map b 1 rw private at +1", "empty name");
	REJECT("P0 map b 1 rw private at a+1+2", "bad number");
	REJECT("P0 map b 1 rw private at a*+1", "bad name");
	REJECT("P0 fork abcdefghijabcdefghijabcdefghijab", "name too long");
	EXPECT_EQ(parse("P0 fork abcdefghijabcdefghijabcdefghija"), 0);   /* 31 characters */
	EXPECT_EQ(parse("P0 map a 007 rw private"), 0);
	EXPECT_EQ(lines[0].n[0], 7);
}

HTEST(scenario_error_reports_line_and_lines_before)
{
	const char text[] = "P0 map a 1 rw private\n\n# c\nP0 poke a 0 0 1\nP0 bogus\nP0 exit\n";

	EXPECT_EQ(parse(text), -SC_EINVAL);
	EXPECT_EQ(err.lineno, 5);
	EXPECT_EQ(count, 2);   /* the lines before run, then the error is reported */
	EXPECT_EQ(sc_parse("P0 exit\nP0\0 exit\n", 17, lines, MAXL, &count, &err), -SC_EINVAL);
	EXPECT_EQ(err.lineno, 2);
	EXPECT_EQ(count, 1);
}

HTEST(scenario_too_many_lines_is_e2big)
{
	char text[32 * (MAXL + 2)] = "";

	for (int i = 0; i < MAXL + 1; i++)
		strcat(text, "P0 peek a 0 0\n");
	EXPECT_EQ(parse(text), -SC_E2BIG);
	EXPECT_EQ(err.lineno, MAXL + 1);
	EXPECT_EQ(count, MAXL);
	text[strlen(text) - 14] = '\0';
	EXPECT_EQ(parse(text), 0);
	EXPECT_EQ(count, MAXL);
}

/* The reference FNV-1a 64 written from the format's definition, one byte at a time. */
static uint64_t ref_fnv(const unsigned char *p, size_t n)
{
	uint64_t h = 14695981039346656037ull;

	while (n--)
		h = (h ^ *p++) * 1099511628211ull;
	return h;
}

HTEST(scenario_fnv1a_known_values)
{
	char hex[17];

	/* Literals checked by hand with Python (arbitrary-precision ints mod 2**64). */
	EXPECT_EQ(sc_fnv1a(SC_FNV_BASIS, "", 0), 0xcbf29ce484222325ull);
	EXPECT_EQ(sc_fnv1a(SC_FNV_BASIS, "a", 1), 0xaf63dc4c8601ec8cull);
	EXPECT_EQ(sc_fnv1a(SC_FNV_BASIS, "foobar", 6), 0x85944171f73967e8ull);
	/* Incremental = one shot. */
	EXPECT_EQ(sc_fnv1a(sc_fnv1a(SC_FNV_BASIS, "foo", 3), "bar", 3), 0x85944171f73967e8ull);
	unsigned char buf[300];
	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i * 37 + 11);
	EXPECT_EQ(sc_fnv1a(SC_FNV_BASIS, buf, sizeof(buf)), ref_fnv(buf, sizeof(buf)));
	sc_hex64(0x0a3fULL, hex);
	EXPECT_STREQ(hex, "0000000000000a3f");
	sc_hex64(0x85944171f73967e8ull, hex);
	EXPECT_STREQ(hex, "85944171f73967e8");
}

HTEST(scenario_pattern_known_values)
{
	/* Literals checked by hand with Python. */
	EXPECT_EQ(sc_pattern_word(1, 2, 3), 0x100000021cbull);
	EXPECT_EQ(sc_pattern_word(UINT64_MAX, 5, 511), 0xffffff0000005e45ull);
	EXPECT_EQ(sc_pattern_word(0, 0, 0), 0);
	/* A whole filled page (seed 7, page 0) as little-endian bytes, hashed: Python gives this. */
	unsigned char page[SC_PAGE_SIZE];
	for (unsigned w = 0; w < 512; w++) {
		uint64_t v = 7ull * 1099511628211ull + (uint64_t)w * 8;   /* independent formula */
		EXPECT_EQ(sc_pattern_word(7, 0, w), v);
		for (unsigned b = 0; b < 8; b++)
			page[w * 8 + b] = (unsigned char)(v >> (8 * b));
	}
	EXPECT_EQ(sc_fnv1a(SC_FNV_BASIS, page, sizeof(page)), 0x15f43b924a6618c5ull);
	EXPECT_EQ(ref_fnv(page, sizeof(page)), 0x15f43b924a6618c5ull);
}
