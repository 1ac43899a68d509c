/* The fuzzer's scheme mmap ops (files.c draws them; the model is described there): mmap of a
 * testfs fd (MAP_SHARED, MAP_PRIVATE, MAP_LAZY, fixed or not) with generated arguments, and
 * memory:zeroed (MAP_PHYS_CONTIGUOUS too) or memory:physical@wb of RAM (-EPERM) through an open,
 * an mmap and a close. Each result is checked against the model, which follows on success. */
#include "tests/user/fuzz/fuzz.h"
#include "tests/user/testfs.h"
#include "kernel/errno.h"

/* Checks mmap's result GOT against WANT (0: success at AT); returns whether it mapped. */
static bool mmap_result(const char *what, long want, uintptr_t at, long got)
{
	if ((unsigned long)got < -4096ul) {
		if (want != 0 || (uintptr_t)got != at) {
			fail(what, want ? (unsigned long)want : at, (unsigned long)got);
			return false;
		}
		return true;
	}
	check_result(what, want ? want : (long)at, got, false);
	return false;
}

/* mmap of a testfs fd with generated arguments. */
void files_op_fmap(void)
{
	long fd = pick_fd();
	int d = desc_of(fd);
	size_t len;
	switch (below(12)) {
	case 0: len = 0; break;
	case 1: len = below(FILE_PAGES) * PAGE + below(PAGE - 1) + 1; break;
	case 2: len = USER_TOP - USER_BASE + (below(2) ? 0 : PAGE); break;
	default: len = (below(FILE_PAGES + 2) + 1) * PAGE; break;
	}
	unsigned long off;
	switch (below(12)) {
	case 0: off = below(FILE_PAGES) * PAGE + below(PAGE - 1) + 1; break;
	case 1: off = WINDOW_MAX - below(2) * PAGE; break;
	case 2: off = (unsigned long)-PAGE; break;
	default: off = below(FILE_PAGES + 2) * PAGE; break;
	}
	unsigned prot = below(8) ? (unsigned)below(8) : 1u << below(32);
	unsigned flags = below(2) ? MAP_SHARED : MAP_PRIVATE;
	if (below(16) == 0)
		flags = below(2) ? MAP_SHARED_VALIDATE : (unsigned)below(16);
	if (below(3) == 0)
		flags |= MAP_LAZY;
	uintptr_t addr = 0;
	if (below(3) == 0) {
		addr = ARENA_BASE + below(ARENA_PAGES) * PAGE;
		flags |= below(2) ? MAP_FIXED : MAP_FIXED_NOREPLACE;
	}
	unsigned type = flags & MAP_TYPE;
	bool shared = type != MAP_PRIVATE, lazy = flags & MAP_LAZY;
	size_t size = (len + PAGE - 1) & ~(PAGE - 1);
	struct mdesc *ds = d >= 0 ? &mb->descs[d] : NULL;
	uintptr_t at = addr;
	long want = 0;
	if (len == 0)
		want = -EINVAL;
	else if (len > USER_TOP - USER_BASE)
		want = -ENOMEM;
	else if ((type != MAP_SHARED && type != MAP_PRIVATE && type != MAP_SHARED_VALIDATE) ||
		 (type == MAP_SHARED_VALIDATE && lazy) || (prot & ~PROT_MASK) || off % PAGE)
		want = -EINVAL;
	else if (!ds)
		want = -EBADF;
	else if ((uint64_t)off + size < (uint64_t)off)
		want = -EINVAL;
	else if (addr && size > USER_TOP - addr)
		want = -ENOMEM;
	else if (ds->acc == O_WRONLY || (shared && (prot & PROT_WRITE) && ds->acc == O_RDONLY))
		want = -EACCES;
	else if (!lazy && size / PAGE > (1ul << 27))
		want = -ENOMEM;                            /* its frame array (as Linux: no room) */
	else if (!lazy && (off >= WINDOW_MAX || size > WINDOW_MAX - off))
		want = -EINVAL;                            /* the daemon's answer to mmap_prep */
	else if (addr) {
		if ((flags & MAP_FIXED_NOREPLACE) && overlaps(addr, addr + size, -1))
			want = -EEXIST;
		else if (overlaps(addr, addr + size, R_RESERVED))
			return;
	} else if (!find_free(addr, size, &at)) {
		want = -ENOMEM;
	}
	if (want == 0 && nregions > MAX_REGIONS - 4)
		return;
	TRACE("fuzz: op %lu: mmap(%#lx, %#lx, %#x, %#x, fd %ld, %#lx) want %ld at %#lx\n", cur_op,
	      (unsigned long)addr, (unsigned long)len, prot, flags, fd, off, want, (unsigned long)at);
	long got = sys_call(SYS_MMAP, (long)addr, (long)len, prot, flags, fd, (long)off);
	if (!mmap_result("file mmap", want, at, got))
		return;
	model_remove(at, at + size);
	int r = model_insert(at, at + size, prot, shared ? R_FSHARED : R_FPRIVATE, 0);
	struct region *g = &regions[r];
	g->file = ds->file;
	g->desc = (uint8_t)d;
	g->lazy = lazy;
	g->limit = mb->files[ds->file].pages;
	g->foff = off;
	g->maxprot = shared && ds->acc == O_RDONLY ? PROT_READ | PROT_EXEC : PROT_MASK;
	mb->fmaps++;
}

