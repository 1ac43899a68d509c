/* arch_copy_from_user / arch_copy_to_user on x86: the range check, then two passes through the
 * assembly of usercopy.S. The first pass touches every page of the user range the way the copy
 * will (read, or a write that changes nothing), so that every fault the generic fault handler can
 * resolve is resolved and every one it cannot is found before a single byte moves; the second
 * pass copies. So a failed copy changes nothing on either side, as long as no other CPU unmaps
 * the range between the passes (then the copy stops at the fault and returns -EFAULT with a
 * prefix copied).
 * The write probe is a locked OR of 0, a write for the MMU that cannot lose another thread's
 * store. On a not-present page the CPU may report it as a read (QEMU does): the fault handler
 * then maps the page for reading and the retried probe faults again, as a write. */
#include "kernel/arch.h"
#include "kernel/errno.h"
#include "mm/arch_mmu.h"
#include "usercopy.h"

/* Returns whether [ADDR, ADDR + SIZE) lies below the user top without wrapping. */
static bool user_range_ok(uintptr_t addr, size_t size)
{
	uintptr_t top = arch_mmu_user_top();
	return addr <= top && size <= top - addr;
}

/* Range check, read probe of every page, then the copy; 0 or -EFAULT. */
int arch_copy_from_user(void *dst, uintptr_t src, size_t size)
{
	if (!user_range_ok(src, size))
		return -EFAULT;
	if (size == 0)
		return 0;
	if (x86_user_probe_read(src, src + size - 1))
		return -EFAULT;
	return x86_user_copy(dst, (const void *)src, size);
}

/* Range check, write probe of every page, then the copy; 0 or -EFAULT. */
int arch_copy_to_user(uintptr_t dst, const void *src, size_t size)
{
	if (!user_range_ok(dst, size))
		return -EFAULT;
	if (size == 0)
		return 0;
	if (x86_user_probe_write(dst, dst + size - 1))
		return -EFAULT;
	return x86_user_copy((void *)dst, src, size);
}
