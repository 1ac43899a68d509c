/* Mappings of user schemes' files (vm_mmap_file, contract in mm/vm.h): MAP_SHARED as an
 * FmapBorrowed grant, MAP_PRIVATE as an Allocated grant with cow_file_ref; eager or MAP_LAZY;
 * the munmap notices; the lazy fault; what fork asks the daemon for the child.
 *
 * The daemon's answer to mmap_prep is an address in its own address space. The frames behind it
 * are looked up under the daemon's lock only (source_frames), each one referenced there so that
 * it cannot go away, and mapped afterwards under the client's lock: the two locks are never held
 * together. Per daemon page:
 *   no grant there                    a hole: the client page stays unmapped and faults
 *   AllocatedShared (anonymous shared memory, MAP_PHYS_CONTIGUOUS)
 *                                     its frame, populated with zeroes first if absent; the
 *                                     frame's shared bit is set (it is shared memory from then on)
 *   FmapBorrowed (a file it maps)     its frame when present, else a hole
 *   PhysBorrowed (device memory)      the device frame, no reference; MAP_SHARED only
 *   Allocated (private), External     refused with -EINVAL: a private page is copied away from
 *                                     the file by the daemon's next CoW fault, and a borrow lasts
 *                                     for one request only
 * All pages of one eager answer must have one cache attribute (the grant's); private file
 * mappings take write-back memory only.
 *
 * Prepared ranges and notices (the daemon counts mappings per file range from them):
 *   eager mmap        one mmap_prep for the whole range before any lock; the grant stands for
 *                     all of it, holes included. If the mmap then fails, the whole range gets
 *                     its notice at once.
 *   MAP_LAZY          nothing at mmap; each faulting page is asked alone (FRAME_SIZE); the
 *                     prepared pages are exactly the present entries. A page that turns out
 *                     to be a hole, or that is no longer needed when the answer comes (the grant
 *                     changed meanwhile), gets its notice at once.
 *   removal           when pages go, one notice per maximal run of prepared pages of one mmap
 *                     (map_id) with following offsets, in address order; an eager mapping
 *                     unmapped whole gets exactly its prep's offset and size back.
 *   fork              before locking, the child's copy of every file grant is prepared again:
 *                     eager grants one prep for the grant's range, lazy grants one prep per
 *                     maximal run of present pages; the child maps the parent's frames (the
 *                     answers' addresses are not used) and its copies get fresh map_ids. A
 *                     refusal fails the fork with the daemon's error and everything prepared
 *                     for it gets its notice. -EIO means the daemon is gone: the child keeps
 *                     the copy (its notices are dropped like every notice to a dead daemon),
 *                     so a daemon must not answer -EIO itself.
 * Flags passed to the daemon: MAP_SHARED or MAP_PRIVATE, plus MAP_LAZY for lazy mappings.
 *
 * Private file mappings: a present frame with count > 1 (or without a pageinfo) may be the
 * file's frame, so it is never written in place (vm_entry_flags, vm_page_own_locked copy it),
 * and fork maps it into the child as it is instead of turning it CoW. */
#include "mm/vm.h"
#include "mm/vm_internal.h"
#include "mm/kheap.h"
#include "mm/pageinfo.h"
#include "mm/section.h"
#include "mm/shm.h"
#include "kernel/errno.h"
#include "kernel/panic.h"
#include "scheme/scheme.h"

static _Atomic uint32_t next_map_id = 1;

uint32_t fmap_new_map_id(void)
{
	uint32_t id;
	do
		id = atomic_fetch_add_explicit(&next_map_id, 1, memory_order_relaxed);
	while (id == 0);
	return id;
}

bool fmap_private_frame_is_shared(const struct grant *g, paddr_t pa)
{
	(void)g;
	struct pageinfo *pi = pageinfo_of(pa);
	return !pi || pageinfo_refcount(pi) > 1;
}

/* ---- The daemon's frames ---- */

