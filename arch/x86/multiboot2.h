/* The Multiboot2 structures the x86 boot code reads (Multiboot2 specification 1.0, sections 3.1
 * and 3.6): the header in the kernel image and the boot information GRUB hands over. */
#ifndef ARCH_X86_MULTIBOOT2_H
#define ARCH_X86_MULTIBOOT2_H

#define MB2_HEADER_MAGIC      0xe85250d6   /* in the kernel image */
#define MB2_BOOTLOADER_MAGIC  0x36d76289   /* in EAX at entry */
#define MB2_ARCH_I386         0            /* 32-bit protected mode entry */

#define MB2_TAG_END           0
#define MB2_TAG_CMDLINE       1
#define MB2_TAG_LOADER_NAME   2
#define MB2_TAG_MODULE        3
#define MB2_TAG_MMAP          6
#define MB2_TAG_ACPI_OLD      14           /* a copy of the ACPI 1.0 RSDP */
#define MB2_TAG_ACPI_NEW      15           /* a copy of the ACPI 2.0+ RSDP */

/* Memory map entry types */
#define MB2_MEM_AVAILABLE     1
#define MB2_MEM_ACPI_RECLAIM  3
#define MB2_MEM_NVS           4
#define MB2_MEM_BAD           5

#ifndef __ASSEMBLY__
#include "kernel/boot_info.h"

struct mb2_info {
	uint32_t total_size;
	uint32_t reserved;
	/* tags follow, each 8-byte aligned, ended by an MB2_TAG_END tag */
};

struct mb2_tag {
	uint32_t type;
	uint32_t size;           /* including this header, excluding the padding to 8 bytes */
};

struct mb2_tag_string {      /* MB2_TAG_CMDLINE, MB2_TAG_LOADER_NAME */
	struct mb2_tag tag;
	char string[];
};

struct mb2_tag_module {
	struct mb2_tag tag;
	uint32_t mod_start;
	uint32_t mod_end;
	char cmdline[];
};

struct mb2_tag_mmap {
	struct mb2_tag tag;
	uint32_t entry_size;
	uint32_t entry_version;
	/* entries of entry_size bytes follow */
};

struct mb2_mmap_entry {
	uint64_t base;
	uint64_t length;
	uint32_t type;
	uint32_t reserved;
};

/* Copies what the kernel needs out of GRUB's boot information at physical address MBI_PA (which
 * must be mapped 1:1) into BI: the memory map, the command line and the loader name; reserves
 * the boot information itself and every module. Panics if MAGIC is not Multiboot2's. */
void x86_multiboot2_parse(uint32_t magic, uint32_t mbi_pa, struct boot_info *bi);
#endif

#endif
