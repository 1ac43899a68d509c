/* The UEFI stub: the C code UEFI runs through efi_entry. It reads the command line from the
 * loaded-image protocol, notes the ACPI RSDP, allocates the boot page-table pool, takes the final memory map, exits
 * boot services, turns the map into struct boot_info, builds the kernel's page tables and
 * switches to them.
 *
 * This file runs at the physical address UEFI loaded the image to, under UEFI's identity map:
 * every address the compiler forms is PC-relative, so globals and functions work, but a pointer
 * stored at link time (a string in an initialized table, &global in a static initializer) holds
 * a kernel virtual address that is not mapped yet. Nothing here dereferences one, and nothing
 * stores a pointer that must outlive the switch (aarch64_start fills those in). */
#include "arch/aarch64/boot.h"
#include "arch/aarch64/memlayout.h"
#include "arch/aarch64/sysreg.h"
#include "kernel/string.h"

/* Boot page tables: 64 pages (256 KiB) are far more than QEMU's map needs (about 15); what is
 * not used goes back to the free memory. */
#define BOOT_PT_POOL_PAGES 64
/* Extra memory-map room for the descriptors our own allocation of the buffer may add. */
#define MAP_SLACK_DESCRIPTORS 16
#define EXIT_BOOT_SERVICES_TRIES 4

struct boot_info aarch64_boot_info;
struct aarch64_boot_facts aarch64_boot_facts;

/* The TTBR0 root once the kernel runs: an empty table, so user-half addresses fault. */
static pte_t empty_user_root[PT_ENTRIES] __aligned(4096);

static const struct efi_guid loaded_image_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID;
static const struct efi_guid acpi_20_guid = EFI_ACPI_20_TABLE_GUID;

/* Records the physical address of the ACPI 2.0 RSDP the firmware lists in its configuration
 * table (the SMP code finds the CPUs and the PSCI conduit in the tables behind it). UEFI's
 * identity map makes the table's pointer its physical address. */
static void find_acpi_rsdp(struct efi_system_table *st)
{
	const struct efi_configuration_table *t = st->configuration_table;
	for (uint64_t i = 0; t && i < st->number_of_table_entries; i++)
		if (memcmp(&t[i].vendor_guid, &acpi_20_guid, sizeof(acpi_20_guid)) == 0)
			aarch64_boot_facts.acpi_rsdp = (uintptr_t)t[i].vendor_table;
}

/* Prints ASCII text S on the firmware console (only while boot services run). */
static void efi_puts(struct efi_system_table *st, const char *s)
{
	efi_char16 buf[64];
	while (*s) {
		unsigned n = 0;
		for (; *s && n + 2 < ARRAY_SIZE(buf); s++) {
			if (*s == '\n')
				buf[n++] = '\r';
			buf[n++] = (unsigned char)*s;
		}
		buf[n] = 0;
		st->con_out->output_string(st->con_out, buf);
	}
}

/* Prints MSG and the UEFI status code in hex, and returns STATUS (for `return efi_fail(...)`). */
static efi_status efi_fail(struct efi_system_table *st, const char *msg, efi_status status)
{
	char text[] = " (status 0x0000000000000000)\n";
	for (int i = 0; i < 16; i++)
		text[11 + i] = "0123456789abcdef"[(status >> (60 - 4 * i)) & 0xf];
	efi_puts(st, "aarch64 EFI stub: ");
	efi_puts(st, msg);
	efi_puts(st, text);
	return status;
}

/* Copies the UTF-16 load options (GRUB puts "BOOT_IMAGE=/boot/kernel <args>" there) into
 * BI->cmdline as ASCII; characters outside ASCII become '?'. */
static void copy_cmdline(struct boot_info *bi, const struct efi_loaded_image *li)
{
	const efi_char16 *opt = li->load_options;
	size_t len = opt ? li->load_options_size / sizeof(efi_char16) : 0;
	size_t n = 0;
	for (size_t i = 0; i < len && opt[i] && n + 1 < sizeof(bi->cmdline); i++)
		bi->cmdline[n++] = opt[i] < 0x80 ? (char)opt[i] : '?';
	while (n > 0 && bi->cmdline[n - 1] == ' ')
		n--;
	bi->cmdline[n] = 0;
	aarch64_boot_facts.from_grub = strncmp(bi->cmdline, "BOOT_IMAGE=", 11) == 0;
}

/* Which struct boot_info type a UEFI memory type becomes. */
static enum boot_mem_type efi_type_to_boot(uint32_t type)
{
	switch (type) {
	case EFI_CONVENTIONAL_MEMORY:
	case EFI_BOOT_SERVICES_CODE:
	case EFI_BOOT_SERVICES_DATA:
	case EFI_LOADER_CODE:
	case EFI_LOADER_DATA:
		return BOOT_MEM_USABLE;
	case EFI_ACPI_RECLAIM_MEMORY:
		return BOOT_MEM_ACPI_RECLAIM;
	case EFI_ACPI_MEMORY_NVS:
		return BOOT_MEM_ACPI_NVS;
	case EFI_RUNTIME_SERVICES_CODE:
	case EFI_RUNTIME_SERVICES_DATA:
		return BOOT_MEM_FW_RUNTIME;
	case EFI_UNUSABLE_MEMORY:
		return BOOT_MEM_BAD;
	default:                     /* reserved, MMIO, PAL code, persistent, unaccepted */
		return BOOT_MEM_RESERVED;
	}
}

