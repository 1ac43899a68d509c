/* Access to an address space's memory from the kernel (contracts in mm/vm.h): the range check
 * the syscall layer makes before usercopy, and reads/writes through the kernel's own mapping of
 * the frames (kmap_frame), for loaders and tests, which work whether or not the address space is
 * active and whatever the page protections are. */
#include "mm/vm.h"
#include "mm/vm_internal.h"
#include "kernel/errno.h"
#include "kernel/string.h"

/* Returns whether [ADDR, ADDR + LEN) lies inside the user half without wrapping. */
static bool user_range(uintptr_t addr, size_t len)
{
	uintptr_t top = arch_mmu_user_top();
	return addr >= MMU_USER_BASE && addr < top && len <= top - addr;
}

int vm_user_check(struct addrspace *as, uintptr_t addr, size_t len, enum vm_access access)
{
	if (len == 0)
		return 0;
	if (!user_range(addr, len))
		return -EFAULT;
	uintptr_t end = addr + len;
	int err = 0;
	unsigned long irq = spin_lock_irqsave(&as->lock);
	for (uintptr_t cur = addr; cur < end;) {
		struct grant *g = grant_tree_find(&as->grants, cur);
		if (!g || !grant_allows(g, access)) {
			err = -EFAULT;
			break;
		}
		cur = grant_end(g);
	}
	spin_unlock_irqrestore(&as->lock, irq);
	return err;
}

int vm_space_write(struct addrspace *as, uintptr_t addr, const void *src, size_t len)
{
	if (len == 0)
		return 0;
	if (!user_range(addr, len))
		return -EFAULT;
	const char *from = src;
	int err = 0;
	unsigned long irq = spin_lock_irqsave(&as->lock);
	while (len) {
		uintptr_t va = ALIGN_DOWN(addr, FRAME_SIZE);
		size_t off = addr - va, n = MIN(len, FRAME_SIZE - off);
		struct grant *g = grant_tree_find(&as->grants, va);
		paddr_t pa;
		err = g ? vm_page_own_locked(as, g, va, &pa) : -EFAULT;
		if (err == -EINVAL)
			err = -EFAULT;
		if (err)
			break;
		char *p = kmap_frame(pa);
		memcpy(p + off, from, n);
		kunmap_frame(p);
		from += n;
		addr += n;
		len -= n;
	}
	spin_unlock_irqrestore(&as->lock, irq);
	return err;
}

int vm_space_read(struct addrspace *as, uintptr_t addr, void *dst, size_t len)
{
	if (len == 0)
		return 0;
	if (!user_range(addr, len))
		return -EFAULT;
	char *to = dst;
	int err = 0;
	unsigned long irq = spin_lock_irqsave(&as->lock);
	while (len) {
		uintptr_t va = ALIGN_DOWN(addr, FRAME_SIZE);
		size_t off = addr - va, n = MIN(len, FRAME_SIZE - off);
		struct grant *g = grant_tree_find(&as->grants, va);
		if (!g || g->provider.kind == GRANT_PHYS_BORROWED) {
			err = -EFAULT;
			break;
		}
		paddr_t pa;
		if (arch_mmu_query(&as->mmu, va, &pa, NULL)) {
			const char *p = kmap_frame(pa);
			memcpy(to, p + off, n);
			kunmap_frame((void *)p);
		} else {
			memset(to, 0, n);
		}
		to += n;
		addr += n;
		len -= n;
	}
	spin_unlock_irqrestore(&as->lock, irq);
	return err;
}
