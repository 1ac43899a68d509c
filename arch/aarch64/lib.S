/* Small aarch64 assembly routines the C code cannot express: non-local return (arch_setjmp /
 * arch_longjmp), a load that may fault by design (arch_probe_read_u8), the semihosting trap, and
 * page zeroing and copying (arch_page_zero with `dc zva`, arch_page_copy, mm/arch_mmu.h). */
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

/* void arch_page_zero(void *page): zeroes the 4 KiB at PAGE (page aligned) with `dc zva` in
 * blocks of the size DCZID_EL0 gives (4 << BS bytes: 64 on most cores and under QEMU's `max`),
 * or with aarch64_page_zero_stores when DCZID_EL0.DZP says `dc zva` is prohibited. DCZID_EL0 is
 * read on every call: one register read, and no boot-order dependency. */
	.global arch_page_zero
	.type arch_page_zero, %function
arch_page_zero:
	mrs	x1, dczid_el0
	tbnz	x1, #4, aarch64_page_zero_stores
	and	x1, x1, #0xf
	mov	x2, #4
	lsl	x1, x2, x1                      /* block size in bytes */
	add	x2, x0, #4096
1:	dc	zva, x0
	add	x0, x0, x1
	cmp	x0, x2
	b.lo	1b
	ret
	.size arch_page_zero, . - arch_page_zero

/* void aarch64_page_zero_stores(void *page): zeroes the 4 KiB at PAGE with paired stores of the
 * zero register, 64 bytes per iteration (the fallback of arch_page_zero, also tested alone). */
	.global aarch64_page_zero_stores
	.type aarch64_page_zero_stores, %function
aarch64_page_zero_stores:
	mov	x1, #4096 / 64
1:	stp	xzr, xzr, [x0]
	stp	xzr, xzr, [x0, #16]
	stp	xzr, xzr, [x0, #32]
	stp	xzr, xzr, [x0, #48]
	add	x0, x0, #64
	subs	x1, x1, #1
	b.ne	1b
	ret
	.size aarch64_page_zero_stores, . - aarch64_page_zero_stores

/* void arch_page_copy(void *dst, const void *src): copies the 4 KiB page at SRC to DST (both page
 * aligned, not overlapping), 64 bytes per iteration through eight general registers (no SIMD
 * registers: the kernel does not save the user's). */
	.global arch_page_copy
	.type arch_page_copy, %function
arch_page_copy:
	mov	x2, #4096 / 64
1:	ldp	x3, x4, [x1]
	ldp	x5, x6, [x1, #16]
	ldp	x7, x8, [x1, #32]
	ldp	x9, x10, [x1, #48]
	add	x1, x1, #64
	stp	x3, x4, [x0]
	stp	x5, x6, [x0, #16]
	stp	x7, x8, [x0, #32]
	stp	x9, x10, [x0, #48]
	add	x0, x0, #64
	subs	x2, x2, #1
	b.ne	1b
	ret
	.size arch_page_copy, . - arch_page_copy
