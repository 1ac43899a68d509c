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
/* void u_reg_storm(int (*step)(struct storm_image *image)), for tests/user/fault_storm.c: calls
 * STEP with an image at RSP; while it returns 1 (read) or 2 (write), loads rax rbx rcx rdx rsi
 * rdi rbp r8-r15 from image words 0-14, makes the access to the page rax points at (a read
 * that writes no register, or a store of rbx), stores those registers into words 15-29 and RSP
 * into word 30, and calls STEP again. Only RSP addresses memory in between, so every other
 * register holds a known value when the access faults. */
#define STORM_STORE  (15 * 8)
#define STORM_SP     (30 * 8)
#define STORM_STEP   (31 * 8)
#define STORM_FRAME  (32 * 8 + 8)    /* + 8: RSP 16-aligned after the six pushes */

	.macro storm_load
	.set storm_off, 0
	.irp reg, %rax, %rbx, %rcx, %rdx, %rsi, %rdi, %rbp, %r8, %r9, %r10, %r11, %r12, %r13, %r14, %r15
	mov storm_off(%rsp), \reg
	.set storm_off, storm_off + 8
	.endr
	.endm

	.macro storm_store
	.set storm_off, STORM_STORE
	.irp reg, %rax, %rbx, %rcx, %rdx, %rsi, %rdi, %rbp, %r8, %r9, %r10, %r11, %r12, %r13, %r14, %r15
	mov \reg, storm_off(%rsp)
	.set storm_off, storm_off + 8
	.endr
	mov %rsp, STORM_SP(%rsp)
	.endm

	.globl u_reg_storm
u_reg_storm:
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	sub $STORM_FRAME, %rsp
	mov %rdi, STORM_STEP(%rsp)
1:	mov %rsp, %rdi
	call *STORM_STEP(%rsp)
	cmp $1, %eax
	jb 3f
	jne 2f
	storm_load
	cmpq $0, (%rax)                 /* the read: no register written */
	storm_store
	jmp 1b
2:	storm_load
	mov %rbx, (%rax)                /* the write */
	storm_store
	jmp 1b
3:	add $STORM_FRAME, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
	ret

	.section .note.GNU-stack, "", @progbits