/* Fills BI's memory map from the UEFI map. Halts if the table overflows. */
static void convert_memory_map(struct boot_info *bi, const struct efi_memory_descriptor *map,
			       uint64_t map_size, uint64_t desc_size)
{
	for (uint64_t off = 0; off + desc_size <= map_size; off += desc_size) {
		const struct efi_memory_descriptor *d = (const void *)((const char *)map + off);
		if (!boot_mem_add(bi, d->physical_start, d->number_of_pages * PAGE_SIZE,
				  efi_type_to_boot(d->type)))
			boot_fail("memory map: more than BOOT_MEM_MAX_RANGES ranges");
		aarch64_boot_facts.efi_map_entries++;
	}
}

/* Takes the final memory map into a buffer of LoaderData pages and exits boot services. On
 * success *MAP, *MAP_SIZE and *DESC_SIZE describe the map as it was at exit. */
static efi_status exit_boot_services(efi_handle image, struct efi_system_table *st,
				     struct efi_memory_descriptor **map, uint64_t *map_size,
				     uint64_t *desc_size)
{
	struct efi_boot_services *bs = st->boot_services;
	uint64_t size = 0, key, buf_phys;
	uint32_t version;

	efi_status status = bs->get_memory_map(&size, NULL, &key, desc_size, &version);
	if (status != EFI_BUFFER_TOO_SMALL)
		return efi_fail(st, "GetMemoryMap did not report its size", status);
	uint64_t capacity = ALIGN_UP(size + MAP_SLACK_DESCRIPTORS * *desc_size, PAGE_SIZE);
	status = bs->allocate_pages(EFI_ALLOCATE_ANY_PAGES, EFI_LOADER_DATA, capacity / PAGE_SIZE,
				    &buf_phys);
	if (status != EFI_SUCCESS)
		return efi_fail(st, "cannot allocate the memory map buffer", status);
	*map = (struct efi_memory_descriptor *)buf_phys;

	/* ExitBootServices fails with EFI_INVALID_PARAMETER if the map changed since it was read
	 * (an event may allocate); read it again, without allocating, and retry. After a failed
	 * ExitBootServices only these two services may be used, so the console is the PL011. */
	for (int tries = 0; tries < EXIT_BOOT_SERVICES_TRIES; tries++) {
		size = capacity;
		status = bs->get_memory_map(&size, *map, &key, desc_size, &version);
		if (status != EFI_SUCCESS)
			break;
		status = bs->exit_boot_services(image, key);
		if (status == EFI_SUCCESS) {
			*map_size = size;
			return EFI_SUCCESS;
		}
	}
	if (status == EFI_BUFFER_TOO_SMALL)
		boot_fail("ExitBootServices: the memory map outgrew its buffer");
	boot_fail("ExitBootServices failed");
}

efi_status efi_main(efi_handle image, struct efi_system_table *st)
{
	struct efi_boot_services *bs = st->boot_services;
	struct boot_info *bi = &aarch64_boot_info;
	struct aarch64_boot_facts *facts = &aarch64_boot_facts;

	facts->entry_el = current_el();
	facts->image_phys = (uintptr_t)_image_start;
	if (facts->entry_el != 1 && facts->entry_el != 2)
		return efi_fail(st, "UEFI must start the kernel at EL1 or EL2", EFI_UNSUPPORTED);

	struct efi_loaded_image *li;
	efi_status status = bs->handle_protocol(image, &loaded_image_guid, (void **)&li);
	if (status != EFI_SUCCESS)
		return efi_fail(st, "no EFI_LOADED_IMAGE_PROTOCOL on our handle", status);
	copy_cmdline(bi, li);
	find_acpi_rsdp(st);
	facts->own_loaded_image = (uintptr_t)li->image_base == (uintptr_t)_image_start;

	struct boot_pt_pool pool = { .pages = BOOT_PT_POOL_PAGES };
	status = bs->allocate_pages(EFI_ALLOCATE_ANY_PAGES, EFI_LOADER_DATA, pool.pages, &pool.base);
	if (status != EFI_SUCCESS)
		return efi_fail(st, "cannot allocate the boot page tables", status);

	struct efi_memory_descriptor *map = NULL;
	uint64_t map_size = 0, desc_size = 0;
	status = exit_boot_services(image, st, &map, &map_size, &desc_size);
	if (status != EFI_SUCCESS)
		return status;

	/* Boot services are gone: from here on the console is the PL011, failures halt. */
	__asm__ volatile("msr daifset, #0xf" ::: "memory");
	convert_memory_map(bi, map, map_size, desc_size);

	pte_t *idmap_root;
	unsigned kept;
	pte_t *kernel_root = boot_paging_build(&pool, map, map_size, desc_size, &idmap_root, &kept);
	facts->kernel_root_phys = (uintptr_t)kernel_root;
	facts->tables_phys = pool.base;
	facts->tables_size = (paddr_t)kept * PAGE_SIZE;

	/* reserved[0] is the kernel image, then the page tables it keeps running on. */
	boot_reserve(bi, (uintptr_t)_image_start, (uintptr_t)_image_end - (uintptr_t)_image_start);
	boot_reserve(bi, facts->tables_phys, facts->tables_size);

	uintptr_t link_delta = KERNEL_VBASE - (uintptr_t)_image_start;
	aarch64_enter_kernel(idmap_root, kernel_root, boot_paging_tcr(),
			     (uintptr_t)boot_stack_top + link_delta,
			     (void (*)(void))((uintptr_t)aarch64_start + link_delta),
			     (uintptr_t)empty_user_root);
}
