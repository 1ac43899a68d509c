/* Shared anonymous memory objects: what an AllocatedShared grant (MAP_SHARED anonymous memory,
 * memory:zeroed MAP_SHARED) maps. An object is a sparse array of frames indexed by page number,
 * [0, pages): it holds one reference on each frame it has (pageinfo count = the object's one +
 * one per present entry; the shared bit is set when a frame enters the object). Each grant that
 * maps it holds one reference on the object and says at which page of the object it starts
 * (grant.h); fork gives the child grants on the same object, so both sides find the same frames
 * without populating anything. The frames go when the last grant referencing the object is freed
 * (after its entries were unmapped and flushed). A partial munmap (or MAP_FIXED over part of a
 * mapping) drops the frames of the pages it removed when every other reference on the object is
 * a grant of the same address space, so that nothing can reach those pages again; while another
 * address space shares the object the pages keep their frames until the object dies, as Linux
 * keeps the pages of a shmem object. Every grant of one object, in every address space, has the
 * same base (its start minus its object offset): mmap makes one grant, and split and fork keep
 * the base; the checker verifies it.
 *
 * Index: a radix tree of 64-slot nodes (kmalloc'd, 512 bytes), as tall as the object's size
 * needs (2^28 pages: 5 levels); absent subtrees are NULL, so an untouched object costs one
 * struct. A leaf slot holds the frame's address with bit 0 set.
 *
 * Locking: obj->lock guards the index (taken under an address-space lock by the fault path,
 * never taking one); the refcount is atomic; shm_list_lock guards the list of live objects that
 * the invariant checker walks. Order (mm/addrspace.h): addrspace.lock, shm_list_lock,
 * shm_object.lock, then the heap and frame allocator locks. */
#ifndef MM_SHM_H
#define MM_SHM_H

#include <stdatomic.h>
#include "kernel/compiler.h"
#include "kernel/spinlock.h"

struct addrspace;
struct grant;
struct shm_node;

struct shm_object {
	struct spinlock lock;
	_Atomic uint32_t refcount;       /* atomic: one per grant referencing the object */
	size_t pages;                    /* fixed: the index covers [0, pages) */
	unsigned height;                 /* fixed: levels of the radix tree (>= 1) */
	struct shm_node *root;           /* lock; NULL while empty */
	size_t frames;                   /* lock: frames held */
	size_t nodes;                    /* lock: index nodes allocated */
	struct shm_object *prev, *next;  /* shm_list_lock */
	uint32_t check_grants;           /* the checker's count of grants (its own lock) */
	uintptr_t check_base;            /* the checker's: the base of the first grant it saw */
};

/* Creates an empty object of PAGES pages (PAGES > 0) with one reference for the caller; stores
 * it in *OUT. Returns 0 or -ENOMEM. */
int shm_object_new(size_t pages, struct shm_object **out);

/* Takes a reference on OBJ (the caller holds one already). */
void shm_object_get(struct shm_object *obj);

/* Drops a reference on OBJ; the last one drops every frame reference of the object (the caller
 * has unmapped and flushed every entry it made for OBJ's frames) and frees it. */
void shm_object_put(struct shm_object *obj);

/* Returns the number of references on OBJ (a snapshot). */
uint32_t shm_object_refcount(struct shm_object *obj);

/* Stores in *PA the frame at page INDEX of OBJ (INDEX < OBJ->pages), allocating a zeroed one and
 * inserting it when absent. Returns 0 (the object holds the frame, no reference for the caller)
 * or -ENOMEM (nothing changed). The caller holds a reference on OBJ. */
int shm_object_frame(struct shm_object *obj, size_t index, paddr_t *pa);

/* Stores in *PA the frame at page INDEX of OBJ and returns true, or returns false when it has
 * none. Allocates nothing. */
bool shm_object_lookup(struct shm_object *obj, size_t index, paddr_t *pa);

/* Returns how many frames OBJ holds (a snapshot). */
size_t shm_object_frames(struct shm_object *obj);

/* Returns how many objects are alive. */
unsigned long shm_object_count(void);

/* Makes the absent page VA of the object-backed AllocatedShared grant G of AS present: maps the
 * object's frame, or a zeroed frame inserted into the object, with G's rights and the entry's
 * reference. Stores the frame in *PA. Returns 0 or -ENOMEM (a frame just inserted stays in the
 * object). */
int shm_map_page_locked(struct addrspace *as, struct grant *g, uintptr_t va, paddr_t *pa);

/* The shared objects whose grants one removal (munmap, MAP_FIXED over them) took away, and the
 * object pages those grants covered: up to SHM_TRIM_MAX objects (more are left alone), each with
 * a reference held until shm_trim_finish_locked. */
#define SHM_TRIM_MAX 4
struct shm_trim {
	struct shm_object *obj[SHM_TRIM_MAX];
	size_t first[SHM_TRIM_MAX], end[SHM_TRIM_MAX];
	unsigned count;
};

#define SHM_TRIM_INIT { { NULL }, { 0 }, { 0 }, 0 }

/* Notes that grant G (any provider) of the address space being trimmed is being removed; call
 * before grant_free(G). */
void shm_trim_note(struct shm_trim *t, const struct grant *g);

/* Ends the removal of the noted grants from AS (locked; their entries are unmapped and
 * flushed): for each noted object whose other references are all grants of AS, drops the
 * object's frames in the noted pages (no grant anywhere can reach them any more); then drops
 * the notes' references. Walks AS's grants once per noted object still shared with them. */
void shm_trim_finish_locked(struct addrspace *as, struct shm_trim *t);

/* For the invariant checker: calls FN for every live object with shm_list_lock held. */
void shm_for_each_object(void (*fn)(void *ctx, struct shm_object *obj), void *ctx);

/* For the invariant checker: calls FN for every frame of OBJ with OBJ's lock held. */
void shm_object_for_each_frame(struct shm_object *obj,
			       void (*fn)(void *ctx, size_t index, paddr_t pa), void *ctx);

#endif
