/* The x86 reading of the ACPI MADT: enabled processor local APIC (type 0) and x2APIC (type 9)
 * entries, and the 64-bit local APIC address override (type 5). */
#include "acpi.h"
#include "kernel/acpi.h"
#include "kernel/errno.h"
#include "kernel/kprintf.h"
#include "kernel/string.h"

#define MADT_LAPIC            0     /* uid u8, apic id u8, flags u32 */
#define MADT_LAPIC_OVERRIDE   5     /* reserved u16, address u64 */
#define MADT_X2APIC           9     /* reserved u16, x2apic id u32, flags u32, uid u32 */
#define MADT_ENABLED          0x1

static uint8_t madt[8192];          /* boot-time only: one reader, on the boot CPU */

/* Adds local APIC ID ID to INFO unless it is full or has it already. */
static void add_cpu(struct x86_acpi_madt_info *info, uint32_t id)
{
	for (unsigned i = 0; i < info->cpu_count; i++)
		if (info->apic_ids[i] == id)
			return;
	if (info->cpu_count < X86_ACPI_MAX_CPUS)
		info->apic_ids[info->cpu_count++] = id;
}

int x86_acpi_read_madt(struct x86_acpi_madt_info *info)
{
	memset(info, 0, sizeof(*info));
	info->revision = acpi_revision();
	if (info->revision < 0)
		return info->revision;
	int len = acpi_read_table("APIC", madt, sizeof(madt));
	if (len < 0)
		return len;
	if (len < ACPI_MADT_ENTRIES)
		return -EIO;
	uint32_t lapic32;
	memcpy(&lapic32, madt + sizeof(struct acpi_header), 4);
	info->lapic_base = lapic32;
	for (int off = ACPI_MADT_ENTRIES; off + 2 <= len;) {
		uint8_t type = madt[off], elen = madt[off + 1];
		if (elen < 2 || off + elen > len)
			break;
		const uint8_t *e = madt + off;
		uint32_t flags, id;
		if (type == MADT_LAPIC && elen >= 8) {
			memcpy(&flags, e + 4, 4);
			if (flags & MADT_ENABLED)
				add_cpu(info, e[3]);
		} else if (type == MADT_X2APIC && elen >= 16) {
			memcpy(&id, e + 4, 4);
			memcpy(&flags, e + 8, 4);
			if (flags & MADT_ENABLED)
				add_cpu(info, id);
		} else if (type == MADT_LAPIC_OVERRIDE && elen >= 12) {
			uint64_t a;
			memcpy(&a, e + 4, 8);
			info->lapic_base = a;
		}
		off += elen;
	}
	return 0;
}
