/* The fuzzer's memory ops (tests/user/fuzz.c runs them): reads, writes and executions of a page
 * checked against the model (a fault exactly where the model says there is no access, else the
 * page's stamp words), and mmap, munmap and mprotect of anonymous memory with generated
 * arguments, each result checked against the model and the model updated on success. Page
 * layout of every page the fuzzer writes: see tests/user/fuzz.c. */
#include "tests/user/fuzz/fuzz.h"
#include "kernel/errno.h"

/* ---- Memory accesses ---- */

struct access { uintptr_t page; uint32_t stamp; unsigned long got[SAMPLES]; };

/* Returns sample word I of a page with STAMP (0: a page never written, all zero). */
static unsigned long sample(uint32_t stamp, unsigned i)
{
	return stamp ? (unsigned long)((stamp * 0x9e3779b97f4a7c15ull) >> 7) + i * 0x01000193ul : 0;
}

/* Reads the sample words of a->page into a->got (run under u_try). */
static void do_read(void *arg)
{
	struct access *a = arg;
	for (unsigned i = 0; i < SAMPLES; i++)
		a->got[i] = *(volatile unsigned long *)(a->page + OFF_SAMPLE + 256 * i);
}

/* Reads PAGE under u_try, whatever it holds (the first call registers the fault upcall). */
void mem_probe(uintptr_t page)
{
	u_try(do_read, &(struct access){ .page = page }, NULL, NULL);
}

/* Writes a->stamp's sample words and the return stub into a->page (run under u_try). */
static void do_write(void *arg)
{
	struct access *a = arg;
	for (unsigned i = 0; i < SAMPLES; i++)
		*(volatile unsigned long *)(a->page + OFF_SAMPLE + 256 * i) = sample(a->stamp, i);
#if defined(__aarch64__)
	*(volatile uint32_t *)(a->page + OFF_CODE) = 0xd65f03c0;     /* ret */
#else
	*(volatile uint8_t *)(a->page + OFF_CODE) = 0xc3;            /* ret */
#endif
}

/* Executes the return stub; relies on QEMU (TCG) keeping instruction fetches coherent with the
 * stores that wrote it (EL0 may not clean caches on aarch64). */
static void do_exec(void *arg)
{
	struct access *a = arg;
	((void (*)(void))(a->page + OFF_CODE))();
}

/* Returns a page to access: mostly one of our regions, else NULL, kernel, top or random. */
static uintptr_t pick_page(void)
{
	switch (below(12)) {
	case 0: return 0;
	case 1: return KERNEL_ADDR;
	case 2: return USER_TOP - PAGE;
	case 3: return ARENA_BASE + below(ARENA_PAGES) * PAGE;
	case 4: return (uintptr_t)(rnd() % (USER_TOP / PAGE)) * PAGE;
	default: return random_region_page(false);
	}
}

/* Reads, writes or executes (KIND) one page and checks fault or contents against the model. */
void mem_op_access(int kind)
{
	struct access a = { .page = pick_page() };
	int r = region_at(a.page);
	if (is_file_region(r)) {
		files_access(kind, a.page, r);
		return;
	}
	bool reserved = r >= 0 && regions[r].kind == R_RESERVED;
	if (reserved && kind != A_READ)
		return;
	uint32_t now = r >= 0 && !reserved ? stamp_of(r, a.page) : 0;
	if (kind == A_EXEC && allows(r, A_EXEC) && now == 0)
		kind = A_READ;                         /* nothing to run there */
	bool ok = allows(r, kind);
	uint32_t *slot = NULL;
	if (kind == A_WRITE && ok && !(slot = stamp_slot(r, a.page, true))) {
		if (depth == 1 && regions[r].kind == R_SHARED)
			shared_gc();
		mb->skipped++;
		return;                                /* stamp table full */
	}
	a.stamp = (uint32_t)rnd() | 1;
	TRACE("fuzz: op %lu: %s page %#lx (region %d prot %d, stamp %#x)\n", cur_op,
	      kind == A_READ ? "read" : kind == A_WRITE ? "write" : "exec", (unsigned long)a.page, r,
	      r >= 0 ? regions[r].prot : -1, now);
	uintptr_t addr = 0;
	int access = -1;
	bool faulted = u_try(kind == A_READ ? do_read : kind == A_WRITE ? do_write : do_exec, &a, &addr,
			     &access);
	static const char *const names[] = { "read faults", "write faults", "exec faults" };
	if (faulted != !ok) {
		fail(names[kind], !ok, faulted);
		return;
	}
	if (faulted) {
		mb->faults++;
		uintptr_t want = a.page + (kind == A_EXEC ? OFF_CODE : OFF_SAMPLE);
		if (addr != want)
			fail("fault address", want, addr);
		if (access != kind)
			fail("fault access", (unsigned)kind, (unsigned)access);
		return;
	}
	if (kind == A_WRITE)
		*slot = a.stamp;
	mb->written += kind == A_WRITE;
	mb->executed += kind == A_EXEC;
	mb->verified += kind == A_READ && !reserved;
	if (kind == A_READ && !reserved)
		for (unsigned i = 0; i < SAMPLES; i++)
			if (a.got[i] != sample(now, i)) {
				fail("page contents (word i of the page's stamp)", sample(now, i), a.got[i]);
				return;
			}
}

