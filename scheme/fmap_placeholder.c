/* Placeholder for vm_mmap_file until mm/fmap.c (helper "mm-fmap") is merged; the lead deletes
 * this file at that merge. Mapping a user scheme's file fails with -ENOSYS meanwhile. */
#include "mm/vm.h"
#include "kernel/errno.h"

int vm_mmap_file(struct addrspace *as, uintptr_t addr, size_t len, unsigned prot, unsigned flags,
		 struct scheme_file *f, uint64_t offset, uintptr_t *out)
{
	(void)as, (void)addr, (void)len, (void)prot, (void)flags, (void)f, (void)offset, (void)out;
	return -ENOSYS;
}