/* Resolves daemon page SVA of SRC (locked): *PA gets the frame with one reference taken, or
 * FMAP_HOLE; *CACHE its cache attribute. Returns 0, -EINVAL (a page it may not lend) or -ENOMEM. */
static int source_page_locked(struct addrspace *src, uintptr_t sva, bool private, paddr_t *pa,
			      unsigned *cache)
{
	spin_assert_held(&src->lock);
	struct grant *g = grant_tree_find(&src->grants, sva);
	*pa = FMAP_HOLE;
	if (!g)
		return 0;
	paddr_t f;
	switch (g->provider.kind) {
	case GRANT_ALLOCATED_SHARED:
		if (!arch_mmu_query(&src->mmu, sva, &f, NULL)) {
			int err = shm_map_page_locked(src, g, sva, &f);   /* the object's frame */
			if (err)
				return err;
		}
		break;
	case GRANT_FMAP_BORROWED:
		if (!arch_mmu_query(&src->mmu, sva, &f, NULL))
			return 0;
		break;
	case GRANT_PHYS_BORROWED:
		f = g->provider.phys_borrowed.base + (sva - g->start);
		break;
	default:
		return -EINVAL;
	}
	struct pageinfo *pi = pageinfo_of(f);
	if (private && (!pi || g->cache != MMU_CACHE_WB))
		return -EINVAL;
	if (pi)
		pageinfo_set_shared(pi);     /* before the count can go from 1 to 2 */
	int err = vm_frame_ref(f);
	if (err)
		return err;
	*pa = f;
	*cache = g->cache;
	return 0;
}

/* Looks up PAGES daemon pages from SADDR of SRC into OUT[] (references taken) and their common
 * cache attribute into *CACHE. Returns 0, -EIO (the daemon's space is gone), -EINVAL (a page
 * it may not lend, mixed cache attributes, a bad address) or -ENOMEM; on error no reference is
 * left. No lock may be held. */
static int source_frames(struct addrspace *src, uintptr_t saddr, size_t pages, bool private,
			 paddr_t *out, unsigned *cache)
{
	uintptr_t top = arch_mmu_user_top();
	if (!IS_ALIGNED(saddr, FRAME_SIZE) || saddr < MMU_USER_BASE || saddr >= top ||
	    pages > (top - saddr) / FRAME_SIZE)
		return -EINVAL;
	int err = 0;
	bool have_cache = false;
	size_t i;
	*cache = MMU_CACHE_WB;
	unsigned long irq = spin_lock_irqsave(&src->lock);
	if (src->dead)
		err = -EIO;
	for (i = 0; i < pages && !err; i++) {
		unsigned c = MMU_CACHE_WB;
		err = source_page_locked(src, saddr + i * FRAME_SIZE, private, &out[i], &c);
		if (err || out[i] == FMAP_HOLE)
			continue;
		if (have_cache && c != *cache) {
			vm_frame_unref(out[i]);
			err = -EINVAL;
		}
		*cache = c;
		have_cache = true;
	}
	spin_unlock_irqrestore(&src->lock, irq);
	if (err) {
		for (size_t j = 0; j + 1 < i; j++)   /* page i - 1 failed: it holds nothing */
			if (out[j] != FMAP_HOLE)
				vm_frame_unref(out[j]);  /* never mapped here: no flush */
	}
	return err;
}

/* ---- Notices ---- */

void fmap_notices_flush(struct fmap_notices *n)
{
	if (!n->file)
		return;
	scheme_munmap_notify(n->file, n->offset, n->size, 0);
	scheme_file_put(n->file);
	n->file = NULL;
}

/* Adds [OFFSET, OFFSET + SIZE) of REF's file to N, joining the pending run when it continues. */
static void notices_add(struct fmap_notices *n, const struct grant *g, uint64_t offset,
			uint64_t size)
{
	struct scheme_file *f = grant_file((struct grant *)g)->file;
	if (n->file == f && n->map_id == g->provider.map_id && n->offset + n->size == offset) {
		n->size += size;
		return;
	}
	fmap_notices_flush(n);
	scheme_file_get(f);
	*n = (struct fmap_notices){ f, g->provider.map_id, offset, size };
}

