/* Grant objects: creation, split, merge, and the translation of a grant's protection into MMU
 * attributes (contract in mm/grant.h). The tree that orders them is mm/grant_tree.c. */
#include "mm/grant.h"
#include "mm/addrspace.h"
#include "mm/arch_mmu.h"
#include "mm/kheap.h"
#include "mm/shm.h"
#include "mm/vm.h"
#include "kernel/panic.h"
#include "scheme/scheme.h"

/* Returns the file reference of G's provider, or NULL when it names no file. */
struct grant_file_ref *grant_file(struct grant *g)
{
	if (g->provider.kind == GRANT_ALLOCATED && g->provider.allocated.cow_file_ref.file)
		return &g->provider.allocated.cow_file_ref;
	if (g->provider.kind == GRANT_FMAP_BORROWED)
		return &g->provider.fmap_borrowed.file_ref;
	return NULL;
}

static const char *const kind_names[GRANT_KIND_COUNT] = {
	[GRANT_ALLOCATED] = "allocated",
	[GRANT_ALLOCATED_SHARED] = "allocated-shared",
	[GRANT_PHYS_BORROWED] = "phys-borrowed",
	[GRANT_EXTERNAL] = "external",
	[GRANT_FMAP_BORROWED] = "fmap-borrowed",
};

const char *grant_kind_name(enum grant_kind kind)
{
	return (unsigned)kind < GRANT_KIND_COUNT ? kind_names[kind] : "?";
}

struct grant *grant_new(uintptr_t start, size_t pages, unsigned prot, unsigned max_prot,
			unsigned map_flags, unsigned cache, const struct grant_provider *provider)
{
	struct grant *g = kmalloc(sizeof(*g));
	if (!g)
		return NULL;
	*g = (struct grant){
		.start = start, .pages = pages, .prot = prot, .max_prot = max_prot,
		.map_flags = map_flags, .cache = cache, .provider = *provider,
	};
	return g;
}

void grant_free(struct grant *g)
{
	if (g->provider.kind == GRANT_EXTERNAL && g->provider.external.address_space)
		addrspace_put(g->provider.external.address_space);
	if (g->provider.kind == GRANT_ALLOCATED_SHARED && g->provider.allocated_shared.obj)
		shm_object_put(g->provider.allocated_shared.obj);
	struct grant_file_ref *ref = grant_file(g);
	if (ref && ref->file)
		scheme_file_put(ref->file);
	kfree(g);
}

void grant_split(struct grant *g, size_t offset, struct grant *spare)
{
	if (unlikely(offset == 0 || offset >= g->pages))
		panic("offset=%zu outside grant start=%#lx pages=%zu", offset,
		      (unsigned long)g->start, g->pages);
	size_t bytes = offset * FRAME_SIZE;
	*spare = *g;
	spare->left = spare->right = spare->parent = NULL;
	spare->height = 0;
	spare->start = g->start + bytes;
	spare->pages = g->pages - offset;
	g->pages = offset;

	struct grant_provider *p = &spare->provider;
	switch (p->kind) {
	case GRANT_ALLOCATED:
		if (p->allocated.cow_file_ref.file) {
			p->allocated.cow_file_ref.offset += bytes;
			scheme_file_get(p->allocated.cow_file_ref.file);
		}
		break;
	case GRANT_ALLOCATED_SHARED:
		if (p->allocated_shared.obj) {
			p->allocated_shared.offset += offset;
			shm_object_get(p->allocated_shared.obj);
		}
		break;
	case GRANT_PHYS_BORROWED:
		p->phys_borrowed.base += bytes;
		break;
	case GRANT_EXTERNAL:
		p->external.src_base += bytes;
		addrspace_get(p->external.address_space);
		break;
	case GRANT_FMAP_BORROWED:
		p->fmap_borrowed.file_ref.offset += bytes;
		scheme_file_get(p->fmap_borrowed.file_ref.file);
		/* The pins are per entry: the caller recounts both halves (fmap_recount_pins). */
		break;
	default:
		break;
	}
}

