/* The software MMU and CPU of the host tests (see soft_mmu.h). */
#include <string.h>

#include "fake_ram.h"
#include "htest.h"
#include "soft_mmu.h"
#include "kernel/errno.h"
#include "kernel/panic.h"
#include "mm/addrspace.h"
#include "mm/arch_mmu.h"
#include "mm/frame.h"
#include "mm/pageinfo.h"
#include "mm/section.h"
#include "mm/vm.h"

#define LEVELS      4
#define ENTRIES     512
#define E_PRESENT   1ull
#define E_FLAGS_SHIFT 1
#define E_FLAGS_MASK (0xffull << E_FLAGS_SHIFT)
#define E_ADDR_MASK 0x000ffffffffff000ull
#define MMU_ALL     (MMU_READ | MMU_WRITE | MMU_EXEC | MMU_USER | MMU_CACHE_MASK)
#define TLB_SIZE    64

static uintptr_t user_top = (uintptr_t)1 << 47;
static const struct mmu_space *active;
static struct soft_mmu_stats stats;

struct tlb_entry {
	const struct mmu_space *space;   /* NULL: invalid */
	uintptr_t vpn;
	paddr_t pa;
	unsigned flags;
};
static struct tlb_entry tlb[TLB_SIZE];
static unsigned tlb_next;

void soft_mmu_reset(void)
{
	memset(tlb, 0, sizeof(tlb));
	tlb_next = 0;
	active = NULL;
	memset(&stats, 0, sizeof(stats));
	user_top = (uintptr_t)1 << 47;
}

void soft_mmu_set_user_top(uintptr_t top)
{
	user_top = top;
}

struct soft_mmu_stats soft_mmu_stats(void)
{
	return stats;
}

uintptr_t arch_mmu_user_top(void)
{
	return user_top;
}

/* ---- Tables ---- */

static uint64_t *table_ptr(paddr_t pa)
{
	uint64_t *t = fake_ram_ptr(pa);
	if (!t)
		panic("table %#llx is not in fake RAM", (unsigned long long)pa);
	return t;
}

static unsigned index_of(uintptr_t va, unsigned level)
{
	return (unsigned)(va >> (FRAME_SHIFT + 9 * level)) & (ENTRIES - 1);
}

static int table_new(unsigned level, paddr_t *pa)
{
	int err = frame_alloc(pa);
	if (err)
		return err;
	memset(table_ptr(*pa), 0, FRAME_SIZE);
	pageinfo_set_type(pageinfo_of(*pa), PAGEINFO_PAGE_TABLE, level);
	return 0;
}

/* Returns the leaf entry slot for VA, or NULL when a table on the way is missing. */
static uint64_t *leaf_slot(const struct mmu_space *space, uintptr_t va)
{
	paddr_t table = space->root;
	for (unsigned level = LEVELS - 1; level > 0; level--) {
		uint64_t e = table_ptr(table)[index_of(va, level)];
		if (!(e & E_PRESENT))
			return NULL;
		table = e & E_ADDR_MASK;
	}
	return &table_ptr(table)[index_of(va, 0)];
}

static void check_va(uintptr_t va)
{
	if (!IS_ALIGNED(va, FRAME_SIZE) || va < MMU_USER_BASE || va >= user_top)
		panic("va=%#lx is not a page of the user half", (unsigned long)va);
}

static void tlb_drop_space(const struct mmu_space *space)
{
	for (unsigned i = 0; i < TLB_SIZE; i++)
		if (tlb[i].space == space)
			tlb[i].space = NULL;
}

int arch_mmu_space_create(struct mmu_space *space)
{
	space->table_frames = 0;
	space->shared_links = 0;
	space->asid = 0;
	int err = table_new(LEVELS - 1, &space->root);
	if (err)
		return err;
	space->table_frames = 1;
	tlb_drop_space(space);       /* like a fresh ASID: nothing cached for it */
	return 0;
}

static void destroy_table(struct mmu_space *space, paddr_t table, unsigned level, uintptr_t base)
{
	uint64_t *t = table_ptr(table);
	for (unsigned i = 0; i < ENTRIES; i++) {
		if (!(t[i] & E_PRESENT))
			continue;
		uintptr_t va = base + ((uintptr_t)i << (FRAME_SHIFT + 9 * level));
		if (level == 0)
			panic("leaf still present va=%#lx pa=%#llx", (unsigned long)va,
			      (unsigned long long)(t[i] & E_ADDR_MASK));
		if (!pageinfo_put(pageinfo_of(t[i] & E_ADDR_MASK)))
			panic("table %#llx still referenced", (unsigned long long)(t[i] & E_ADDR_MASK));
		destroy_table(space, t[i] & E_ADDR_MASK, level - 1, va);
	}
	frame_free(table);
	space->table_frames--;
}

