/* A fake scheme daemon for the host tests of mm/fmap.c: implements the scheme functions that
 * mm/fmap.c calls (scheme/scheme.h, "For mm/fmap.c") over a daemon address space that the test
 * builds with the host VM environment, logs every mmap_prep and munmap call, and keeps a count
 * of mappings per file page (prep adds one to each page of its range, a notice takes one away;
 * a count going below zero fails the test at once).
 *
 * The daemon answers mmap_prep(offset, size) with base + offset in its address space, or with
 * its configured error, or -EIO once it is dead. Every prep asserts that no address-space lock
 * is held (the caller must not sleep with one). */
#ifndef TESTS_HOST_FAKE_SCHEME_H
#define TESTS_HOST_FAKE_SCHEME_H

#include "kernel/compiler.h"

struct addrspace;
struct scheme_file;

#define FAKE_LOG_MAX   256
#define FAKE_PAGES_MAX 1024

struct fake_call {
	char op;                     /* 'P' prep, 'U' munmap notice */
	uint64_t offset, size;
	unsigned flags;
};

struct fake_daemon {
	struct addrspace *as;        /* its address space (vm_env_space) */
	uintptr_t base;              /* where file offset 0 lies in AS */
	int error;                   /* non-zero: mmap_prep answers this */
	int error_after;             /* > 0: only the preps after this many succeed answer error */
	bool dead;                   /* mmap_prep answers -EIO, notices are dropped */
	struct fake_call log[FAKE_LOG_MAX];
	unsigned calls, preps, notices;
	int counts[FAKE_PAGES_MAX];  /* mappings per file page */
};

/* Sets D up with a daemon address space holding a MAP_SHARED anonymous region of PAGES pages
 * whose page i is filled with byte 0x40 + i; returns false (after failing the test) on error. */
bool fake_daemon_init(struct fake_daemon *d, size_t pages);

/* Opens a file of D with O_* FLAGS (one reference). */
struct scheme_file *fake_file_open(struct fake_daemon *d, unsigned oflags);

/* Returns how many fake files are open (references not yet all dropped). */
unsigned fake_files_live(void);

/* Returns the file's reference count. */
unsigned fake_file_refs(struct scheme_file *f);

/* Writes D's log since its last reset into BUF as "P0+4s U1+2 ..." (offsets and sizes in pages;
 * prep flags s = MAP_SHARED, p = MAP_PRIVATE, L = MAP_LAZY) and clears it. */
const char *fake_log_take(struct fake_daemon *d, char *buf, size_t size);

/* Returns whether every page count of D is 0 (fails the test naming the first that is not). */
bool fake_counts_zero(struct fake_daemon *d);

/* Destroys D's address space (the daemon exits: dead from then on). */
void fake_daemon_exit(struct fake_daemon *d);

#endif
