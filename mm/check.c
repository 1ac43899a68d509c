/* The memory invariant checker (contract in mm/check.h). Two passes:
 *  1. per live address space (under its lock): the grant tree, the page-table frames, and every
 *     present entry against the grant that must contain it;
 *  2. per section: a count of the entries mapping each frame, gathered from every live address
 *     space, compared with the frame's pageinfo. The counts live in a kmalloc'd array of one
 *     section at a time (at most 128 KiB), so the checker needs no memory proportional to RAM.
 * Each count word packs the number of entries (bits 0-28), "some entry belongs to a private
 * file mapping" (bit 29), "some entry is writable" (bit 30) and "some entry belongs to a shared
 * or External grant" (bit 31). Pass 1 also compares each space's count of pinned user-scheme
 * borrows with the pinned grants in its tree.
 * Shared objects (mm/shm.h): pass 1 checks that every entry of an object-backed shared grant maps
 * the object's frame for that page and that all grants of one object have one base (start minus
 * object offset, what mm/shm.c's partial munmap relies on), and counts each object's grants,
 * compared with its refcount after the pass; pass 2 counts each frame an object holds as one more reference (a frame's
 * count = its entries + the object's one), marked shared.
 * Page-table frames: pass 2 also counts, per table frame, the upper entries of every live space
 * that point at it (each space's upper tables are its own, so each link is seen once), and
 * compares that with the table's refcount. A leaf table shared by several spaces (COW_PT) is
 * reached from each of them, but its entries are counted once: the first walk to reach it
 * marks its pageinfo (PAGEINFO_MARK), and the marks are cleared after each counting round. A
 * leaf table with more than one reference must be reached through read-only upper entries only. */
#include <stdarg.h>
#include "mm/check.h"
#include "mm/addrspace.h"
#include "mm/alloc_inject.h"
#include "mm/kheap.h"
#include "mm/pageinfo.h"
#include "mm/section.h"
#include "mm/shm.h"
#include "mm/vm_internal.h"
#include "kernel/format.h"
#include "kernel/kprintf.h"
#include "kernel/spinlock.h"
#include "scheme/scheme.h"

#define REPORT_MAX   32
#define CNT_MASK     0x1fffffffu
#define CNT_FILE     0x20000000u
#define CNT_WRITABLE 0x40000000u
#define CNT_SHARED   0x80000000u

struct checker {
	int problems;
	paddr_t zero;
	/* pass 1 */
	struct addrspace *as;
	unsigned long tables;
	/* pass 2 */
	const struct section *sec;
	uint32_t *counts;
	uintptr_t span;                  /* the leaf-table span of the last entry counted (1: none) */
	bool span_counted;               /* its entries are counted (first visit of its table) */
};

static void __printf(2, 3) report(struct checker *c, const char *fmt, ...)
{
	if (c->problems++ >= REPORT_MAX)
		return;
	va_list ap;
	va_start(ap, fmt);
	kputs("check: ");
	vkprintf(fmt, ap);
	kputs("\n");
	va_end(ap);
}

static const char *type_name(enum pageinfo_type t)
{
	switch (t) {
	case PAGEINFO_FREE: return "free";
	case PAGEINFO_ALLOCATED: return "allocated";
	case PAGEINFO_USER: return "user";
	case PAGEINFO_PAGE_TABLE: return "page-table";
	case PAGEINFO_KERNEL_HEAP: return "kernel-heap";
	default: return "?";
	}
}

/* ---- Pass 1: one address space ---- */

static void check_table(void *ctx, paddr_t table, unsigned level)
{
	struct checker *c = ctx;
	struct pageinfo *pi = pageinfo_of(table);
	c->tables++;
	if (!pi)
		report(c, "as=%p: page table %#llx has no pageinfo", (void *)c->as,
		       (unsigned long long)table);
	else if (pageinfo_type(pi) != PAGEINFO_PAGE_TABLE || pageinfo_level(pi) != level)
		report(c, "as=%p: page table %#llx (level %u) is typed %s level %u", (void *)c->as,
		       (unsigned long long)table, level, type_name(pageinfo_type(pi)),
		       pageinfo_level(pi));
}

