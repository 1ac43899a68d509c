/* The i686 trap trampolines: a stub per vector pushes a zero error code (when the CPU pushes
 * none) and the vector number; x86_trap_common saves every general register, the data segment
 * registers and CR2 into a struct trap_frame (layout in trap_frame.h), calls
 * x86_trap_entry(frame) (which acknowledges an IRQ and calls trap_dispatch) and returns with
 * iret, restoring every register from the (possibly modified) frame. x86_trap_resume enters that
 * same exit path with any frame, which is how arch_return_to_user starts user mode.
 * A trap from ring 3 arrives on the TSS's ss0:esp0 stack (arch_set_kernel_stack); the CPU then
 * also pushes the user's ESP and SS, which the frame ends with. */
#include "arch_types.h"
#include "x86.h"
#include "x86_asm.h"

/* The vectors for which the CPU pushes an error code (Intel SDM vol. 3, table 6-1). */
#define HAS_ERROR_CODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || \
			   (v) == 29 || (v) == 30)

	.section .rodata
	.balign 4
	.globl x86_trap_stubs
x86_trap_stubs:                 /* filled below, one .long per stub */

	.text
	.balign 16
	.globl x86_trap_stubs_start
x86_trap_stubs_start:
	.set vector, 0
	.rept X86_IDT_VECTORS
	.balign 16
1:
	.if (HAS_ERROR_CODE(vector)) == 0
	pushl $0
	.endif
	pushl $vector
	jmp x86_trap_common
	.pushsection .rodata
	.long 1b
	.popsection
	.set vector, vector + 1
	.endr

FUNC(x86_trap_common)
	/* The stack holds the vector, the error code and the CPU's frame: make room for the rest. */
	sub $TF_VECTOR, %esp
	mov %eax, TF_EAX(%esp)
	mov %ebx, TF_EBX(%esp)
	mov %ecx, TF_ECX(%esp)
	mov %edx, TF_EDX(%esp)
	mov %esi, TF_ESI(%esp)
	mov %edi, TF_EDI(%esp)
	mov %ebp, TF_EBP(%esp)
	xor %eax, %eax
	mov %ds, %ax
	mov %eax, TF_DS(%esp)
	mov %es, %ax
	mov %eax, TF_ES(%esp)
	mov %fs, %ax
	mov %eax, TF_FS(%esp)
	mov %gs, %ax
	mov %eax, TF_GS(%esp)

	/* CR2 now, before anything else can fault: meaningful only for a page fault. */
	xor %eax, %eax
	cmpl $X86_VECTOR_PAGE_FAULT, TF_VECTOR(%esp)
	jne 1f
	mov %cr2, %eax
1:	mov %eax, TF_CR2(%esp)

	mov $X86_SEL_KERNEL_DATA, %eax  /* a trap from ring 3 arrives with the user's segments */
	mov %ax, %ds
	mov %ax, %es
	cld                             /* the C ABI wants DF clear; iret restores the old flags */
	SMAP_CLAC                       /* user mode (or usercopy) may have left AC set */
	mov %esp, %ebx                  /* callee-saved: the frame, across the call */
	and $-16, %esp                  /* the C ABI's stack alignment at the call */
	sub $12, %esp
	push %ebx
	call x86_trap_entry
	mov %ebx, %esp

x86_trap_restore:                       /* ESP = a trap frame: restore it all and iret */
	mov TF_GS(%esp), %eax
	mov %ax, %gs
	mov TF_FS(%esp), %eax
	mov %ax, %fs
	mov TF_ES(%esp), %eax
	mov %ax, %es
	mov TF_DS(%esp), %eax
	mov %ax, %ds
	mov TF_EAX(%esp), %eax
	mov TF_EBX(%esp), %ebx
	mov TF_ECX(%esp), %ecx
	mov TF_EDX(%esp), %edx
	mov TF_ESI(%esp), %esi
	mov TF_EDI(%esp), %edi
	mov TF_EBP(%esp), %ebp
	add $TF_IP, %esp                /* drop cr2, the vector and the error code */
	iret
END(x86_trap_common)

/* void x86_trap_resume(struct trap_frame *tf): restores every register from TF and returns
 * through it with iret (interrupts must be masked; the stack becomes TF). For a return to
 * ring 3 the frame's ESP and SS are popped too. */
FUNC(x86_trap_resume)
	mov 4(%esp), %esp
	jmp x86_trap_restore
END(x86_trap_resume)