void arch_mmu_space_destroy(struct mmu_space *space)
{
	if (space == active)
		panic("space %p is still active", (void *)space);
	destroy_table(space, space->root, LEVELS - 1, 0);
	if (space->table_frames != 0)
		panic("%lu table frames unaccounted for", space->table_frames);
	space->root = 0;
	tlb_drop_space(space);
}

/* No shared tables here (COW_PT is 0 on the host): the leaf table and "not shared". */
paddr_t arch_mmu_leaf_table(struct mmu_space *space, uintptr_t va, bool *shared)
{
	paddr_t table = space->root;
	*shared = false;
	for (unsigned level = LEVELS - 1; level > 0; level--) {
		uint64_t e = table_ptr(table)[index_of(va, level)];
		if (!(e & E_PRESENT))
			return 0;
		table = e & E_ADDR_MASK;
	}
	return table;
}

void arch_mmu_space_activate(struct mmu_space *space)
{
	active = space;
}

int arch_mmu_map(struct mmu_space *space, uintptr_t va, paddr_t pa, unsigned flags)
{
	check_va(va);
	if (!IS_ALIGNED(pa, (paddr_t)FRAME_SIZE) || (pa & ~E_ADDR_MASK) || (flags & ~MMU_ALL))
		panic("bad pa=%#llx or flags=%#x", (unsigned long long)pa, flags);
	if ((flags & MMU_USER) && !(flags & (MMU_READ | MMU_WRITE | MMU_EXEC)))
		panic("no present user page without access (va=%#lx), as on x86", (unsigned long)va);
	/* Find the first missing level, allocate every missing table, then link them. */
	paddr_t table = space->root;
	unsigned level = LEVELS - 1;
	while (level > 0) {
		uint64_t e = table_ptr(table)[index_of(va, level)];
		if (!(e & E_PRESENT))
			break;
		table = e & E_ADDR_MASK;
		level--;
	}
	paddr_t fresh[LEVELS];
	for (unsigned i = 0; i < level; i++) {
		if (table_new(level - 1 - i, &fresh[i])) {
			while (i-- > 0)
				frame_free(fresh[i]);
			return -ENOMEM;
		}
	}
	for (unsigned i = 0; i < level; i++) {
		pageinfo_get(pageinfo_of(fresh[i]));     /* the link's reference (mm/arch_mmu.h) */
		table_ptr(table)[index_of(va, level - i)] = fresh[i] | E_PRESENT;
		table = fresh[i];
	}
	space->table_frames += level;
	uint64_t *slot = &table_ptr(table)[index_of(va, 0)];
	if (*slot & E_PRESENT)
		panic("va=%#lx is already mapped to %#llx", (unsigned long)va,
		      (unsigned long long)(*slot & E_ADDR_MASK));
	*slot = pa | E_PRESENT | ((uint64_t)flags << E_FLAGS_SHIFT);
	return 0;
}

bool arch_mmu_unmap(struct mmu_space *space, uintptr_t va, paddr_t *old_pa)
{
	check_va(va);
	uint64_t *slot = leaf_slot(space, va);
	if (!slot || !(*slot & E_PRESENT))
		return false;
	*old_pa = *slot & E_ADDR_MASK;
	*slot = 0;
	return true;
}

void arch_mmu_protect(struct mmu_space *space, uintptr_t va, unsigned flags)
{
	check_va(va);
	uint64_t *slot = leaf_slot(space, va);
	if (!slot || !(*slot & E_PRESENT))
		panic("va=%#lx is not mapped", (unsigned long)va);
	if (flags & ~MMU_ALL)
		panic("bad flags=%#x", flags);
	uint64_t hw = *slot & ((uint64_t)(MMU_ACCESSED | MMU_DIRTY) << E_FLAGS_SHIFT);
	*slot = (*slot & ~E_FLAGS_MASK) | hw | ((uint64_t)flags << E_FLAGS_SHIFT);
}

bool arch_mmu_query(struct mmu_space *space, uintptr_t va, paddr_t *pa, unsigned *flags)
{
	if (va < MMU_USER_BASE || va >= user_top)
		return false;
	uint64_t *slot = leaf_slot(space, ALIGN_DOWN(va, FRAME_SIZE));
	if (!slot || !(*slot & E_PRESENT))
		return false;
	if (pa)
		*pa = *slot & E_ADDR_MASK;
	if (flags)     /* like x86: every present entry reads as readable */
		*flags = (unsigned)((*slot & E_FLAGS_MASK) >> E_FLAGS_SHIFT) | MMU_READ;
	return true;
}

static void walk_table(paddr_t table, unsigned level, uintptr_t base, uintptr_t start,
		       uintptr_t end, mmu_walk_fn fn, void *ctx)
{
	const uint64_t *t = table_ptr(table);
	uintptr_t span = (uintptr_t)1 << (FRAME_SHIFT + 9 * level);
	for (unsigned i = 0; i < ENTRIES; i++) {
		uintptr_t va = base + i * span;
		if (va >= end)
			break;
		if (va + span <= start || !(t[i] & E_PRESENT))
			continue;
		uint64_t e = t[i];
		if (level == 0)
			fn(ctx, va, e & E_ADDR_MASK,
			   (unsigned)((e & E_FLAGS_MASK) >> E_FLAGS_SHIFT) | MMU_READ);
		else
			walk_table(e & E_ADDR_MASK, level - 1, va, start, end, fn, ctx);
	}
}

void arch_mmu_walk(struct mmu_space *space, uintptr_t start, uintptr_t end, mmu_walk_fn fn,
		   void *ctx)
{
	walk_table(space->root, LEVELS - 1, 0, start, end, fn, ctx);
}

static void walk_tables(paddr_t table, unsigned level, mmu_table_fn fn, void *ctx)
{
	fn(ctx, table, level);
	if (level == 0)
		return;
	const uint64_t *t = table_ptr(table);
	for (unsigned i = 0; i < ENTRIES; i++)
		if (t[i] & E_PRESENT)
			walk_tables(t[i] & E_ADDR_MASK, level - 1, fn, ctx);
}

void arch_mmu_walk_tables(struct mmu_space *space, mmu_table_fn fn, void *ctx)
{
	walk_tables(space->root, LEVELS - 1, fn, ctx);
}

/* ---- TLB ---- */

/* One CPU: its flushes reach every CPU there is. */
bool arch_tlb_flush_is_global(void)
{
	return true;
}

/* The soft TLB is tagged with the space, like ASIDs: switching keeps entries. */
bool arch_tlb_switch_drops_old(void)
{
	return false;
}

void arch_tlb_flush_page(struct mmu_space *space, uintptr_t va)
{
	stats.flush_page++;
	for (unsigned i = 0; i < TLB_SIZE; i++)
		if (tlb[i].space == space && tlb[i].vpn == va / FRAME_SIZE)
			tlb[i].space = NULL;
}

void arch_tlb_flush_range(struct mmu_space *space, uintptr_t va, size_t size)
{
	stats.flush_range++;
	for (unsigned i = 0; i < TLB_SIZE; i++)
		if (tlb[i].space == space && tlb[i].vpn >= va / FRAME_SIZE &&
		    tlb[i].vpn - va / FRAME_SIZE < (size + FRAME_SIZE - 1) / FRAME_SIZE)
			tlb[i].space = NULL;
}

void arch_tlb_flush_space(struct mmu_space *space)
{
	stats.flush_space++;
	tlb_drop_space(space);
}

unsigned soft_tlb_entries(struct addrspace *as)
{
	unsigned n = 0;
	for (unsigned i = 0; i < TLB_SIZE; i++)
		n += tlb[i].space == &as->mmu;
	return n;
}

/* ---- The CPU ---- */

static unsigned right_of(enum vm_access access)
{
	return access == VM_ACCESS_WRITE ? MMU_WRITE : access == VM_ACCESS_EXEC ? MMU_EXEC : MMU_READ;
}