static void check_file_entry(struct checker *c, struct grant *g, uintptr_t va, paddr_t pa,
			     unsigned f);

/* Checks that entry VA -> PA of the object-backed shared grant G maps the object's frame. */
static void check_object_entry(struct checker *c, struct grant *g, uintptr_t va, paddr_t pa)
{
	struct shm_object *obj = g->provider.allocated_shared.obj;
	size_t index = g->provider.allocated_shared.offset + (va - g->start) / FRAME_SIZE;
	paddr_t want;
	if (!shm_object_lookup(obj, index, &want))
		report(c, "as=%p: shared entry va=%#lx maps %#llx, object %p has no page %zu",
		       (void *)c->as, (unsigned long)va, (unsigned long long)pa, (void *)obj, index);
	else if (want != pa)
		report(c, "as=%p: shared entry va=%#lx maps %#llx, object %p page %zu is %#llx",
		       (void *)c->as, (unsigned long)va, (unsigned long long)pa, (void *)obj, index,
		       (unsigned long long)want);
}

/* Counts G's reference on its shared object and checks that G lies inside the object. */
static void check_object_grant(struct checker *c, struct grant *g)
{
	struct shm_object *obj = g->provider.allocated_shared.obj;
	if (g->provider.kind != GRANT_ALLOCATED_SHARED || !obj)
		return;
	uintptr_t base = g->start - g->provider.allocated_shared.offset * FRAME_SIZE;
	if (obj->check_grants++ == 0)
		obj->check_base = base;
	else if (base != obj->check_base)
		report(c, "as=%p: shared grant start=%#lx at object page %zu: base %#lx, another "
		       "grant of object %p has base %#lx", (void *)c->as, (unsigned long)g->start,
		       g->provider.allocated_shared.offset, (unsigned long)base, (void *)obj,
		       (unsigned long)obj->check_base);
	if (g->provider.allocated_shared.offset > obj->pages ||
	    g->pages > obj->pages - g->provider.allocated_shared.offset)
		report(c, "as=%p: shared grant start=%#lx pages %zu at object page %zu, object %p "
		       "has %zu pages", (void *)c->as, (unsigned long)g->start, g->pages,
		       g->provider.allocated_shared.offset, (void *)obj, obj->pages);
}

/* Compares OBJ's refcount with the grants pass 1 counted on it, and resets the count. */
static void check_object(void *ctx, struct shm_object *obj)
{
	struct checker *c = ctx;
	uint32_t refs = shm_object_refcount(obj);
	if (refs != obj->check_grants)
		report(c, "shared object %p: refcount %u, %u grants reference it", (void *)obj,
		       (unsigned)refs, (unsigned)obj->check_grants);
	obj->check_grants = 0;
}

/* Once per leaf table of the space (the first entry of each span): a table with more than one
 * reference must be reached through a read-only (shared) upper entry. */
static void check_span(struct checker *c, uintptr_t va)
{
	uintptr_t span = ALIGN_DOWN(va, MMU_SHARE_SPAN);
	if (span == c->span)
		return;
	c->span = span;
	bool shared;
	paddr_t t = arch_mmu_leaf_table(&c->as->mmu, va, &shared);
	struct pageinfo *pi = pageinfo_of(t);
	if (pi && pageinfo_refcount(pi) > 1 && !shared)
		report(c, "as=%p: leaf table %#llx has %u references but a writable link at %#lx",
		       (void *)c->as, (unsigned long long)t, pageinfo_refcount(pi),
		       (unsigned long)span);
}

