/* Shared anonymous memory objects (contract in mm/shm.h): the object's lifetime and references,
 * its radix-tree index from page number to frame, the list of live objects for the checker, the
 * fault-side helper that maps an object's frame into an AllocatedShared grant, and the trimming
 * of pages a partial munmap made unreachable. */
#include "mm/shm.h"
#include "mm/addrspace.h"
#include "mm/grant.h"
#include "mm/kheap.h"
#include "mm/pageinfo.h"
#include "mm/section.h"
#include "mm/vm_internal.h"
#include "kernel/errno.h"
#include "kernel/panic.h"

#define SHM_BITS   6
#define SHM_FANOUT (1u << SHM_BITS)
#define SHM_SLOT_FRAME 1u                /* bit 0 of a leaf slot: a frame is there */

struct shm_node {
	union {
		struct shm_node *child[SHM_FANOUT];   /* inner levels */
		paddr_t frame[SHM_FANOUT];            /* the leaf level: address | SHM_SLOT_FRAME */
	};
};

static struct spinlock shm_list_lock = SPINLOCK_INIT_RANKED("shm_list", LOCK_RANK_SHM_LIST);
static struct shm_object *shm_head;      /* shm_list_lock */
static unsigned long shm_live;           /* shm_list_lock */

/* Returns the slot index at LEVEL (0 = leaf) of page INDEX. */
static unsigned slot_of(size_t index, unsigned level)
{
	return (unsigned)((uint64_t)index >> (level * SHM_BITS)) & (SHM_FANOUT - 1);
}

int shm_object_new(size_t pages, struct shm_object **out)
{
	if (unlikely(pages == 0))
		panic("empty object");
	struct shm_object *obj = kzalloc(sizeof(*obj));
	if (!obj)
		return -ENOMEM;
	spin_init_ranked(&obj->lock, "shm_object", LOCK_RANK_SHM_OBJECT);
	atomic_init(&obj->refcount, 1);
	obj->pages = pages;
	obj->height = 1;
	while (obj->height * SHM_BITS < 64 && ((uint64_t)pages - 1) >> (obj->height * SHM_BITS))
		obj->height++;
	unsigned long irq = spin_lock_irqsave(&shm_list_lock);
	obj->next = shm_head;
	if (shm_head)
		shm_head->prev = obj;
	shm_head = obj;
	shm_live++;
	spin_unlock_irqrestore(&shm_list_lock, irq);
	*out = obj;
	return 0;
}

void shm_object_get(struct shm_object *obj)
{
	uint32_t old = atomic_fetch_add_explicit(&obj->refcount, 1, memory_order_relaxed);
	if (unlikely(old == 0 || old == UINT32_MAX))
		panic("obj=%p refcount was %u", (void *)obj, (unsigned)old);
}

uint32_t shm_object_refcount(struct shm_object *obj)
{
	return atomic_load_explicit(&obj->refcount, memory_order_relaxed);
}

/* Drops the frames of the subtree NODE at LEVEL and frees its nodes; returns the frames dropped. */
static size_t free_subtree(struct shm_node *node, unsigned level)
{
	size_t frames = 0;
	for (unsigned i = 0; i < SHM_FANOUT; i++) {
		if (level == 0 && (node->frame[i] & SHM_SLOT_FRAME)) {
			vm_frame_unref(node->frame[i] & ~(paddr_t)SHM_SLOT_FRAME);
			frames++;
		} else if (level > 0 && node->child[i]) {
			frames += free_subtree(node->child[i], level - 1);
		}
	}
	kfree(node);
	return frames;
}

void shm_object_put(struct shm_object *obj)
{
	uint32_t old = atomic_fetch_sub_explicit(&obj->refcount, 1, memory_order_acq_rel);
	if (unlikely(old == 0))
		panic("obj=%p refcount underflow", (void *)obj);
	if (old != 1)
		return;
	unsigned long irq = spin_lock_irqsave(&shm_list_lock);
	if (obj->prev)
		obj->prev->next = obj->next;
	else
		shm_head = obj->next;
	if (obj->next)
		obj->next->prev = obj->prev;
	shm_live--;
	spin_unlock_irqrestore(&shm_list_lock, irq);
	/* Nobody else can reach OBJ now: every grant on it is gone, with its entries. */
	size_t frames = obj->root ? free_subtree(obj->root, obj->height - 1) : 0;
	if (unlikely(frames != obj->frames))
		panic("obj=%p dropped %zu frames, counted %zu", (void *)obj, frames, obj->frames);
	kfree(obj);
}

