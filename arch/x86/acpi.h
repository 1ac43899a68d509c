/* The little of ACPI the x86 SMP code needs: the RSDP that GRUB hands over in its Multiboot2 ACPI
 * tags, and the local APICs listed in the MADT ("APIC" table) under the RSDT / XSDT. */
#ifndef ARCH_X86_ACPI_H
#define ARCH_X86_ACPI_H

#include "kernel/compiler.h"

/* Keeps a copy of the RSDP of a Multiboot2 ACPI tag (type 14: ACPI 1.0 RSDP, type 15: ACPI 2.0+
 * RSDP), SIZE bytes at RSDP. A 2.0 RSDP is preferred over a 1.0 one whatever the tag order. */
void x86_acpi_set_rsdp(const void *rsdp, size_t size);

#define X86_ACPI_MAX_CPUS 64

struct x86_acpi_madt_info {
	paddr_t lapic_base;                       /* physical address of the local APIC registers */
	unsigned cpu_count;                       /* enabled processors found */
	uint32_t apic_ids[X86_ACPI_MAX_CPUS];     /* their local APIC IDs, in MADT order */
	bool pcat_compat;                         /* legacy 8259 PICs present (MADT flag bit 0) */
	uint8_t revision;                         /* RSDP revision: 0 = RSDT only, 2 = XSDT */
};

/* Finds the MADT through the RSDP and fills INFO with the enabled local APICs (processor local
 * APIC and x2APIC entries, at most X86_ACPI_MAX_CPUS). Returns 0, -ENOENT when there is no RSDP
 * or no MADT, or -EIO when a table's signature, length or checksum is wrong. Reads the tables
 * through kmap_frame, so call it after the kernel page tables are up. */
int x86_acpi_read_madt(struct x86_acpi_madt_info *info);

#endif