/* Returns whether the file of provider B continues A's (same file and mmap, offsets following;
 * or no file in both). */
static bool file_continues(const struct grant_provider *a, const struct grant_file_ref *fa,
			   const struct grant_provider *b, const struct grant_file_ref *fb,
			   size_t bytes)
{
	return fa->file == fb->file && a->map_id == b->map_id &&
	       (!fa->file || fa->offset + bytes == fb->offset);
}

/* Returns whether the provider data of B continues that of A, which ends BYTES after its start. */
static bool provider_continues(const struct grant_provider *a, const struct grant_provider *b,
			       size_t bytes)
{
	switch (a->kind) {
	case GRANT_ALLOCATED:
		return file_continues(a, &a->allocated.cow_file_ref, b, &b->allocated.cow_file_ref,
				      bytes);
	case GRANT_ALLOCATED_SHARED:
		/* one object with following pages (or two contiguous mappings: no object) */
		return a->allocated_shared.obj == b->allocated_shared.obj &&
		       (!a->allocated_shared.obj ||
			a->allocated_shared.offset + bytes / FRAME_SIZE ==
			b->allocated_shared.offset) &&
		       a->allocated_shared.is_pinned_userscheme_borrow ==
		       b->allocated_shared.is_pinned_userscheme_borrow;
	case GRANT_PHYS_BORROWED:
		return a->phys_borrowed.base + bytes == b->phys_borrowed.base;
	case GRANT_EXTERNAL:
		/* a pinned borrow is ended as the grant it was created as: never merged */
		return a->external.address_space == b->external.address_space &&
		       a->external.src_base + bytes == b->external.src_base &&
		       !a->external.is_pinned_userscheme_borrow &&
		       !b->external.is_pinned_userscheme_borrow;
	case GRANT_FMAP_BORROWED:
		return file_continues(a, &a->fmap_borrowed.file_ref, b, &b->fmap_borrowed.file_ref,
				      bytes);
	default:
		return false;
	}
}

bool grant_can_merge(const struct grant *a, const struct grant *b)
{
	return grant_end(a) == b->start && a->prot == b->prot && a->max_prot == b->max_prot &&
	       a->map_flags == b->map_flags && a->cache == b->cache &&
	       a->provider.kind == b->provider.kind &&
	       provider_continues(&a->provider, &b->provider, a->pages * FRAME_SIZE);
}

void grant_merge(struct grant *a, const struct grant *b)
{
	if (unlikely(!grant_can_merge(a, b)))
		panic("grants start=%#lx and start=%#lx cannot merge", (unsigned long)a->start,
		      (unsigned long)b->start);
	a->pages += b->pages;
	if (a->provider.kind == GRANT_FMAP_BORROWED)
		a->provider.fmap_borrowed.pin_refcount += b->provider.fmap_borrowed.pin_refcount;
}

unsigned grant_mmu_flags(const struct grant *g)
{
	unsigned flags = g->cache;
	if (g->prot & PROT_MASK)
		flags |= MMU_USER | MMU_READ;    /* write and exec imply read on every arch we have */
	if (g->prot & PROT_WRITE)
		flags |= MMU_WRITE;
	if ((g->prot & PROT_EXEC) && g->cache != MMU_CACHE_UC)
		flags |= MMU_EXEC;       /* never execute device memory (aarch64 cannot) */
	return flags;
}

bool grant_allows(const struct grant *g, unsigned access)
{
	switch (access) {
	case VM_ACCESS_READ:
		return g->prot & PROT_MASK;
	case VM_ACCESS_WRITE:
		return g->prot & PROT_WRITE;
	case VM_ACCESS_EXEC:
		return grant_mmu_flags(g) & MMU_EXEC;
	default:
		return false;
	}
}
