/* Kernel context switching for i686 (System V i386 ABI): arch_context_switch saves the
 * callee-saved registers and ESP into one struct arch_context (CTX_* in arch_types.h) and loads
 * another; the resume address is the return address on each stack. x86_context_start is where a
 * context made by arch_context_init first resumes. */
#include "arch_types.h"

/* void arch_context_switch(struct arch_context *from, struct arch_context *to) */
FUNC(arch_context_switch)
	mov 4(%esp), %eax               /* from */
	mov 8(%esp), %edx               /* to */
	mov %ebx, CTX_EBX(%eax)
	mov %esi, CTX_ESI(%eax)
	mov %edi, CTX_EDI(%eax)
	mov %ebp, CTX_EBP(%eax)
	mov %esp, CTX_ESP(%eax)
	mov CTX_EBX(%edx), %ebx
	mov CTX_ESI(%edx), %esi
	mov CTX_EDI(%edx), %edi
	mov CTX_EBP(%edx), %ebp
	mov CTX_ESP(%edx), %esp
	ret
END(arch_context_switch)

/* The first resume of a new context (arch_context_init): EBX = fn, ESI = arg, ESP = the stack
 * top (16-byte aligned), EBP = 0 (the end of the frame chain). Calls fn(arg); fn must not return. */
FUNC(x86_context_start)
	sub $12, %esp                   /* ESP is 16-byte aligned again at the call */
	push %esi
	call *%ebx
	call x86_context_returned
	ud2
END(x86_context_start)
