/* arch_setjmp / arch_longjmp for x86_64 (System V ABI): only the callee-saved registers, the
 * stack pointer and the return address are kept (layout JB_* in arch_types.h). */
#include "arch_types.h"

/* int arch_setjmp(struct arch_jmp_buf *buf): returns 0 now, VALUE when longjmp'd to. */
FUNC(arch_setjmp)
	mov %rbx, JB_RBX(%rdi)
	mov %rbp, JB_RBP(%rdi)
	mov %r12, JB_R12(%rdi)
	mov %r13, JB_R13(%rdi)
	mov %r14, JB_R14(%rdi)
	mov %r15, JB_R15(%rdi)
	lea 8(%rsp), %rax               /* the stack pointer once we have returned */
	mov %rax, JB_RSP(%rdi)
	mov (%rsp), %rax                /* the return address */
	mov %rax, JB_RIP(%rdi)
	xor %eax, %eax
	ret
END(arch_setjmp)

/* void arch_longjmp(struct arch_jmp_buf *buf, int value): returns from arch_setjmp(buf) again,
 * with VALUE (1 if VALUE is 0). */
FUNC(arch_longjmp)
	mov %esi, %eax
	test %eax, %eax
	jnz 1f
	inc %eax
1:	mov JB_RBX(%rdi), %rbx
	mov JB_RBP(%rdi), %rbp
	mov JB_R12(%rdi), %r12
	mov JB_R13(%rdi), %r13
	mov JB_R14(%rdi), %r14
	mov JB_R15(%rdi), %r15
	mov JB_RSP(%rdi), %rsp
	jmp *JB_RIP(%rdi)
END(arch_longjmp)