struct release_ctx {
	struct grant *g;
	const struct grant_file_ref *ref;
	struct fmap_notices *n;
	size_t pins;
};

static int release_batch(void *ctx, struct vm_entry *e, unsigned count)
{
	struct release_ctx *rc = ctx;
	for (unsigned i = 0; i < count; i++)
		notices_add(rc->n, rc->g, rc->ref->offset + (e[i].va - rc->g->start), FRAME_SIZE);
	return 0;
}

void fmap_grant_release_locked(struct addrspace *as, struct grant *g, struct fmap_notices *n)
{
	spin_assert_held(&as->lock);
	const struct grant_file_ref *ref = grant_file(g);
	if (!ref)
		return;
	if (!(g->map_flags & MAP_LAZY)) {
		notices_add(n, g, ref->offset, (uint64_t)g->pages * FRAME_SIZE);
		return;
	}
	struct release_ctx rc = { g, ref, n, 0 };
	vm_walk_batches_locked(as, g->start, grant_end(g), release_batch, &rc);
}

static int count_pins_batch(void *ctx, struct vm_entry *e, unsigned count)
{
	size_t *pins = ctx;
	for (unsigned i = 0; i < count; i++)
		*pins += pageinfo_of(e[i].pa) != NULL;
	return 0;
}

void fmap_recount_pins_locked(struct addrspace *as, struct grant *g)
{
	spin_assert_held(&as->lock);
	if (g->provider.kind != GRANT_FMAP_BORROWED)
		return;
	size_t pins = 0;
	vm_walk_batches_locked(as, g->start, grant_end(g), count_pins_batch, &pins);
	g->provider.fmap_borrowed.pin_refcount = pins;
}

/* ---- Eager mmap ---- */

struct fill_ctx {
	const paddr_t *frames;       /* one per page, FMAP_HOLE for holes; references held */
	size_t mapped;               /* frames[0, mapped) now belong to entries */
};

/* Maps the answered frames into G (AS locked, G not inserted yet), handing each reference
 * over to its entry. */
static int fill_frames(void *ctx, struct addrspace *as, struct grant *g)
{
	struct fill_ctx *fc = ctx;
	spin_assert_held(&as->lock);
	for (size_t i = 0; i < g->pages; i++) {
		paddr_t pa = fc->frames[i];
		if (pa == FMAP_HOLE)
			continue;
		int err = arch_mmu_map(&as->mmu, g->start + i * FRAME_SIZE, pa, vm_entry_flags(g, pa));
		if (err) {
			vm_unmap_pages_locked(as, g->start, g->start + i * FRAME_SIZE);
			fc->mapped = i;      /* frames before i: dropped by the unmap */
			return err;
		}
		if (g->provider.kind == GRANT_FMAP_BORROWED && pageinfo_of(pa))
			g->provider.fmap_borrowed.pin_refcount++;
	}
	fc->mapped = g->pages;
	return 0;
}

