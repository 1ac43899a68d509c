/* The arch MMU contract over a host buffer (see fake_ram.h). */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "fake_ram.h"
#include "htest.h"
#include "mm/arch_mmu.h"
#include "kernel/panic.h"

#define KMAP_DEPTH 4

static unsigned char *ram;
static paddr_t ram_base;
static size_t ram_size;
static paddr_t direct_limit;
static void *kmap_stack[KMAP_DEPTH];
static unsigned kmap_depth;
static unsigned long high_kmaps;

static void check_kmaps(void)
{
	if (kmap_depth) {
		htest_fail(__FILE__, __LINE__, "%u kmap_frame mappings still held after the test",
			   kmap_depth);
		kmap_depth = 0;
	}
}

void fake_ram_init(paddr_t base, size_t size, paddr_t limit)
{
	static bool hooked;
	if (!hooked) {
		htest_add_after_each(check_kmaps);
		hooked = true;
	}
	if (ram)
		munmap(ram, ram_size);
	ram = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		   -1, 0);
	if (ram == MAP_FAILED) {
		perror("fake_ram_init: mmap");
		ram = NULL;
		size = 0;
	}
	ram_base = base;
	ram_size = size;
	direct_limit = limit;
	kmap_depth = 0;
	high_kmaps = 0;
}

void *fake_ram_ptr(paddr_t paddr)
{
	if (!ram || paddr < ram_base || paddr - ram_base >= ram_size)
		return NULL;
	return ram + (paddr - ram_base);
}

unsigned long fake_ram_high_kmaps(void)
{
	return high_kmaps;
}

bool arch_phys_in_direct_map(paddr_t paddr)
{
	return paddr < direct_limit && fake_ram_ptr(paddr) != NULL;
}

void *arch_phys_to_virt(paddr_t paddr)
{
	if (!arch_phys_in_direct_map(paddr))
		panic("paddr=%#llx is outside the direct map", (unsigned long long)paddr);
	return fake_ram_ptr(paddr);
}

void *kmap_frame(paddr_t frame)
{
	if (!IS_ALIGNED(frame, (paddr_t)4096) || !fake_ram_ptr(frame))
		panic("frame=%#llx is not a frame of fake RAM", (unsigned long long)frame);
	if (kmap_depth == KMAP_DEPTH)
		panic("more than %d nested kmaps", KMAP_DEPTH);
	if (!arch_phys_in_direct_map(frame))
		high_kmaps++;
	void *va = fake_ram_ptr(frame);
	kmap_stack[kmap_depth++] = va;
	return va;
}

void kunmap_frame(void *vaddr)
{
	if (!kmap_depth || kmap_stack[kmap_depth - 1] != vaddr)
		panic("vaddr=%p is not the innermost kmap", vaddr);
	kmap_depth--;
}

/* The host's page zero and copy: the C library's, after checking the pages lie in fake RAM. */
static void check_page(const char *who, const void *page)
{
	const unsigned char *p = page;
	if (!ram || p < ram || p >= ram + ram_size || (size_t)(p - ram) % 4096)
		panic("%s: %p is not a page of fake RAM", who, page);
}

void arch_page_zero(void *page)
{
	check_page("arch_page_zero", page);
	memset(page, 0, 4096);
}

void arch_page_copy(void *dst, const void *src)
{
	check_page("arch_page_copy", dst);
	check_page("arch_page_copy", src);
	memcpy(dst, src, 4096);
}

void arch_frame_zero(paddr_t frame)
{
	void *p = kmap_frame(frame);
	arch_page_zero(p);
	kunmap_frame(p);
}

void arch_frame_copy(paddr_t dst, paddr_t src)
{
	if (dst == src)
		panic("arch_frame_copy: frame=%#llx onto itself", (unsigned long long)dst);
	void *d = kmap_frame(dst);
	const void *s = kmap_frame(src);
	arch_page_copy(d, s);
	kunmap_frame((void *)s);
	kunmap_frame(d);
}
