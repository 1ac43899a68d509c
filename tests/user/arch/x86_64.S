/* User-mode entry and the syscall instruction for x86_64 programs (int 0x80; number in rax,
 * arguments in rdi rsi rdx r10 r8 r9, result in rax). */
	.section .text.start, "ax"
	.globl _start
_start:
	xor %ebp, %ebp
	and $-16, %rsp
	call user_main
	mov %rax, %rdi
	mov $2, %eax            /* SYS_EXIT */
	int $0x80
	ud2

	.text
/* long sys_call(long nr, long a0, long a1, long a2, long a3, long a4, long a5) */
	.globl sys_call
sys_call:
	mov %rdi, %rax
	mov %rsi, %rdi
	mov %rdx, %rsi
	mov %rcx, %rdx
	mov %r8, %r10
	mov %r9, %r8
	mov 8(%rsp), %r9
	int $0x80
	ret

/* The fault upcall: the kernel enters here with the fault address in rdi and the access
 * (0 read, 1 write, 2 exec) in rsi, on the interrupted stack minus a safety gap. */
	.text
	.globl u_fault_entry
u_fault_entry:
	and $-16, %rsp
	call u_fault_dispatch
	ud2

/* int u_setjmp(struct u_jmp_buf *b): rbx rbp r12-r15 rsp rip */
	.globl u_setjmp
u_setjmp:
	mov %rbx, 0(%rdi)
	mov %rbp, 8(%rdi)
	mov %r12, 16(%rdi)
	mov %r13, 24(%rdi)
	mov %r14, 32(%rdi)
	mov %r15, 40(%rdi)
	lea 8(%rsp), %rax
	mov %rax, 48(%rdi)
	mov (%rsp), %rax
	mov %rax, 56(%rdi)
	xor %eax, %eax
	ret

/* void u_longjmp(struct u_jmp_buf *b, int value) */
	.globl u_longjmp
u_longjmp:
	mov 0(%rdi), %rbx
	mov 8(%rdi), %rbp
	mov 16(%rdi), %r12
	mov 24(%rdi), %r13
	mov 32(%rdi), %r14
	mov 40(%rdi), %r15
	mov 48(%rdi), %rsp
	mov %esi, %eax
	jmp *56(%rdi)
	.section .note.GNU-stack, "", @progbits
