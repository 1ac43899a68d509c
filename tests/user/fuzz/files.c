/* The fuzzer's scheme ops and their model (issue 8): open/read/write/lseek/close of testfs files
 * (the daemon is the root's child, tests/user/fuzz.c), mmap of them (MAP_SHARED, MAP_PRIVATE,
 * MAP_LAZY), memory:zeroed (MAP_PHYS_CONTIGUOUS too), memory:physical@wb on RAM (-EPERM),
 * ns_restrict, and accesses to file mappings. Every result is checked against the model:
 *  - mb->files[]: what testfs holds of each file (size, window pages, bytes: also those written
 *    through MAP_SHARED mappings past the end of the file, which testfs keeps in its pages);
 *  - mb->descs[]: open file descriptions (file, access mode, position shared by the fds that
 *    fork copied); a description lives while an fd or a mapping of this process or of an
 *    ancestor (anc_desc, snapshotted at fork) names it, and a file exists while a description
 *    of it lives (testfs deletes it when its last open id and mapping are gone);
 *  - per process (copied by fork): the fd table, the namespace, copies of written private file
 *    pages; file regions record the file offset, laziness and, for eager mappings, the file
 *    pages the daemon had at mmap (the later ones stay holes: mm/fmap.c, unlike Linux).
 * Not issued (exclusions, each a testfs or model limit, not a kernel rule): O_TRUNC with write
 * access of a file mapped anywhere (testfs gives the file new pages, old mappings keep the old
 * ones), writes ending past FILE_MAX, reads whose bytes would land outside the buffer areas the
 * model does not track, O_APPEND. Accesses to file mappings and the daemon check: file_access.c;
 * mmap of files and of memory: file_maps.c. */
#include "tests/user/fuzz/fuzz.h"
#include "tests/user/testfs.h"
#include "kernel/errno.h"

static uint8_t fdtab[MAX_FDS];         /* 0: free, else description + 1 */
static uint64_t anc_desc, anc_mapped;  /* descriptions ancestors hold / map */
static bool no_testfs;                 /* namespace narrowed: testfs gone */
bool no_memory;                        /* ... memory: gone */
unsigned ncopies;
struct fpriv *fp;
#define scratch (fp->scratch)
#define copies  (fp->copies)

int files_init(void)
{
	size_t bytes = (sizeof(struct fpriv) + PAGE - 1) & ~(PAGE - 1);
	fp = u_mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	if (u_mmap_failed(fp))
		return -ENOMEM;
	model_insert((uintptr_t)fp, (uintptr_t)fp + bytes, PROT_READ | PROT_WRITE, R_RESERVED, 0);
	return 0;
}

/* ---- The model ---- */

/* Returns the descriptions this process's fds name. */
uint64_t fd_mask(void)
{
	uint64_t m = 0;
	for (unsigned i = 0; i < MAX_FDS; i++)
		if (fdtab[i])
			m |= 1ull << (fdtab[i] - 1);
	return m;
}

/* Returns the descriptions this process's file regions hold. */
uint64_t map_mask(void)
{
	uint64_t m = 0;
	for (unsigned i = 0; i < nregions; i++)
		if (is_file_region((int)i))
			m |= 1ull << regions[i].desc;
	return m;
}

/* Returns whether file F exists in testfs (a live description names it). */
static bool file_exists(unsigned f)
{
	uint64_t live = anc_desc | fd_mask() | map_mask();
	for (unsigned d = 0; d < NDESC; d++)
		if ((live >> d & 1) && mb->descs[d].file == f)
			return true;
	return false;
}

/* Returns whether some mapping (ours or an ancestor's) maps file F. */
static bool file_mapped(unsigned f)
{
	uint64_t m = anc_mapped | map_mask();
	for (unsigned d = 0; d < NDESC; d++)
		if ((m >> d & 1) && mb->descs[d].file == f)
			return true;
	return false;
}

