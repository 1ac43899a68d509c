/* User-mode entry and the syscall instruction for aarch64 programs (svc #0; number in x8,
 * arguments in x0-x5, result in x0). */
	.section .text.start, "ax"
	.globl _start
_start:
	mov x29, #0
	mov x30, #0
	bl user_main
	mov x8, #2              /* SYS_EXIT */
	svc #0
	brk #1

	.text
/* long sys_call(long nr, long a0, long a1, long a2, long a3, long a4, long a5) */
	.globl sys_call
sys_call:
	mov x8, x0
	mov x0, x1
	mov x1, x2
	mov x2, x3
	mov x3, x4
	mov x4, x5
	mov x5, x6
	svc #0
	ret

/* The fault upcall: the kernel enters here with the fault address in x0 and the access
 * (0 read, 1 write, 2 exec) in x1, on the interrupted stack minus a safety gap. */
	.text
	.globl u_fault_entry
u_fault_entry:
	mov x9, sp
	and x9, x9, #~15
	mov sp, x9
	bl u_fault_dispatch
	brk #2

/* int u_setjmp(struct u_jmp_buf *b): x19-x30, sp */
	.globl u_setjmp
u_setjmp:
	stp x19, x20, [x0, #0]
	stp x21, x22, [x0, #16]
	stp x23, x24, [x0, #32]
	stp x25, x26, [x0, #48]
	stp x27, x28, [x0, #64]
	stp x29, x30, [x0, #80]
	mov x9, sp
	str x9, [x0, #96]
	mov x0, #0
	ret

/* void u_longjmp(struct u_jmp_buf *b, int value) */
	.globl u_longjmp
u_longjmp:
	ldp x19, x20, [x0, #0]
	ldp x21, x22, [x0, #16]
	ldp x23, x24, [x0, #32]
	ldp x25, x26, [x0, #48]
	ldp x27, x28, [x0, #64]
	ldp x29, x30, [x0, #80]
	ldr x9, [x0, #96]
	mov sp, x9
	mov w0, w1
	ret

/* void u_reg_storm(int (*step)(struct storm_image *image)), for tests/user/fault_storm.c: calls
 * STEP with an image at SP; while it returns 1 (read) or 2 (write), loads x0-x30 from image
 * words 0-30, makes the access to the page x0 points at (a load into xzr, or a store of x1),
 * stores x0-x30 into words 31-61 and SP into word 62, and calls STEP again. Only SP addresses
 * memory in between, so all of x0-x30 (x18, x29 and x30 too) hold known values when the access
 * faults. */
#define STORM_STORE  (31 * 8)
#define STORM_SP     (62 * 8)
#define STORM_STEP   (63 * 8)
#define STORM_FRAME  (64 * 8)        /* below the caller's x19-x30 */

	.macro storm_load
	ldp x0, x1, [sp, #0]
	ldp x2, x3, [sp, #16]
	ldp x4, x5, [sp, #32]
	ldp x6, x7, [sp, #48]
	ldp x8, x9, [sp, #64]
	ldp x10, x11, [sp, #80]
	ldp x12, x13, [sp, #96]
	ldp x14, x15, [sp, #112]
	ldp x16, x17, [sp, #128]
	ldp x18, x19, [sp, #144]
	ldp x20, x21, [sp, #160]
	ldp x22, x23, [sp, #176]
	ldp x24, x25, [sp, #192]
	ldp x26, x27, [sp, #208]
	ldp x28, x29, [sp, #224]
	ldr x30, [sp, #240]
	.endm

	.macro storm_store
	stp x0, x1, [sp, #STORM_STORE + 0]
	stp x2, x3, [sp, #STORM_STORE + 16]
	stp x4, x5, [sp, #STORM_STORE + 32]
	stp x6, x7, [sp, #STORM_STORE + 48]
	stp x8, x9, [sp, #STORM_STORE + 64]
	stp x10, x11, [sp, #STORM_STORE + 80]
	stp x12, x13, [sp, #STORM_STORE + 96]
	stp x14, x15, [sp, #STORM_STORE + 112]
	stp x16, x17, [sp, #STORM_STORE + 128]
	stp x18, x19, [sp, #STORM_STORE + 144]
	stp x20, x21, [sp, #STORM_STORE + 160]
	stp x22, x23, [sp, #STORM_STORE + 176]
	stp x24, x25, [sp, #STORM_STORE + 192]
	stp x26, x27, [sp, #STORM_STORE + 208]
	stp x28, x29, [sp, #STORM_STORE + 224]
	str x30, [sp, #STORM_STORE + 240]
	mov x0, sp                      /* x0 is saved already */
	str x0, [sp, #STORM_SP]
	.endm

	.globl u_reg_storm
u_reg_storm:
	stp x29, x30, [sp, #-96]!
	stp x19, x20, [sp, #16]
	stp x21, x22, [sp, #32]
	stp x23, x24, [sp, #48]
	stp x25, x26, [sp, #64]
	stp x27, x28, [sp, #80]
	sub sp, sp, #STORM_FRAME
	str x0, [sp, #STORM_STEP]
1:	mov x0, sp
	ldr x1, [sp, #STORM_STEP]
	blr x1
	cmp w0, #1
	b.lo 3f
	b.ne 2f
	storm_load
	ldr xzr, [x0]                   /* the read: no register written */
	storm_store
	b 1b
2:	storm_load
	str x1, [x0]                    /* the write */
	storm_store
	b 1b
3:	add sp, sp, #STORM_FRAME
	ldp x19, x20, [sp, #16]
	ldp x21, x22, [sp, #32]
	ldp x23, x24, [sp, #48]
	ldp x25, x26, [sp, #64]
	ldp x27, x28, [sp, #80]
	ldp x29, x30, [sp], #96
	ret

	.section .note.GNU-stack, "", @progbits
