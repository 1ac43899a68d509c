/* What the pieces of the aarch64 boot path tell each other: the UEFI stub (efi_boot.c), the boot
 * page-table builder (boot_paging.c), the switch code (head.S) and the first C code at the
 * linked address (start.c). Everything before aarch64_start runs at the physical load address:
 * pointers there are physical and only PC-relative addressing works. */
#ifndef ARCH_AARCH64_BOOT_H
#define ARCH_AARCH64_BOOT_H

#include "kernel/boot_info.h"
#include "arch/aarch64/pte.h"
#include "arch/aarch64/efi.h"
#include "arch_types.h"

/* Linker-script symbols; their addresses, taken in C, are run-time (physical before the switch). */
extern char _image_start[], _text_start[], _text_end[], _rodata_end[], _data_start[];
extern char _image_end[], __idmap_start[], __idmap_end[], __stack_guard[];
extern char boot_stack_bottom[], boot_stack_top[];
extern char aarch64_vectors[];

/* The boot information handed to kernel_main; filled by the stub, finished by aarch64_start. */
extern struct boot_info aarch64_boot_info;

/* Facts the stub records for later. */
struct aarch64_boot_facts {
	unsigned entry_el;          /* 2 if UEFI ran at EL2 (the kernel then dropped to EL1) */
	bool from_grub;             /* the command line carried GRUB's BOOT_IMAGE= */
	bool own_loaded_image;      /* our handle's loaded image is this image: UEFI's LoadImage
				       placed it (not a loader jumping into its own copy) */
	paddr_t image_phys;         /* where UEFI loaded the image */
	paddr_t tables_phys;        /* the kept boot page tables: [tables_phys, +tables_size) */
	paddr_t tables_size;
	paddr_t kernel_root_phys;   /* TTBR1 */
	uint64_t efi_map_entries;   /* descriptors in the final UEFI memory map */
	paddr_t acpi_rsdp;          /* the ACPI 2.0 RSDP from the UEFI configuration table, or 0 */
};
extern struct aarch64_boot_facts aarch64_boot_facts;

/* The RAM ranges the direct map covers (sorted, merged), recorded by boot_paging_build. */
#define DIRECT_MAP_MAX_RANGES 32
struct aarch64_direct_map {
	unsigned count;
	struct { paddr_t base, end; } range[DIRECT_MAP_MAX_RANGES];
};
extern struct aarch64_direct_map aarch64_direct_map;

/* efi_main: the UEFI stub, called by efi_entry. Returns a UEFI status only if it fails before
 * ExitBootServices; otherwise it never returns. */
efi_status efi_main(efi_handle image, struct efi_system_table *st);

/* A bump allocator of zeroed page-table pages over a block UEFI allocated. */
struct boot_pt_pool {
	paddr_t base;
	unsigned pages;
	unsigned used;
};

/* Builds the kernel's TTBR1 tables (image, UART, direct map of every RAM range of MAP) and the
 * temporary identity map of the switch page, from POOL. Returns the TTBR1 root; *IDMAP_ROOT
 * gets the TTBR0 root. The identity map is allocated last, so that pages [0, *KEPT) of the pool
 * are all the kernel keeps. Runs after ExitBootServices; halts on failure. */
pte_t *boot_paging_build(struct boot_pt_pool *pool, const struct efi_memory_descriptor *map,
			 uint64_t map_size, uint64_t desc_size, pte_t **idmap_root, unsigned *kept);

/* The TCR_EL1 value for this CPU: 48-bit VAs, 4 KiB granule, its physical address size. */
uint64_t boot_paging_tcr(void);

/* In head.S: switches to the kernel's tables and calls ENTRY at its linked address. */
__noreturn void aarch64_enter_kernel(pte_t *idmap_root, pte_t *kernel_root, uint64_t tcr,
				     uintptr_t stack_top, void (*entry)(void), paddr_t user_root);

/* The first C code at the linked address, on the boot stack, vectors installed. */
__noreturn void aarch64_start(void);

/* Writes S to the PL011 at whatever address the console currently uses, and stops the CPU.
 * For failures after ExitBootServices, before the kernel console exists. */
__noreturn void boot_fail(const char *s);

/* Console: the PL011 is reached at its physical address until aarch64_start moves it. */
void uart_puts(const char *s);
void uart_set_base(uintptr_t base);

/* The C handler every vector trampoline calls: arch-private cases, then trap_dispatch. */
void aarch64_trap_entry(struct trap_frame *tf);

/* lib.S: a semihosting call; returns -1 (instead of trapping) where semihosting is off. */
long aarch64_semihosting_call(unsigned long op, void *arg);
extern char aarch64_semihosting_insn[];

#endif
