/* Assembly helpers of the x86_64 self-tests (declared in arch/x86/arch_test.h). */
#include "arch_types.h"
#include "arch_test.h"

/* uint8_t x86_test_plain_read(uintptr_t addr) */
FUNC(x86_test_plain_read)
	.globl x86_test_plain_read_insn
x86_test_plain_read_insn:
	movzbl (%rdi), %eax
	ret
END(x86_test_plain_read)

/* void x86_test_switch(from, to, seed, out) */
FUNC(x86_test_switch)
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	push %rcx                       /* out; RSP is 16-byte aligned again */
	mov %rdx, %rbx
	xor $1, %rbx
	mov %rdx, %rbp
	xor $2, %rbp
	mov %rdx, %r12
	xor $3, %r12
	mov %rdx, %r13
	xor $4, %r13
	mov %rdx, %r14
	xor $5, %r14
	mov %rdx, %r15
	xor $6, %r15
	call arch_context_switch
	pop %rcx
	mov %rbx, 0(%rcx)
	mov %rbp, 8(%rcx)
	mov %r12, 16(%rcx)
	mov %r13, 24(%rcx)
	mov %r14, 32(%rcx)
	mov %r15, 40(%rcx)
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
	ret
END(x86_test_switch)

	.section .rodata
	.balign 16
	.globl x86_test_user_syscall, x86_test_user_syscall_int, x86_test_user_syscall_end
x86_test_user_syscall:
	mov $X86_TEST_SYSCALL_NR, %eax
	movabs $X86_TEST_REG(0), %rdi
	movabs $X86_TEST_REG(1), %rsi
	movabs $X86_TEST_REG(2), %rdx
	movabs $X86_TEST_REG(3), %r10
	movabs $X86_TEST_REG(4), %r8
	movabs $X86_TEST_REG(5), %r9
	movabs $X86_TEST_REG(6), %rbx
	movabs $X86_TEST_REG(7), %rcx
	movabs $X86_TEST_REG(8), %rbp
	movabs $X86_TEST_REG(9), %r11
	movabs $X86_TEST_REG(10), %r12
	movabs $X86_TEST_REG(11), %r13
	movabs $X86_TEST_REG(12), %r14
	movabs $X86_TEST_REG(13), %r15
x86_test_user_syscall_int:
	int $0x80
	jmp x86_test_user_syscall_int
x86_test_user_syscall_end:

	.globl x86_test_user_load, x86_test_user_load_end
x86_test_user_load:
	movb (%rdi), %al
	int $0x80
x86_test_user_load_end:

	.globl x86_test_user_store, x86_test_user_store_end
x86_test_user_store:
	movb %al, (%rdi)
	int $0x80
x86_test_user_store_end:

	/* Spins until the TSC reaches RDI, with RBX, RBP and R12-R15 untouched, then int 0x80. */
	.globl x86_test_user_spin, x86_test_user_spin_end
x86_test_user_spin:
1:	rdtsc
	shl $32, %rdx
	or %rax, %rdx
	cmp %rdi, %rdx
	jb 1b
	int $0x80
x86_test_user_spin_end:
