/* Grants: the mapped ranges of an address space (what /proc/<pid>/maps lists on Linux). A grant
 * is a page range [start, start + pages * FRAME_SIZE) with protection and mapping flags and a
 * provider saying where its frames come from, and it is a node of its address space's grant tree
 * (mm/grant_tree.h). Grants never overlap; every present user page-table entry lies inside one.
 *
 * Providers (the seed's Provider enum, as a tagged union):
 *   GRANT_ALLOCATED         owned, possibly CoW-shared: private anonymous memory. Pages are
 *                           populated lazily from the zero frame or fresh frames; all have a
 *                           pageinfo. cow_file_ref is the file behind a private file mapping
 *                           (NULL: anonymous): then a present frame with count > 1 is never
 *                           written in place (it may be the file's frame: mm/fmap.c), and a
 *                           non-present page is a hole (eager) or asked from the daemon (lazy).
 *   GRANT_ALLOCATED_SHARED  owned, shared: MAP_SHARED anonymous memory. obj is the shared
 *                           object (mm/shm.h) holding the frames, offset the object page of the
 *                           grant's first page; pages are populated lazily from the object (or
 *                           a zeroed frame put into it), also after fork, whose copy references
 *                           the same object (pageinfo shared bit set). obj NULL: a contiguous
 *                           mapping (mm/contig.c), every page present from the start, the frames
 *                           held by the entries alone.
 *   GRANT_PHYS_BORROWED     frames outside the allocator (MMIO): base is the physical address of
 *                           the first page. No pageinfo, no refcount; a frame with a pageinfo is
 *                           refused at creation (-EPERM).
 *   GRANT_EXTERNAL          pages borrowed from another address space: src_base is the address
 *                           there of this grant's first page. Mapped eagerly at creation; the
 *                           grant holds a reference on the source address space.
 *   GRANT_FMAP_BORROWED     MAP_SHARED of a user scheme's file (mm/fmap.c): the daemon's frames,
 *                           one reference per present entry that has a pageinfo (device frames
 *                           none). pin_refcount counts those references (the grant's "pins" on
 *                           the daemon's frames); the checker verifies it entry by entry.
 *
 * Object references: an AllocatedShared grant with an object holds one reference on it
 * (shm_object_get): taken by vm_mmap (the new object's), fork's copy and grant_split for the new
 * half, dropped by grant_free (the last one frees the object's frames: unmap first).
 *
 * File references: a grant whose provider names a file (cow_file_ref / file_ref) holds one
 * reference on it (scheme_file_get): taken by whoever creates the grant (vm_mmap_file, fork's
 * copy), by grant_split for the new half, dropped by grant_free.
 *
 * Locking: a grant belongs to its address space and is read and written under that address
 * space's lock. */
#ifndef MM_GRANT_H
#define MM_GRANT_H

#include "kernel/compiler.h"
#include "mm/page.h"

struct addrspace;
struct scheme_file;              /* scheme/scheme.h */
struct shm_object;               /* mm/shm.h */

/* A reference to a range of a scheme file (the seed's GrantFileRef): FILE is NULL for none. */
struct grant_file_ref {
	struct scheme_file *file;
	uint64_t offset;             /* byte offset in the file of the grant's first page */
};

enum grant_kind {
	GRANT_ALLOCATED = 0,
	GRANT_ALLOCATED_SHARED,
	GRANT_PHYS_BORROWED,
	GRANT_EXTERNAL,
	GRANT_FMAP_BORROWED,
	GRANT_KIND_COUNT,
};

struct grant_provider {
	enum grant_kind kind;
	/* Providers with a file: the mmap (or fork copy) the grant comes from; munmap notices and
	 * merges join only pieces of one (mm/fmap.c). Sits in what would be padding. */
	uint32_t map_id;
	union {
		struct {
			struct grant_file_ref cow_file_ref;
		} allocated;
		struct {
			struct shm_object *obj;  /* holds a reference; NULL: contiguous */
			size_t offset;           /* object page of the grant's first page */
			bool is_pinned_userscheme_borrow;
		} allocated_shared;
		struct {
			paddr_t base;
		} phys_borrowed;
		struct {
			struct addrspace *address_space;   /* holds a reference (addrspace_get) */
			uintptr_t src_base;
			bool is_pinned_userscheme_borrow;
		} external;
		struct {
			struct grant_file_ref file_ref;
			size_t pin_refcount;  /* entries holding a frame reference */
		} fmap_borrowed;
	};
};

struct grant {
	/* Grant-tree links (mm/grant_tree.c). */
	struct grant *left, *right, *parent;
	int height;

	uintptr_t start;             /* page aligned */
	size_t pages;                /* > 0 */
	unsigned prot;               /* PROT_* now in force */
	unsigned max_prot;           /* PROT_* that mprotect may grant (an External borrow's rights) */
	unsigned map_flags;          /* MAP_SHARED or MAP_PRIVATE, as given to mmap, and MAP_LAZY
				      * for a lazy scheme-file mapping (then the prepared pages are
				      * exactly the present entries; else the whole grant range) */
	unsigned cache;              /* MMU_CACHE_* of every entry */
	struct grant_provider provider;
};

/* Returns the first address after G. */
static inline uintptr_t grant_end(const struct grant *g)
{
	return g->start + g->pages * FRAME_SIZE;
}

/* Returns whether G contains ADDR. */
static inline bool grant_contains(const struct grant *g, uintptr_t addr)
{
	return addr >= g->start && addr - g->start < g->pages * FRAME_SIZE;
}

/* Returns the name of KIND ("allocated", "external", ...). */
const char *grant_kind_name(enum grant_kind kind);

/* Returns a new grant (kmalloc) for [START, START + PAGES pages) with PROT, MAP_FLAGS and
 * PROVIDER, not in any tree, or NULL when out of memory. Takes no address-space reference: an
 * External provider's reference is handed over by the caller. */
struct grant *grant_new(uintptr_t start, size_t pages, unsigned prot, unsigned max_prot,
			unsigned map_flags, unsigned cache, const struct grant_provider *provider);

/* Frees G (not in a tree), dropping the address-space reference of an External provider, the
 * object reference of an AllocatedShared one (G's entries must be unmapped and flushed) and
 * the file reference of a provider that names a file. Sends no munmap notice (mm/fmap.c does,
 * before the pages go). */
void grant_free(struct grant *g);

/* Returns the file reference of G's provider (private file mapping or FmapBorrowed), or NULL. */
struct grant_file_ref *grant_file(struct grant *g);

/* Splits G at OFFSET pages (0 < OFFSET < G->pages): G keeps the first part and SPARE, a grant
 * from grant_new (contents overwritten), becomes the rest with the same protection and provider
 * moved by OFFSET pages (External src_base, PhysBorrowed base, file and object offsets); an
 * External provider's address space gains a reference for SPARE, and so do a provider's file
 * and shared object. An
 * FmapBorrowed pin_refcount is copied as is: the caller recounts both halves
 * (fmap_recount_pins_locked). SPARE is not inserted in any tree. */
void grant_split(struct grant *g, size_t offset, struct grant *spare);

/* Returns whether B starts where A ends and both describe one range that a single grant could
 * describe (same protection, flags, cache, provider kind, and provider data that continues). */
bool grant_can_merge(const struct grant *a, const struct grant *b);

/* Extends A over B (grant_can_merge(A, B) must hold), adding B's pins to A's. B is left for the
 * caller to take out of its tree and grant_free (which drops B's own file reference). */
void grant_merge(struct grant *a, const struct grant *b);

/* Returns the MMU_* attributes that the protection of G grants a present entry (MMU_USER and
 * rights, the cache attribute); PROT_NONE gives an entry the user cannot reach (present, so the
 * frame and its data stay; kernel-only, no rights). Write and exec imply read (no arch we have
 * can do otherwise), and uncached (device) memory is never executable. */
unsigned grant_mmu_flags(const struct grant *g);

/* Returns whether G's protection allows ACCESS (enum vm_access): exactly when grant_mmu_flags
 * has the matching right. */
bool grant_allows(const struct grant *g, unsigned access);

#endif
