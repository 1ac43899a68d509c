/* The user-mode fuzzer's model of its own mappings and page contents, the argument generators
 * and fork_and_wait (contracts in tests/user/fuzz/fuzz.h). The model follows the kernel's rules
 * (mm/vm.h, mm/mmap.c): regions mirror the grants' coverage, which is all that placement and the
 * errors depend on. */
#include "tests/user/fuzz/fuzz.h"
#include "kernel/errno.h"

struct region regions[MAX_REGIONS];
unsigned nregions;
struct pstamp priv[MAX_PRIV];
unsigned npriv;
struct mailbox *mb;
uint64_t rng;

/* splitmix64. */
uint64_t rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Returns a draw in [0, N) (0 for N = 0). */
unsigned long below(unsigned long n)
{
	return n ? (unsigned long)(rnd() % n) : 0;
}

/* Returns the index of the region containing VA, or -1. */
int region_at(uintptr_t va)
{
	for (unsigned i = 0; i < nregions; i++)
		if (va >= regions[i].start && va < regions[i].end)
			return (int)i;
	return -1;
}

/* Returns whether region R (-1: unmapped) allows ACCESS; write and exec imply read. */
bool allows(int r, int access)
{
	if (r < 0)
		return false;
	unsigned p = regions[r].prot;
	return access == A_READ ? p != 0 : access == A_WRITE ? (p & PROT_WRITE) : (p & PROT_EXEC);
}

/* Returns whether [ADDR, ADDR + LEN) lies in the user half without wrapping. */
bool user_range(uintptr_t addr, size_t len)
{
	return addr >= USER_BASE && addr < USER_TOP && len <= USER_TOP - addr;
}

/* Whether every byte of [ADDR, ADDR + LEN) is mapped allowing ACCESS (vm_user_check). */
bool range_allows(uintptr_t addr, size_t len, int access)
{
	if (len == 0)
		return true;
	if (!user_range(addr, len))
		return false;
	for (uintptr_t cur = addr; cur < addr + len;) {
		int r = region_at(cur);
		if (!allows(r, access))
			return false;
		cur = regions[r].end;
	}
	return true;
}

/* Whether [S, E) (E > S, or E == 0 for "to the top") overlaps a region of KIND (-1: any). */
bool overlaps(uintptr_t s, uintptr_t e, int kind)
{
	for (unsigned i = 0; i < nregions; i++)
		if (regions[i].start < e && regions[i].end > s && (kind < 0 || regions[i].kind == kind))
			return true;
	return false;
}

/* Returns whether regions cover [S, E) without a hole. */
bool covered(uintptr_t s, uintptr_t e)
{
	for (uintptr_t cur = s; cur < e;) {
		int r = region_at(cur);
		if (r < 0)
			return false;
		cur = regions[r].end;
	}
	return true;
}

/* Splits the region strictly containing A at A. */
void split_at(uintptr_t a)
{
	int r = region_at(a);
	if (r < 0 || regions[r].start == a)
		return;
	for (unsigned i = nregions; i > (unsigned)r + 1; i--)
		regions[i] = regions[i - 1];
	nregions++;
	regions[r + 1] = regions[r];
	regions[r].end = a;
	regions[r + 1].start = a;
	regions[r + 1].foff += a - regions[r].start;
}

/* Removes [S, E) from the model (munmap, or MAP_FIXED before model_insert). */
void model_remove(uintptr_t s, uintptr_t e)
{
	split_at(s);
	split_at(e);
	unsigned n = 0;
	for (unsigned i = 0; i < nregions; i++)
		if (!(regions[i].start >= s && regions[i].end <= e))
			regions[n++] = regions[i];
	nregions = n;
	n = 0;
	for (unsigned i = 0; i < npriv; i++)
		if (!(priv[i].va >= s && priv[i].va < e))
			priv[n++] = priv[i];
	npriv = n;
	files_forget(s, e);
}

/* Inserts the region [S, E) into the sorted array ([S, E) must be free); returns its index. */
int model_insert(uintptr_t s, uintptr_t e, unsigned prot, int kind, uint32_t obj)
{
	unsigned i = nregions;
	while (i > 0 && regions[i - 1].start > s) {
		regions[i] = regions[i - 1];
		i--;
	}
	regions[i] = (struct region){ .start = s, .end = e, .prot = (uint8_t)prot,
				      .kind = (uint8_t)kind, .maxprot = PROT_MASK, .obj = obj };
	nregions++;
	return (int)i;
}

/* Returns mprotect's error for [S, E) (0: allowed), first failure in address order. */
long protect_check(uintptr_t s, uintptr_t e, unsigned prot)
{
	for (uintptr_t cur = s; cur < e;) {
		int r = region_at(cur);
		if (r < 0)
			return -ENOMEM;
		if (prot & ~regions[r].maxprot)
			return -EACCES;
		cur = regions[r].end;
	}
	return 0;
}

/* Returns whether region R (-1: none) maps a file. */
bool is_file_region(int r)
{
	return r >= 0 && (regions[r].kind == R_FSHARED || regions[r].kind == R_FPRIVATE);
}

