/* The x86_64 trap trampolines: a stub per vector pushes a zero error code (when the CPU pushes
 * none) and the vector number; x86_trap_common saves every general register and CR2 into a
 * struct trap_frame (layout in trap_frame.h), calls x86_trap_entry(frame) (which acknowledges an
 * IRQ and calls trap_dispatch) and returns with iretq, restoring every register from the
 * (possibly modified) frame. x86_trap_resume enters that same exit path with any frame, which is
 * how arch_return_to_user starts user mode.
 * A trap from ring 3 arrives on the TSS's rsp0 stack (arch_set_kernel_stack) with all five CPU
 * words. No swapgs: the kernel does not use GS (no per-CPU data yet), so the user's GS base
 * stays loaded in the kernel and is given back untouched. */
#include "arch_types.h"
#include "x86.h"
#include "x86_asm.h"

/* The vectors for which the CPU pushes an error code (Intel SDM vol. 3, table 6-1). */
#define HAS_ERROR_CODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || \
			   (v) == 29 || (v) == 30)

	.section .rodata
	.balign 8
	.globl x86_trap_stubs
x86_trap_stubs:                 /* filled below, one .quad per stub */

	.text
	.balign 16
	.globl x86_trap_stubs_start
x86_trap_stubs_start:
	.set vector, 0
	.rept X86_IDT_VECTORS
	.balign 16
1:
	.if (HAS_ERROR_CODE(vector)) == 0
	pushq $0
	.endif
	pushq $vector
	jmp x86_trap_common
	.pushsection .rodata
	.quad 1b
	.popsection
	.set vector, vector + 1
	.endr

FUNC(x86_trap_common)
	/* The stack holds the vector, the error code and the CPU's frame: make room for the rest. */
	sub $TF_VECTOR, %rsp
	mov %rax, TF_RAX(%rsp)
	mov %rbx, TF_RBX(%rsp)
	mov %rcx, TF_RCX(%rsp)
	mov %rdx, TF_RDX(%rsp)
	mov %rsi, TF_RSI(%rsp)
	mov %rdi, TF_RDI(%rsp)
	mov %rbp, TF_RBP(%rsp)
	mov %r8, TF_R8(%rsp)
	mov %r9, TF_R9(%rsp)
	mov %r10, TF_R10(%rsp)
	mov %r11, TF_R11(%rsp)
	mov %r12, TF_R12(%rsp)
	mov %r13, TF_R13(%rsp)
	mov %r14, TF_R14(%rsp)
	mov %r15, TF_R15(%rsp)

	/* CR2 now, before anything else can fault: meaningful only for a page fault. */
	xor %eax, %eax
	cmpq $X86_VECTOR_PAGE_FAULT, TF_VECTOR(%rsp)
	jne 1f
	mov %cr2, %rax
1:	mov %rax, TF_CR2(%rsp)

	cld                             /* the C ABI wants DF clear; iretq restores the old flags */
	SMAP_CLAC                       /* user mode (or usercopy) may have left AC set */
	mov %rsp, %rdi
	mov %rsp, %rbx                  /* callee-saved: the frame, across the call */
	and $-16, %rsp                  /* the C ABI's stack alignment */
	call x86_trap_entry
	mov %rbx, %rsp

x86_trap_restore:                       /* RSP = a trap frame: restore it all and iretq */
	mov TF_RAX(%rsp), %rax
	mov TF_RBX(%rsp), %rbx
	mov TF_RCX(%rsp), %rcx
	mov TF_RDX(%rsp), %rdx
	mov TF_RSI(%rsp), %rsi
	mov TF_RDI(%rsp), %rdi
	mov TF_RBP(%rsp), %rbp
	mov TF_R8(%rsp), %r8
	mov TF_R9(%rsp), %r9
	mov TF_R10(%rsp), %r10
	mov TF_R11(%rsp), %r11
	mov TF_R12(%rsp), %r12
	mov TF_R13(%rsp), %r13
	mov TF_R14(%rsp), %r14
	mov TF_R15(%rsp), %r15
	add $TF_IP, %rsp                /* drop cr2, the vector and the error code */
	iretq
END(x86_trap_common)

/* void x86_trap_resume(struct trap_frame *tf): restores every register from TF and returns
 * through it with iretq (interrupts must be masked; the stack becomes TF). */
FUNC(x86_trap_resume)
	mov %rdi, %rsp
	jmp x86_trap_restore
END(x86_trap_resume)