/* ---- mmap, munmap, mprotect ---- */

/* mmap with generated arguments; checks the errno or the exact address the kernel picks. */
void mem_op_mmap(void)
{
	uintptr_t addr = gen_addr();
	size_t len = gen_len();
	unsigned prot = gen_prot(), flags = gen_flags();
	unsigned type = flags & MAP_TYPE;
	bool fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);
	size_t size = 0;
	uintptr_t at = addr;
	long want = 0;
	if (len == 0)
		want = -EINVAL;
	else if (len > USER_TOP - USER_BASE)
		want = -ENOMEM;
	else if ((type != MAP_SHARED && type != MAP_PRIVATE && type != MAP_SHARED_VALIDATE) ||
		 (type == MAP_SHARED_VALIDATE && (flags & ~MAP_KNOWN)) || (prot & ~PROT_MASK))
		want = -EINVAL;
	else if (!(flags & MAP_ANONYMOUS))
		want = -EBADF;
	else {
		size = (len + PAGE - 1) & ~(PAGE - 1);
		if (fixed) {
			if (addr & (PAGE - 1))
				want = -EINVAL;
			else if (addr < USER_BASE)
				want = -EPERM;
			else if (addr >= USER_TOP || size > USER_TOP - addr)
				want = -ENOMEM;
			else if ((flags & MAP_FIXED_NOREPLACE) && overlaps(addr, addr + size, -1))
				want = -EEXIST;
			else if (overlaps(addr, addr + size, R_RESERVED))
				return;                  /* would replace the fuzzer's own memory */
		} else if (!find_free(addr, size, &at)) {
			want = -ENOMEM;
		}
	}
	if (want == 0 && nregions > MAX_REGIONS - 4)
		return;
	TRACE("fuzz: op %lu: mmap(%#lx, %#lx, %#x, %#x) want %ld at %#lx\n", cur_op, (unsigned long)addr,
	      (unsigned long)len, prot, flags, want, (unsigned long)at);
	long got = sys_call(SYS_MMAP, (long)addr, (long)len, prot, flags, -1, 0);
	if ((unsigned long)got < -4096ul) {         /* an address */
		if (want != 0 || (uintptr_t)got != at) {
			fail("mmap result", want ? (unsigned long)want : at, (unsigned long)got);
			return;
		}
	} else if (!check_result("mmap errno", want ? want : (long)at, got, false) || want) {
		return;
	}
	bool shared = type != MAP_PRIVATE;
	model_remove(at, at + size);
	model_insert(at, at + size, prot, shared ? R_SHARED : R_PRIVATE, shared ? ++mb->next_obj : 0);
	mb->mapped++;
}

/* munmap or mprotect of a generated range. */
void mem_op_unmap_protect(bool protect)
{
	uintptr_t addr = gen_addr();
	size_t len = gen_len();
	unsigned prot = gen_prot();
	if (below(4) == 0) {                        /* a whole region, a sane case worth having */
		struct region *g = &regions[below(nregions)];
		addr = g->start;
		len = g->end - g->start;
	}
	long want = 0;
	uintptr_t end = 0;
	if (protect) {
		if ((addr & (PAGE - 1)) || (prot & ~PROT_MASK))
			want = -EINVAL;
		else if (len == 0)
			want = 0;
		else if (addr >= USER_TOP || len > USER_TOP - addr)
			want = -ENOMEM;
		else {
			end = addr + ((len + PAGE - 1) & ~(PAGE - 1));
			want = protect_check(addr, end, prot);
		}
	} else {
		if ((addr & (PAGE - 1)) || len == 0 || addr > USER_TOP || len > USER_TOP - addr)
			want = -EINVAL;
		else
			end = addr + ((len + PAGE - 1) & ~(PAGE - 1));
	}
	if (want == 0 && end && overlaps(addr, end, R_RESERVED))
		return;                                  /* would change the fuzzer's own memory */
	if (want == 0 && nregions > MAX_REGIONS - 4)
		return;
	TRACE("fuzz: op %lu: %s(%#lx, %#lx, %#x) want %ld\n", cur_op, protect ? "mprotect" : "munmap",
	      (unsigned long)addr, (unsigned long)len, prot, want);
	long got = protect ? u_mprotect((void *)addr, len, prot) : u_munmap((void *)addr, len);
	if (!check_result(protect ? "mprotect" : "munmap", want, got, false) || want || !end)
		return;
	if (protect)
		model_protect(addr, end, prot), mb->protected++;
	else
		model_remove(addr, end), mb->unmapped++;
}