int vm_mmap_file(struct addrspace *as, uintptr_t addr, size_t len, unsigned prot, unsigned flags,
		 struct scheme_file *f, uint64_t offset, uintptr_t *out)
{
	unsigned type = flags & MAP_TYPE;
	uintptr_t top = arch_mmu_user_top();
	if (len == 0 || (prot & ~PROT_MASK) || (flags & MAP_ANONYMOUS) ||
	    (type != MAP_SHARED && type != MAP_PRIVATE && type != MAP_SHARED_VALIDATE) ||
	    !IS_ALIGNED(offset, (uint64_t)FRAME_SIZE) || !f || !scheme_file_is_user(f))
		return -EINVAL;
	if (len > top - MMU_USER_BASE)
		return -ENOMEM;
	size_t pages = (len + FRAME_SIZE - 1) / FRAME_SIZE, bytes = pages * FRAME_SIZE;
	if (offset + bytes < offset)
		return -EINVAL;
	if ((flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) &&
	    (!IS_ALIGNED(addr, FRAME_SIZE) || addr < MMU_USER_BASE || addr >= top ||
	     bytes > top - addr))
		return !IS_ALIGNED(addr, FRAME_SIZE) ? -EINVAL : addr < MMU_USER_BASE ? -EPERM : -ENOMEM;
	bool private = type == MAP_PRIVATE, lazy = flags & MAP_LAZY;
	unsigned acc = f->flags & O_ACCMODE;
	if (acc == O_WRONLY || (!private && (prot & PROT_WRITE) && acc == O_RDONLY))
		return -EACCES;
	unsigned max_prot = !private && acc == O_RDONLY ? PROT_READ | PROT_EXEC : PROT_MASK;
	unsigned prep_flags = (private ? MAP_PRIVATE : MAP_SHARED) | (lazy ? MAP_LAZY : 0);

	struct grant_file_ref ref = { .file = f, .offset = offset };
	struct grant_provider p;
	if (private)
		p = (struct grant_provider){ .kind = GRANT_ALLOCATED, .allocated.cow_file_ref = ref };
	else
		p = (struct grant_provider){ .kind = GRANT_FMAP_BORROWED,
					     .fmap_borrowed = { .file_ref = ref, .pin_refcount = 0 } };
	p.map_id = fmap_new_map_id();

	paddr_t *frames = NULL;
	unsigned cache = MMU_CACHE_WB;
	int err;
	if (!lazy) {
		frames = kmalloc(pages * sizeof(paddr_t));
		if (!frames)
			return -ENOMEM;
		struct addrspace *src;
		uintptr_t saddr;
		err = scheme_mmap_prep(f, offset, bytes, prep_flags, &src, &saddr);
		if (err) {
			kfree(frames);
			return err;
		}
		err = source_frames(src, saddr, pages, private, frames, &cache);
		addrspace_put(src);
		if (err) {
			scheme_munmap_notify(f, offset, bytes, 0);
			kfree(frames);
			return err;
		}
	}
	struct grant *g = grant_new(0, pages, prot, max_prot, prep_flags, cache, &p);
	struct fill_ctx fc = { frames, 0 };
	if (!g) {
		err = -ENOMEM;
	} else {
		scheme_file_get(f);          /* the grant's reference (grant_free drops it) */
		err = vm_place_grant(as, addr, bytes, flags, g, lazy ? NULL : fill_frames, &fc, out);
	}
	if (err) {
		if (g)
			grant_free(g);           /* never inserted: sends no notice */
		if (!lazy) {
			for (size_t i = fc.mapped; i < pages; i++)
				if (frames[i] != FMAP_HOLE)
					vm_frame_unref(frames[i]);
			scheme_munmap_notify(f, offset, bytes, 0);
		}
	}
	kfree(frames);
	return err;
}

/* ---- The lazy fault ---- */

int fmap_fault_locked(struct addrspace *as, struct grant *g, uintptr_t va,
		      enum vm_access access, struct fmap_fault *ff)
{
	spin_assert_held(&as->lock);
	bool private = g->provider.kind == GRANT_ALLOCATED;
	const struct grant_file_ref *ref = grant_file(g);
	paddr_t pa;
	if (arch_mmu_query(&as->mmu, va, &pa, NULL)) {
		if (private && access == VM_ACCESS_WRITE)
			return vm_page_own_locked(as, g, va, &pa);   /* copies a file frame */
		vm_entry_sync_locked(as, va, vm_entry_flags(g, pa));
		return 0;
	}
	if (!(g->map_flags & MAP_LAZY))
		return -EFAULT;                          /* a hole of an eager mapping */
	uint64_t off = ref->offset + (va - g->start);
	if (ff->file && (ff->file != ref->file || ff->offset != off || ff->map_id != g->provider.map_id ||
			 ff->private != private))
		fmap_fault_done(ff);                     /* an answer for a page we no longer want */
	if (!ff->file) {
		scheme_file_get(ref->file);
		*ff = (struct fmap_fault){
			.file = ref->file, .offset = off, .map_id = g->provider.map_id,
			.flags = (private ? MAP_PRIVATE : MAP_SHARED) | MAP_LAZY, .private = private,
		};
		return FMAP_FAULT_ASK;
	}
	if (!ff->ready)
		return FMAP_FAULT_ASK;
	if (ff->pa == FMAP_HOLE || ff->cache != g->cache)
		return -EFAULT;                          /* fmap_fault_done sends the notice */
	int err;
	if (private && access == VM_ACCESS_WRITE) {
		paddr_t copy;
		err = vm_frame_new_copy(ff->pa, &copy);
		if (!err)
			err = vm_map_ref_locked(as, va, copy, vm_entry_flags(g, copy));
		if (err)
			return err;
		vm_frame_unref(ff->pa);                 /* never mapped here: no flush */
	} else {
		err = arch_mmu_map(&as->mmu, va, ff->pa, vm_entry_flags(g, ff->pa));
		if (err)
			return err;
		if (!private && pageinfo_of(ff->pa))
			g->provider.fmap_borrowed.pin_refcount++;
	}
	ff->ready = false;                               /* the page is present: prepared */
	return 0;
}

int fmap_fault_ask(struct fmap_fault *ff)
{
	struct addrspace *src;
	uintptr_t saddr;
	if (scheme_mmap_prep(ff->file, ff->offset, FRAME_SIZE, ff->flags, &src, &saddr))
		return -EFAULT;
	int err = source_frames(src, saddr, 1, ff->private, &ff->pa, &ff->cache);
	addrspace_put(src);
	if (err) {
		scheme_munmap_notify(ff->file, ff->offset, FRAME_SIZE, 0);
		return err == -ENOMEM ? -ENOMEM : -EFAULT;
	}
	ff->ready = true;
	return 0;
}

void fmap_fault_done(struct fmap_fault *ff)
{
	if (ff->ready) {
		if (ff->pa != FMAP_HOLE)
			vm_frame_unref(ff->pa);
		scheme_munmap_notify(ff->file, ff->offset, FRAME_SIZE, 0);
		ff->ready = false;
	}
	if (ff->file)
		scheme_file_put(ff->file);
	ff->file = NULL;
}

/* ---- Fork ---- */

/* Receives the ranges of a space in order; returns false to stop. */
typedef bool (*range_fn)(void *ctx, const struct fmap_range *r);

struct run_ctx {
	struct grant *g;
	const struct grant_file_ref *ref;
	struct fmap_range run;       /* size 0: none pending */
	range_fn fn;
	void *ctx;
	bool stop;
};

static int run_batch(void *ctx, struct vm_entry *e, unsigned count)
{
	struct run_ctx *rc = ctx;
	for (unsigned i = 0; i < count && !rc->stop; i++) {
		uint64_t off = rc->ref->offset + (e[i].va - rc->g->start);
		if (rc->run.size && rc->run.offset + rc->run.size == off) {
			rc->run.size += FRAME_SIZE;
			continue;
		}
		if (rc->run.size && !rc->fn(rc->ctx, &rc->run))
			rc->stop = true;
		rc->run.offset = off;
		rc->run.start = e[i].va;
		rc->run.size = FRAME_SIZE;
	}
	return rc->stop ? -1 : 0;
}

/* Calls FN with every range fork prepares for AS's file grants (AS locked). Returns false when
 * FN stopped the walk. */