/* Sets the protection of [S, E), which regions cover. */
void model_protect(uintptr_t s, uintptr_t e, unsigned prot)
{
	split_at(s);
	split_at(e);
	for (unsigned i = 0; i < nregions; i++)
		if (regions[i].start >= s && regions[i].end <= e)
			regions[i].prot = (uint8_t)prot;
}

/* The stamp of the page at VA of region R (0: never written), or a slot for a new one. */
uint32_t *stamp_slot(int r, uintptr_t va, bool create)
{
	if (regions[r].kind == R_PRIVATE) {
		for (unsigned i = 0; i < npriv; i++)
			if (priv[i].va == va)
				return &priv[i].stamp;
		if (!create || npriv == MAX_PRIV)
			return NULL;
		priv[npriv] = (struct pstamp){ va, 0 };
		return &priv[npriv++].stamp;
	}
	for (unsigned i = 0; i < mb->nshared; i++)
		if (mb->shared[i].obj == regions[r].obj && mb->shared[i].va == va)
			return &mb->shared[i].stamp;
	if (!create || mb->nshared == MAX_SHARED)
		return NULL;
	mb->shared[mb->nshared] = (struct sstamp){ regions[r].obj, 0, va };
	return &mb->shared[mb->nshared++].stamp;
}

/* Drops the shared stamps of objects this process does not map. Only for the worker at depth 1:
 * then no other process maps fuzz objects (children are gone, the root maps none). */
void shared_gc(void)
{
	unsigned n = 0;
	for (unsigned i = 0; i < mb->nshared; i++) {
		int r = region_at(mb->shared[i].va);
		if (r >= 0 && regions[r].kind == R_SHARED && regions[r].obj == mb->shared[i].obj)
			mb->shared[n++] = mb->shared[i];
	}
	mb->nshared = n;
}

/* Returns the stamp of page VA of region R (0: never written). */
uint32_t stamp_of(int r, uintptr_t va)
{
	uint32_t *s = stamp_slot(r, va, false);
	return s ? *s : 0;
}

/* Where the kernel puts a new mapping of SIZE bytes without MAP_FIXED (vm_find_free_locked):
 * the hint when free, else the highest free range. Returns false if there is none. */
bool find_free(uintptr_t hint, size_t size, uintptr_t *out)
{
	hint &= ~(PAGE - 1);
	if (hint >= USER_BASE && hint < USER_TOP && size <= USER_TOP - hint &&
	    !overlaps(hint, hint + size, -1)) {
		*out = hint;
		return true;
	}
	uintptr_t hi = USER_TOP;
	for (int i = (int)nregions - 1;; i--) {
		uintptr_t lo = i >= 0 ? regions[i].end : USER_BASE;
		if (hi >= lo && hi - lo >= size) {
			*out = hi - size;
			return true;
		}
		if (i < 0)
			return false;
		hi = regions[i].start;
	}
}

/* Returns a page of a random non-reserved region (near its ends when it is large). */
uintptr_t random_region_page(bool writable_only)
{
	for (int tries = 0; tries < 8 && nregions; tries++) {
		struct region *g = &regions[below(nregions)];
		if (g->kind == R_RESERVED || (writable_only && !(g->prot & PROT_WRITE)))
			continue;
		unsigned long pages = (g->end - g->start) / PAGE;
		unsigned long k = pages <= 64 || below(8) == 0 ? below(pages)
				  : below(2) ? below(32) : pages - 1 - below(32);
		return g->start + k * PAGE;
	}
	return ARENA_BASE + below(ARENA_PAGES) * PAGE;
}

/* Returns an address for mmap/munmap/mprotect: arena pages mostly, else hostile. */
uintptr_t gen_addr(void)
{
	switch (below(16)) {
	case 0: return 0;
	case 1: return USER_BASE;
	case 2: return USER_TOP - PAGE;
	case 3: return USER_TOP;
	case 4: return KERNEL_ADDR;
	case 5: return (uintptr_t)rnd();
	case 6: return ARENA_BASE + below(ARENA_PAGES * PAGE);
	case 7: return (uintptr_t)-PAGE;
	case 8: {
		struct region *g = &regions[below(nregions)];
		return below(2) ? g->start : g->end;
	}
	default: return ARENA_BASE + below(ARENA_PAGES) * PAGE;
	}
}

/* Returns a length: a few pages mostly, else 0, unaligned, wrapping or huge. */
size_t gen_len(void)
{
	switch (below(16)) {
	case 0: return 0;
	case 1: return below(PAGE) + 1;
	case 2: return (below(8) + 1) * PAGE + below(PAGE - 1) + 1;
	case 3: return (size_t)-PAGE;
	case 4: return (size_t)-1;
	case 5: return USER_TOP - USER_BASE;
	case 6: return USER_TOP - USER_BASE + 1;
	case 7: return (size_t)1 << below(sizeof(size_t) * 8);
	default: return (below(8) + 1) * PAGE;
	}
}

/* Returns PROT_ bits: valid mostly, else with unknown bits. */
unsigned gen_prot(void)
{
	if (below(8) < 6)
		return (unsigned)below(8);
	return below(2) ? (unsigned)below(8) | 1u << below(32) : (unsigned)rnd();
}

/* Returns MAP_ flags: any type, fixed or not, known and unknown bits. */
unsigned gen_flags(void)
{
	unsigned f = below(8) < 6 ? (below(2) ? MAP_PRIVATE : MAP_SHARED) : (unsigned)below(16);
	if (below(20))
		f |= MAP_ANONYMOUS;
	static const unsigned fixed[4] = { 0, MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_FIXED | MAP_FIXED_NOREPLACE };
	f |= fixed[below(4)];
	if (below(8) == 0)
		f |= MAP_NORESERVE | MAP_POPULATE;
	if (below(8) == 0)
		f |= 1u << below(32);
	if (below(32) == 0)
		f |= (unsigned)rnd();
	return f & ~MAP_NEVER;
}

/* A user pointer for a syscall that writes SIZE bytes at it: mostly a good one at offset OFF of
 * a fuzz page, else hostile. Never one whose write would land in the fuzzer's own memory. */
uintptr_t gen_out_ptr(size_t size, size_t off)
{
	uintptr_t p;
	switch (below(8)) {
	case 0: p = 0; break;
	case 1: p = KERNEL_ADDR; break;
	case 2: p = USER_TOP - size / 2; break;
	case 3: p = random_region_page(false) + PAGE - size / 2; break;    /* straddles a page end */
	case 4: p = (uintptr_t)rnd(); break;
	default: p = random_region_page(below(4) != 0) + off; break;
	}
	if (range_allows(p, size, A_WRITE) &&
	    (overlaps(p, p + size, R_RESERVED) || overlaps(p, p + size, R_FSHARED) ||
	     overlaps(p, p + size, R_FPRIVATE)))
		p = KERNEL_ADDR;            /* (file pages: their contents are the file model's) */
	return p;
}

/* fork, then in the parent at once waitpid(any ? -1 : child, STATUS), with no store to memory in
 * between: after fork every private page of the parent is CoW, and a store there could meet an
 * injected allocation failure and kill the parent while its child runs ops, breaking "one
 * process at a time". Returns fork's result (0 in the child) and waitpid's in *WAITED. */
long fork_and_wait(uintptr_t status, long any, long *waited)
{
#if defined(__x86_64__)
	register long a_rsi __asm__("rsi") = (long)status;
	register long a_r8 __asm__("r8") = any;
	register long a_r9 __asm__("r9");
	long rax;
	__asm__ volatile("mov $5, %%eax\n\t"
		     "int $0x80\n\t"
		     "mov %%rax, %%r9\n\t"
		     "test %%rax, %%rax\n\t"
		     "jle 1f\n\t"
		     "mov %%rax, %%rdi\n\t"
		     "test %%r8, %%r8\n\t"
		     "jz 2f\n\t"
		     "mov $-1, %%rdi\n"
		     "2:\n\t"
		     "mov $6, %%eax\n\t"
		     "int $0x80\n"
		     "1:"
		     : "=a"(rax), "=r"(a_r9), "+r"(a_rsi), "+r"(a_r8)
		     : : "rdi", "rdx", "r10", "rcx", "r11", "memory", "cc");
	*waited = rax;
	return a_r9;
#elif defined(__i386__)
	register long a_ecx __asm__("ecx") = (long)status;
	long eax, pid;
	__asm__ volatile("mov $5, %%eax\n\t"
		     "int $0x80\n\t"
		     "mov %%eax, %%esi\n\t"
		     "test %%eax, %%eax\n\t"
		     "jle 1f\n\t"
		     "mov %%eax, %%ebx\n\t"
		     "test %%edi, %%edi\n\t"
		     "jz 2f\n\t"
		     "mov $-1, %%ebx\n"
		     "2:\n\t"
		     "mov $6, %%eax\n\t"
		     "int $0x80\n"
		     "1:"
		     : "=a"(eax), "=S"(pid), "+r"(a_ecx)
		     : "D"(any) : "ebx", "edx", "memory", "cc");
	*waited = eax;
	return pid;
#else
	register long x0 __asm__("x0");
	register long x1 __asm__("x1") = (long)status;
	register long x2 __asm__("x2") = any;
	register long x3 __asm__("x3");
	__asm__ volatile("mov x8, #5\n\t"
		     "svc #0\n\t"
		     "mov x3, x0\n\t"
		     "cmp x0, #0\n\t"
		     "b.le 1f\n\t"
		     "cbz x2, 2f\n\t"
		     "mov x0, #-1\n"
		     "2:\n\t"
		     "mov x8, #6\n\t"
		     "svc #0\n"
		     "1:"
		     : "=r"(x0), "=r"(x3), "+r"(x1), "+r"(x2)
		     : : "x8", "memory", "cc");
	*waited = x0;
	return x3;
#endif
}
