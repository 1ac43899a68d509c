/* The i686 half of the register round-trip self-test (arch/x86/regs_test.c): every general
 * register goes through an int3 and the trap trampoline, and is written back for comparison. */
#include "x86.h"
#include "x86_asm.h"
#include "regs_test_layout.h"

#define RT(off) x86_regs_rt + (off)
#define FLAGS_SET (X86_FLAGS_CF | X86_FLAGS_PF | X86_FLAGS_AF | X86_FLAGS_ZF | X86_FLAGS_SF | \
		   X86_FLAGS_DF | X86_FLAGS_OF)

/* void x86_regs_roundtrip(void): see regs_test.h. */
FUNC(x86_regs_roundtrip)
	push %ebx
	push %esi
	push %edi
	push %ebp

	pushfl
	orl $FLAGS_SET, (%esp)
	popfl
	pushfl
	popl RT(RT_FLAGS_BEFORE)
	mov %esp, RT(RT_SP_BEFORE)

	mov RT(RT_BEFORE + 0 * 4), %eax
	mov RT(RT_BEFORE + 1 * 4), %ebx
	mov RT(RT_BEFORE + 2 * 4), %ecx
	mov RT(RT_BEFORE + 3 * 4), %edx
	mov RT(RT_BEFORE + 4 * 4), %esi
	mov RT(RT_BEFORE + 5 * 4), %edi
	mov RT(RT_BEFORE + 6 * 4), %ebp

	int3

	mov %esp, RT(RT_SP_AFTER)
	pushfl
	popl RT(RT_FLAGS_AFTER)
	mov %eax, RT(RT_AFTER + 0 * 4)
	mov %ebx, RT(RT_AFTER + 1 * 4)
	mov %ecx, RT(RT_AFTER + 2 * 4)
	mov %edx, RT(RT_AFTER + 3 * 4)
	mov %esi, RT(RT_AFTER + 4 * 4)
	mov %edi, RT(RT_AFTER + 5 * 4)
	mov %ebp, RT(RT_AFTER + 6 * 4)

	cld
	pop %ebp
	pop %edi
	pop %esi
	pop %ebx
	ret
END(x86_regs_roundtrip)
