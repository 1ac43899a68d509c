/* What the arch boot code hands to kernel_main(): the firmware's memory map in one common form,
 * the command line, and the physical ranges the kernel must not reuse. Filled from multiboot2 on
 * x86 and from UEFI on aarch64; everything in it is a copy owned by the kernel. */
#ifndef KERNEL_BOOT_INFO_H
#define KERNEL_BOOT_INFO_H

#include "kernel/compiler.h"

enum boot_mem_type {
	BOOT_MEM_USABLE = 1,      /* free RAM, ours once boot is over */
	BOOT_MEM_RESERVED,        /* firmware, holes, MMIO: never touched */
	BOOT_MEM_ACPI_RECLAIM,    /* ACPI tables: RAM, but keep until the tables are parsed */
	BOOT_MEM_ACPI_NVS,        /* firmware keeps this across sleep: never touched */
	BOOT_MEM_BAD,             /* defective RAM */
	BOOT_MEM_FW_RUNTIME,      /* UEFI runtime services code/data: must stay mapped for them */
};

struct boot_mem_range {
	paddr_t base;
	paddr_t size;
	enum boot_mem_type type;
};

#define BOOT_MEM_MAX_RANGES 128
#define BOOT_RESERVED_MAX   16
#define BOOT_CMDLINE_MAX    256

struct boot_info {
	/* The memory map, sorted by base, ranges do not overlap, adjacent ones of one type merged. */
	struct boot_mem_range mem[BOOT_MEM_MAX_RANGES];
	unsigned mem_count;

	/* Usable RAM that is nevertheless in use at boot: the kernel image (always entry 0), boot
	 * page tables, bootloader modules and info. The frame allocator cuts these out. */
	struct boot_mem_range reserved[BOOT_RESERVED_MAX];
	unsigned reserved_count;

	char cmdline[BOOT_CMDLINE_MAX];
	const char *loader;       /* "GRUB 2.06 (multiboot2)", "UEFI via GRUB linux", ... */
};

/* Adds [base, base+size) as a range of TYPE, keeping the map sorted and merged. Overlaps between
 * types are resolved in favour of the more restrictive type (anything beats USABLE). Returns false
 * when the table is full. Pure logic: also built and tested on the host. */
bool boot_mem_add(struct boot_info *bi, paddr_t base, paddr_t size, enum boot_mem_type type);

/* Records a range of usable RAM that the kernel is using during boot. */
bool boot_reserve(struct boot_info *bi, paddr_t base, paddr_t size);

/* Sum of the sizes of all BOOT_MEM_USABLE ranges. */
paddr_t boot_mem_usable_total(const struct boot_info *bi);

const char *boot_mem_type_name(enum boot_mem_type type);

#endif
