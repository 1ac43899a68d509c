/* The real-mode start of an application processor, shared by i686 and x86_64. A STARTUP IPI
 * starts the AP in real mode at CS = block >> 4, IP = 0, where arch/x86/smp.c copied the bytes
 * between x86_trampoline_start and x86_trampoline_end and filled the parameter block. EBX holds
 * the block's physical address from the first instructions on (the code is position-independent
 * in real mode; in protected and 64-bit mode it addresses the block through EBX). The steps:
 * real mode -> 32-bit protected mode (the block's GDT) -> PAE paging on the temporary tables,
 * which map the block 1:1 and the kernel half like the kernel's tables -> (x86_64: long mode, a
 * 64-bit code segment) -> a jump to x86_ap_entry in the kernel's text, which loads the kernel's
 * own tables, takes the AP's stack and calls x86_ap_main(cpu). Interrupts stay masked and no IDT
 * is loaded until x86_ap_main: a fault in here resets the machine. */
#include "x86.h"
#include "x86_asm.h"
#include "trampoline.h"

#define D(field) (TRAMP_DATA + (field))

	.section .rodata.trampoline, "a"
	.balign 16
	.globl x86_trampoline_start, x86_trampoline_end, x86_trampoline_pm32, x86_trampoline_lm64
	.code16
x86_trampoline_start:
	cli
	cld
	mov %cs, %ax
	mov %ax, %ds
	xor %ebx, %ebx
	mov %ax, %bx
	shl $4, %ebx                    /* EBX = the block's physical address */
	movl $1, D(TD_STARTED)
	lgdtl D(TD_GDTR)
	mov %cr0, %eax
	or $X86_CR0_PE, %eax
	mov %eax, %cr0
	ljmpl *D(TD_PM_JUMP)

	.code32
x86_trampoline_pm32:
	mov $TRAMP_SEL_DATA, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	xor %eax, %eax
	mov %ax, %fs
	mov %ax, %gs
	mov %cr4, %eax
	or $X86_CR4_PAE, %eax
	mov %eax, %cr4
	mov D(TD_CR3_TEMP)(%ebx), %eax
	mov %eax, %cr3
	mov D(TD_EFER_SET)(%ebx), %esi
	test %esi, %esi
	jz 1f
	mov $X86_MSR_EFER, %ecx
	rdmsr
	or %esi, %eax
	wrmsr
1:	mov %cr0, %eax
	or $(X86_CR0_PG | X86_CR0_WP), %eax
	mov %eax, %cr0
#if X86_PT_LEVELS == 4
	ljmpl *D(TD_LM_JUMP)(%ebx)      /* long mode is active: into a 64-bit code segment */

	.code64
x86_trampoline_lm64:
	mov %ebx, %ebx                  /* the upper halves are undefined after the mode switch */
	mov D(TD_STACK)(%rbx), %rsp
	mov D(TD_CPU)(%rbx), %rdi
	mov D(TD_CR3_KERNEL)(%rbx), %rax
	mov D(TD_ENTRY)(%rbx), %rcx
	jmp *%rcx
#else
x86_trampoline_lm64:                    /* no 64-bit part on i686 */
	mov D(TD_STACK)(%ebx), %esp
	mov D(TD_CPU)(%ebx), %edx
	mov D(TD_CR3_KERNEL)(%ebx), %eax
	mov D(TD_ENTRY)(%ebx), %ecx
	jmp *%ecx
#endif

	.org TRAMP_DATA
	.skip TD_GDT
	.balign 8
	.quad 0
	.quad 0x00cf9a000000ffff        /* 0x08: 32-bit code, base 0, 4 GiB */
	.quad 0x00cf92000000ffff        /* 0x10: data, base 0, 4 GiB */
	.quad 0x00af9a000000ffff        /* 0x18: 64-bit code */
x86_trampoline_end:

	.text
/* In the kernel's text, still on the temporary tables: switch to the kernel's tables (which do
 * not map the block), then call x86_ap_main(cpu) on the AP's stack. x86_64: RAX = kernel CR3,
 * RDI = cpu, RSP = stack. i686: EAX = kernel CR3, EDX = cpu, ESP = stack. */
FUNC(x86_ap_entry)
#if X86_PT_LEVELS == 4
	mov %rax, %cr3
	xor %ebp, %ebp
	call x86_ap_main
#else
	mov %eax, %cr3
	xor %ebp, %ebp
	push %edx
	call x86_ap_main
#endif
2:	cli
	hlt
	jmp 2b
END(x86_ap_entry)
