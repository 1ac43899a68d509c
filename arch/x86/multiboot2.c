/* Reading GRUB's Multiboot2 boot information into struct boot_info: the memory map (type 6), the
 * command line (type 1), the loader name (type 2), the modules (type 3) and the ACPI RSDP (types
 * 14 and 15, kept by kernel/acpi.c). Everything kept is
 * copied, and the information block and the modules are reserved, so the frame allocator may
 * reuse nothing GRUB left us until we are done with it. */
#include "multiboot2.h"
#include "kernel/panic.h"
#include "kernel/kprintf.h"
#include "kernel/string.h"
#include "x86.h"
#include "kernel/acpi.h"

#define MB2_INFO_MAX_SIZE (1u << 20)   /* sanity bound for total_size */

static char loader_name[64];

/* The common memory type of a Multiboot2 memory map type. */
static enum boot_mem_type mem_type(uint32_t mb2_type)
{
	switch (mb2_type) {
	case MB2_MEM_AVAILABLE:    return BOOT_MEM_USABLE;
	case MB2_MEM_ACPI_RECLAIM: return BOOT_MEM_ACPI_RECLAIM;
	case MB2_MEM_NVS:          return BOOT_MEM_ACPI_NVS;
	case MB2_MEM_BAD:          return BOOT_MEM_BAD;
	default:                   return BOOT_MEM_RESERVED;
	}
}

/* Adds every entry of a memory map tag to BI. */
static void parse_mmap(const struct mb2_tag_mmap *t, struct boot_info *bi)
{
	if (t->entry_size < sizeof(struct mb2_mmap_entry))
		panic("multiboot2: memory map entries of %u bytes", t->entry_size);
	const uint8_t *p = (const uint8_t *)(t + 1);
	const uint8_t *end = (const uint8_t *)t + t->tag.size;
	for (; p + t->entry_size <= end; p += t->entry_size) {
		const struct mb2_mmap_entry *e = (const struct mb2_mmap_entry *)p;
		if (!boot_mem_add(bi, e->base, e->length, mem_type(e->type)))
			panic("multiboot2: memory map has more than %u ranges", BOOT_MEM_MAX_RANGES);
	}
}

/* Copies a NUL-terminated string of a tag into DST (SIZE bytes), never reading past the tag. */
static void copy_tag_string(const struct mb2_tag_string *t, char *dst, size_t size)
{
	size_t max = t->tag.size - sizeof(t->tag), n = 0;
	while (n < max && n + 1 < size && t->string[n]) {
		dst[n] = t->string[n];
		n++;
	}
	dst[n] = '\0';
	if (n < max && t->string[n])
		kprintf("multiboot2: tag %u string truncated to %zu bytes\n", t->tag.type, n);
}

void x86_multiboot2_parse(uint32_t magic, uint32_t mbi_pa, struct boot_info *bi)
{
	if (magic != MB2_BOOTLOADER_MAGIC)
		panic("not started by a Multiboot2 loader (magic %#x)", magic);
	const struct mb2_info *info = (const struct mb2_info *)(uintptr_t)mbi_pa;
	if ((mbi_pa & 7) || info->total_size < sizeof(*info) + sizeof(struct mb2_tag) ||
	    info->total_size > MB2_INFO_MAX_SIZE)
		panic("multiboot2: bad information block at %#x (size %u)", mbi_pa, info->total_size);
	paddr_t info_base = ALIGN_DOWN((paddr_t)mbi_pa, X86_PAGE_SIZE);
	if (!boot_reserve(bi, info_base,
			  ALIGN_UP((paddr_t)mbi_pa + info->total_size, X86_PAGE_SIZE) - info_base))
		panic("multiboot2: too many reserved ranges");

	const uint8_t *p = (const uint8_t *)(info + 1);
	const uint8_t *end = (const uint8_t *)info + info->total_size;
	bool have_mmap = false;
	while (p + sizeof(struct mb2_tag) <= end) {
		const struct mb2_tag *tag = (const struct mb2_tag *)p;
		if (tag->type == MB2_TAG_END)
			break;
		if (tag->size < sizeof(*tag) || p + tag->size > end)
			panic("multiboot2: tag %u of bad size %u", tag->type, tag->size);
		switch (tag->type) {
		case MB2_TAG_MMAP:
			parse_mmap((const struct mb2_tag_mmap *)tag, bi);
			have_mmap = true;
			break;
		case MB2_TAG_CMDLINE:
			copy_tag_string((const struct mb2_tag_string *)tag, bi->cmdline,
					sizeof(bi->cmdline));
			break;
		case MB2_TAG_LOADER_NAME:
			copy_tag_string((const struct mb2_tag_string *)tag, loader_name,
					sizeof(loader_name));
			bi->loader = loader_name;
			break;
		case MB2_TAG_ACPI_OLD:
		case MB2_TAG_ACPI_NEW:
			acpi_set_rsdp(tag + 1, tag->size - sizeof(*tag));
			break;
		case MB2_TAG_MODULE: {
			const struct mb2_tag_module *m = (const struct mb2_tag_module *)tag;
			if (m->mod_end > m->mod_start &&
			    !boot_reserve(bi, ALIGN_DOWN((paddr_t)m->mod_start, X86_PAGE_SIZE),
					  ALIGN_UP((paddr_t)m->mod_end, X86_PAGE_SIZE) -
					  ALIGN_DOWN((paddr_t)m->mod_start, X86_PAGE_SIZE)))
				panic("multiboot2: too many reserved ranges");
			break;
		}
		}
		p += ALIGN_UP(tag->size, 8u);
	}
	if (!have_mmap)
		panic("multiboot2: no memory map");
}
