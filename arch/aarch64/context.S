/* Switching between kernel contexts, and the one way into user mode.
 *
 * arch_context_switch saves the AAPCS64 callee-saved registers (x19-x28, fp, lr) and sp into
 * FROM and loads TO's; the caller-saved ones are dead across the call by the ABI. A new context
 * (arch_context_init) starts in aarch64_context_start with fn in x19 and arg in x20.
 *
 * arch_return_to_user loads every register from a trap frame and erets to EL0. Which kernel
 * stack the next trap from EL0 lands on: exceptions from EL0 use SP_EL1, which is simply the
 * EL1 stack pointer at the time of the eret. So arch_return_to_user sets sp to the top given
 * to arch_set_kernel_stack on this CPU (aarch64_user_kstack_top[cpu id]) just before the eret,
 * and the next trap
 * from user mode pushes its frame at exactly kstack_top - TF_SIZE. The ordinary trap return
 * (vectors.S) keeps that invariant by itself: it pops the frame and erets with sp = frame +
 * TF_SIZE = that same top. So a context's user trap frame always sits at the top of its own
 * kernel stack, and switching contexts needs no per-switch work for it on aarch64. */
#include "arch/aarch64/arch_types.h"
#include "arch/aarch64/sysreg.h"

	.text

/* void arch_context_switch(struct arch_context *from, struct arch_context *to) */
	.global arch_context_switch
	.type arch_context_switch, %function
arch_context_switch:
	stp	x19, x20, [x0, #CTX_X19 + 0]
	stp	x21, x22, [x0, #CTX_X19 + 16]
	stp	x23, x24, [x0, #CTX_X19 + 32]
	stp	x25, x26, [x0, #CTX_X19 + 48]
	stp	x27, x28, [x0, #CTX_X19 + 64]
	stp	x29, x30, [x0, #CTX_X29]
	mov	x9, sp
	str	x9, [x0, #CTX_SP]

	ldp	x19, x20, [x1, #CTX_X19 + 0]
	ldp	x21, x22, [x1, #CTX_X19 + 16]
	ldp	x23, x24, [x1, #CTX_X19 + 32]
	ldp	x25, x26, [x1, #CTX_X19 + 48]
	ldp	x27, x28, [x1, #CTX_X19 + 64]
	ldp	x29, x30, [x1, #CTX_X29]
	ldr	x9, [x1, #CTX_SP]
	mov	sp, x9
	ret
	.size arch_context_switch, . - arch_context_switch

/* The first code of a new context: fn(arg) with interrupts masked; fn must not return. */
	.global aarch64_context_start
	.type aarch64_context_start, %function
aarch64_context_start:
	msr	daifset, #3
	mov	x0, x20
	blr	x19
	bl	aarch64_context_returned	/* panics */
	.size aarch64_context_start, . - aarch64_context_start

/* void arch_return_to_user(struct trap_frame *tf): never returns. */
	.global arch_return_to_user
	.type arch_return_to_user, %function
arch_return_to_user:
	msr	daifset, #0xf			/* ELR/SPSR/SP_EL0 must survive until the eret */
	ldp	x1, x2, [x0, #TF_ELR]
	and	x2, x2, #~SPSR_MODE_MASK	/* whatever the frame says: EL0t, AArch64 */
	msr	elr_el1, x1
	msr	spsr_el1, x2
	ldr	x1, [x0, #TF_SP_EL0]
	msr	sp_el0, x1
	mrs	x3, tpidr_el1			/* this CPU's struct cpu (NULL before smp_init) */
	cbz	x3, 1f
	ldr	w3, [x3]			/* its id: the first field (checked in user.c) */
1:	adrp	x1, aarch64_user_kstack_top
	add	x1, x1, #:lo12:aarch64_user_kstack_top
	ldr	x1, [x1, x3, lsl #3]		/* aarch64_user_kstack_top[id] */
	add	x2, x0, #TF_SIZE		/* no kernel stack set: the frame's own place, */
	and	x2, x2, #~15			/* kept 16-byte aligned (SCTLR_EL1.SA) */
	cmp	x1, #0
	csel	x1, x2, x1, eq
	mov	sp, x1
	clrex					/* no exclusive reservation of the kernel's leaks out */

	mov	x30, x0
	ldp	x0, x1, [x30, #TF_X0 + 0 * 8]
	ldp	x2, x3, [x30, #TF_X0 + 2 * 8]
	ldp	x4, x5, [x30, #TF_X0 + 4 * 8]
	ldp	x6, x7, [x30, #TF_X0 + 6 * 8]
	ldp	x8, x9, [x30, #TF_X0 + 8 * 8]
	ldp	x10, x11, [x30, #TF_X0 + 10 * 8]
	ldp	x12, x13, [x30, #TF_X0 + 12 * 8]
	ldp	x14, x15, [x30, #TF_X0 + 14 * 8]
	ldp	x16, x17, [x30, #TF_X0 + 16 * 8]
	ldp	x18, x19, [x30, #TF_X0 + 18 * 8]
	ldp	x20, x21, [x30, #TF_X0 + 20 * 8]
	ldp	x22, x23, [x30, #TF_X0 + 22 * 8]
	ldp	x24, x25, [x30, #TF_X0 + 24 * 8]
	ldp	x26, x27, [x30, #TF_X0 + 26 * 8]
	ldp	x28, x29, [x30, #TF_X0 + 28 * 8]
	ldr	x30, [x30, #TF_X0 + 30 * 8]
	eret
	.size arch_return_to_user, . - arch_return_to_user
