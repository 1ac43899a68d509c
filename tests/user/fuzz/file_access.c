/* The fuzzer's accesses to file mappings (files_access: reads compared with the file model or the
 * private copy, writes recorded in it, faults exactly where the model says: holes of eager
 * mappings, pages past the file's window pages, protections) and the comparison of testfs's own
 * view with the model (files_check_daemon). The model itself: tests/user/fuzz/files.c. */
#include "tests/user/fuzz/fuzz.h"
#include "tests/user/testfs.h"
#include "kernel/errno.h"
#include <stddef.h>

#define pagebuf (fp->pagebuf)
#define copies  (fp->copies)

/* ---- Accesses to file mappings ---- */

struct faccess { uintptr_t page; uint32_t stamp; };

/* Copies the page into pagebuf (run under u_try). */
static void fa_read(void *arg)
{
	const struct faccess *a = arg;
	for (size_t i = 0; i < PAGE / sizeof(unsigned long); i++)
		((unsigned long *)pagebuf)[i] = ((volatile unsigned long *)a->page)[i];
}

/* Returns sample word I of STAMP. */
static unsigned long fsample(uint32_t stamp, unsigned i)
{
	return (unsigned long)((stamp * 0x2545f4914f6cdd1dull) >> 11) + i * 0x9e3779b9ul;
}

/* Writes the sample words of a->stamp (run under u_try). */
static void fa_write(void *arg)
{
	const struct faccess *a = arg;
	for (unsigned i = 0; i < SAMPLES; i++)
		*(volatile unsigned long *)(a->page + OFF_SAMPLE + 256 * i) = fsample(a->stamp, i);
}

/* Returns the private copy of page VA, or NULL. */
static struct pcopy *copy_of(uintptr_t va)
{
	for (unsigned i = 0; i < ncopies; i++)
		if (copies[i].va == va)
			return &copies[i];
	return NULL;
}

void files_access(int kind, uintptr_t page, int r)
{
	struct region *g = &regions[r];
	if (kind == A_EXEC)
		kind = A_READ;                          /* nothing to run there */
	struct mfile *mf = &mb->files[g->file];
	uint64_t fpage = (g->foff + (page - g->start)) / PAGE;
	bool present = fpage < (g->lazy ? mf->pages : g->limit);
	bool ok = present && allows(r, kind);
	bool private = g->kind == R_FPRIVATE;
	struct pcopy *c = private ? copy_of(page) : NULL;
	if (kind == A_WRITE && ok && private && !c && ncopies == MAX_COPIES) {
		mb->skipped++;
		return;
	}
	struct faccess a = { page, (uint32_t)rnd() | 1 };
	TRACE("fuzz: op %lu: %s file page %#lx (file %u page %llu, %s%s, prot %u) ok %d\n", cur_op,
	      kind == A_READ ? "read" : "write", (unsigned long)page, g->file, (unsigned long long)fpage,
	      private ? "private" : "shared", g->lazy ? " lazy" : "", g->prot, ok);
	uintptr_t addr = 0;
	int access = -1;
	bool faulted = u_try(kind == A_READ ? fa_read : fa_write, &a, &addr, &access);
	if (faulted != !ok) {
		fail(kind == A_READ ? "file page read faults" : "file page write faults", !ok, faulted);
		return;
	}
	if (faulted) {
		mb->faults++;
		uintptr_t want = page + (kind == A_READ ? 0 : OFF_SAMPLE);
		if (addr != want)
			fail("fault address", want, addr);
		if (access != kind)
			fail("fault access", (unsigned)kind, (unsigned)access);
		return;
	}
	uint8_t *model = c ? c->data : mf->data + fpage * PAGE;
	if (kind == A_READ) {
		if (memcmp(pagebuf, model, PAGE) != 0) {
			size_t i = 0;
			while (pagebuf[i] == model[i])
				i++;
			fail("file page: byte (+ 0x10000 * offset)", model[i] | (unsigned long long)i << 16,
			     pagebuf[i]);
		}
		mb->fverified++;
		return;
	}
	if (private && !c) {                        /* the write copied the file's page */
		c = &copies[ncopies++];
		c->va = page;
		memcpy(c->data, mf->data + fpage * PAGE, PAGE);
		model = c->data;
	}
	for (unsigned i = 0; i < SAMPLES; i++) {
		unsigned long v = fsample(a.stamp, i);
		memcpy(model + OFF_SAMPLE + 256 * i, &v, sizeof(v));
	}
	mb->fwritten++;
}

/* ---- The daemon's view ---- */

void files_check_daemon(void)
{
	if (depth != 1)
		return;                                  /* ancestors' fds are not in our model */
	size_t want_bytes = offsetof(struct testfs_stats, log);
	long fd = sys3(SYS_OPEN, (long)TESTFS_STATS_PATH, (long)strlen(TESTFS_STATS_PATH), O_RDONLY);
	unsigned lfd = lowest_fd();
	if (!check_result("open testfs:.stats", (long)lfd, fd, false))
		return;
	long got = sys3(SYS_READ, fd, (long)&fp->stats, (long)want_bytes);
	check_result("close testfs:.stats", 0, sys1(SYS_CLOSE, fd), false);
	if (!check_result("read testfs:.stats", (long)want_bytes, got, false))
		return;
	const struct testfs_stats *st = &fp->stats;
	uint64_t live = fd_mask() | map_mask();
	unsigned files = 0;
	for (unsigned f = 0; f < NFILES; f++) {
		char name[4] = { 'f', (char)('0' + f), 0, 0 };
		const struct testfs_file_stat *fs = testfs_stats_file(st, name);
		unsigned opens = 0;
		for (unsigned d = 0; d < NDESC; d++)
			opens += (live >> d & 1) && mb->descs[d].file == f;
		files += opens != 0;
		if (!fs != !opens) {
			fail("daemon: file f<index> exists (+ 2 * index)", (opens != 0) + 2 * f, (fs != NULL) + 2 * f);
			continue;
		}
		if (!fs)
			continue;
		if (fs->opens != opens)
			fail("daemon: open ids of the file (+ 0x100 * index)", opens + 0x100 * f, fs->opens + 0x100 * f);
		if (fs->size != mb->files[f].size)
			fail("daemon: file size (+ 2^32 * index)", mb->files[f].size + ((uint64_t)f << 32),
			     fs->size + ((uint64_t)f << 32));
		if (fs->mapped_pages != mb->files[f].pages)
			fail("daemon: file pages (+ 2^32 * index)", mb->files[f].pages + ((uint64_t)f << 32),
			     fs->mapped_pages + ((uint64_t)f << 32));
	}
	if (st->files != files)
		fail("daemon: files", files, st->files);
	if (st->unknown_munmaps || st->errors)
		fail("daemon: unknown munmaps + 0x10000 * errors", 0, st->unknown_munmaps + 0x10000ull * st->errors);
	mb->daemon_checks++;
}
