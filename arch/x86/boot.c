/* x86_boot_main: the C half of x86 boot, shared by i686 and x86_64. Runs on the boot stack in the
 * higher half with the entry assembly's page tables; sets up the console, the GDT and IDT (from
 * here on a fault is reported, not a triple fault), masks the legacy PICs, copies GRUB's boot
 * information, builds the final page tables, turns on WP/SMEP/SMAP and the PAT, measures the TSC
 * and hands over to kernel_main. */
#include "boot.h"
#include "desc.h"
#include "features.h"
#include "multiboot2.h"
#include "paging.h"
#include "pic.h"
#include "serial.h"
#include "timer.h"
#include "trampoline.h"
#include "kernel/arch.h"
#include "kernel/panic.h"

static struct boot_info x86_boot_info;

void x86_boot_main(uint32_t magic, uint32_t mbi_pa)
{
	struct boot_info *bi = &x86_boot_info;

	x86_serial_init();
	x86_gdt_init();
	x86_idt_init();
	x86_pic_disable();

	/* The kernel image comes first: the self-tests and the frame allocator rely on it. */
	paddr_t kernel_base = x86_kernel_phys(__kernel_start);
	boot_reserve(bi, kernel_base, x86_kernel_phys(__kernel_end) - kernel_base);

	/* GRUB's information lies in low memory that the page tables below may reuse: copy it
	 * (it is still mapped 1:1) and reserve it before anything is allocated. */
	x86_multiboot2_parse(magic, mbi_pa, bi);
	x86_smp_reserve_low(bi);           /* the AP trampoline's block below 1 MiB */

	x86_paging_init(bi);
	x86_features_init();
	x86_timer_init();
	kernel_main(bi);
}
