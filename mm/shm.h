/* Shared anonymous memory objects: what an AllocatedShared grant (MAP_SHARED anonymous memory,
 * memory:zeroed MAP_SHARED) maps. An object is a sparse array of frames indexed by page number,
 * [0, pages): it holds one reference on each frame it has (pageinfo count = the object's one +
 * one per present entry; the shared bit is set when a frame enters the object). Each grant that
 * maps it holds one reference on the object and says at which page of the object it starts
 * (grant.h); fork gives the child grants on the same object, so both sides find the same frames
 * without populating anything. The frames go when the last grant referencing the object is freed
 * (after its entries were unmapped and flushed): an unmapped part of a still-referenced object
 * keeps its frames, as Linux keeps the pages of a shmem object until it dies.
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

/* For the invariant checker: calls FN for every live object with shm_list_lock held. */
void shm_for_each_object(void (*fn)(void *ctx, struct shm_object *obj), void *ctx);

/* For the invariant checker: calls FN for every frame of OBJ with OBJ's lock held. */
void shm_object_for_each_frame(struct shm_object *obj,
			       void (*fn)(void *ctx, size_t index, paddr_t pa), void *ctx);

#endif
