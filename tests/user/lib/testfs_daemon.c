/* The testfs daemon's main loop (tests/user/testfs.h): creates the scheme "testfs", receives
 * each request packet, lets the file table (testfs_table.c) do the work and answers by tag.
 * Files' pages live in MAP_SHARED anonymous memory of this process (so they are shared frames
 * that clients can map), one window of TESTFS_WINDOW_PAGES pages per file slot, placed at fixed
 * addresses from TESTFS_WINDOW_BASE; only the pages below the end of each file are mapped. */
#include "tests/user/lib/ulib.h"
#include "tests/user/testfs.h"
#include "tests/user/testfs_table.h"
#include "tests/user/lib/umalloc.h"

/* [0x40000000, 0x60000000): 32 windows of 16 MiB. Below 2 GiB, so that an address is a positive
 * result on i686 too; cleared at start, as a daemon forked from a test inherits its mappings. */
#define TESTFS_WINDOW_BASE 0x40000000ul
#define WINDOW_BYTES       ((uintptr_t)TESTFS_WINDOW_PAGES * TESTFS_PAGE)

/* Returns slot SLOT's window address. */
static uintptr_t window_base(void *ctx, unsigned slot)
{
	(void)ctx;
	return TESTFS_WINDOW_BASE + (uintptr_t)slot * WINDOW_BYTES;
}

/* Maps fresh shared zeroed pages into a window; returns 0 or -errno. */
static int window_map(void *ctx, unsigned slot, uint64_t first, uint64_t count)
{
	uintptr_t addr = window_base(ctx, slot) + (uintptr_t)first * TESTFS_PAGE;
	void *p = u_mmap((void *)addr, (size_t)count * TESTFS_PAGE, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE);
	if (u_mmap_failed(p))
		return (int)(intptr_t)p;
	if ((uintptr_t)p != addr) {
		u_munmap(p, (size_t)count * TESTFS_PAGE);
		return -ENOMEM;
	}
	return 0;
}

/* Unmaps pages of a window (clients that map them keep the frames). */
static void window_unmap(void *ctx, unsigned slot, uint64_t first, uint64_t count)
{
	uintptr_t addr = window_base(ctx, slot) + (uintptr_t)first * TESTFS_PAGE;
	long err = u_munmap((void *)addr, (size_t)count * TESTFS_PAGE);
	if (err)
		u_printf("    # testfs: munmap of its own window %p failed: %ld\n", (void *)addr, err);
}

/* Returns the daemon's live heap blocks. */
static size_t heap_blocks(void *ctx)
{
	(void)ctx;
	return umalloc_live();
}

/* Prints a kernel bug the daemon saw. */
static void report(void *ctx, const char *what, const struct testfs_log_entry *e)
{
	(void)ctx;
	u_printf("    # testfs: KERNEL BUG: %s: file '%s' offset %#llx size %#llx flags %#x\n", what,
		 e->name, (unsigned long long)e->offset, (unsigned long long)e->size, e->flags);
}

/* The range counts' allocator: the user heap. */
static void *heap_alloc(void *ctx, size_t size)
{
	(void)ctx;
	return umalloc(size);
}

static void heap_free(void *ctx, void *ptr)
{
	(void)ctx;
	ufree(ptr);
}

static struct testfs *fs;              /* ucalloc'd: too large for the stack or the .bss room */
static struct scheme_packet packet;

/* Returns the result of the request in PACKET. */
static long dispatch(const struct scheme_packet *p)
{
	void *buf = (void *)(uintptr_t)p->buf;
	switch (p->op) {
	case SCHEME_OP_OPEN:
		if (p->path_len > SCHEME_PATH_MAX)
			return -EINVAL;
		return (long)testfs_open(fs, p->path, p->path_len, p->flags);
	case SCHEME_OP_CLOSE:
		testfs_close(fs, p->id);
		return 0;
	case SCHEME_OP_READ:
		return (long)testfs_read(fs, p->id, p->offset, buf, p->size);
	case SCHEME_OP_WRITE:
		return (long)testfs_write(fs, p->id, p->offset, buf, p->size);
	case SCHEME_OP_FSIZE:
		return (long)testfs_fsize(fs, p->id);
	case SCHEME_OP_MMAP_PREP: {
		uintptr_t addr = 0;
		int err = testfs_mmap_prep(fs, p->id, p->offset, p->size, p->flags, &addr);
		return err ? err : (long)addr;
	}
	case SCHEME_OP_MUNMAP:
		testfs_munmap(fs, p->id, p->offset, p->size, p->flags);
		return 0;
	default:
		u_printf("    # testfs: unknown request op %u\n", p->op);
		return -EINVAL;
	}
}

int testfs_serve(void)
{
	/* Whatever a parent had mapped in the window area is not ours to serve. */
	u_munmap((void *)TESTFS_WINDOW_BASE, (size_t)TESTFS_MAX_FILES * WINDOW_BYTES);
	long sfd = u_scheme_create(TESTFS_SCHEME);
	if (sfd < 0) {
		u_printf("    # testfs: cannot create the scheme: %ld\n", sfd);
		return 100;
	}
	struct testfs_backing backing = {
		.base = window_base, .map = window_map, .unmap = window_unmap,
		.heap_blocks = heap_blocks, .report = report, .ctx = NULL,
	};
	struct range_count_allocator allocator = { heap_alloc, heap_free, NULL };
	fs = ucalloc(sizeof(*fs));
	if (!fs) {
		u_printf("    # testfs: no memory for the file table\n");
		return 102;
	}
	testfs_init(fs, &backing, &allocator);
	while (!fs->exit_requested) {
		long err = u_scheme_recv(sfd, &packet);
		if (err) {
			u_printf("    # testfs: receive failed: %ld\n", err);
			return 101;
		}
		long result = dispatch(&packet);
		if (packet.tag) {
			err = u_scheme_reply(sfd, packet.tag, result);
			if (err)
				u_printf("    # testfs: reply to tag %u failed: %ld\n", packet.tag, err);
		}
	}
	int status = (int)(fs->unknown_total + fs->errors_total);
	if (status)
		u_printf("    # testfs: exiting with %u unknown munmaps, %u errors\n", fs->unknown_total,
			 fs->errors_total);
	testfs_destroy(fs);                /* clients that map our pages keep their frames */
	ufree(fs);
	fs = NULL;
	return status;
}