/* Returns a description slot nobody holds, or -1. */
static int free_desc(void)
{
	uint64_t live = anc_desc | fd_mask() | map_mask();
	for (unsigned d = 0; d < NDESC; d++)
		if (!(live >> d & 1))
			return (int)d;
	return -1;
}

/* Returns the lowest free fd (MAX_FDS: none). */
unsigned lowest_fd(void)
{
	unsigned i = 0;
	while (i < MAX_FDS && fdtab[i])
		i++;
	return i;
}

static unsigned open_fds(void)
{
	unsigned n = 0;
	for (unsigned i = 0; i < MAX_FDS; i++)
		n += fdtab[i] != 0;
	return n;
}

/* Returns the description of FD (-1: not open). */
int desc_of(long fd)
{
	return fd >= 0 && fd < MAX_FDS && fdtab[fd] ? fdtab[fd] - 1 : -1;
}

static void file_reset(unsigned f)
{
	struct mfile *m = &mb->files[f];
	m->size = m->pages = 0;
	memset(m->data, 0, sizeof(m->data));
}

/* Returns an fd: mostly an open one, else closed, never opened or out of range. */
long pick_fd(void)
{
	if (below(5) && open_fds()) {
		for (;;) {
			unsigned i = (unsigned)below(MAX_FDS);
			if (fdtab[i])
				return i;
		}
	}
	static const long bad[] = { -1, MAX_FDS, 1000, -2147483647 - 1 };
	return below(2) ? (long)below(MAX_FDS) : bad[below(4)];
}

void files_forked(void)
{
	anc_desc |= fd_mask() | map_mask();
	anc_mapped |= map_mask();
}

void files_forget(uintptr_t s, uintptr_t e)
{
	unsigned n = 0;
	for (unsigned i = 0; i < ncopies; i++)
		if (!(copies[i].va >= s && copies[i].va < e))
			copies[n++] = copies[i];
	ncopies = n;
}

/* ---- open / close ---- */

/* open(PATH, LEN, FLAGS) against WANT (>= 0: the fd, then description D of file F). */
static void do_open(const char *path, size_t len, unsigned flags, long want, int d, unsigned f)
{
	TRACE("fuzz: op %lu: open(%.*s, %lu, %#x) want %ld\n", cur_op, (int)(len < 40 ? len : 40),
	      path ? path : "", (unsigned long)len, flags, want);
	long got = sys3(SYS_OPEN, (long)path, (long)len, (long)flags);
	if (!check_result("open", want, got, false) || want < 0)
		return;
	if (!file_exists(f))
		file_reset(f);
	if ((flags & O_TRUNC) && (flags & O_ACCMODE) != O_RDONLY)
		file_reset(f);
	mb->descs[d] = (struct mdesc){ (uint8_t)f, (uint8_t)(flags & O_ACCMODE), 0 };
	fdtab[want] = (uint8_t)(d + 1);
	mb->opens++;
}

/* Opens testfs:fN (existing or new) with random flags. */
static void op_open_file(void)
{
	unsigned f = (unsigned)below(NFILES);
	unsigned flags = (unsigned)below(3);
	if (below(10) < 7)
		flags |= O_CREAT;
	if (below(10) == 0)
		flags |= O_EXCL;
	if (below(10) == 0)
		flags |= O_TRUNC;
	if (below(16) == 0)
		flags |= 1u << (12 + below(16));          /* unknown bits: ignored */
	char path[16] = "testfs:f0";
	path[8] = (char)('0' + f);
	int d = free_desc();
	unsigned fd = lowest_fd();
	if (d < 0 || fd >= MAX_FDS - 2)
		return;
	bool exists = file_exists(f);
	if ((flags & O_TRUNC) && (flags & O_ACCMODE) != O_RDONLY && exists && file_mapped(f))
		return;                                  /* excluded: see the top of the file */
	long want = (long)fd;
	if (no_testfs)
		want = -ENOENT;
	else if (exists && (flags & O_CREAT) && (flags & O_EXCL))
		want = -EEXIST;
	else if (!exists && !(flags & O_CREAT))
		want = -ENOENT;
	do_open(path, 9, flags, want, d, f);
}

