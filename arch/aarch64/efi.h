/* The small part of the UEFI 2.x interface the aarch64 boot code uses: the system table, boot
 * services up to ExitBootServices, the text console, the loaded-image protocol and the memory
 * map. Field order is the UEFI specification's (sections 4.3, 4.4, 7.2, 9.1, 12.4). On AArch64
 * UEFI uses the ordinary AAPCS64 calling convention, so the function pointers need no attribute. */
#ifndef ARCH_AARCH64_EFI_H
#define ARCH_AARCH64_EFI_H

#include "kernel/compiler.h"

typedef uint64_t efi_status;
typedef void *efi_handle;
typedef uint16_t efi_char16;

#define EFI_SUCCESS              0ul
#define EFI_ERROR_BIT            (1ul << 63)
#define EFI_LOAD_ERROR           (EFI_ERROR_BIT | 1)
#define EFI_INVALID_PARAMETER    (EFI_ERROR_BIT | 2)
#define EFI_UNSUPPORTED          (EFI_ERROR_BIT | 3)
#define EFI_BUFFER_TOO_SMALL     (EFI_ERROR_BIT | 5)
#define EFI_OUT_OF_RESOURCES     (EFI_ERROR_BIT | 9)

struct efi_guid {
	uint32_t data1;
	uint16_t data2, data3;
	uint8_t data4[8];
} __aligned(8);

struct efi_table_header {
	uint64_t signature;
	uint32_t revision;
	uint32_t header_size;
	uint32_t crc32;
	uint32_t reserved;
};

enum efi_memory_type {
	EFI_RESERVED_MEMORY = 0,
	EFI_LOADER_CODE,
	EFI_LOADER_DATA,
	EFI_BOOT_SERVICES_CODE,
	EFI_BOOT_SERVICES_DATA,
	EFI_RUNTIME_SERVICES_CODE,
	EFI_RUNTIME_SERVICES_DATA,
	EFI_CONVENTIONAL_MEMORY,
	EFI_UNUSABLE_MEMORY,
	EFI_ACPI_RECLAIM_MEMORY,
	EFI_ACPI_MEMORY_NVS,
	EFI_MEMORY_MAPPED_IO,
	EFI_MEMORY_MAPPED_IO_PORT_SPACE,
	EFI_PAL_CODE,
	EFI_PERSISTENT_MEMORY,
	EFI_UNACCEPTED_MEMORY,
};

#define EFI_MEMORY_WB       (1ul << 3)     /* cacheable write-back: this is RAM */
#define EFI_MEMORY_RUNTIME  (1ul << 63)

/* One entry of GetMemoryMap's array; entries are desc_size bytes apart, which may be more. */
struct efi_memory_descriptor {
	uint32_t type;
	uint32_t pad;
	uint64_t physical_start;
	uint64_t virtual_start;
	uint64_t number_of_pages;          /* 4 KiB pages */
	uint64_t attribute;
};

enum efi_allocate_type { EFI_ALLOCATE_ANY_PAGES = 0, EFI_ALLOCATE_MAX_ADDRESS, EFI_ALLOCATE_ADDRESS };

struct efi_simple_text_output {
	efi_status (*reset)(struct efi_simple_text_output *self, bool extended);
	efi_status (*output_string)(struct efi_simple_text_output *self, const efi_char16 *s);
	/* further members unused */
};

struct efi_boot_services {
	struct efi_table_header hdr;
	void *raise_tpl, *restore_tpl;
	efi_status (*allocate_pages)(enum efi_allocate_type type, enum efi_memory_type mem_type,
				     uint64_t pages, uint64_t *address);
	efi_status (*free_pages)(uint64_t address, uint64_t pages);
	efi_status (*get_memory_map)(uint64_t *map_size, struct efi_memory_descriptor *map,
				     uint64_t *map_key, uint64_t *desc_size, uint32_t *desc_version);
	efi_status (*allocate_pool)(enum efi_memory_type type, uint64_t size, void **buffer);
	efi_status (*free_pool)(void *buffer);
	void *create_event, *set_timer, *wait_for_event, *signal_event, *close_event, *check_event;
	void *install_protocol_interface, *reinstall_protocol_interface;
	void *uninstall_protocol_interface;
	efi_status (*handle_protocol)(efi_handle handle, const struct efi_guid *protocol,
				      void **interface);
	void *reserved, *register_protocol_notify, *locate_handle, *locate_device_path;
	void *install_configuration_table, *load_image, *start_image, *exit, *unload_image;
	efi_status (*exit_boot_services)(efi_handle image, uint64_t map_key);
	/* further members unused */
};

struct efi_system_table {
	struct efi_table_header hdr;
	const efi_char16 *firmware_vendor;
	uint32_t firmware_revision;
	efi_handle console_in_handle;
	void *con_in;
	efi_handle console_out_handle;
	struct efi_simple_text_output *con_out;
	efi_handle standard_error_handle;
	struct efi_simple_text_output *std_err;
	void *runtime_services;
	struct efi_boot_services *boot_services;
	uint64_t number_of_table_entries;
	void *configuration_table;
};

/* One entry of the system table's configuration table: a GUID and the table it names. */
struct efi_configuration_table {
	struct efi_guid vendor_guid;
	void *vendor_table;
};

#define EFI_ACPI_20_TABLE_GUID \
	{ 0x8868e871, 0xe4f1, 0x11d3, { 0xbc, 0x22, 0x00, 0x80, 0xc7, 0x3c, 0x88, 0x81 } }

#define EFI_LOADED_IMAGE_PROTOCOL_GUID \
	{ 0x5b1b31a1, 0x9562, 0x11d2, { 0x8e, 0x3f, 0x00, 0xa0, 0xc9, 0x69, 0x72, 0x3b } }

struct efi_loaded_image {
	uint32_t revision;
	efi_handle parent_handle;
	struct efi_system_table *system_table;
	efi_handle device_handle;
	void *file_path;
	void *reserved;
	uint32_t load_options_size;        /* bytes */
	void *load_options;                /* UTF-16 command line when started by a Linux loader */
	void *image_base;
	uint64_t image_size;
	enum efi_memory_type image_code_type, image_data_type;
	void *unload;
};

_Static_assert(sizeof(struct efi_memory_descriptor) == 40, "UEFI memory descriptor");
_Static_assert(offsetof(struct efi_boot_services, exit_boot_services) == 24 + 26 * 8,
	       "ExitBootServices is the 27th boot service");
_Static_assert(offsetof(struct efi_system_table, boot_services) == 96, "EFI_SYSTEM_TABLE layout");

#endif
