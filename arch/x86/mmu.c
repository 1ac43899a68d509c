/* The user half of x86 address spaces (mm/arch_mmu.h): creating and destroying a root, making it
 * current, and mapping, unmapping, changing and reading one 4 KiB entry; the TLB flushes. Shared
 * by x86_64 (4 levels, PML4 root) and i686 (PAE, PDPT root); the walks over a whole space are in
 * mmu_walk.c.
 *
 * Entries: MMU_WRITE -> RW, MMU_USER -> US, no MMU_EXEC -> NX (when EFER.NXE is on; without NX
 * every page is executable), cache type -> PWT/PCD (PAT entries, see features.c). x86 cannot
 * express a page that is writable but not readable, executable but not readable, or present but
 * inaccessible: a present entry is readable by whoever may reach it. So MMU_WRITE and MMU_EXEC
 * imply MMU_READ, query always reports MMU_READ, and a user mapping with none of
 * READ/WRITE/EXEC is refused (panic): the generic code leaves such pages unmapped.
 *
 * Every entry is written with an atomic exchange or compare-and-swap, so the hardware's A/D
 * updates are never lost and, on i686, a 64-bit entry is never seen half written.
 * Locking: the caller serializes every call on one space (the generic address-space lock); the
 * kernel half is shared and never changed here. */
#include "mmu.h"
#include "features.h"
#include "mm/frame.h"
#include "mm/pageinfo.h"
#include "mm/section.h"
#include "kernel/errno.h"
#include "kernel/panic.h"
#include "kernel/string.h"

#define PAGE ((uint64_t)X86_PAGE_SIZE)
#define TOP  X86_MMU_TOP_LEVEL

/* The bit positions of Intel SDM vol. 3, tables 4-19/4-20 (4 KiB PTE). */
_Static_assert(X86_PTE_P == 1u << 0 && X86_PTE_RW == 1u << 1 && X86_PTE_US == 1u << 2, "PTE P/RW/US");
_Static_assert(X86_PTE_PWT == 1u << 3 && X86_PTE_PCD == 1u << 4 && X86_PTE_PAT == 1u << 7, "PTE cache");
_Static_assert(X86_PTE_A == 1u << 5 && X86_PTE_D == 1u << 6 && X86_PTE_G == 1u << 8, "PTE A/D/G");
_Static_assert(X86_PTE_NX == 1ull << 63, "PTE XD");
_Static_assert(MMU_USER_BASE % X86_PAGE_SIZE == 0 && X86_USER_TOP % X86_PAGE_SIZE == 0, "user half");

/* Changed only by arch_mmu_space_activate on this CPU (one CPU today; per-CPU with SMP). */
struct mmu_space *x86_active_space;
/* Test hooks, set and cleared by the single-threaded self-tests only. */
static unsigned fail_after = X86_MMU_NO_FAILURE;
int (*x86_mmu_table_source)(paddr_t *pa);

/* Arms the test hook that makes one table allocation fail (mmu.h). */
void x86_mmu_fail_table_alloc_after(unsigned count)
{
	fail_after = count;
}

/* The end of the user half: 2^47 minus the last canonical page on x86_64, 3 GiB on i686. */
uintptr_t arch_mmu_user_top(void)
{
	return (uintptr_t)X86_USER_TOP;
}

/* Direct map for a table below X86_DIRECT_MAP_LIMIT, else a kmap slot (i686 only). */
x86_pte_t *x86_table_map(paddr_t pa)
{
	if (pa + PAGE <= X86_DIRECT_MAP_LIMIT)   /* all RAM below the limit is in the direct map */
		return x86_phys_to_virt(pa);
	return x86_kmap_slot(pa);
}

/* Releases what x86_table_map returned. */
void x86_table_unmap(x86_pte_t *table)
{
	kunmap_frame(table);                     /* nothing to do for a direct-map address */
}

/* One entry of the table at PA, mapping it only for the read. */
x86_pte_t x86_table_read(paddr_t pa, unsigned index)
{
	x86_pte_t *t = x86_table_map(pa);
	/* On i686 the two halves are read separately; the CPU changes only A/D in the low half. */
	x86_pte_t e = ((volatile x86_pte_t *)t)[index];
	x86_table_unmap(t);
	return e;
}