/* Opens bad paths: no such scheme, bad names, no colon, NUL inside, too long, bad pointers. */
static void op_open_bad(void)
{
	static char longpath[300];
	const char *p;
	size_t len;
	long want;
	long tfs = no_testfs ? -ENOENT : 0;         /* the daemon's answer is reached only with it */
	switch (below(11)) {
	case 0: p = "testfs:"; len = 7; want = tfs ? tfs : -ENOENT; break;
	case 1: p = "testfs:a/b"; len = 10; want = tfs ? tfs : -EINVAL; break;
	case 2: p = "testfs:.nope"; len = 12; want = tfs ? tfs : -ENOENT; break;
	case 3: p = "testfs:abcdefghijklmnopqrstuvwxyz0123456789"; len = 43; want = tfs ? tfs : -EINVAL; break;
	case 4: p = "nosuch:x"; len = 8; want = -ENOENT; break;
	case 5: p = "nocolon"; len = 7; want = -EINVAL; break;
	case 6: p = "testfs:f0\0x"; len = 11; want = -EINVAL; break;
	case 7: p = "memory:bogus"; len = 12; want = -ENOENT; break;
	case 8:
		memset(longpath, 'a', sizeof(longpath));
		memcpy(longpath, "testfs:", 7);
		p = longpath;
		len = below(2) ? sizeof(longpath) : 7 + 257 + below(20);
		want = -ENAMETOOLONG;
		break;
	case 9: p = NULL; len = 5; want = -EFAULT; break;
	default: p = (const char *)KERNEL_ADDR; len = 9; want = -EFAULT; break;
	}
	TRACE("fuzz: op %lu: bad open(%p, %lu) want %ld\n", cur_op, (const void *)p,
	      (unsigned long)len, want);
	long got = sys3(SYS_OPEN, (long)p, (long)len, O_RDWR | O_CREAT);
	check_result("open of a bad path", want, got, false);
	if (got >= 0 && got < MAX_FDS)
		sys1(SYS_CLOSE, got);
}

static void op_close(void)
{
	long fd = pick_fd();
	long want = desc_of(fd) >= 0 ? 0 : -EBADF;
	TRACE("fuzz: op %lu: close(%ld) want %ld\n", cur_op, fd, want);
	long got = sys1(SYS_CLOSE, fd);
	if (check_result("close", want, got, false) && want == 0) {
		fdtab[fd] = 0;
		mb->closes++;
	}
}

/* ---- read / write / lseek ---- */

enum { B_SCRATCH, B_REGION, B_HOSTILE };

/* Returns the error the kernel gives for buffer [P, P + LEN) (LEN > 0, already clamped) lent
 * for a READ (WRITE false: its pages must allow PROT_READ | PROT_WRITE) or a WRITE: 0 or
 * -EFAULT. Only anonymous memory (and our own) may be lent (scheme/README.md). */
static long buffer_error(uintptr_t p, size_t len, bool for_read)
{
	if (p + len < p || p + len > USER_TOP)
		return -EFAULT;
	uintptr_t first = p & ~(PAGE - 1), end = (p + len + PAGE - 1) & ~(PAGE - 1);
	if (first < USER_BASE)
		return -EFAULT;
	unsigned need = for_read ? PROT_READ | PROT_WRITE : PROT_READ;
	for (uintptr_t cur = first; cur < end;) {
		int r = region_at(cur);
		if (r < 0 || is_file_region(r) || (regions[r].prot & need) != need)
			return -EFAULT;
		cur = regions[r].end;
	}
	return 0;
}

