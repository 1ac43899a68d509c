/* The x86 boot path shared by i686 and x86_64: what the assembly entry hands to C, and the
 * linker-script symbols that describe the kernel image. */
#ifndef ARCH_X86_BOOT_H
#define ARCH_X86_BOOT_H

#include "kernel/compiler.h"
#include "x86.h"

/* Linker-script symbols (virtual addresses), each page-aligned except __kernel_start. */
extern char __kernel_start[], __text_end[], __rodata_end[], __kernel_end[];
/* The boot stack in .bss (entry.S): a guard page, then X86_BOOT_STACK_SIZE bytes. */
extern char x86_boot_stack_guard[], x86_boot_stack_top[];

/* The physical address of a kernel-image symbol. */
static inline paddr_t x86_kernel_phys(const void *p)
{
	return (paddr_t)((uintptr_t)p - KERNEL_VMA);
}

/* Called by the assembly entry (in the higher half, on the boot stack, boot page tables still
 * mapping low memory 1:1) with GRUB's EAX and EBX. Never returns. */
__noreturn void x86_boot_main(uint32_t magic, uint32_t mbi_pa);

#endif