static void check_entry(void *ctx, uintptr_t va, paddr_t pa, unsigned flags)
{
	struct checker *c = ctx;
	check_span(c, va);
	struct grant *g = grant_tree_find(&c->as->grants, va);
	if (!g) {
		report(c, "as=%p: entry va=%#lx pa=%#llx outside every grant", (void *)c->as,
		       (unsigned long)va, (unsigned long long)pa);
		return;
	}
	unsigned f = vm_flags_norm(flags);
	unsigned allowed = grant_mmu_flags(g);
	const char *kind = grant_kind_name(g->provider.kind);
	if ((f & ~MMU_CACHE_MASK) & ~allowed)
		report(c, "as=%p: entry va=%#lx flags %#x exceed %s grant prot %#x", (void *)c->as,
		       (unsigned long)va, f, kind, g->prot);
	if ((f & MMU_USER) != (allowed & MMU_USER))
		report(c, "as=%p: entry va=%#lx user access %s but grant prot %#x", (void *)c->as,
		       (unsigned long)va, f & MMU_USER ? "on" : "off", g->prot);
	if ((f & MMU_CACHE_MASK) != g->cache)
		report(c, "as=%p: entry va=%#lx cache %#x, grant says %#x", (void *)c->as,
		       (unsigned long)va, f & MMU_CACHE_MASK, g->cache);

	bool owned = pageinfo_of(pa) != NULL;
	switch (g->provider.kind) {
	case GRANT_ALLOCATED:
	case GRANT_ALLOCATED_SHARED:
	case GRANT_EXTERNAL:
		if (!owned)
			report(c, "as=%p: %s entry va=%#lx maps frame %#llx without a pageinfo",
			       (void *)c->as, kind, (unsigned long)va, (unsigned long long)pa);
		if (pa == c->zero && g->provider.kind != GRANT_ALLOCATED)
			report(c, "as=%p: %s entry va=%#lx maps the zero frame", (void *)c->as, kind,
			       (unsigned long)va);
		if (pa == c->zero && (f & MMU_WRITE))
			report(c, "as=%p: entry va=%#lx maps the zero frame writable", (void *)c->as,
			       (unsigned long)va);
		if (g->provider.kind == GRANT_ALLOCATED_SHARED && g->provider.allocated_shared.obj)
			check_object_entry(c, g, va, pa);
		break;
	case GRANT_PHYS_BORROWED:
		if (pa != g->provider.phys_borrowed.base + (va - g->start) || owned)
			report(c, "as=%p: device entry va=%#lx maps %#llx (%s), expected %#llx",
			       (void *)c->as, (unsigned long)va, (unsigned long long)pa,
			       owned ? "owned" : "not owned",
			       (unsigned long long)(g->provider.phys_borrowed.base + (va - g->start)));
		break;
	default:
		break;
	}
	if (grant_file(g))
		check_file_entry(c, g, va, pa, f);
}

/* ---- Scheme-file grants (mm/fmap.c) ---- */

/* Checks entry VA -> PA (flags F) of the file grant G: FmapBorrowed never maps the zero frame;
 * a private file grant never maps a frame that may be the file's (count > 1) writable. */
static void check_file_entry(struct checker *c, struct grant *g, uintptr_t va, paddr_t pa,
			     unsigned f)
{
	struct pageinfo *pi = pageinfo_of(pa);
	if (pa == c->zero)
		report(c, "as=%p: file grant entry va=%#lx maps the zero frame", (void *)c->as,
		       (unsigned long)va);
	if (g->provider.kind == GRANT_ALLOCATED && (f & MMU_WRITE) && pi &&
	    pageinfo_refcount(pi) > 1)
		report(c, "as=%p: private file entry va=%#lx is writable on frame %#llx count %u",
		       (void *)c->as, (unsigned long)va, (unsigned long long)pa,
		       pageinfo_refcount(pi));
}

static void count_pin(void *ctx, uintptr_t va, paddr_t pa, unsigned flags)
{
	(void)va;
	(void)flags;
	*(size_t *)ctx += pageinfo_of(pa) != NULL;
}

/* Checks G's file reference (a live file, a map_id) and, for FmapBorrowed, that pin_refcount is
 * the number of its entries holding a frame reference. */
