/* The local APICs listed in the ACPI MADT, for the x86 SMP code. (The RSDP comes from GRUB's
 * Multiboot2 ACPI tags, handed to kernel/acpi.c by arch/x86/multiboot2.c.) */
#ifndef ARCH_X86_ACPI_H
#define ARCH_X86_ACPI_H

#include "kernel/compiler.h"

#define X86_ACPI_MAX_CPUS 64

struct x86_acpi_madt_info {
	paddr_t lapic_base;                       /* physical address of the local APIC registers */
	unsigned cpu_count;                       /* enabled processors found */
	uint32_t apic_ids[X86_ACPI_MAX_CPUS];     /* their local APIC IDs, in MADT order */
	int revision;                             /* RSDP revision: 0 = RSDT only, 2 = XSDT */
};

/* Fills INFO from the MADT: the enabled local APICs (processor local APIC and x2APIC entries, at
 * most X86_ACPI_MAX_CPUS) and the local APIC address. Returns 0 or the -errno of
 * acpi_read_table. After the kernel page tables are up. */
int x86_acpi_read_madt(struct x86_acpi_madt_info *info);

#endif
