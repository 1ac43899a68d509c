/* The i686 entry point: GRUB starts us in 32-bit protected mode, paging off, at the physical
 * address of x86_entry. This code builds PAE boot page tables (low 3 GiB 1:1, and physical
 * 0-1 GiB at KERNEL_VMA = 3 GiB), turns on PAE, EFER.NXE when CPUID has NX, and paging, jumps to
 * the higher half and calls x86_boot_main(magic, mbi). The C code replaces these tables
 * (dropping the 1:1 map) before anything else runs. */
#include "x86.h"
#include "x86_asm.h"
#include "pte.h"

#define PHYS(sym) ((sym) - KERNEL_VMA)
#define PDE_2M    (X86_PTE_P | X86_PTE_RW | X86_PTE_PS)
#define PDPTE     X86_PTE_P           /* PAE PDPT entries have only P (and cache bits) */

	.section .text.boot, "ax"
FUNC(x86_entry)
	cli
	cld
	mov $PHYS(x86_boot_stack_top), %esp
	mov %eax, %edi                  /* multiboot2 magic */
	mov %ebx, %esi                  /* multiboot2 information (physical) */

	/* PAE is a must (it gives NX and RAM above 4 GiB); NX is used when present. */
	mov $1, %eax
	cpuid
	test $X86_CPUID_PAE, %edx
	jz no_pae
	xor %ebp, %ebp
	mov $0x80000000, %eax
	cpuid
	cmp $0x80000001, %eax
	jb 1f
	mov $0x80000001, %eax
	cpuid
	mov %edx, %ebp
1:
	/* boot_pd: three page directories of 2 MiB pages covering physical 0-3 GiB. */
	mov $PHYS(boot_pd), %ebx
	xor %ecx, %ecx
2:	mov %ecx, %eax
	shl $21, %eax
	or $PDE_2M, %eax
	mov %eax, (%ebx, %ecx, 8)
	inc %ecx
	cmp $3 * 512, %ecx
	jb 2b

	/* PDPT[0..2] -> the three directories (1:1); PDPT[3] (KERNEL_VMA) -> the first (0-1 GiB). */
	mov $PHYS(boot_pdpt), %ebx
	mov $PHYS(boot_pd) + PDPTE, %eax
	mov %eax, 0(%ebx)
	mov %eax, 24(%ebx)
	add $4096, %eax
	mov %eax, 8(%ebx)
	add $4096, %eax
	mov %eax, 16(%ebx)

	mov %cr4, %eax
	or $X86_CR4_PAE, %eax
	mov %eax, %cr4
	mov %ebx, %cr3
	test $X86_CPUID_EXT_NX, %ebp
	jz 3f
	mov $X86_MSR_EFER, %ecx
	rdmsr
	or $X86_EFER_NXE, %eax
	wrmsr
3:	mov %cr0, %eax
	or $(X86_CR0_PG | X86_CR0_WP), %eax
	mov %eax, %cr0

	mov $high_half, %eax
	jmp *%eax

no_pae:
	mov $PHYS(msg_no_pae), %esi
	/* Prints the NUL-terminated string at ESI on COM1 and stops with the panic status (3) on
	 * QEMU's isa-debug-exit port: the console is not set up yet, but QEMU's UART sends whatever
	 * is written to it. */
4:	lodsb
	test %al, %al
	jz 5f
	mov $0x3f8, %dx
	out %al, %dx
	jmp 4b
5:	mov $3, %eax
	out %eax, $0xf4
	cli
7:	hlt
	jmp 7b

high_half:
	mov $x86_boot_stack_top, %esp
	xor %ebp, %ebp                  /* end of the frame-pointer chain */
	push %esi
	push %edi
	call x86_boot_main
6:	cli
	hlt
	jmp 6b
END(x86_entry)

	.section .rodata
msg_no_pae:
	.asciz "x86_entry: this CPU has no PAE; cannot run the i686 kernel\r\n"

	.bss
	.balign 4096
boot_pdpt:       .skip 4096         /* only the first 32 bytes are used */
boot_pd:         .skip 3 * 4096
	.globl x86_boot_stack_guard, x86_boot_stack_top
x86_boot_stack_guard:
	.skip 4096                      /* left unmapped by the final page tables */
	.skip X86_BOOT_STACK_SIZE
x86_boot_stack_top:
