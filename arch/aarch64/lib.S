/* Small aarch64 assembly routines the C code cannot express: non-local return (arch_setjmp /
 * arch_longjmp), a load that may fault by design (arch_probe_read_u8), and the semihosting trap. */
#include "arch/aarch64/arch_types.h"

	.text

/* int arch_setjmp(struct arch_jmp_buf *buf): saves x19-x30, sp and DAIF; returns 0. */
	.global arch_setjmp
	.type arch_setjmp, %function
arch_setjmp:
	stp	x19, x20, [x0, #JB_X19 + 0]
	stp	x21, x22, [x0, #JB_X19 + 16]
	stp	x23, x24, [x0, #JB_X19 + 32]
	stp	x25, x26, [x0, #JB_X19 + 48]
	stp	x27, x28, [x0, #JB_X19 + 64]
	stp	x29, x30, [x0, #JB_X29]
	mov	x1, sp
	mrs	x2, daif
	stp	x1, x2, [x0, #JB_SP]
	mov	w0, #0
	ret
	.size arch_setjmp, . - arch_setjmp

/* void arch_longjmp(struct arch_jmp_buf *buf, int value): resumes at BUF's arch_setjmp, which
 * then returns VALUE (1 if VALUE is 0), with the interrupt mask it had. */
	.global arch_longjmp
	.type arch_longjmp, %function
arch_longjmp:
	ldp	x19, x20, [x0, #JB_X19 + 0]
	ldp	x21, x22, [x0, #JB_X19 + 16]
	ldp	x23, x24, [x0, #JB_X19 + 32]
	ldp	x25, x26, [x0, #JB_X19 + 48]
	ldp	x27, x28, [x0, #JB_X19 + 64]
	ldp	x29, x30, [x0, #JB_X29]
	ldp	x2, x3, [x0, #JB_SP]
	mov	sp, x2
	msr	daif, x3
	cmp	w1, #0
	csinc	w0, w1, wzr, ne
	ret
	.size arch_longjmp, . - arch_longjmp

/* int arch_probe_read_u8(uintptr_t addr, uint8_t *out): *out = *addr and 0, or -EFAULT (-14)
 * without touching *out if the load faults (the fixup table resumes at 2:). */
	.global arch_probe_read_u8
	.type arch_probe_read_u8, %function
arch_probe_read_u8:
1:	ldrb	w2, [x0]
	strb	w2, [x1]
	mov	w0, #0
	ret
2:	mov	w0, #-14
	ret
	EXTABLE_ENTRY(1b, 2b)
	.size arch_probe_read_u8, . - arch_probe_read_u8

/* long aarch64_semihosting_call(unsigned long op, void *arg): the A64 semihosting trap, HLT
 * #0xf000, with the operation in w0 and the argument in x1; returns x0. Where semihosting is off
 * HLT is undefined: aarch64_trap_entry recognises this address and returns -1 instead. */
	.global aarch64_semihosting_call, aarch64_semihosting_insn
	.type aarch64_semihosting_call, %function
aarch64_semihosting_call:
aarch64_semihosting_insn:
	hlt	#0xf000
	ret
	.size aarch64_semihosting_call, . - aarch64_semihosting_call