static void check_file_grant(struct checker *c, struct grant *g)
{
	struct grant_file_ref *ref = grant_file(g);
	if (!ref)
		return;
	if (!ref->file || !atomic_load(&ref->file->refcount) || !g->provider.map_id)
		report(c, "as=%p: file grant start=%#lx: file %p refs %u map_id %u", (void *)c->as,
		       (unsigned long)g->start, (void *)ref->file,
		       ref->file ? (unsigned)atomic_load(&ref->file->refcount) : 0u,
		       (unsigned)g->provider.map_id);
	if (!IS_ALIGNED(ref->offset, (uint64_t)FRAME_SIZE))
		report(c, "as=%p: file grant start=%#lx: offset %#llx not page aligned",
		       (void *)c->as, (unsigned long)g->start, (unsigned long long)ref->offset);
	if (g->provider.kind != GRANT_FMAP_BORROWED)
		return;
	size_t pins = 0;
	arch_mmu_walk(&c->as->mmu, g->start, grant_end(g), count_pin, &pins);
	if (pins != g->provider.fmap_borrowed.pin_refcount)
		report(c, "as=%p: fmap grant start=%#lx pin_refcount %zu, %zu entries hold frames",
		       (void *)c->as, (unsigned long)g->start, g->provider.fmap_borrowed.pin_refcount,
		       pins);
}

/* Pinned user-scheme borrows (mm/borrow.c): AS's count equals the pinned External grants in its
 * tree, and each of them has a live source. */
static void check_pins_locked(struct checker *c, struct addrspace *as)
{
	spin_assert_held(&as->lock);
	unsigned long pinned = 0;
	for (struct grant *g = grant_tree_first(&as->grants); g; g = grant_tree_next(g))
		if (g->provider.kind == GRANT_EXTERNAL &&
		    g->provider.external.is_pinned_userscheme_borrow)
			pinned++;
	if (pinned != as->pinned_borrows)
		report(c, "as=%p: %lu pinned borrow grants, pin count says %lu", (void *)as, pinned,
		       as->pinned_borrows);
}

static void check_space(void *ctx, struct addrspace *as)
{
	struct checker *c = ctx;
	unsigned long irq = spin_lock_irqsave(&as->lock);
	c->as = as;
	char who[40];
	ksnprintf(who, sizeof(who), "as=%p", (void *)as);
	c->problems += (int)grant_tree_check(&as->grants, who);
	uintptr_t top = arch_mmu_user_top();
	for (struct grant *g = grant_tree_first(&as->grants); g; g = grant_tree_next(g)) {
		if (g->start < MMU_USER_BASE || grant_end(g) > top || grant_end(g) < g->start)
			report(c, "as=%p: grant [%#lx, %#lx) outside the user half", (void *)as,
			       (unsigned long)g->start, (unsigned long)grant_end(g));
		check_file_grant(c, g);
		check_object_grant(c, g);
		if (g->provider.kind == GRANT_EXTERNAL &&
		    (!g->provider.external.address_space ||
		     !atomic_load(&g->provider.external.address_space->refcount)))
			report(c, "as=%p: external grant start=%#lx has no live source", (void *)as,
			       (unsigned long)g->start);
	}
	check_pins_locked(c, as);
	if (as->dead)
		report(c, "as=%p: destroyed but still listed", (void *)as);
	c->tables = 0;
	arch_mmu_walk_tables(&as->mmu, check_table, c);
	if (c->tables != as->mmu.table_frames)
		report(c, "as=%p: %lu page-table frames walked, mmu_space says %lu", (void *)as,
		       c->tables, as->mmu.table_frames);
	c->span = 1;
	arch_mmu_walk(&as->mmu, MMU_USER_BASE, top, check_entry, c);
	spin_unlock_irqrestore(&as->lock, irq);
}

/* ---- Pass 2: frame references, one section at a time ---- */

/* Adds one to the count word of frame PA when it lies in the section being counted. */
static uint32_t *count_word(struct checker *c, paddr_t pa)
{
	pfn_t pfn = paddr_to_pfn(pa);
	if (pfn < c->sec->base_pfn || pfn - c->sec->base_pfn >= c->sec->count)
		return NULL;
	return &c->counts[pfn - c->sec->base_pfn];
}

/* Decides whether the entries of the leaf table over VA's span are counted in this round (not
 * when another space's walk counted that shared table already). */
static bool count_span(struct checker *c, uintptr_t va)
{
	uintptr_t span = ALIGN_DOWN(va, MMU_SHARE_SPAN);
	if (span == c->span)
		return c->span_counted;
	c->span = span;
	bool shared;
	struct pageinfo *pi = pageinfo_of(arch_mmu_leaf_table(&c->as->mmu, va, &shared));
	c->span_counted = true;
	if (pi && (shared || pageinfo_refcount(pi) > 1))
		c->span_counted = !pageinfo_test_and_mark(pi);
	return c->span_counted;
}

static void count_table(void *ctx, paddr_t table, unsigned level)
{
	struct checker *c = ctx;
	(void)level;
	uint32_t *w = count_word(c, table);
	if (table != c->as->mmu.root && w && (*w & CNT_MASK) != CNT_MASK)
		(*w)++;                              /* one upper entry points at it */
}

static void unmark_table(void *ctx, paddr_t table, unsigned level)
{
	(void)ctx;
	struct pageinfo *pi = pageinfo_of(table);
	if (level == 0 && pi)
		pageinfo_unmark(pi);
}

static void unmark_space(void *ctx, struct addrspace *as)
{
	unsigned long irq = spin_lock_irqsave(&as->lock);
	arch_mmu_walk_tables(&as->mmu, unmark_table, ctx);
	spin_unlock_irqrestore(&as->lock, irq);
}

static void count_entry(void *ctx, uintptr_t va, paddr_t pa, unsigned flags)
{
	struct checker *c = ctx;
	if (!count_span(c, va))
		return;
	pfn_t pfn = paddr_to_pfn(pa);
	if (pfn < c->sec->base_pfn || pfn - c->sec->base_pfn >= c->sec->count)
		return;
	uint32_t *w = &c->counts[pfn - c->sec->base_pfn];
	if ((*w & CNT_MASK) == CNT_MASK)
		return;                              /* saturated: reported as a mismatch */
	(*w)++;
	if (flags & MMU_WRITE)
		*w |= CNT_WRITABLE;
	struct grant *g = grant_tree_find(&c->as->grants, va);
	if (g && g->provider.kind != GRANT_ALLOCATED)
		*w |= CNT_SHARED;
	else if (g && g->provider.allocated.cow_file_ref.file)
		*w |= CNT_FILE;
}

static void count_space(void *ctx, struct addrspace *as)
{
	struct checker *c = ctx;
	unsigned long irq = spin_lock_irqsave(&as->lock);
	c->as = as;
	c->span = 1;
	arch_mmu_walk(&as->mmu, MMU_USER_BASE, arch_mmu_user_top(), count_entry, c);
	arch_mmu_walk_tables(&as->mmu, count_table, c);
	spin_unlock_irqrestore(&as->lock, irq);
}

static void count_object_frame(void *ctx, size_t index, paddr_t pa)
{
	(void)index;
	struct checker *c = ctx;
	pfn_t pfn = paddr_to_pfn(pa);
	if (pfn < c->sec->base_pfn || pfn - c->sec->base_pfn >= c->sec->count)
		return;
	uint32_t *w = &c->counts[pfn - c->sec->base_pfn];
	if ((*w & CNT_MASK) != CNT_MASK)
		(*w)++;
	*w |= CNT_SHARED;
}

static void count_object(void *ctx, struct shm_object *obj)
{
	shm_object_for_each_frame(obj, count_object_frame, ctx);
}

static void compare_frame(struct checker *c, paddr_t pa, struct pageinfo *pi, uint32_t w)
{
	uint32_t mapped = w & CNT_MASK;
	uint32_t rc = pageinfo_refcount(pi);
	enum pageinfo_type type = pageinfo_type(pi);
	unsigned long long frame = (unsigned long long)pa;
	bool zero = pa == c->zero;

	if (type == PAGEINFO_PAGE_TABLE) {
		if (rc != mapped)
			report(c, "page table %#llx (level %u) refcount %u, but %u upper entries point "
			       "at it", frame, pageinfo_level(pi), rc, mapped);
		return;
	}
	if (type != PAGEINFO_USER) {
		if (mapped)
			report(c, "frame %#llx of type %s is mapped %u times", frame, type_name(type),
			       mapped);
		if (rc)
			report(c, "frame %#llx of type %s has refcount %u", frame, type_name(type), rc);
		return;
	}
	uint32_t expected = mapped + (zero ? 1 : 0);
	if (rc != expected)
		report(c, "frame %#llx refcount %u, but %u entries map it%s", frame, rc, mapped,
		       zero ? " (zero frame: +1 permanent)" : "");
	if (rc == 0)
		report(c, "frame %#llx is a user frame without references (leaked)", frame);
	if (zero && (w & CNT_WRITABLE))
		report(c, "the zero frame %#llx is mapped writable", frame);
	if (mapped >= 2) {
		bool want_shared = w & CNT_SHARED;
		/* A file's frame keeps its shared bit when only private file mappings are left. */
		if (pageinfo_is_shared(pi) != want_shared &&
		    !(pageinfo_is_shared(pi) && (w & CNT_FILE)))
			report(c, "frame %#llx mapped %u times: shared bit %u, expected %u", frame,
			       mapped, pageinfo_is_shared(pi), want_shared);
		if (!pageinfo_is_shared(pi) && (w & CNT_WRITABLE))
			report(c, "CoW frame %#llx (mapped %u times) is mapped writable", frame, mapped);
	}
}

/* The fallback count array, for when the heap cannot give one (memory exhausted: exactly when
 * the out-of-memory tests want a check). checker_lock serializes vm_check_all. */
#define FALLBACK_FRAMES 1024u
static uint32_t fallback_counts[FALLBACK_FRAMES];   /* checker_lock */
static struct spinlock checker_lock = SPINLOCK_INIT_RANKED("vm_check", LOCK_RANK_CHECKER);

/* Counts and compares the frames of S: in one go when the heap can give the count array, else
 * in chunks of the static fallback array (each chunk walks every address space again). */
static void check_section(struct checker *c, const struct section *s)
{
	uint32_t chunk = s->count;
	uint32_t *heap = kmalloc((size_t)chunk * sizeof(uint32_t));
	c->counts = heap;
	if (!heap) {
		c->counts = fallback_counts;
		chunk = MIN(chunk, FALLBACK_FRAMES);
	}
	for (uint32_t first = 0; first < s->count; first += chunk) {
		struct section part = *s;
		part.base_pfn = s->base_pfn + first;
		part.count = MIN(chunk, s->count - first);
		c->sec = &part;
		for (uint32_t i = 0; i < part.count; i++)
			c->counts[i] = 0;
		addrspace_for_each_live(count_space, c);
		shm_for_each_object(count_object, c);
		addrspace_for_each_live(unmark_space, c);
		for (uint32_t i = 0; i < part.count; i++)
			compare_frame(c, pfn_to_paddr(part.base_pfn + i), &s->pages[first + i],
				      c->counts[i]);
	}
	kfree(heap);
	c->counts = NULL;
}

int vm_check_all(void)
{
	struct checker c = { .problems = 0 };
	unsigned long irq = spin_lock_irqsave(&checker_lock);
	alloc_inject_suspend();
	if (!vm_zero_frame_peek(&c.zero))
		c.zero = ~(paddr_t)0;
	addrspace_for_each_live(check_space, &c);
	shm_for_each_object(check_object, &c);
	const struct section_table *t = section_table_active();
	for (uint32_t n = 0; t && n < t->count; n++)
		check_section(&c, &t->sections[n]);
	alloc_inject_resume();
	spin_unlock_irqrestore(&checker_lock, irq);
	if (c.problems > REPORT_MAX)
		kprintf("check: ... %d problems in all\n", c.problems);
	return c.problems;
}