static bool for_each_range_locked(struct addrspace *as, range_fn fn, void *ctx)
{
	spin_assert_held(&as->lock);
	for (struct grant *g = grant_tree_first(&as->grants); g; g = grant_tree_next(g)) {
		const struct grant_file_ref *ref = grant_file(g);
		if (!ref)
			continue;
		unsigned flags = g->map_flags;
		if (!(flags & MAP_LAZY)) {
			struct fmap_range r = { ref->file, ref->offset, (uint64_t)g->pages * FRAME_SIZE,
						g->start, flags };
			if (!fn(ctx, &r))
				return false;
			continue;
		}
		struct run_ctx rc = { .g = g, .ref = ref, .fn = fn, .ctx = ctx };
		rc.run = (struct fmap_range){ ref->file, 0, 0, 0, flags };
		vm_walk_batches_locked(as, g->start, grant_end(g), run_batch, &rc);
		if (rc.stop || (rc.run.size && !fn(ctx, &rc.run)))
			return false;
	}
	return true;
}

struct collect_ctx {
	struct fmap_range *out;      /* NULL: count only */
	size_t count, cap;
};

static bool collect_range(void *ctx, const struct fmap_range *r)
{
	struct collect_ctx *cc = ctx;
	if (cc->out) {
		if (cc->count == cc->cap)
			return false;
		cc->out[cc->count] = *r;
	}
	cc->count++;
	return true;
}

static bool same_range(void *ctx, const struct fmap_range *r)
{
	struct collect_ctx *cc = ctx;
	if (cc->count == cc->cap)
		return false;
	const struct fmap_range *x = &cc->out[cc->count++];
	return x->file == r->file && x->offset == r->offset && x->size == r->size &&
	       x->start == r->start && x->flags == r->flags;
}

bool fmap_fork_matches_locked(struct addrspace *parent, const struct fmap_fork *ff)
{
	struct collect_ctx cc = { ff->ranges, 0, ff->count };
	return for_each_range_locked(parent, same_range, &cc) && cc.count == ff->count;
}

int fmap_fork_prepare(struct addrspace *parent, struct fmap_fork *ff)
{
	*ff = (struct fmap_fork){ NULL, 0, 0 };
	struct fmap_range *buf = NULL;
	size_t cap = 0, count;
	for (;;) {
		unsigned long irq = spin_lock_irqsave(&parent->lock);
		struct collect_ctx cc = { buf, 0, cap };
		bool fits = for_each_range_locked(parent, collect_range, &cc);
		count = cc.count;
		bool done = fits && (buf || count == 0);
		for (size_t i = 0; done && i < count; i++)
			scheme_file_get(buf[i].file);
		spin_unlock_irqrestore(&parent->lock, irq);
		if (done)
			break;
		bool had = buf != NULL;
		kfree(buf);
		cap = had ? cap * 2 : count;     /* it grew meanwhile: retry bigger */
		buf = kmalloc(cap * sizeof(*buf));
		if (!buf)
			return -ENOMEM;
	}
	ff->ranges = buf;
	ff->count = count;
	for (; ff->prepared < ff->count; ff->prepared++) {
		struct fmap_range *r = &ff->ranges[ff->prepared];
		struct addrspace *src;
		uintptr_t saddr;
		int err = scheme_mmap_prep(r->file, r->offset, r->size, r->flags, &src, &saddr);
		if (err == -EIO)
			continue;            /* the daemon is gone: nobody counts, notices are dropped */
		if (err) {
			fmap_fork_end(ff, true);
			return err;
		}
		addrspace_put(src);          /* the child maps the parent's frames */
	}
	return 0;
}

void fmap_fork_end(struct fmap_fork *ff, bool notify)
{
	for (size_t i = 0; i < ff->count; i++) {
		if (notify && i < ff->prepared)
			scheme_munmap_notify(ff->ranges[i].file, ff->ranges[i].offset,
					     ff->ranges[i].size, 0);
		scheme_file_put(ff->ranges[i].file);
	}
	kfree(ff->ranges);
	*ff = (struct fmap_fork){ NULL, 0, 0 };
}
