/* The copy loops behind arch_copy_from_user / arch_copy_to_user (usercopy.c checks the range
 * first: [uaddr, uaddr + size) is below 2^48 and does not wrap; size > 0).
 *
 * User memory is read and written with the unprivileged ldtr/sttr forms rather than by clearing
 * PSTATE.PAN around plain loads and stores: an EL1 ldtr/sttr is checked against the EL0
 * permissions of the page, so the kernel can never be talked into touching through usercopy
 * what the user could not (a page without EL0 access, a read-only page), and PAN stays on for
 * the copy (only the two-instruction write probe below lifts it).
 *
 * Each routine makes two passes so that a range that faults changes nothing. The first touches
 * every page of the user range once: copy_from_user with one ldtrb per page; copy_to_user with
 * an ldtrb (EL0 may read it, and a missing page gets faulted in), then `at s1e0w` (may EL0
 * write it?), and only when the answer is no, a store of the same byte through an exclusive
 * pair (ldxrb/stxrb): a real write access, so the fault path can break CoW, that cannot lose a
 * concurrent user store. PAN is lifted around those two instructions only (the ldtrb just showed
 * the page is EL0-accessible, so EL1 then has exactly EL0's write permission). Pages EL0 can
 * already write, Device and non-cacheable ones included (mmu_space.c gives them no DBM), never
 * see an exclusive access, which the architecture does not promise for those memory types. A
 * fault in the first pass goes through the generic fault path (it may map the page, or break
 * CoW, and resume here); if it cannot be resolved, the fixup returns -EFAULT before one byte
 * was copied. The second pass copies, in 8-byte units when the two addresses are equally
 * aligned. It can only fault if another CPU unmaps the range meanwhile; that copy is then
 * partial.
 *
 * Every instruction that touches user memory has an extable entry; the fixups return -EFAULT
 * (-14), with PAN set again. */
#include "arch/aarch64/arch_types.h"
#include "arch/aarch64/sysreg.h"

#define EFAULT 14

/* Runs INSN (a raw MSR PAN instruction) if the CPU has PAN; clobbers x9. */
.macro pan_insn insn
	adrp	x9, aarch64_cpu
	ldrb	w9, [x9, #:lo12:aarch64_cpu]	/* aarch64_cpu.pan */
	cbz	w9, 99f
	.inst	\insn
99:
.endm

	.text

/* long aarch64_copy_from_user(void *dst, uintptr_t src, size_t size): 0 or -EFAULT. */
	.global aarch64_copy_from_user
	.type aarch64_copy_from_user, %function
aarch64_copy_from_user:
	add	x3, x1, x2			/* end of the user range */
	mov	x4, x1
1:	ldtrb	w5, [x4]			/* pass 1: one read per page */
	EXTABLE_ENTRY(1b, fault)
	and	x4, x4, #~0xfff
	add	x4, x4, #0x1000
	cmp	x4, x3
	b.lo	1b

	eor	x4, x0, x1
	tst	x4, #7
	b.ne	4f				/* different alignment: bytes only */
2:	tst	x1, #7				/* bytes up to an 8-byte boundary */
	b.eq	3f
	cbz	x2, 5f
10:	ldtrb	w5, [x1]
	EXTABLE_ENTRY(10b, fault)
	strb	w5, [x0], #1
	add	x1, x1, #1
	sub	x2, x2, #1
	b	2b
3:	cmp	x2, #8
	b.lo	4f
11:	ldtr	x5, [x1]
	EXTABLE_ENTRY(11b, fault)
	str	x5, [x0], #8
	add	x1, x1, #8
	sub	x2, x2, #8
	b	3b
4:	cbz	x2, 5f				/* the tail (or everything), bytewise */
12:	ldtrb	w5, [x1]
	EXTABLE_ENTRY(12b, fault)
	strb	w5, [x0], #1
	add	x1, x1, #1
	sub	x2, x2, #1
	b	4b
5:	mov	x0, #0
	ret
	.size aarch64_copy_from_user, . - aarch64_copy_from_user

/* long aarch64_copy_to_user(uintptr_t dst, const void *src, size_t size): 0 or -EFAULT. */
	.global aarch64_copy_to_user
	.type aarch64_copy_to_user, %function
aarch64_copy_to_user:
	add	x3, x0, x2			/* end of the user range */
	mov	x4, x0
1:	ldtrb	w5, [x4]			/* pass 1: EL0 may read the page ... */
	EXTABLE_ENTRY(1b, fault)
	at	s1e0w, x4			/* ... and write it already? */
	isb
	mrs	x5, par_el1
	tbz	x5, #0, 6f
	pan_insn INSN_CLEAR_PAN
2:	ldxrb	w5, [x4]			/* no: write it, the same byte, atomically */
	EXTABLE_ENTRY(2b, fault_pan)
3:	stxrb	w6, w5, [x4]
	EXTABLE_ENTRY(3b, fault_pan)
	pan_insn INSN_SET_PAN
	cbnz	w6, 1b				/* the exclusive pair was interrupted: again */
6:	and	x4, x4, #~0xfff
	add	x4, x4, #0x1000
	cmp	x4, x3
	b.lo	1b

	eor	x4, x0, x1
	tst	x4, #7
	b.ne	4f
2:	tst	x0, #7
	b.eq	3f
	cbz	x2, 5f
	ldrb	w5, [x1], #1
10:	sttrb	w5, [x0]
	EXTABLE_ENTRY(10b, fault)
	add	x0, x0, #1
	sub	x2, x2, #1
	b	2b
3:	cmp	x2, #8
	b.lo	4f
	ldr	x5, [x1], #8
11:	sttr	x5, [x0]
	EXTABLE_ENTRY(11b, fault)
	add	x0, x0, #8
	sub	x2, x2, #8
	b	3b
4:	cbz	x2, 5f
	ldrb	w5, [x1], #1
12:	sttrb	w5, [x0]
	EXTABLE_ENTRY(12b, fault)
	add	x0, x0, #1
	sub	x2, x2, #1
	b	4b
5:	mov	x0, #0
	ret
	.size aarch64_copy_to_user, . - aarch64_copy_to_user

fault_pan:
	pan_insn INSN_SET_PAN
fault:
	mov	x0, #-EFAULT
	ret