/* Returns the leaf slot of INDEX in OBJ (locked), allocating missing nodes when CREATE; NULL
 * when a node is missing (or cannot be allocated: *ERR = -ENOMEM). */
static paddr_t *slot_locked(struct shm_object *obj, size_t index, bool create, int *err)
{
	spin_assert_held(&obj->lock);
	if (unlikely(index >= obj->pages))
		panic("obj=%p index %zu beyond %zu pages", (void *)obj, index, obj->pages);
	struct shm_node **link = &obj->root;
	for (unsigned level = obj->height - 1;; level--) {
		if (!*link) {
			if (!create)
				return NULL;
			if (!(*link = kzalloc(sizeof(struct shm_node)))) {
				*err = -ENOMEM;
				return NULL;
			}
			obj->nodes++;
		}
		if (level == 0)
			return &(*link)->frame[slot_of(index, 0)];
		link = &(*link)->child[slot_of(index, level)];
	}
}

int shm_object_frame(struct shm_object *obj, size_t index, paddr_t *pa)
{
	int err = 0;
	unsigned long irq = spin_lock_irqsave(&obj->lock);
	paddr_t *slot = slot_locked(obj, index, true, &err);
	if (slot && !(*slot & SHM_SLOT_FRAME)) {
		paddr_t f;
		err = vm_frame_new_zeroed(&f);
		if (!err) {
			struct pageinfo *pi = pageinfo_of(f);
			pageinfo_get(pi);                /* count 0 -> 1: the object's reference */
			pageinfo_set_shared(pi);         /* before any entry can raise it to 2 */
			*slot = f | SHM_SLOT_FRAME;
			obj->frames++;
		}
	}
	if (!err)
		*pa = *slot & ~(paddr_t)SHM_SLOT_FRAME;
	spin_unlock_irqrestore(&obj->lock, irq);
	/* Nodes allocated on the way to a slot that then got no frame stay: they are counted and
	 * freed with the object. */
	return err;
}

bool shm_object_lookup(struct shm_object *obj, size_t index, paddr_t *pa)
{
	int err = 0;
	unsigned long irq = spin_lock_irqsave(&obj->lock);
	paddr_t *slot = slot_locked(obj, index, false, &err);
	bool found = slot && (*slot & SHM_SLOT_FRAME);
	if (found)
		*pa = *slot & ~(paddr_t)SHM_SLOT_FRAME;
	spin_unlock_irqrestore(&obj->lock, irq);
	return found;
}

size_t shm_object_frames(struct shm_object *obj)
{
	unsigned long irq = spin_lock_irqsave(&obj->lock);
	size_t n = obj->frames;
	spin_unlock_irqrestore(&obj->lock, irq);
	return n;
}

unsigned long shm_object_count(void)
{
	unsigned long irq = spin_lock_irqsave(&shm_list_lock);
	unsigned long n = shm_live;
	spin_unlock_irqrestore(&shm_list_lock, irq);
	return n;
}

int shm_map_page_locked(struct addrspace *as, struct grant *g, uintptr_t va, paddr_t *pa)
{
	spin_assert_held(&as->lock);
	struct shm_object *obj = g->provider.allocated_shared.obj;
	if (unlikely(g->provider.kind != GRANT_ALLOCATED_SHARED || !obj || !grant_contains(g, va)))
		panic("va=%#lx is not in an object-backed shared grant (start=%#lx kind=%u)",
		      (unsigned long)va, (unsigned long)g->start, (unsigned)g->provider.kind);
	size_t index = g->provider.allocated_shared.offset + (va - g->start) / FRAME_SIZE;
	int err = shm_object_frame(obj, index, pa);
	if (!err)
		err = vm_map_ref_locked(as, va, *pa, vm_entry_flags(g, *pa));
	return err;
}

/* Drops the frames of OBJ (locked) at pages [FIRST, END) in the subtree NODE at LEVEL whose
 * first page is BASE; returns how many. Nodes stay (freed with the object). */
