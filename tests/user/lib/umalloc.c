/* The user heap (umalloc.h).
 *
 * Strategy: segregated free lists. Small requests (up to UMALLOC_SMALL_MAX bytes with the header)
 * are rounded up to a power of two from 32 to 2048 bytes; each size class has a singly linked
 * free list, refilled by carving a fresh 64 KiB mmap'd chunk into blocks of that class. Small
 * blocks go back to their class list on free; chunks are never returned to the kernel (a test
 * program's heap is small and short-lived, and this keeps free O(1) and simple). Larger requests
 * get an mmap of their own, rounded up to pages, which free unmaps at once.
 *
 * Every block starts with a 16-byte header (so payloads stay 16-byte aligned) holding the block's
 * size (its class size, or the whole mapping's length for a large block) and a tag saying which
 * kind it is and whether it is in use, so a double free or a stray pointer is caught instead of
 * corrupting a list. */
#include "tests/user/lib/umalloc.h"
#include "tests/user/lib/ulib.h"

#define UMALLOC_MIN_SHIFT  5                           /* 32-byte blocks */
#define UMALLOC_MAX_SHIFT  11                          /* 2048-byte blocks */
#define UMALLOC_CLASSES    (UMALLOC_MAX_SHIFT - UMALLOC_MIN_SHIFT + 1)
#define UMALLOC_SMALL_MAX  (1ul << UMALLOC_MAX_SHIFT)
#define UMALLOC_CHUNK      (64ul * 1024)

#define TAG_SMALL_USED  0x534d414c4c555345ull    /* "SMALLUSE" */
#define TAG_SMALL_FREE  0x534d414c4c465245ull    /* "SMALLFRE" */
#define TAG_LARGE_USED  0x4c41524745555345ull    /* "LARGEUSE" */

struct header {
	uint64_t size;       /* class size, or the large block's mapping length */
	uint64_t tag;        /* TAG_* */
};

struct free_block {
	struct header h;
	struct free_block *next;
};

_Static_assert(sizeof(struct header) == 16, "payloads must stay 16-byte aligned");

static struct free_block *free_lists[UMALLOC_CLASSES];
static size_t live_blocks;

/* Reports a heap misuse and ends the process. */
static __attribute__((noreturn)) void umalloc_abort(const char *what, void *ptr)
{
	u_printf("    # user pid %ld: umalloc: %s %p\n", u_getpid(), what, ptr);
	u_exit(134);
}

/* Returns the class index for a block of TOTAL bytes (header included), TOTAL <= SMALL_MAX. */
static unsigned class_of(size_t total)
{
	unsigned shift = UMALLOC_MIN_SHIFT;
	while ((1ul << shift) < total)
		shift++;
	return shift - UMALLOC_MIN_SHIFT;
}

/* Carves a new chunk into free blocks of class C; returns false when mmap fails. */
static bool refill(unsigned c)
{
	void *chunk = u_mmap(NULL, UMALLOC_CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	if (u_mmap_failed(chunk))
		return false;
	size_t bsize = 1ul << (c + UMALLOC_MIN_SHIFT);
	for (size_t off = UMALLOC_CHUNK; off >= bsize; off -= bsize) {
		struct free_block *b = (struct free_block *)((char *)chunk + off - bsize);
		b->h.size = bsize;
		b->h.tag = TAG_SMALL_FREE;
		b->next = free_lists[c];
		free_lists[c] = b;
	}
	return true;
}

void *umalloc(size_t size)
{
	if (size == 0 || size > ((size_t)-1) / 2)
		return NULL;
	size_t total = size + sizeof(struct header);
	struct header *h;
	if (total <= UMALLOC_SMALL_MAX) {
		unsigned c = class_of(total);
		if (!free_lists[c] && !refill(c))
			return NULL;
		struct free_block *b = free_lists[c];
		free_lists[c] = b->next;
		h = &b->h;
		h->tag = TAG_SMALL_USED;
	} else {
		size_t len = (total + U_PAGE - 1) & ~(U_PAGE - 1);
		void *p = u_mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
		if (u_mmap_failed(p))
			return NULL;
		h = p;
		h->size = len;
		h->tag = TAG_LARGE_USED;
	}
	live_blocks++;
	return h + 1;
}

void *ucalloc(size_t size)
{
	void *p = umalloc(size);
	if (p)
		memset(p, 0, size);
	return p;
}

void ufree(void *ptr)
{
	if (!ptr)
		return;
	if ((uintptr_t)ptr % 16)
		umalloc_abort("free of a misaligned pointer", ptr);
	struct header *h = (struct header *)ptr - 1;
	if (h->tag == TAG_SMALL_USED) {
		if (h->size < (1ul << UMALLOC_MIN_SHIFT) || h->size > UMALLOC_SMALL_MAX)
			umalloc_abort("corrupt block header at", ptr);
		struct free_block *b = (struct free_block *)h;
		unsigned c = class_of(h->size);
		h->tag = TAG_SMALL_FREE;
		b->next = free_lists[c];
		free_lists[c] = b;
	} else if (h->tag == TAG_LARGE_USED) {
		h->tag = 0;
		if (u_munmap(h, h->size) != 0)
			umalloc_abort("munmap failed for", ptr);
	} else if (h->tag == TAG_SMALL_FREE) {
		umalloc_abort("double free of", ptr);
	} else {
		umalloc_abort("free of a pointer it never returned:", ptr);
	}
	live_blocks--;
}

size_t umalloc_live(void)
{
	return live_blocks;
}
