/* The fake scheme daemon of the fmap host tests (see fake_scheme.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_scheme.h"
#include "htest.h"
#include "soft_mmu.h"
#include "vm_env.h"
#include "kernel/errno.h"
#include "mm/addrspace.h"
#include "mm/vm.h"
#include "scheme/scheme.h"

_Atomic unsigned long scheme_notices_lost;
static unsigned files_live;

bool fake_daemon_init(struct fake_daemon *d, size_t pages)
{
	memset(d, 0, sizeof(*d));
	d->as = vm_env_space();
	if (!d->as)
		return false;
	/* Low, so that addresses past the region's end are free (holes), not the user top. */
	if (vm_mmap(d->as, 0x40000000, pages * FRAME_SIZE, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, &d->base)) {
		htest_fail(__FILE__, __LINE__, "fake daemon: mmap of %zu pages failed", pages);
		return false;
	}
	for (size_t i = 0; i < pages; i++)
		vm_env_fill(d->as, d->base + i * FRAME_SIZE, FRAME_SIZE, (uint8_t)(0x40 + i));
	return true;
}

struct scheme_file *fake_file_open(struct fake_daemon *d, unsigned oflags)
{
	struct scheme_file *f = calloc(1, sizeof(*f));
	f->flags = oflags;
	f->priv = d;
	atomic_init(&f->refcount, 1);
	files_live++;
	return f;
}

unsigned fake_files_live(void)
{
	return files_live;
}

unsigned fake_file_refs(struct scheme_file *f)
{
	return atomic_load(&f->refcount);
}

void scheme_file_get(struct scheme_file *f)
{
	uint32_t old = atomic_fetch_add(&f->refcount, 1);
	if (old == 0)
		htest_fail(__FILE__, __LINE__, "scheme_file_get on a closed file");
}

void scheme_file_put(struct scheme_file *f)
{
	uint32_t old = atomic_fetch_sub(&f->refcount, 1);
	if (old == 0) {
		htest_fail(__FILE__, __LINE__, "scheme_file_put underflow");
		return;
	}
	if (old == 1) {
		files_live--;
		memset(f, 0x6b, sizeof(*f));
		free(f);
	}
}

bool scheme_file_is_user(const struct scheme_file *f)
{
	return f->priv != NULL;
}

static void log_call(struct fake_daemon *d, char op, uint64_t offset, uint64_t size,
		     unsigned flags)
{
	if (d->calls < FAKE_LOG_MAX)
		d->log[d->calls] = (struct fake_call){ op, offset, size, flags };
	d->calls++;
}

/* Adds DELTA to the count of each page of [OFFSET, OFFSET + SIZE). */
static void count_range(struct fake_daemon *d, uint64_t offset, uint64_t size, int delta)
{
	if (offset % FRAME_SIZE || size % FRAME_SIZE || size == 0) {
		htest_fail(__FILE__, __LINE__, "fake daemon: unaligned range %#llx+%#llx",
			   (unsigned long long)offset, (unsigned long long)size);
		return;
	}
	for (uint64_t p = offset / FRAME_SIZE; p < (offset + size) / FRAME_SIZE; p++) {
		if (p >= FAKE_PAGES_MAX)
			break;
		d->counts[p] += delta;
		if (d->counts[p] < 0)
			htest_fail(__FILE__, __LINE__, "fake daemon: page %llu unmapped more often "
				   "than prepared", (unsigned long long)p);
	}
}

static void check_unlocked(void *ctx, struct addrspace *as)
{
	(void)ctx;
	if (spin_is_locked(&as->lock))
		htest_fail(__FILE__, __LINE__, "mmap_prep called with the lock of as=%p held",
			   (void *)as);
}

int scheme_mmap_prep(struct scheme_file *f, uint64_t offset, size_t size, unsigned flags,
		     struct addrspace **src_as, uintptr_t *src_addr)
{
	struct fake_daemon *d = f->priv;
	if (!d)
		return -EINVAL;
	addrspace_for_each_live(check_unlocked, NULL);
	if (d->dead)
		return -EIO;
	int err = d->error;
	if (d->error_after > 0 && d->preps < (unsigned)d->error_after)
		err = 0;
	if (err)
		return err;
	d->preps++;
	log_call(d, 'P', offset, size, flags);
	count_range(d, offset, size, 1);
	addrspace_get(d->as);
	*src_as = d->as;
	*src_addr = d->base + offset;
	return 0;
}

void scheme_munmap_notify(struct scheme_file *f, uint64_t offset, size_t size, unsigned flags)
{
	struct fake_daemon *d = f->priv;
	if (!d || d->dead)
		return;
	d->notices++;
	log_call(d, 'U', offset, size, flags);
	count_range(d, offset, size, -1);
}

const char *fake_log_take(struct fake_daemon *d, char *buf, size_t size)
{
	size_t n = 0;
	buf[0] = 0;
	for (unsigned i = 0; i < d->calls && i < FAKE_LOG_MAX && n < size; i++) {
		const struct fake_call *c = &d->log[i];
		char fl[4] = "";
		if (c->op == 'P') {
			unsigned k = 0;
			fl[k++] = (c->flags & MAP_TYPE) == MAP_PRIVATE ? 'p' : 's';
			if (c->flags & MAP_LAZY)
				fl[k++] = 'L';
			fl[k] = 0;
		} else if (c->flags) {
			strcpy(fl, "?");
		}
		n += (size_t)snprintf(buf + n, size - n, "%s%c%llu+%llu%s", i ? " " : "", c->op,
				      (unsigned long long)(c->offset / FRAME_SIZE),
				      (unsigned long long)(c->size / FRAME_SIZE), fl);
	}
	d->calls = 0;
	return buf;
}

bool fake_counts_zero(struct fake_daemon *d)
{
	for (unsigned p = 0; p < FAKE_PAGES_MAX; p++) {
		if (d->counts[p]) {
			htest_fail(__FILE__, __LINE__, "fake daemon: page %u still counted %d times", p,
				   d->counts[p]);
			return false;
		}
	}
	return true;
}

void fake_daemon_exit(struct fake_daemon *d)
{
	if (d->as)
		addrspace_destroy(d->as);
	d->as = NULL;
	d->dead = true;
}