/* memory:zeroed (contiguous or not) or memory:physical@wb of RAM (-EPERM): open, mmap, close. */
void files_op_memory(bool physical)
{
	unsigned fd = lowest_fd();
	if (fd >= MAX_FDS - 2 || nregions > MAX_REGIONS - 4)
		return;
	unsigned acc = below(6) ? O_RDWR : O_RDONLY;
	const char *path = physical ? "memory:physical@wb" : "memory:zeroed";
	long want = no_memory ? -ENOENT : (long)fd;
	TRACE("fuzz: op %lu: open(%s, %u) want %ld\n", cur_op, path, acc, want);
	long got = sys3(SYS_OPEN, (long)path, (long)strlen(path), acc);
	if (!check_result("open memory:", want, got, false) || want < 0)
		return;
	size_t size = (below(8) + 1) * PAGE;
	unsigned prot = below(2) ? PROT_READ | PROT_WRITE : PROT_READ, flags;
	unsigned long off = 0;
	uintptr_t at = 0;
	long mwant = 0;
	int kind = R_SHARED;
	if (physical) {
		flags = below(4) ? MAP_SHARED : MAP_PRIVATE;
		off = (unsigned long)mb->ram_phys + (below(4) ? 0 : 8);
		size = PAGE;
		if (off % PAGE)
			mwant = -EINVAL;
		else if ((prot & PROT_WRITE) && acc == O_RDONLY)
			mwant = -EACCES;
		else
			mwant = flags == MAP_PRIVATE ? -EINVAL : -EPERM;
	} else {
		switch (below(4)) {
		case 0: flags = MAP_PRIVATE | MAP_PHYS_CONTIGUOUS; break;
		case 1: flags = below(2) ? MAP_SHARED : MAP_PRIVATE; break;
		default: flags = MAP_SHARED | MAP_PHYS_CONTIGUOUS; break;
		}
		bool priv = (flags & MAP_TYPE) == MAP_PRIVATE;
		kind = priv ? R_PRIVATE : R_SHARED;
		if ((prot & PROT_WRITE) && acc == O_RDONLY && !priv)
			mwant = -EACCES;
		else if (priv && (flags & MAP_PHYS_CONTIGUOUS))
			mwant = -EINVAL;
		else if (!find_free(0, size, &at))
			mwant = -ENOMEM;
	}
	TRACE("fuzz: op %lu: mmap(0, %#lx, %#x, %#x, fd %ld, %#lx) want %ld at %#lx\n", cur_op,
	      (unsigned long)size, prot, flags, got, off, mwant, (unsigned long)at);
	long m = sys_call(SYS_MMAP, 0, (long)size, prot, flags, got, (long)off);
	if (mmap_result(physical ? "mmap memory:physical@wb of RAM" : "mmap memory:zeroed", mwant, at, m)) {
		model_remove(at, at + size);
		model_insert(at, at + size, prot, kind, kind == R_SHARED ? ++mb->next_obj : 0);
		mb->mem_maps++;
	}
	check_result("close memory:", 0, sys1(SYS_CLOSE, got), false);
}