/* read() or write() (WRITE) of a generated fd and buffer, checked against the model. */
static void op_rw(bool write)
{
	long fd = pick_fd();
	int d = desc_of(fd);
	uintptr_t p, safe_end = 0;
	size_t len;
	int where;
	switch (below(10)) {
	case 0: case 1: case 2: case 3: case 4:
		where = B_SCRATCH;
		p = (uintptr_t)scratch + below(PAGE);
		len = below(4) ? below(300) : below(2 * PAGE);
		safe_end = (uintptr_t)scratch + sizeof(scratch);
		break;
	case 5: case 6: {
		where = B_REGION;
		uintptr_t page = random_region_page(false);
		if (below(2)) {                              /* bytes the page model leaves alone */
			p = page + 72 + below(120);
			len = below(120);
			safe_end = page + 320;
		} else {                                     /* straddles into the next page */
			p = page + PAGE - 64;
			len = 72;
			safe_end = page + PAGE + 8;
		}
		break;
	}
	default:
		where = B_HOSTILE;
		switch (below(7)) {
		case 0: p = 0; len = 16; break;
		case 1: p = KERNEL_ADDR; len = 16; break;
		case 2: p = USER_TOP - 4; len = 8; break;
		case 3: p = (uintptr_t)rnd(); len = 16; break;
		case 4: p = (uintptr_t)scratch; len = below(2) ? (size_t)-1 : IO_MAX + 1; break;
		case 5: p = random_region_page(false); len = (size_t)1 << below(sizeof(size_t) * 8); break;
		default: p = (uintptr_t)scratch + 1; len = 0; break;
		}
		break;
	}
	/* the expected result */
	long want;
	size_t n = len < IO_MAX ? len : IO_MAX;
	struct mdesc *ds = d >= 0 ? &mb->descs[d] : NULL;
	struct mfile *mf = ds ? &mb->files[ds->file] : NULL;
	if (!ds || ds->acc == (write ? O_RDONLY : O_WRONLY))
		want = -EBADF;
	else if (n == 0)
		want = 0;
	else if ((want = buffer_error(p, n, !write)) == 0) {
		if (write) {
			if (ds->pos >= WINDOW_MAX)
				want = -EFBIG;
			else if (ds->pos + n > FILE_MAX)
				return;                      /* excluded: beyond the modelled bytes */
			else
				want = (long)n;
		} else {
			want = ds->pos >= mf->size ? 0 : (long)(mf->size - ds->pos < n ? mf->size - ds->pos : n);
			if (want > 0 && (where == B_HOSTILE || p + (size_t)want > safe_end))
				return;                      /* would write where the model cannot follow */
		}
	}
	TRACE("fuzz: op %lu: %s(%ld, %#lx, %#lx) want %ld (pos %llu, buffer in region kind %d)\n",
	      cur_op, write ? "write" : "read", fd, (unsigned long)p, (unsigned long)len, want,
	      ds ? (unsigned long long)ds->pos : 0ull,
	      region_at(p) >= 0 ? regions[region_at(p)].kind : -1);
	if (!write && want > 0 && where == B_SCRATCH)
		memset((void *)p, 0xa5, (size_t)want);     /* so that stale bytes cannot pass */
	long got = sys3(write ? SYS_WRITE : SYS_READ, fd, (long)p, (long)len);
	if (!check_result(write ? "write" : "read", want, got, false) || want <= 0)
		return;
	if (write) {
		if (ds->pos > mf->size) {                  /* testfs zeroes the gap in its old pages */
			uint64_t stop = (uint64_t)mf->pages * PAGE;
			stop = ds->pos < stop ? ds->pos : stop;
			if (stop > mf->size)
				memset(mf->data + mf->size, 0, (size_t)(stop - mf->size));
		}
		memcpy(mf->data + ds->pos, (const void *)p, (size_t)want);
		if (ds->pos + (uint64_t)want > mf->size)
			mf->size = (uint32_t)(ds->pos + (uint64_t)want);
		mf->pages = (mf->size + PAGE - 1) / PAGE;
		mb->writes++;
	} else {
		if (memcmp((const void *)p, mf->data + ds->pos, (size_t)want) != 0) {
			size_t i = 0;
			while (((const uint8_t *)p)[i] == mf->data[ds->pos + i])
				i++;
			fail("read: byte (at the position + 0x10000 * index) of the file", mf->data[ds->pos + i] |
			     (unsigned long long)i << 16, ((const uint8_t *)p)[i]);
		}
		mb->reads++;
	}
	ds->pos += (uint64_t)want;
}

