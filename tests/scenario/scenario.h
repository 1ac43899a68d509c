/* Memory scenario files (format: ../shared/scenario-format.md, version 1): the parser that turns
 * a scenario's text into parsed lines, the fill pattern and FNV-1a 64. Pure logic with no libc
 * beyond kernel/string.h and no allocation (the caller provides the line array), so the same file
 * builds into the Linux oracle (tests/oracle/oracle.c) and into the kernel-side runner.
 * Semantic checks that need run-time state (names bound, processes alive, files created, the
 * address window) are the runner's job; the parser checks only the syntax of each line. */
#ifndef TESTS_SCENARIO_SCENARIO_H
#define TESTS_SCENARIO_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SC_PAGE_SIZE   4096u
#define SC_NAME_MAX    32               /* a name is 1..SC_NAME_MAX-1 characters */
#define SC_MSG_MAX     96
#define SC_WINDOW_LO   0x40000000ull    /* every scenario address lies in [LO, HI) */
#define SC_WINDOW_HI   0x80000000ull
#define SC_FNV_BASIS   14695981039346656037ull
#define SC_FNV_PRIME   1099511628211ull

/* Returned (negated) by sc_parse; values match Linux (kernel/errno.h has EINVAL, not E2BIG). */
#define SC_EINVAL 22
#define SC_E2BIG  7

enum sc_op {
	SC_MAP, SC_MAPFILE, SC_UNMAP, SC_PROTECT, SC_FILL, SC_POKE, SC_PEEK, SC_SUM,
	SC_FORK, SC_EXIT, SC_FILE, SC_FILESUM,
};

enum sc_prot { SC_PROT_NONE, SC_PROT_R, SC_PROT_RW, SC_PROT_RX, SC_PROT_RWX };

/* One parsed scenario line. The numeric arguments n[] in the order the format lists them:
 *   map      n0=PAGES                 (+ prot, shared, has_at/at_name/at_page)
 *   mapfile  n0=PAGEOFF n1=PAGES      (+ file, prot, shared)
 *   unmap    n0=FIRST n1=COUNT        protect  n0=FIRST n1=COUNT (+ prot)
 *   fill     n0=FIRST n1=COUNT n2=SEED
 *   poke     n0=PAGE n1=OFFSET n2=BYTE   peek n0=PAGE n1=OFFSET   sum n0=FIRST n1=COUNT
 *   fork     name=CHILD   exit -   file name=FILE n0=PAGES n1=SEED   filesum name=FILE n0=FIRST n1=COUNT
 * `name` is the mapping name (map..sum), the child (fork) or the file (file, filesum). */
struct sc_line {
	unsigned lineno;               /* 1-based line number in the file */
	enum sc_op op;
	char proc[SC_NAME_MAX];
	char name[SC_NAME_MAX];
	char file[SC_NAME_MAX];        /* mapfile only */
	char at_name[SC_NAME_MAX];     /* map ... at NAME2+PAGE */
	bool has_at;
	uint64_t at_page;
	enum sc_prot prot;             /* map, mapfile, protect */
	bool shared;                   /* map, mapfile */
	uint64_t n[3];
};

/* Where and why parsing stopped. */
struct sc_error {
	unsigned lineno;
	char msg[SC_MSG_MAX];
};

/* Parses LEN bytes of scenario text into LINES (at most MAX); returns 0 with *COUNT set, or a
 * negative error with *COUNT = the lines parsed before the bad one and ERR filled in:
 * -SC_EINVAL for a malformed line, -SC_E2BIG when the file has more than MAX lines to run. */
int sc_parse(const char *text, size_t len, struct sc_line *lines, size_t max, size_t *count,
	     struct sc_error *err);

/* Returns the op's name as written in a scenario ("map", "fork", ...). */
const char *sc_op_name(enum sc_op op);

/* Returns word W (0..511) of page P of a `fill` with SEED: SEED*FNV_PRIME + P*4096 + W*8 mod 2^64. */
uint64_t sc_pattern_word(uint64_t seed, uint64_t page, uint64_t word);

/* Returns H updated with the LEN bytes at BUF by FNV-1a 64 (start from SC_FNV_BASIS). */
uint64_t sc_fnv1a(uint64_t h, const void *buf, size_t len);

/* Writes H as 16 lowercase hex digits and a NUL into OUT[17]. */
void sc_hex64(uint64_t h, char out[17]);

#endif