/* Translates VA for a user ACCESS through the TLB and the tables; false = page fault. */
static bool translate(struct mmu_space *space, uintptr_t va, enum vm_access access, paddr_t *pa)
{
	unsigned need = MMU_USER | right_of(access);
	uintptr_t vpn = va / FRAME_SIZE;
	uint64_t *slot = leaf_slot(space, ALIGN_DOWN(va, FRAME_SIZE));
	uint64_t e = slot ? *slot : 0;
	for (unsigned i = 0; i < TLB_SIZE; i++) {
		struct tlb_entry *t = &tlb[i];
		if (t->space != space || t->vpn != vpn)
			continue;
		if ((t->flags & need) != need) {
			t->space = NULL;         /* a faulting entry is not kept (x86 behaviour) */
			return false;
		}
		stats.tlb_hits++;
		struct pageinfo *pi = pageinfo_of(t->pa);
		unsigned now = (unsigned)((e & E_FLAGS_MASK) >> E_FLAGS_SHIFT);
		if (!(e & E_PRESENT) || (e & E_ADDR_MASK) != t->pa || (t->flags & ~now & MMU_ALL) ||
		    (pi && pageinfo_type(pi) == PAGEINFO_FREE)) {
			stats.stale_hits++;
			htest_fail(__FILE__, __LINE__,
				   "stale TLB entry used: va=%#lx cached pa=%#llx flags=%#x, table says "
				   "%s pa=%#llx flags=%#x%s", (unsigned long)va,
				   (unsigned long long)t->pa, t->flags,
				   e & E_PRESENT ? "present" : "absent",
				   (unsigned long long)(e & E_ADDR_MASK), now,
				   pi && pageinfo_type(pi) == PAGEINFO_FREE ? " (frame is free!)" : "");
		}
		*pa = t->pa + (va & (FRAME_SIZE - 1));
		return true;
	}
	stats.tlb_misses++;
	unsigned flags = (unsigned)((e & E_FLAGS_MASK) >> E_FLAGS_SHIFT);
	if (!(e & E_PRESENT) || (flags & need) != need)
		return false;
	*slot |= (uint64_t)(MMU_ACCESSED | (access == VM_ACCESS_WRITE ? MMU_DIRTY : 0))
		 << E_FLAGS_SHIFT;
	tlb[tlb_next] = (struct tlb_entry){ space, vpn, e & E_ADDR_MASK, flags & MMU_ALL };
	tlb_next = (tlb_next + 1) % TLB_SIZE;
	*pa = (e & E_ADDR_MASK) + (va & (FRAME_SIZE - 1));
	return true;
}

/* Translates like the CPU, resolving faults with vm_fault; 0 or vm_fault's error. */
static int access_byte(struct addrspace *as, uintptr_t va, enum vm_access access, paddr_t *pa)
{
	for (unsigned tries = 0; tries < 3; tries++) {
		if (va >= MMU_USER_BASE && va < user_top && translate(&as->mmu, va, access, pa))
			return 0;
		stats.faults++;
		int err = vm_fault(as, va, access);
		if (err)
			return err;
	}
	htest_fail(__FILE__, __LINE__, "va=%#lx: vm_fault returned 0 three times and the access "
		   "still faults", (unsigned long)va);
	return -EFAULT;
}

static int user_copy(struct addrspace *as, uintptr_t va, void *buf, size_t len, bool write)
{
	char *p = buf;
	while (len) {
		size_t n = MIN(len, FRAME_SIZE - (va & (FRAME_SIZE - 1)));
		paddr_t pa;
		int err = access_byte(as, va, write ? VM_ACCESS_WRITE : VM_ACCESS_READ, &pa);
		if (err)
			return err;
		void *ram = fake_ram_ptr(pa);
		if (write)
			memcpy(ram, p, n);
		else
			memcpy(p, ram, n);
		p += n;
		va += n;
		len -= n;
	}
	return 0;
}

int soft_user_read(struct addrspace *as, uintptr_t va, void *dst, size_t len)
{
	return user_copy(as, va, dst, len, false);
}

int soft_user_write(struct addrspace *as, uintptr_t va, const void *src, size_t len)
{
	return user_copy(as, va, (void *)src, len, true);
}

int soft_user_exec(struct addrspace *as, uintptr_t va)
{
	paddr_t pa;
	return access_byte(as, va, VM_ACCESS_EXEC, &pa);
}

int soft_user_read8(struct addrspace *as, uintptr_t va, uint8_t *out)
{
	return soft_user_read(as, va, out, 1);
}

int soft_user_write8(struct addrspace *as, uintptr_t va, uint8_t value)
{
	return soft_user_write(as, va, &value, 1);
}
