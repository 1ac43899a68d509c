/* User-mode entry and the syscall instruction for i686 programs (int 0x80; number in eax,
 * arguments in ebx ecx edx esi edi ebp, result in eax). */
	.section .text.start, "ax"
	.globl _start
_start:
	xor %ebp, %ebp
	and $-16, %esp
	call user_main
	mov %eax, %ebx
	mov $2, %eax            /* SYS_EXIT */
	int $0x80
	ud2

	.text
/* long sys_call(long nr, long a0, long a1, long a2, long a3, long a4, long a5) */
	.globl sys_call
sys_call:
	push %ebp
	push %edi
	push %esi
	push %ebx
	mov 20(%esp), %eax
	mov 24(%esp), %ebx
	mov 28(%esp), %ecx
	mov 32(%esp), %edx
	mov 36(%esp), %esi
	mov 40(%esp), %edi
	mov 44(%esp), %ebp
	int $0x80
	pop %ebx
	pop %esi
	pop %edi
	pop %ebp
	ret

/* The fault upcall: the kernel enters here with the fault address in eax and the access
 * (0 read, 1 write, 2 exec) in edx, on the interrupted stack minus a safety gap. */
	.text
	.globl u_fault_entry
u_fault_entry:
	and $-16, %esp
	sub $8, %esp
	push %edx
	push %eax
	call u_fault_dispatch
	ud2

/* int u_setjmp(struct u_jmp_buf *b): ebx esi edi ebp esp eip */
	.globl u_setjmp
u_setjmp:
	mov 4(%esp), %ecx
	mov %ebx, 0(%ecx)
	mov %esi, 4(%ecx)
	mov %edi, 8(%ecx)
	mov %ebp, 12(%ecx)
	lea 4(%esp), %eax
	mov %eax, 16(%ecx)
	mov (%esp), %eax
	mov %eax, 20(%ecx)
	xor %eax, %eax
	ret

/* void u_longjmp(struct u_jmp_buf *b, int value) */
	.globl u_longjmp
u_longjmp:
	mov 4(%esp), %ecx
	mov 8(%esp), %eax
	mov 0(%ecx), %ebx
	mov 4(%ecx), %esi
	mov 8(%ecx), %edi
	mov 12(%ecx), %ebp
	mov 16(%ecx), %esp
	jmp *20(%ecx)

/* void u_reg_storm(int (*step)(struct storm_image *image)), for tests/user/fault_storm.c: calls
 * STEP with an image at ESP; while it returns 1 (read) or 2 (write), loads eax ebx ecx edx esi
 * edi ebp from image words 0-6, makes the access to the page eax points at (a read that writes
 * no register, or a store of ebx), stores those registers into words 7-13 and ESP into word 14,
 * and calls STEP again. Only ESP addresses memory in between, so every other register holds a
 * known value when the access faults. */
#define STORM_STORE  (7 * 4)
#define STORM_SP     (14 * 4)
#define STORM_STEP   (15 * 4)
#define STORM_FRAME  (16 * 4 + 12)   /* + 12: ESP 16-aligned after the four pushes */

	.macro storm_load
	.set storm_off, 0
	.irp reg, %eax, %ebx, %ecx, %edx, %esi, %edi, %ebp
	mov storm_off(%esp), \reg
	.set storm_off, storm_off + 4
	.endr
	.endm

	.macro storm_store
	.set storm_off, STORM_STORE
	.irp reg, %eax, %ebx, %ecx, %edx, %esi, %edi, %ebp
	mov \reg, storm_off(%esp)
	.set storm_off, storm_off + 4
	.endr
	mov %esp, STORM_SP(%esp)
	.endm

	.globl u_reg_storm
u_reg_storm:
	push %ebp
	push %edi
	push %esi
	push %ebx
	mov 20(%esp), %eax
	sub $STORM_FRAME, %esp
	mov %eax, STORM_STEP(%esp)
1:	mov %esp, %eax
	sub $12, %esp                   /* ESP 16-aligned at the call */
	push %eax
	call *STORM_STEP + 16(%esp)
	add $16, %esp
	cmp $1, %eax
	jb 3f
	jne 2f
	storm_load
	cmpl $0, (%eax)                 /* the read: no register written */
	storm_store
	jmp 1b
2:	storm_load
	mov %ebx, (%eax)                /* the write */
	storm_store
	jmp 1b
3:	add $STORM_FRAME, %esp
	pop %ebx
	pop %esi
	pop %edi
	pop %ebp
	ret

	.section .note.GNU-stack, "", @progbits
