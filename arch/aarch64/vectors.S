/* The EL1 exception vector table (VBAR_EL1) and its trampoline. Every entry pushes a struct
 * trap_frame on the EL1 stack holding all of x0-x30 (x18 included), SP_EL0, ELR, SPSR, ESR, FAR
 * and the entry index (the IRQ field zeroed, for aarch64_irq to fill), calls
 * aarch64_trap_entry(frame), then restores every register from the frame (so the C code may
 * change any of them, and the pc through ELR) and returns with eret. A return to EL0 leaves
 * SP_EL1 at the frame's top, where the next trap from EL0 lands (context.S).
 * Offsets are the TF_* numbers of arch_types.h, static-asserted in trap.c. */
#include "arch/aarch64/arch_types.h"

/* One 128-byte vector entry: room for the frame, x0/x1 saved, x0 = entry index. */
.macro vector_entry source, type
	.balign	0x80
	sub	sp, sp, #TF_SIZE
	stp	x0, x1, [sp, #TF_X0]
	mov	x0, #((\source << 2) | \type)
	b	trap_common
.endm

	.section .text.vectors, "ax"
	.balign	0x800
	.global aarch64_vectors
aarch64_vectors:
	vector_entry VECTOR_SOURCE_EL1T, VECTOR_TYPE_SYNC
	vector_entry VECTOR_SOURCE_EL1T, VECTOR_TYPE_IRQ
	vector_entry VECTOR_SOURCE_EL1T, VECTOR_TYPE_FIQ
	vector_entry VECTOR_SOURCE_EL1T, VECTOR_TYPE_SERROR
	vector_entry VECTOR_SOURCE_EL1H, VECTOR_TYPE_SYNC
	vector_entry VECTOR_SOURCE_EL1H, VECTOR_TYPE_IRQ
	vector_entry VECTOR_SOURCE_EL1H, VECTOR_TYPE_FIQ
	vector_entry VECTOR_SOURCE_EL1H, VECTOR_TYPE_SERROR
	vector_entry VECTOR_SOURCE_EL0_64, VECTOR_TYPE_SYNC
	vector_entry VECTOR_SOURCE_EL0_64, VECTOR_TYPE_IRQ
	vector_entry VECTOR_SOURCE_EL0_64, VECTOR_TYPE_FIQ
	vector_entry VECTOR_SOURCE_EL0_64, VECTOR_TYPE_SERROR
	vector_entry VECTOR_SOURCE_EL0_32, VECTOR_TYPE_SYNC
	vector_entry VECTOR_SOURCE_EL0_32, VECTOR_TYPE_IRQ
	vector_entry VECTOR_SOURCE_EL0_32, VECTOR_TYPE_FIQ
	vector_entry VECTOR_SOURCE_EL0_32, VECTOR_TYPE_SERROR

/* x0 = entry index, x0/x1 of the interrupted code already in the frame at sp. */
trap_common:
	stp	x2, x3, [sp, #TF_X0 + 2 * 8]
	stp	x4, x5, [sp, #TF_X0 + 4 * 8]
	stp	x6, x7, [sp, #TF_X0 + 6 * 8]
	stp	x8, x9, [sp, #TF_X0 + 8 * 8]
	stp	x10, x11, [sp, #TF_X0 + 10 * 8]
	stp	x12, x13, [sp, #TF_X0 + 12 * 8]
	stp	x14, x15, [sp, #TF_X0 + 14 * 8]
	stp	x16, x17, [sp, #TF_X0 + 16 * 8]
	stp	x18, x19, [sp, #TF_X0 + 18 * 8]
	stp	x20, x21, [sp, #TF_X0 + 20 * 8]
	stp	x22, x23, [sp, #TF_X0 + 22 * 8]
	stp	x24, x25, [sp, #TF_X0 + 24 * 8]
	stp	x26, x27, [sp, #TF_X0 + 26 * 8]
	stp	x28, x29, [sp, #TF_X0 + 28 * 8]
	str	x30, [sp, #TF_X0 + 30 * 8]

	mrs	x1, sp_el0
	add	x2, sp, #TF_SIZE		/* the EL1 stack pointer before this frame */
	stp	x1, x2, [sp, #TF_SP_EL0]
	mrs	x1, elr_el1
	mrs	x2, spsr_el1
	stp	x1, x2, [sp, #TF_ELR]
	/* IRQ and FIQ do not write ESR_EL1; record 0 rather than a stale syndrome. */
	and	x3, x0, #3
	cmp	x3, #VECTOR_TYPE_IRQ
	ccmp	x3, #VECTOR_TYPE_FIQ, #4, ne	/* Z set if the type is IRQ or FIQ */
	mrs	x1, esr_el1
	csel	x1, xzr, x1, eq
	mrs	x2, far_el1
	stp	x1, x2, [sp, #TF_ESR]
	str	x0, [sp, #TF_ENTRY]
	stp	xzr, xzr, [sp, #TF_IRQ]		/* the INTID is filled in by aarch64_trap_entry */

	/* x29/x30 of the frame are adjacent: a frame record linking a backtrace through the trap. */
	add	x29, sp, #(TF_X0 + 29 * 8)
	mov	x0, sp
	bl	aarch64_trap_entry

	ldp	x1, x2, [sp, #TF_ELR]
	msr	elr_el1, x1
	msr	spsr_el1, x2
	ldr	x1, [sp, #TF_SP_EL0]
	msr	sp_el0, x1

	ldp	x0, x1, [sp, #TF_X0 + 0 * 8]
	ldp	x2, x3, [sp, #TF_X0 + 2 * 8]
	ldp	x4, x5, [sp, #TF_X0 + 4 * 8]
	ldp	x6, x7, [sp, #TF_X0 + 6 * 8]
	ldp	x8, x9, [sp, #TF_X0 + 8 * 8]
	ldp	x10, x11, [sp, #TF_X0 + 10 * 8]
	ldp	x12, x13, [sp, #TF_X0 + 12 * 8]
	ldp	x14, x15, [sp, #TF_X0 + 14 * 8]
	ldp	x16, x17, [sp, #TF_X0 + 16 * 8]
	ldp	x18, x19, [sp, #TF_X0 + 18 * 8]
	ldp	x20, x21, [sp, #TF_X0 + 20 * 8]
	ldp	x22, x23, [sp, #TF_X0 + 22 * 8]
	ldp	x24, x25, [sp, #TF_X0 + 24 * 8]
	ldp	x26, x27, [sp, #TF_X0 + 26 * 8]
	ldp	x28, x29, [sp, #TF_X0 + 28 * 8]
	ldr	x30, [sp, #TF_X0 + 30 * 8]
	add	sp, sp, #TF_SIZE
	eret