static size_t drop_subtree_locked(struct shm_object *obj, struct shm_node *node, unsigned level,
				  size_t base, size_t first, size_t end)
{
	spin_assert_held(&obj->lock);
	size_t dropped = 0;
	size_t span = (size_t)1 << (level * SHM_BITS);      /* pages under one slot */
	for (unsigned i = 0; i < SHM_FANOUT; i++) {
		size_t lo = base + i * span;
		if (lo >= end)
			break;
		if (lo + span <= first)
			continue;
		if (level == 0 && (node->frame[i] & SHM_SLOT_FRAME)) {
			vm_frame_unref(node->frame[i] & ~(paddr_t)SHM_SLOT_FRAME);
			node->frame[i] = 0;
			dropped++;
		} else if (level > 0 && node->child[i]) {
			dropped += drop_subtree_locked(obj, node->child[i], level - 1, lo, first, end);
		}
	}
	return dropped;
}

/* Drops the frames of OBJ at pages [FIRST, END) (nobody maps them any more). */
static void drop_range(struct shm_object *obj, size_t first, size_t end)
{
	if (first >= end)
		return;
	unsigned long irq = spin_lock_irqsave(&obj->lock);
	if (obj->root)
		obj->frames -= drop_subtree_locked(obj, obj->root, obj->height - 1, 0, first, end);
	spin_unlock_irqrestore(&obj->lock, irq);
}

void shm_trim_note(struct shm_trim *t, const struct grant *g)
{
	struct shm_object *obj = g->provider.allocated_shared.obj;
	if (g->provider.kind != GRANT_ALLOCATED_SHARED || !obj)
		return;
	size_t first = g->provider.allocated_shared.offset, end = first + g->pages;
	for (unsigned i = 0; i < t->count; i++) {
		if (t->obj[i] == obj) {
			t->first[i] = MIN(t->first[i], first);
			t->end[i] = MAX(t->end[i], end);
			return;
		}
	}
	if (t->count == SHM_TRIM_MAX)
		return;                  /* left alone: its frames stay until the object dies */
	shm_object_get(obj);
	t->obj[t->count] = obj;
	t->first[t->count] = first;
	t->end[t->count] = end;
	t->count++;
}

void shm_trim_finish_locked(struct addrspace *as, struct shm_trim *t)
{
	spin_assert_held(&as->lock);
	for (unsigned i = 0; i < t->count; i++) {
		struct shm_object *obj = t->obj[i];
		uint32_t others = shm_object_refcount(obj) - 1;     /* our note's aside */
		uint32_t here = 0;
		for (struct grant *g = grant_tree_first(&as->grants); g && others && here <= others;
		     g = grant_tree_next(g))
			here += g->provider.kind == GRANT_ALLOCATED_SHARED &&
				g->provider.allocated_shared.obj == obj;
		/* Every other reference is a grant of AS (nobody else can gain one while AS is
		 * locked: only a holder's fork or split makes new ones). Those grants lie outside
		 * the removed range, and a grant's pages follow its address with the object's one base
		 * (mm/check.c checks it), so none covers the removed pages: drop them. */
		if (others && here == others)
			drop_range(obj, t->first[i], t->end[i]);
		shm_object_put(obj);
	}
	t->count = 0;
}

void shm_for_each_object(void (*fn)(void *ctx, struct shm_object *obj), void *ctx)
{
	unsigned long irq = spin_lock_irqsave(&shm_list_lock);
	for (struct shm_object *obj = shm_head; obj; obj = obj->next)
		fn(ctx, obj);
	spin_unlock_irqrestore(&shm_list_lock, irq);
}

/* Calls FN for every frame of the subtree NODE at LEVEL whose first page is BASE. */
static void walk_subtree(struct shm_node *node, unsigned level, size_t base,
			 void (*fn)(void *ctx, size_t index, paddr_t pa), void *ctx)
{
	for (unsigned i = 0; i < SHM_FANOUT; i++) {
		size_t index = base + ((size_t)i << (level * SHM_BITS));
		if (level == 0 && (node->frame[i] & SHM_SLOT_FRAME))
			fn(ctx, index, node->frame[i] & ~(paddr_t)SHM_SLOT_FRAME);
		else if (level > 0 && node->child[i])
			walk_subtree(node->child[i], level - 1, index, fn, ctx);
	}
}

void shm_object_for_each_frame(struct shm_object *obj,
			       void (*fn)(void *ctx, size_t index, paddr_t pa), void *ctx)
{
	unsigned long irq = spin_lock_irqsave(&obj->lock);
	if (obj->root)
		walk_subtree(obj->root, obj->height - 1, 0, fn, ctx);
	spin_unlock_irqrestore(&obj->lock, irq);
}
