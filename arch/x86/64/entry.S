/* The x86_64 entry point: GRUB starts us in 32-bit protected mode, paging off, at the physical
 * address of x86_entry. This code builds boot page tables (low 4 GiB 1:1, and physical 0-2 GiB
 * at KERNEL_VMA), turns on PAE, EFER.LME (+NXE when CPUID has NX) and paging, enters 64-bit mode,
 * jumps to the higher half and calls x86_boot_main(magic, mbi). The C code replaces these tables
 * (dropping the 1:1 map) before anything else runs. */
#include "x86.h"
#include "x86_asm.h"
#include "pte.h"

#define PHYS(sym) ((sym) - KERNEL_VMA)
#define PDE_2M    (X86_PTE_P | X86_PTE_RW | X86_PTE_PS)
#define TABLE     (X86_PTE_P | X86_PTE_RW)

	.section .text.boot, "ax"
	.code32
FUNC(x86_entry)
	cli
	cld
	mov $PHYS(x86_boot_stack_top), %esp
	mov %eax, %edi                  /* multiboot2 magic, first argument of x86_boot_main */
	mov %ebx, %esi                  /* multiboot2 information (physical), second argument */

	/* Long mode is a must; remember the extended features for NX. */
	mov $0x80000000, %eax
	cpuid
	cmp $0x80000001, %eax
	jb no_long_mode
	mov $0x80000001, %eax
	cpuid
	test $X86_CPUID_EXT_LM, %edx
	jz no_long_mode
	mov %edx, %ebp

	/* boot_pd: four page directories of 2 MiB pages covering physical 0-4 GiB. */
	mov $PHYS(boot_pd), %ebx
	xor %ecx, %ecx
1:	mov %ecx, %eax
	shl $21, %eax
	or $PDE_2M, %eax
	mov %eax, (%ebx, %ecx, 8)
	inc %ecx
	cmp $4 * 512, %ecx
	jb 1b

	/* Low half: PML4[0] -> PDPT[0..3] -> the four directories (1:1, 0-4 GiB). */
	mov $PHYS(boot_pdpt_low), %ebx
	mov $PHYS(boot_pd) + TABLE, %eax
	mov %eax, 0(%ebx)
	add $4096, %eax
	mov %eax, 8(%ebx)
	add $4096, %eax
	mov %eax, 16(%ebx)
	add $4096, %eax
	mov %eax, 24(%ebx)
	/* Kernel window: PML4[511] -> PDPT[510..511] -> the first two directories (0-2 GiB). */
	mov $PHYS(boot_pdpt_high), %ebx
	mov $PHYS(boot_pd) + TABLE, %eax
	mov %eax, 510 * 8(%ebx)
	add $4096, %eax
	mov %eax, 511 * 8(%ebx)
	mov $PHYS(boot_pml4), %ebx
	movl $PHYS(boot_pdpt_low) + TABLE, 0(%ebx)
	movl $PHYS(boot_pdpt_high) + TABLE, 511 * 8(%ebx)

	/* PAE, the tables, long mode (and NX) in EFER, then paging with write protection. */
	mov %cr4, %eax
	or $X86_CR4_PAE, %eax
	mov %eax, %cr4
	mov %ebx, %cr3
	mov $X86_MSR_EFER, %ecx
	rdmsr
	or $X86_EFER_LME, %eax
	test $X86_CPUID_EXT_NX, %ebp
	jz 2f
	or $X86_EFER_NXE, %eax
2:	wrmsr
	mov %cr0, %eax
	or $(X86_CR0_PG | X86_CR0_WP), %eax
	mov %eax, %cr0

	/* Now in compatibility mode; a 64-bit code segment takes us to 64-bit mode. */
	lgdt PHYS(boot_gdt_ptr)
	ljmp $X86_SEL_KERNEL_CODE, $PHYS(long_mode_low)

no_long_mode:
	mov $PHYS(msg_no_long_mode), %esi
	/* Prints the NUL-terminated string at ESI on COM1 and stops with the panic status (3) on
	 * QEMU's isa-debug-exit port: the console is not set up yet, but QEMU's UART sends whatever
	 * is written to it. */
3:	lodsb
	test %al, %al
	jz 4f
	mov $0x3f8, %dx
	out %al, %dx
	jmp 3b
4:	mov $3, %eax
	out %eax, $0xf4
	cli
7:	hlt
	jmp 7b
END(x86_entry)

	.code64
long_mode_low:
	movabs $long_mode_high, %rax
	jmp *%rax
long_mode_high:
	mov $X86_SEL_KERNEL_DATA, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	xor %eax, %eax
	mov %eax, %fs
	mov %eax, %gs
	lea x86_boot_stack_top(%rip), %rsp
	mov %edi, %edi                  /* the upper halves are undefined after the mode switch */
	mov %esi, %esi
	xor %ebp, %ebp                  /* end of the frame-pointer chain */
	call x86_boot_main
5:	cli
	hlt
	jmp 5b

	.section .rodata
	.balign 8
/* Just enough GDT for the jump to 64-bit mode; arch/x86/gdt.c installs the real one. */
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff        /* 0x08: 64-bit code, DPL 0 */
	.quad 0x00cf92000000ffff        /* 0x10: data, DPL 0 */
boot_gdt_end:
boot_gdt_ptr:
	.word boot_gdt_end - boot_gdt - 1
	.long PHYS(boot_gdt)
msg_no_long_mode:
	.asciz "x86_entry: this CPU has no long mode; cannot run the x86_64 kernel\r\n"

	.bss
	.balign 4096
boot_pml4:       .skip 4096
boot_pdpt_low:   .skip 4096
boot_pdpt_high:  .skip 4096
boot_pd:         .skip 4 * 4096
	.globl x86_boot_stack_guard, x86_boot_stack_top
x86_boot_stack_guard:
	.skip 4096                      /* left unmapped by the final page tables */
	.skip X86_BOOT_STACK_SIZE
x86_boot_stack_top:
