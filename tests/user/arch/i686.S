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
	.section .note.GNU-stack, "", @progbits