static void op_lseek(void)
{
	long fd = pick_fd();
	int d = desc_of(fd);
	long whence = below(8) ? (long)below(3) : below(2) ? 3 : -1;
	long off;
	switch (below(8)) {
	case 0: off = -(long)below(3 * PAGE); break;
	case 1: off = below(2) ? (long)(~0ul >> 1) : (long)(~(~0ul >> 1)); break;
	case 2: off = (long)(WINDOW_MAX + below(4)); break;
	default: off = (long)below(FILE_MAX + 100); break;
	}
	long want;
	if (d < 0)
		want = -EBADF;
	else if (whence < 0 || whence > 2)
		want = -EINVAL;
	else {
		int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? (int64_t)mb->descs[d].pos
								   : (int64_t)mb->files[mb->descs[d].file].size;
		if (off > 0 && base > INT64_MAX - off)
			return;                              /* int64 overflow in the kernel: not drawn */
		int64_t pos = base + off;
		want = pos < 0 ? -EINVAL : pos > (int64_t)(~0ul >> 1) ? -EOVERFLOW : (long)pos;
	}
	TRACE("fuzz: op %lu: lseek(%ld, %ld, %ld) want %ld\n", cur_op, fd, off, whence, want);
	long got = sys3(SYS_LSEEK, fd, off, whence);
	if (check_result("lseek", want, got, false) && want >= 0) {
		mb->descs[d].pos = (uint64_t)want;
		mb->seeks++;
	}
}

/* ---- mmap of files and memory: (file_maps.c) ---- */

/* ns_restrict (only below the first worker: its namespace stays whole). */
static void op_ns_restrict(void)
{
	static char big[1100];
	const char *list;
	size_t len;
	long want = 0;
	bool keep_testfs = false, keep_memory = false;
	switch (below(8)) {
	case 0: list = "testfs"; keep_testfs = true; break;
	case 1: list = "memory"; keep_memory = true; break;
	case 2: list = "testfs,memory"; keep_testfs = keep_memory = true; break;
	case 3: list = ""; break;
	case 4: list = "bogus"; break;
	case 5: list = "testfs,,memory"; want = -EINVAL; break;
	case 6: list = big; memset(big, 'a', sizeof(big)); want = -EINVAL; break;
	default: list = NULL; want = -EFAULT; break;
	}
	len = list == big ? 1025 : list ? strlen(list) : 5;
	TRACE("fuzz: op %lu: ns_restrict(%s) want %ld\n", cur_op, list && list != big ? list : "?", want);
	long got = sys2(SYS_NS_RESTRICT, (long)list, (long)len);
	if (check_result("ns_restrict", want, got, false) && want == 0) {
		no_testfs |= !keep_testfs;
		no_memory |= !keep_memory;
	}
}

void files_op(void)
{
	unsigned k = (unsigned)below(100);
	if (k < 18)
		open_fds() < 20 ? op_open_file() : op_close();
	else if (k < 28)
		op_close();
	else if (k < 42)
		op_rw(false);
	else if (k < 56)
		op_rw(true);
	else if (k < 64)
		op_lseek();
	else if (k < 84)
		files_op_fmap();
	else if (k < 89)
		files_op_memory(false);
	else if (k < 92)
		files_op_memory(true);
	else if (k < 96)
		op_open_bad();
	else if (depth > 1)
		op_ns_restrict();
	else
		op_open_file();
}
