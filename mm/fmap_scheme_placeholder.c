/* TEMPORARY (branch mm-fmap only; the lead deletes this file when scheme/ with the real
 * functions is merged): stand-ins for the scheme functions mm/fmap.c calls, so that this branch's
 * kernel links before schemes exist. No file is ever a user scheme's here, so vm_mmap_file
 * refuses every file and nothing reaches the others. */
#include "scheme/scheme.h"
#include "kernel/errno.h"

_Atomic unsigned long scheme_notices_lost;

int scheme_mmap_prep(struct scheme_file *f, uint64_t offset, size_t size, unsigned flags,
		     struct addrspace **src_as, uintptr_t *src_addr)
{
	(void)f; (void)offset; (void)size; (void)flags; (void)src_as; (void)src_addr;
	return -EIO;
}

void scheme_munmap_notify(struct scheme_file *f, uint64_t offset, size_t size, unsigned flags)
{
	(void)f; (void)offset; (void)size; (void)flags;
}

void scheme_file_get(struct scheme_file *f)
{
	(void)f;
}

void scheme_file_put(struct scheme_file *f)
{
	(void)f;
}

bool scheme_file_is_user(const struct scheme_file *f)
{
	(void)f;
	return false;
}
