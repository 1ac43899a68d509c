/* The fake machine of the VM host tests (see vm_env.h). */
#include <string.h>

#include "fake_ram.h"
#include "host_kernel.h"
#include "htest.h"
#include "soft_mmu.h"
#include "vm_env.h"
#include "kernel/boot_info.h"
#include "mm/alloc_inject.h"
#include "mm/check.h"
#include "mm/frame.h"
#include "mm/kheap.h"
#include "mm/mm.h"
#include "mm/pageinfo.h"
#include "mm/section.h"
#include "mm/vm_internal.h"

static struct boot_info bi;
static bool machine_up;

static void collect(void *ctx, struct addrspace *as)
{
	struct addrspace **list = ctx;
	for (unsigned i = 0; i < 64; i++) {
		if (!list[i]) {
			list[i] = as;
			return;
		}
	}
}

static void after_each(void)
{
	alloc_inject_off();
	if (!machine_up)
		return;
	int problems = vm_check_all();
	if (problems)
		htest_fail(__FILE__, __LINE__, "after the test: invariant checker found %d problems",
			   problems);
	struct addrspace *left[64] = { NULL };
	addrspace_for_each_live(collect, left);
	for (unsigned i = 0; i < 64 && left[i]; i++) {
		htest_fail(__FILE__, __LINE__, "address space %p left live by the test", (void *)left[i]);
		addrspace_activate(NULL);
		addrspace_destroy(left[i]);
	}
	machine_up = false;
}

void vm_env_machine(unsigned mib, paddr_t direct_limit)
{
	static bool hooked;
	if (!hooked) {
		htest_add_after_each(after_each);
		hooked = true;
	}
	memset(&bi, 0, sizeof(bi));
	boot_mem_add(&bi, MiB(1), MiB(mib), BOOT_MEM_USABLE);
	fake_ram_init(0, MiB(1) + MiB(mib), direct_limit);
	host_console_clear();
	alloc_inject_off();
	soft_mmu_reset();
	mm_init(&bi);
	/* The zero frame now, so that tests count frames from after it. */
	if (vm_zero_frame_init())
		htest_fail(__FILE__, __LINE__, "no memory for the zero frame");
	machine_up = true;
}

void vm_env_default(void)
{
	vm_env_machine(16, MiB(64));
}

struct addrspace *vm_env_space(void)
{
	struct addrspace *as = NULL;
	int err = addrspace_create(&as);
	if (err) {
		htest_fail(__FILE__, __LINE__, "addrspace_create: %d", err);
		return NULL;
	}
	return as;
}

uint64_t vm_env_free(void)
{
	return frame_count_free();
}

unsigned long vm_env_heap_frames(void)
{
	struct kheap_stats s;
	kheap_get_stats(&s);
	return s.frames;
}

int vm_env_fill(struct addrspace *as, uintptr_t va, size_t len, uint8_t value)
{
	uint8_t buf[256];
	memset(buf, value, sizeof(buf));
	while (len) {
		size_t n = MIN(len, sizeof(buf));
		int err = soft_user_write(as, va, buf, n);
		if (err)
			return err;
		va += n;
		len -= n;
	}
	return 0;
}

bool vm_env_all(struct addrspace *as, uintptr_t va, size_t len, uint8_t value)
{
	uint8_t buf[256];
	while (len) {
		size_t n = MIN(len, sizeof(buf));
		if (soft_user_read(as, va, buf, n))
			return false;
		for (size_t i = 0; i < n; i++)
			if (buf[i] != value)
				return false;
		va += n;
		len -= n;
	}
	return true;
}

paddr_t vm_env_frame(struct addrspace *as, uintptr_t va, unsigned *flags)
{
	paddr_t pa;
	if (!arch_mmu_query(&as->mmu, va, &pa, flags))
		return ~(paddr_t)0;
	return pa;
}

uint32_t vm_env_refcount(struct addrspace *as, uintptr_t va)
{
	paddr_t pa = vm_env_frame(as, va, NULL);
	struct pageinfo *pi = pa == ~(paddr_t)0 ? NULL : pageinfo_of(pa);
	return pi ? pageinfo_refcount(pi) : 0;
}
