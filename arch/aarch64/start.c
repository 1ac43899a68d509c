/* aarch64_start: the first C code at the kernel's linked address. It moves the console to its
 * virtual address, finishes struct boot_info (the fields that hold pointers), says how the
 * machine was entered and hands over to kernel_main. */
#include "kernel/arch.h"
#include "kernel/kprintf.h"
#include "arch/aarch64/boot.h"
#include "arch/aarch64/cpu.h"
#include "arch/aarch64/memlayout.h"
#include "arch/aarch64/sysreg.h"

void aarch64_start(void)
{
	struct boot_info *bi = &aarch64_boot_info;
	const struct aarch64_boot_facts *facts = &aarch64_boot_facts;

	uart_set_base(UART_VIRT);
	bi->loader = facts->from_grub ? "GRUB linux (UEFI)" : "UEFI";

	kprintf("aarch64: UEFI %s the kernel at EL%u%s; image at phys %#llx (%llu KiB)\n",
		facts->own_loaded_image ? "loaded and started" : "was handed",
		facts->entry_el, facts->entry_el == 2 ? ", dropped to EL1" : "",
		(unsigned long long)facts->image_phys,
		(unsigned long long)((uintptr_t)_image_end - (uintptr_t)_image_start) >> 10);
	kprintf("aarch64: %llu UEFI map entries; boot page tables %llu KiB at phys %#llx; "
		"TTBR1 %#llx, TCR %#llx\n",
		(unsigned long long)facts->efi_map_entries,
		(unsigned long long)facts->tables_size >> 10, (unsigned long long)facts->tables_phys,
		(unsigned long long)read_sysreg(ttbr1_el1), (unsigned long long)read_sysreg(tcr_el1));
	aarch64_cpu_init();
	kernel_main(bi);
}
