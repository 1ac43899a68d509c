/* The register round trip: every general register, the stack pointer and the flags set to known
 * values across a brk, which goes through the full trap path (vectors.S, trap_dispatch, eret).
 * A trampoline that forgot or clobbered any register (x18 included) shows up in regs_test.c. */
#include "arch/aarch64/regs_test.h"

/* Our stack frame: the registers we must give back, OUT, and the snapshot before it is copied. */
#define F_SAVED    0            /* x18..x30: 13 registers */
#define F_OUT      104
#define F_SNAP     112          /* a struct regs_snapshot */
#define F_SIZE     (F_SNAP + RS_SIZE)

	.text
	.global regs_roundtrip
	.type regs_roundtrip, %function
regs_roundtrip:
	sub	sp, sp, #F_SIZE
	stp	x18, x19, [sp, #F_SAVED + 0]
	stp	x20, x21, [sp, #F_SAVED + 16]
	stp	x22, x23, [sp, #F_SAVED + 32]
	stp	x24, x25, [sp, #F_SAVED + 48]
	stp	x26, x27, [sp, #F_SAVED + 64]
	stp	x28, x29, [sp, #F_SAVED + 80]
	str	x30, [sp, #F_SAVED + 96]
	str	x0, [sp, #F_OUT]
	mov	x0, sp
	str	x0, [sp, #F_SNAP + RS_SP_BEFORE]

	ldr	x0, =REGS_TEST_NZCV
	msr	nzcv, x0
	.irp	n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30
	ldr	x\n, =REGS_TEST_VALUE(\n)
	.endr

	brk	#0

	stp	x0, x1, [sp, #F_SNAP + RS_X0 + 8 * 0]
	stp	x2, x3, [sp, #F_SNAP + RS_X0 + 8 * 2]
	stp	x4, x5, [sp, #F_SNAP + RS_X0 + 8 * 4]
	stp	x6, x7, [sp, #F_SNAP + RS_X0 + 8 * 6]
	stp	x8, x9, [sp, #F_SNAP + RS_X0 + 8 * 8]
	stp	x10, x11, [sp, #F_SNAP + RS_X0 + 8 * 10]
	stp	x12, x13, [sp, #F_SNAP + RS_X0 + 8 * 12]
	stp	x14, x15, [sp, #F_SNAP + RS_X0 + 8 * 14]
	stp	x16, x17, [sp, #F_SNAP + RS_X0 + 8 * 16]
	stp	x18, x19, [sp, #F_SNAP + RS_X0 + 8 * 18]
	stp	x20, x21, [sp, #F_SNAP + RS_X0 + 8 * 20]
	stp	x22, x23, [sp, #F_SNAP + RS_X0 + 8 * 22]
	stp	x24, x25, [sp, #F_SNAP + RS_X0 + 8 * 24]
	stp	x26, x27, [sp, #F_SNAP + RS_X0 + 8 * 26]
	stp	x28, x29, [sp, #F_SNAP + RS_X0 + 8 * 28]
	str	x30, [sp, #F_SNAP + RS_X0 + 8 * 30]
	mrs	x0, nzcv
	str	x0, [sp, #F_SNAP + RS_NZCV]
	mov	x0, sp
	str	x0, [sp, #F_SNAP + RS_SP_AFTER]

	/* Copy the snapshot out, then give back what we borrowed. */
	ldr	x0, [sp, #F_OUT]
	add	x1, sp, #F_SNAP
	mov	x2, #(RS_SIZE / 8)
1:	ldr	x3, [x1], #8
	str	x3, [x0], #8
	subs	x2, x2, #1
	b.ne	1b

	ldp	x18, x19, [sp, #F_SAVED + 0]
	ldp	x20, x21, [sp, #F_SAVED + 16]
	ldp	x22, x23, [sp, #F_SAVED + 32]
	ldp	x24, x25, [sp, #F_SAVED + 48]
	ldp	x26, x27, [sp, #F_SAVED + 64]
	ldp	x28, x29, [sp, #F_SAVED + 80]
	ldr	x30, [sp, #F_SAVED + 96]
	add	sp, sp, #F_SIZE
	ret
	.ltorg
	.size regs_roundtrip, . - regs_roundtrip