/* Stores E at P if P still holds *OLD and returns true; else loads *OLD with what P holds. */
bool x86_pte_cas(x86_pte_t *p, x86_pte_t *old, x86_pte_t e)
{
#if X86_WORD_SIZE == 8
	return __atomic_compare_exchange_n(p, old, e, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
#else
	/* GCC calls libatomic for 8-byte atomics with -march=i686; every CPU with PAE (which the
	 * entry code requires) has cmpxchg8b. */
	uint32_t lo = (uint32_t)*old, hi = (uint32_t)(*old >> 32);
	bool done;
	__asm__ volatile("lock cmpxchg8b %[entry]\n\tsete %[done]"
			 : [entry] "+m"(*p), "+a"(lo), "+d"(hi), [done] "=q"(done)
			 : "b"((uint32_t)e), "c"((uint32_t)(e >> 32))
			 : "memory", "cc");
	*old = (uint64_t)hi << 32 | lo;
	return done;
#endif
}

/* Replaces entry INDEX of the table at PA with E only if it still holds OLD; returns whether it
 * did (and else leaves the current value in *OLD). */
bool x86_table_cas(paddr_t pa, unsigned index, x86_pte_t *old, x86_pte_t e)
{
	x86_pte_t *t = x86_table_map(pa);
	bool done = x86_pte_cas(&t[index], old, e);
	x86_table_unmap(t);
	return done;
}

/* Stores E in entry INDEX of the table at PA and returns what it held. */
x86_pte_t x86_table_exchange(paddr_t pa, unsigned index, x86_pte_t e)
{
	x86_pte_t old = x86_table_read(pa, index);
	while (!x86_table_cas(pa, index, &old, e))
		;
	return old;
}

/* The entry that links a level-LEVEL table to the next-lower table at PA. PAE's PDPT entries
 * have no RW/US bits; elsewhere the upper levels allow everything and the leaf decides. */
x86_pte_t x86_link_entry(paddr_t pa, unsigned level)
{
	if (X86_PT_LEVELS == 3 && level == TOP)
		return pa | X86_PTE_P;
	return pa | X86_PTE_P | X86_PTE_RW | X86_PTE_US;
}

/* Allocates a zeroed page-table frame of LEVEL for SPACE and stores it in *PA. Returns 0 or
 * -ENOMEM. On i686 every table comes from the direct map (below 768 MiB). The PAE root must lie
 * below 4 GiB (CR3 holds 32 bits), and frame_alloc's O(1) path does not give the lowest frame:
 * it takes the first section on its list, and a section that was full and got a frame back
 * heads that list - at 4 GiB of RAM, one above 4 GiB once a 128 MiB region's user frames
 * (FRAME_HIGH) came and went, and the next fork failed with -ENOMEM. The other levels: QEMU
 * 7.2's i386 TCG does not walk tables above 4 GiB (a process with its tables there faulted
 * forever on present pages; its `info tlb` did not see them either), though the SDM allows
 * them. Tables in the direct map also need no kmap. */
int x86_table_alloc(struct mmu_space *space, unsigned level, paddr_t *pa)
{
	_Static_assert(X86_PT_LEVELS == 4 || X86_DIRECT_MAP_LIMIT <= 0x100000000ull,
		       "the PAE root comes from the direct map: it must end below 4 GiB");
	if (fail_after != X86_MMU_NO_FAILURE && fail_after-- == 0) {
		fail_after = X86_MMU_NO_FAILURE;
		return -ENOMEM;
	}
	int err;
	if (x86_mmu_table_source)
		err = x86_mmu_table_source(pa);
	else
		err = frame_alloc_flags(X86_PT_LEVELS == 3 ? FRAME_DIRECT : 0, pa);
	if (err)
		return -ENOMEM;
	if (X86_PT_LEVELS == 3 && level == TOP && *pa >= 0x100000000ull)
		panic("x86_table_alloc: PAE root %#llx above 4 GiB", (unsigned long long)*pa);
	struct pageinfo *pi = pageinfo_of(*pa);
	if (!pi)
		panic("table_alloc: frame %#llx has no pageinfo", (unsigned long long)*pa);
	pageinfo_set_type(pi, PAGEINFO_PAGE_TABLE, level);
	x86_pte_t *t = x86_table_map(*pa);
	memset(t, 0, X86_PAGE_SIZE);
	x86_table_unmap(t);
	space->table_frames++;
	return 0;
}

/* Gives back the level-LEVEL table frame PA of SPACE, which no entry points at any more; panics
 * if it is not one or is still referenced. */
void x86_table_free(struct mmu_space *space, paddr_t pa, unsigned level)
{
	struct pageinfo *pi = pageinfo_of(pa);
	if (!pi || pageinfo_type(pi) != PAGEINFO_PAGE_TABLE || pageinfo_level(pi) != level)
		panic("table_free: frame %#llx is not a level-%u page table", (unsigned long long)pa, level);
	if (pageinfo_refcount(pi) != 0)
		panic("table_free: table %#llx still has %u references", (unsigned long long)pa,
		      pageinfo_refcount(pi));
	if (space->table_frames == 0)
		panic("table_free: space %p owns no table frames", (void *)space);
	frame_free(pa);
	space->table_frames--;
}

/* Frees the tables under entry range [0, COUNT) of the level-LEVEL table PA, then PA itself;
 * panics, naming the address, on a leaf that is still present. BASE is the address PA covers. */
static void free_tree(struct mmu_space *space, paddr_t pa, unsigned level, uint64_t base,
		      unsigned count)
{
	for (unsigned i = 0; i < count; i++) {
		x86_pte_t e = x86_table_read(pa, i);
		if (!(e & X86_PTE_P))
			continue;
		uint64_t va = base + ((uint64_t)i << x86_level_shift(level));
		if (level == 0)
			panic("arch_mmu_space_destroy: %#llx is still mapped", (unsigned long long)va);
		if (e & X86_PTE_PS)
			panic("arch_mmu_space_destroy: large page at %#llx", (unsigned long long)va);
		if (level == 1 && !(e & X86_PTE_RW))
			panic("arch_mmu_space_destroy: shared table at %#llx not detached",
			      (unsigned long long)va);
		x86_table_put_last(e & X86_PTE_ADDR_MASK);
		free_tree(space, e & X86_PTE_ADDR_MASK, level - 1, va, X86_PT_ENTRIES);
	}
	x86_table_free(space, pa, level);
}

/* Allocates the root (PML4, or a PAE PDPT below 4 GiB plus its three user directories),
 * copies the kernel half into it; -ENOMEM with everything freed again. */
int arch_mmu_space_create(struct mmu_space *space)
{
	*space = (struct mmu_space){ 0 };
	paddr_t root;
	if (x86_table_alloc(space, TOP, &root))
		return -ENOMEM;
	/* The kernel half: the same top-level entries as the kernel's own tables. Boot creates
	 * every kernel top-level entry there will ever be, so copying them once is enough. */
	x86_pte_t *k = x86_table_map(x86_kernel_root);
	x86_pte_t *r = x86_table_map(root);
	for (unsigned i = X86_ROOT_USER_ENTRIES; i < (X86_PT_LEVELS == 4 ? X86_PT_ENTRIES : 4u); i++)
		r[i] = k[i];
	x86_table_unmap(r);
	x86_table_unmap(k);
	space->root = root;

	if (X86_PT_LEVELS == 3) {
		for (unsigned i = 0; i < X86_ROOT_USER_ENTRIES; i++) {
			paddr_t pd;
			if (x86_table_alloc(space, TOP - 1, &pd)) {
				free_tree(space, root, TOP, 0, X86_ROOT_USER_ENTRIES);
				*space = (struct mmu_space){ 0 };
				return -ENOMEM;
			}
			pageinfo_get(pageinfo_of(pd));
			x86_table_exchange(root, i, x86_link_entry(pd, TOP));
		}
	}
	return 0;
}

/* Frees every table of the user half and the root; panics on a leaf still present. */
void arch_mmu_space_destroy(struct mmu_space *space)
{
	if (space == x86_active_space || (x86_read_cr3() & X86_PTE_ADDR_MASK) == space->root)
		panic("arch_mmu_space_destroy: space %p is active", (void *)space);
	free_tree(space, space->root, TOP, 0, X86_ROOT_USER_ENTRIES);
	if (space->table_frames != 0 || space->shared_links != 0)
		panic("arch_mmu_space_destroy: %lu table frames, %lu shared links unaccounted for",
		      space->table_frames, space->shared_links);
	space->root = 0;
}

/* Loads the root of SPACE (or the kernel's) into CR3 unless it is there already. */
void arch_mmu_space_activate(struct mmu_space *space)
{
	paddr_t root = space ? space->root : x86_kernel_root;
#if MM_DEBUG && X86_PT_LEVELS == 4
	/* A kernel top-level entry added after this space was created would be missing here. */
	if (space) {
		x86_pte_t *k = x86_table_map(x86_kernel_root), *r = x86_table_map(root);
		if (memcmp(&k[X86_ROOT_USER_ENTRIES], &r[X86_ROOT_USER_ENTRIES],
			   (X86_PT_ENTRIES - X86_ROOT_USER_ENTRIES) * sizeof(x86_pte_t)) != 0)
			panic("arch_mmu_space_activate: kernel half of space %p is stale", (void *)space);
		x86_table_unmap(r);
		x86_table_unmap(k);
	}
#endif
	x86_active_space = space;
	if ((x86_read_cr3() & X86_PTE_ADDR_MASK) != root)
		x86_write_cr3((unsigned long)root);     /* also drops every non-global TLB entry */
}

/* TLB shootdown's view of x86 (mm/tlb.c). No PCID (CR4.PCIDE is never set) and user entries are
 * never global (X86_PTE_G is only on the kernel image, the direct map and the local APIC, which
 * never change; the i686 kmap slots are not global and flushed by their user): a CR3 load drops
 * every translation of the space left, so only the space in a CPU's CR3 can have
 * entries in its TLB, and arch_tlb_flush_* act on this CPU only -- mm/tlb.c sends them by IPI
 * to the other CPUs that run the space. They test CR3 itself, so a flush IPI taken in the
 * middle of a switch acts on exactly what this CPU holds. */
bool arch_tlb_flush_is_global(void)
{
	return false;
}

bool arch_tlb_switch_drops_old(void)
{
	return true;
}

/* Panics unless VA is a page of the user half. */
static void check_user_page(const char *who, uintptr_t va)
{
	if (va % X86_PAGE_SIZE || va < MMU_USER_BASE || va >= X86_USER_TOP)
		panic("%s: %p is not a page of the user half", who, (void *)va);
}

/* The leaf entry for frame PA with the MMU_* attributes FLAGS. */
static x86_pte_t leaf_entry(paddr_t pa, unsigned flags, uintptr_t va)
{
	if ((pa & ~X86_PTE_ADDR_MASK) != 0)
		panic("arch_mmu_map: frame %#llx for %p is not a page", (unsigned long long)pa, (void *)va);
	if ((flags & MMU_USER) && !(flags & (MMU_READ | MMU_WRITE | MMU_EXEC)))
		panic("arch_mmu_map: x86 has no present user page without access (%p)", (void *)va);
	x86_pte_t e = pa | X86_PTE_P;
	if (flags & MMU_WRITE)
		e |= X86_PTE_RW;
	if (flags & MMU_USER)
		e |= X86_PTE_US;
	if (!(flags & MMU_EXEC))
		e |= x86_pte_nx;
	switch (flags & MMU_CACHE_MASK) {
	case MMU_CACHE_WB:
		break;
	case MMU_CACHE_UC:
		e |= X86_PTE_CACHE_UC;
		break;
	case MMU_CACHE_WC:
		/* Without a PAT, entry 1 is write-through: fall back to UC rather than cache reads. */
		e |= x86_pat_enabled ? X86_PTE_CACHE_WC : X86_PTE_CACHE_UC;
		break;
	default:
		panic("arch_mmu_map: bad cache type in flags %#x for %p", flags, (void *)va);
	}
	return e;
}

unsigned x86_pte_to_mmu_flags(x86_pte_t e)
{
	unsigned flags = MMU_READ;
	if (e & X86_PTE_RW)
		flags |= MMU_WRITE;
	if (!(e & X86_PTE_NX))                          /* never set without EFER.NXE */
		flags |= MMU_EXEC;
	if (e & X86_PTE_US)
		flags |= MMU_USER;
	if (e & X86_PTE_A)
		flags |= MMU_ACCESSED;
	if (e & X86_PTE_D)
		flags |= MMU_DIRTY;
	switch (e & (X86_PTE_PCD | X86_PTE_PWT)) {     /* PAT entries 4-7 repeat 0-3 */
	case X86_PTE_CACHE_WC:
		flags |= MMU_CACHE_WC;
		break;
	case X86_PTE_PCD:                               /* UC- (we never make it) */
	case X86_PTE_CACHE_UC:
		flags |= MMU_CACHE_UC;
		break;
	}
	return flags;
}

/* The level-0 table covering VA in SPACE, or 0 when an upper entry is absent. With MODIFY (the
 * caller's name) the table must not be shared: the generic code unshares before it changes an
 * entry (panics otherwise). */
static paddr_t leaf_table(const struct mmu_space *space, uintptr_t va, const char *modify)
{
	paddr_t t = space->root;
	for (unsigned l = TOP; l > 0; l--) {
		x86_pte_t e = x86_table_read(t, x86_level_index(va, l));
		if (!(e & X86_PTE_P))
			return 0;
		if (e & X86_PTE_PS)
			panic("x86 mmu: large page over user address %p", (void *)va);
		if (modify && l == 1 && !(e & X86_PTE_RW))
			panic("%s: %p is under a shared page table", modify, (void *)va);
		t = e & X86_PTE_ADDR_MASK;
	}
	return t;
}

/* Writes the leaf for VA, first allocating every missing table (all or none). */
int arch_mmu_map(struct mmu_space *space, uintptr_t va, paddr_t pa, unsigned flags)
{
	check_user_page("arch_mmu_map", va);
	x86_pte_t leaf = leaf_entry(pa, flags, va);
#if COW_PT
	if (arch_mmu_unshare(space, va, va + X86_PAGE_SIZE))
		return -ENOMEM;
#endif

	/* Find the lowest existing table on the way to VA: T, at level L. */
	paddr_t t = space->root;
	unsigned l = TOP;
	for (; l > 0; l--) {
		x86_pte_t e = x86_table_read(t, x86_level_index(va, l));
		if (!(e & X86_PTE_P))
			break;
		if (e & X86_PTE_PS)
			panic("arch_mmu_map: large page over %p", (void *)va);
		t = e & X86_PTE_ADDR_MASK;
	}
	if (X86_PT_LEVELS == 3 && l == TOP)
		panic("arch_mmu_map: PAE page directory of %p missing", (void *)va);

	/* Tables for levels L-1 .. 0: allocate them all before changing anything. */
	paddr_t fresh[X86_PT_LEVELS];
	for (unsigned i = 0; i < l; i++) {
		if (x86_table_alloc(space, l - 1 - i, &fresh[i])) {
			while (i-- > 0)
				x86_table_free(space, fresh[i], l - 1 - i);
			return -ENOMEM;
		}
	}
	/* Fill the new chain bottom-up, so the one write into the live tree publishes it whole. */
	paddr_t leaf_t = l ? fresh[l - 1] : t;
	x86_pte_t old = x86_table_exchange(leaf_t, x86_level_index(va, 0), leaf);
	if (old & X86_PTE_P)
		panic("arch_mmu_map: %p is already mapped (entry %#llx)", (void *)va, (unsigned long long)old);
	for (unsigned i = l; i-- > 0;) {
		paddr_t parent = i ? fresh[i - 1] : t;
		unsigned parent_level = l - i;
		pageinfo_get(pageinfo_of(fresh[i]));      /* the link's reference */
		x86_table_exchange(parent, x86_level_index(va, parent_level), x86_link_entry(fresh[i], parent_level));
	}
	return 0;
}

/* Clears the leaf for VA and reports its frame; tables stay. */
bool arch_mmu_unmap(struct mmu_space *space, uintptr_t va, paddr_t *old_pa)
{
	check_user_page("arch_mmu_unmap", va);
	paddr_t t = leaf_table(space, va, "arch_mmu_unmap");
	if (!t)
		return false;
	x86_pte_t old = x86_table_exchange(t, x86_level_index(va, 0), 0);
	if (!(old & X86_PTE_P))
		return false;
	if (old_pa)
		*old_pa = old & X86_PTE_ADDR_MASK;
	return true;
}

/* Rewrites the present leaf for VA with new attributes, keeping its frame and A/D bits. */
void arch_mmu_protect(struct mmu_space *space, uintptr_t va, unsigned flags)
{
	check_user_page("arch_mmu_protect", va);
	paddr_t t = leaf_table(space, va, "arch_mmu_protect");
	unsigned index = x86_level_index(va, 0);
	x86_pte_t old = t ? x86_table_read(t, index) : 0, e;
	do {
		if (!(old & X86_PTE_P))
			panic("arch_mmu_protect: %p is not mapped", (void *)va);
		/* Keep the frame and the accessed/dirty bits the hardware set. */
		e = leaf_entry(old & X86_PTE_ADDR_MASK, flags, va) | (old & (X86_PTE_A | X86_PTE_D));
	} while (!x86_table_cas(t, index, &old, e));
}

/* Reads the leaf for VA back as a frame and MMU_* attributes. */
bool arch_mmu_query(struct mmu_space *space, uintptr_t va, paddr_t *pa, unsigned *flags)
{
	x86_pte_t e = x86_mmu_leaf(space, va);
	if (!(e & X86_PTE_P))
		return false;
	if (pa)
		*pa = e & X86_PTE_ADDR_MASK;
	if (flags)
		*flags = x86_pte_to_mmu_flags(e);
	return true;
}

/* The raw present leaf for VA, or 0 (also the body of arch_mmu_query). */
x86_pte_t x86_mmu_leaf(struct mmu_space *space, uintptr_t va)
{
	check_user_page("arch_mmu_query", va);
	paddr_t t = leaf_table(space, va, NULL);
	x86_pte_t e = t ? x86_table_read(t, x86_level_index(va, 0)) : 0;
	return e & X86_PTE_P ? e : 0;
}

/* ---- TLB: without PCIDs a CR3 load drops every non-global entry, so only the active space can
 * have entries in the TLB (user entries are never global). One CPU for now. */

/* More pages than this are flushed with one CR3 reload instead of one invlpg each. */
#define FLUSH_RANGE_MAX_PAGES 32

/* Whether SPACE is the one loaded on this CPU (CR3 is per CPU; x86_active_space is not). */
static bool active_here(const struct mmu_space *space)
{
	return (x86_read_cr3() & X86_PTE_ADDR_MASK) == space->root;
}

/* invlpg of VA when SPACE is the active one. */
void arch_tlb_flush_page(struct mmu_space *space, uintptr_t va)
{
	if (active_here(space))
		x86_invlpg(va);
}

/* invlpg of each page of the range, or one CR3 reload for a long range; active space only. */
void arch_tlb_flush_range(struct mmu_space *space, uintptr_t va, size_t size)
{
	if (!active_here(space) || size == 0)
		return;
	uintptr_t first = ALIGN_DOWN(va, X86_PAGE_SIZE);
	size_t pages = (size + (va - first) + X86_PAGE_SIZE - 1) / X86_PAGE_SIZE;
	if (pages > FLUSH_RANGE_MAX_PAGES) {
		x86_write_cr3(x86_read_cr3());
		return;
	}
	for (size_t i = 0; i < pages; i++)
		x86_invlpg(first + i * X86_PAGE_SIZE);
}

/* A CR3 reload (every non-global entry) when SPACE is the active one. */
void arch_tlb_flush_space(struct mmu_space *space)
{
	if (active_here(space))
		x86_write_cr3(x86_read_cr3());
}
