/* ACPI table lookup shared by the arches (kernel/acpi.h). Tables are read by copying: through
 * the direct map when the arch maps them there, otherwise (x86 only, where the firmware puts
 * the tables in "reserved" memory or, on i686, above the direct map) through kmap_frame, which
 * on x86 maps any frame. Every table is checked before use; a bad one is an error code for the
 * caller, never a panic: without ACPI the kernel runs on one CPU. */
#include "kernel/acpi.h"
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

#define RSDP_V1_SIZE 20

#if defined(ARCH_x86_64) || defined(ARCH_i686)
#define KMAP_ANY_FRAME 1             /* x86's kmap_frame maps any physical frame */
#else
#define KMAP_ANY_FRAME 0
#endif

static struct acpi_rsdp rsdp;
static bool have_rsdp;

void acpi_set_rsdp(const void *p, size_t size)
{
	if (size < RSDP_V1_SIZE)
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

/* Copies SIZE bytes at physical PA into DST; returns 0, or -EIO if a page cannot be mapped. */
static int copy_phys(void *dst, paddr_t pa, size_t size)
{
	while (size) {
		paddr_t frame = ALIGN_DOWN(pa, (paddr_t)4096);
		size_t off = (size_t)(pa - frame), n = MIN(size, 4096 - off);
		if (!KMAP_ANY_FRAME && !arch_phys_in_direct_map(frame))
			return -EIO;
		const char *v = kmap_frame(frame);
		memcpy(dst, v + off, n);
		kunmap_frame((void *)v);
		dst = (char *)dst + n;
		pa += n;
		size -= n;
	}
	return 0;
}

int acpi_set_rsdp_phys(paddr_t pa)
{
	struct acpi_rsdp copy;
	if (copy_phys(&copy, pa, RSDP_V1_SIZE))
		return -EIO;
	size_t size = RSDP_V1_SIZE;
	if (copy.revision >= 2 && copy_phys(&copy, pa, sizeof(copy)) == 0)
		size = sizeof(copy);
	acpi_set_rsdp(&copy, size);
	return 0;
}

int acpi_revision(void)
{
	if (!have_rsdp)
		return -ENOENT;
	if (memcmp(rsdp.signature, "RSD PTR ", 8) != 0 || sum_bytes(&rsdp, RSDP_V1_SIZE) != 0 ||
	    (rsdp.revision >= 2 && sum_bytes(&rsdp, sizeof(rsdp)) != 0))
		return -EIO;
	return rsdp.revision;
}

/* Copies the table at PA into BUF (SIZE bytes) after checking it against SIG (NULL: any);
 * returns its length, -ENOSPC, or -EIO. */
static int read_at(paddr_t pa, const char *sig, void *buf, size_t size)
{
	struct acpi_header h;
	if (copy_phys(&h, pa, sizeof(h)))
		return -EIO;
	if ((sig && memcmp(h.signature, sig, 4) != 0) || h.length < sizeof(h))
		return -EIO;
	if (h.length > size)
		return -ENOSPC;
	if (copy_phys(buf, pa, h.length) || sum_bytes(buf, h.length) != 0)
		return -EIO;
	return (int)h.length;
}

#define ROOT_MAX_SIZE 4096           /* 36 + 8 * 507 table pointers: plenty */

int acpi_read_table(const char *sig, void *buf, size_t size)
{
	int rev = acpi_revision();
	if (rev < 0)
		return rev;
	static uint8_t root[ROOT_MAX_SIZE];
	bool xsdt = rev >= 2 && rsdp.xsdt_address;
	paddr_t root_pa = xsdt ? rsdp.xsdt_address : rsdp.rsdt_address;
	int len = read_at(root_pa, xsdt ? "XSDT" : "RSDT", root, sizeof(root));
	if (len < 0) {
		kprintf("acpi: bad %s at %#llx (%d)\n", xsdt ? "XSDT" : "RSDT",
			(unsigned long long)root_pa, len);
		return -EIO;
	}
	size_t entry = xsdt ? 8 : 4, count = (len - sizeof(struct acpi_header)) / entry;
	for (size_t i = 0; i < count; i++) {
		uint64_t pa = 0;
		memcpy(&pa, root + sizeof(struct acpi_header) + i * entry, entry);
		struct acpi_header h;
		if (copy_phys(&h, pa, sizeof(h)) || memcmp(h.signature, sig, 4) != 0)
			continue;
		return read_at(pa, sig, buf, size);
	}
	return -ENOENT;
}
