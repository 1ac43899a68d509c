/* The x86_64 half of the register round-trip self-test (arch/x86/regs_test.c): every general
 * register goes through an int3 and the trap trampoline, and is written back for comparison. */
#include "x86.h"
#include "x86_asm.h"
#include "regs_test_layout.h"

#define RT(off) x86_regs_rt + (off)(%rip)
#define FLAGS_SET (X86_FLAGS_CF | X86_FLAGS_PF | X86_FLAGS_AF | X86_FLAGS_ZF | X86_FLAGS_SF | \
		   X86_FLAGS_DF | X86_FLAGS_OF)

/* void x86_regs_roundtrip(void): see regs_test.h. */
FUNC(x86_regs_roundtrip)
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15

	pushfq
	orq $FLAGS_SET, (%rsp)
	popfq
	pushfq
	popq RT(RT_FLAGS_BEFORE)
	mov %rsp, RT(RT_SP_BEFORE)

	mov RT(RT_BEFORE + 0 * 8), %rax
	mov RT(RT_BEFORE + 1 * 8), %rbx
	mov RT(RT_BEFORE + 2 * 8), %rcx
	mov RT(RT_BEFORE + 3 * 8), %rdx
	mov RT(RT_BEFORE + 4 * 8), %rsi
	mov RT(RT_BEFORE + 5 * 8), %rdi
	mov RT(RT_BEFORE + 6 * 8), %rbp
	mov RT(RT_BEFORE + 7 * 8), %r8
	mov RT(RT_BEFORE + 8 * 8), %r9
	mov RT(RT_BEFORE + 9 * 8), %r10
	mov RT(RT_BEFORE + 10 * 8), %r11
	mov RT(RT_BEFORE + 11 * 8), %r12
	mov RT(RT_BEFORE + 12 * 8), %r13
	mov RT(RT_BEFORE + 13 * 8), %r14
	mov RT(RT_BEFORE + 14 * 8), %r15

	int3

	mov %rsp, RT(RT_SP_AFTER)
	pushfq
	popq RT(RT_FLAGS_AFTER)
	mov %rax, RT(RT_AFTER + 0 * 8)
	mov %rbx, RT(RT_AFTER + 1 * 8)
	mov %rcx, RT(RT_AFTER + 2 * 8)
	mov %rdx, RT(RT_AFTER + 3 * 8)
	mov %rsi, RT(RT_AFTER + 4 * 8)
	mov %rdi, RT(RT_AFTER + 5 * 8)
	mov %rbp, RT(RT_AFTER + 6 * 8)
	mov %r8, RT(RT_AFTER + 7 * 8)
	mov %r9, RT(RT_AFTER + 8 * 8)
	mov %r10, RT(RT_AFTER + 9 * 8)
	mov %r11, RT(RT_AFTER + 10 * 8)
	mov %r12, RT(RT_AFTER + 11 * 8)
	mov %r13, RT(RT_AFTER + 12 * 8)
	mov %r14, RT(RT_AFTER + 13 * 8)
	mov %r15, RT(RT_AFTER + 14 * 8)

	cld
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
	ret
END(x86_regs_roundtrip)
