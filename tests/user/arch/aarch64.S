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
	.section .note.GNU-stack, "", @progbits
