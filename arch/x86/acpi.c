/* Reading ACPI tables on x86 for SMP: keeps the RSDP GRUB copied into its boot information, then
 * walks RSDT or XSDT to the MADT and lists its enabled local APICs. Tables are read by copying
 * through kmap_frame page by page, so it works wherever the firmware put them (on i686 the
 * tables of a big machine lie above the direct map). Every table is checked (signature, length,
 * checksum) before use; a bad one is an -EIO, not a panic: without a MADT we run on one CPU. */
#include "acpi.h"
#include "kernel/errno.h"
#include "kernel/kprintf.h"
#include "kernel/string.h"
#include "mm/arch_mmu.h"

struct __packed acpi_rsdp {
	char signature[8];           /* "RSD PTR " */
	uint8_t checksum;            /* of the first 20 bytes */
	char oem_id[6];
	uint8_t revision;            /* 0: ACPI 1.0 (RSDT only); 2: ACPI 2.0+ (XSDT) */
	uint32_t rsdt_address;
	uint32_t length;             /* 2.0+: of the whole structure */
	uint64_t xsdt_address;
	uint8_t ext_checksum;
	uint8_t reserved[3];
};
_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP 2.0 is 36 bytes");

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

/* MADT: the header, the local APIC address and flags, then variable entries (type, length). */
#define MADT_LAPIC            0     /* processor local APIC: uid u8, apic id u8, flags u32 */
#define MADT_LAPIC_OVERRIDE   5     /* 64-bit local APIC address: reserved u16, address u64 */
#define MADT_X2APIC           9     /* reserved u16, x2apic id u32, flags u32, uid u32 */
#define MADT_ENABLED          0x1
#define MADT_PCAT_COMPAT      0x1

#define TABLE_MAX_SIZE        65536  /* we copy tables whole: a sanity bound */

static struct acpi_rsdp rsdp;
static bool have_rsdp;

void x86_acpi_set_rsdp(const void *p, size_t size)
{
	if (size < 20)
		return;
	if (have_rsdp && rsdp.revision >= 2 && size < sizeof(rsdp))
		return;                              /* keep the 2.0 one */
	memset(&rsdp, 0, sizeof(rsdp));
	memcpy(&rsdp, p, MIN(size, sizeof(rsdp)));
	if (size < sizeof(rsdp))
		rsdp.revision = 0;                   /* only the 1.0 part is there */
	have_rsdp = true;
}

/* Returns the byte sum of SIZE bytes at P (a valid ACPI structure sums to 0). */
static uint8_t sum_bytes(const void *p, size_t size)
{
	uint8_t sum = 0;
	for (size_t i = 0; i < size; i++)
		sum += ((const uint8_t *)p)[i];
	return sum;
}

/* Copies SIZE bytes at physical PA into DST through kmap_frame. */
static void copy_phys(void *dst, paddr_t pa, size_t size)
{
	while (size) {
		paddr_t frame = ALIGN_DOWN(pa, (paddr_t)4096);
		size_t off = (size_t)(pa - frame), n = MIN(size, 4096 - off);
		const char *v = kmap_frame(frame);
		memcpy(dst, v + off, n);
		kunmap_frame((void *)v);
		dst = (char *)dst + n;
		pa += n;
		size -= n;
	}
}

/* Copies the table at PA into BUF (SIZE bytes) after checking it; returns its length, or -EIO. */
static int read_table(paddr_t pa, const char *sig, void *buf, size_t size)
{
	struct acpi_header h;
	copy_phys(&h, pa, sizeof(h));
	if (memcmp(h.signature, sig, 4) != 0 || h.length < sizeof(h) || h.length > size) {
		kprintf("acpi: no valid %s table at %#llx\n", sig, (unsigned long long)pa);
		return -EIO;
	}
	copy_phys(buf, pa, h.length);
	if (sum_bytes(buf, h.length) != 0) {
		kprintf("acpi: %s table at %#llx has a bad checksum\n", sig, (unsigned long long)pa);
		return -EIO;
	}
	return (int)h.length;
}

static uint8_t table_buf[TABLE_MAX_SIZE];   /* boot-time only: one reader, on the boot CPU */

/* Returns the physical address of the table with signature SIG listed in the RSDT / XSDT, 0 if
 * none, or -EIO in *ERR when the root table is bad. */
static paddr_t find_table(const char *sig, int *err)
{
	bool xsdt = rsdp.revision >= 2 && rsdp.xsdt_address;
	paddr_t root = xsdt ? rsdp.xsdt_address : rsdp.rsdt_address;
	int len = read_table(root, xsdt ? "XSDT" : "RSDT", table_buf, sizeof(table_buf));
	*err = len < 0 ? len : 0;
	if (len < 0)
		return 0;
	size_t entry = xsdt ? 8 : 4, count = (len - sizeof(struct acpi_header)) / entry;
	paddr_t tables[256];
	count = MIN(count, ARRAY_SIZE(tables));
	for (size_t i = 0; i < count; i++) {
		const uint8_t *e = table_buf + sizeof(struct acpi_header) + i * entry;
		uint64_t a = 0;
		memcpy(&a, e, entry);
		tables[i] = a;
	}
	for (size_t i = 0; i < count; i++) {
		struct acpi_header h;
		copy_phys(&h, tables[i], sizeof(h));
		if (memcmp(h.signature, sig, 4) == 0)
			return tables[i];
	}
	return 0;
}

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
	if (!have_rsdp) {
		kprintf("acpi: the boot loader passed no RSDP\n");
		return -ENOENT;
	}
	if (memcmp(rsdp.signature, "RSD PTR ", 8) != 0 || sum_bytes(&rsdp, 20) != 0 ||
	    (rsdp.revision >= 2 && sum_bytes(&rsdp, sizeof(rsdp)) != 0)) {
		kprintf("acpi: the RSDP is not valid\n");
		return -EIO;
	}
	info->revision = rsdp.revision;
	int err;
	paddr_t madt = find_table("APIC", &err);
	if (err)
		return err;
	if (!madt) {
		kprintf("acpi: no MADT\n");
		return -ENOENT;
	}
	int len = read_table(madt, "APIC", table_buf, sizeof(table_buf));
	if (len < (int)sizeof(struct acpi_header) + 8)
		return -EIO;
	uint32_t lapic32, flags;
	memcpy(&lapic32, table_buf + 36, 4);
	memcpy(&flags, table_buf + 40, 4);
	info->lapic_base = lapic32;
	info->pcat_compat = flags & MADT_PCAT_COMPAT;
	for (int off = 44; off + 2 <= len;) {
		uint8_t type = table_buf[off], elen = table_buf[off + 1];
		if (elen < 2 || off + elen > len)
			break;
		const uint8_t *e = table_buf + off;
		uint32_t f, id;
		if (type == MADT_LAPIC && elen >= 8) {
			memcpy(&f, e + 4, 4);
			if (f & MADT_ENABLED)
				add_cpu(info, e[3]);
		} else if (type == MADT_X2APIC && elen >= 16) {
			memcpy(&id, e + 4, 4);
			memcpy(&f, e + 8, 4);
			if (f & MADT_ENABLED)
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
