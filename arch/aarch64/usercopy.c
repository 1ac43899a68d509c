/* arch_copy_from_user / arch_copy_to_user for aarch64 (kernel/arch.h): the range checks; the
 * copying, fault handling and the choice of unprivileged loads and stores are in usercopy.S. */
#include "kernel/arch.h"
#include "kernel/errno.h"
#include "kernel/panic.h"
#include "arch/aarch64/mmu.h"

long aarch64_copy_from_user(void *dst, uintptr_t src, size_t size);
long aarch64_copy_to_user(uintptr_t dst, const void *src, size_t size);

/* Returns whether [ADDR, ADDR + SIZE) lies below the user top without wrapping. */
static bool user_range_ok(uintptr_t addr, size_t size)
{
	return size <= USER_TOP && addr <= USER_TOP - size;
}

int arch_copy_from_user(void *dst, uintptr_t src, size_t size)
{
	if (size == 0)
		return 0;
	if (!user_range_ok(src, size))
		return -EFAULT;
	/* The kernel side is plain loads and stores without fixups: a kernel buffer, always. */
	kassert((uintptr_t)dst >= USER_TOP);
	return (int)aarch64_copy_from_user(dst, src, size);
}

int arch_copy_to_user(uintptr_t dst, const void *src, size_t size)
{
	if (size == 0)
		return 0;
	if (!user_range_ok(dst, size))
		return -EFAULT;
	kassert((uintptr_t)src >= USER_TOP);
	return (int)aarch64_copy_to_user(dst, src, size);
}
