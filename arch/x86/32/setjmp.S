/* arch_setjmp / arch_longjmp for i686 (System V i386 ABI, arguments on the stack): only the
 * callee-saved registers, the stack pointer and the return address are kept (layout JB_* in
 * arch_types.h). */
#include "arch_types.h"

/* int arch_setjmp(struct arch_jmp_buf *buf): returns 0 now, VALUE when longjmp'd to. */
FUNC(arch_setjmp)
	mov 4(%esp), %eax               /* buf */
	mov %ebx, JB_EBX(%eax)
	mov %esi, JB_ESI(%eax)
	mov %edi, JB_EDI(%eax)
	mov %ebp, JB_EBP(%eax)
	lea 4(%esp), %ecx               /* the stack pointer once we have returned */
	mov %ecx, JB_ESP(%eax)
	mov (%esp), %ecx                /* the return address */
	mov %ecx, JB_EIP(%eax)
	xor %eax, %eax
	ret
END(arch_setjmp)

/* void arch_longjmp(struct arch_jmp_buf *buf, int value): returns from arch_setjmp(buf) again,
 * with VALUE (1 if VALUE is 0). */
FUNC(arch_longjmp)
	mov 4(%esp), %edx               /* buf */
	mov 8(%esp), %eax               /* value */
	test %eax, %eax
	jnz 1f
	inc %eax
1:	mov JB_EBX(%edx), %ebx
	mov JB_ESI(%edx), %esi
	mov JB_EDI(%edx), %edi
	mov JB_EBP(%edx), %ebp
	mov JB_ESP(%edx), %esp
	jmp *JB_EIP(%edx)
END(arch_longjmp)
