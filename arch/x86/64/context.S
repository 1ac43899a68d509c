/* Kernel context switching for x86_64 (System V ABI): arch_context_switch saves the callee-saved
 * registers and RSP into one struct arch_context (CTX_* in arch_types.h) and loads another; the
 * resume address is the return address on each stack. x86_context_start is where a context made
 * by arch_context_init first resumes. */
#include "arch_types.h"

/* void arch_context_switch(struct arch_context *from, struct arch_context *to) */
FUNC(arch_context_switch)
	mov %rbx, CTX_RBX(%rdi)
	mov %rbp, CTX_RBP(%rdi)
	mov %r12, CTX_R12(%rdi)
	mov %r13, CTX_R13(%rdi)
	mov %r14, CTX_R14(%rdi)
	mov %r15, CTX_R15(%rdi)
	mov %rsp, CTX_RSP(%rdi)
	mov CTX_RBX(%rsi), %rbx
	mov CTX_RBP(%rsi), %rbp
	mov CTX_R12(%rsi), %r12
	mov CTX_R13(%rsi), %r13
	mov CTX_R14(%rsi), %r14
	mov CTX_R15(%rsi), %r15
	mov CTX_RSP(%rsi), %rsp
	ret
END(arch_context_switch)

/* The first resume of a new context (arch_context_init): RBX = fn, R12 = arg, RSP = the stack
 * top (16-byte aligned), RBP = 0 (the end of the frame chain). Calls fn(arg); fn must not return. */
FUNC(x86_context_start)
	mov %r12, %rdi
	call *%rbx
	call x86_context_returned
	ud2
END(x86_context_start)
