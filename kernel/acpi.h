/* Finding ACPI tables, for every arch that boots with ACPI (x86 from GRUB's Multiboot2 tags,
 * aarch64 from the UEFI configuration table): keeps a copy of the RSDP, walks the RSDT / XSDT,
 * and copies out a table after checking its signature, length and checksum. What a table means
 * (MADT entries, FADT flags) is the arch's business. */
#ifndef KERNEL_ACPI_H
#define KERNEL_ACPI_H

#include "kernel/compiler.h"

/* Keeps a copy of the RSDP at RSDP, SIZE bytes (20 for ACPI 1.0, 36 for 2.0+). A 2.0 RSDP is
 * preferred over a 1.0 one whatever the order of the calls. */
void acpi_set_rsdp(const void *rsdp, size_t size);

/* Copies the RSDP at physical address PA (36 bytes, fewer if its revision says 1.0) and keeps
 * it like acpi_set_rsdp. Returns 0, or -EIO when PA cannot be read. After mm_init. */
int acpi_set_rsdp_phys(paddr_t pa);

/* Returns the RSDP's revision (0: ACPI 1.0, RSDT only; 2: ACPI 2.0+, XSDT), or -ENOENT when no
 * RSDP was handed over, -EIO when it is not valid. */
int acpi_revision(void);

/* Copies the first table with signature SIG (4 characters) listed in the XSDT (or the RSDT) into
 * BUF (SIZE bytes). Returns its length, -ENOENT when there is no RSDP or no such table, -ENOSPC
 * when it is longer than SIZE, -EIO when a table is malformed or unreadable. Boot-time: the
 * caller serializes calls. */
int acpi_read_table(const char *sig, void *buf, size_t size);

/* The standard header every ACPI table after the RSDP starts with. */
struct __packed acpi_header {
	char signature[4];
	uint32_t length;             /* including this header */
	uint8_t revision;
	uint8_t checksum;            /* the whole table sums to 0 */
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;
};
_Static_assert(sizeof(struct acpi_header) == 36, "SDT header is 36 bytes");

/* The MADT ("APIC"): the header, a 32-bit local interrupt controller address and flags, then
 * entries of (type, length, ...) starting at this offset. */
#define ACPI_MADT_ENTRIES 44

#endif
