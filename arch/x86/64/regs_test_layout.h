/* Layout of the register round-trip record (arch/x86/regs_test.h) on x86_64: the 15 general
 * registers besides rsp, before and after the breakpoint. Shared by the C test and the asm. */
#ifndef ARCH_X86_64_REGS_TEST_LAYOUT_H
#define ARCH_X86_64_REGS_TEST_LAYOUT_H

#define RT_NREGS        15
#define RT_BEFORE       0
#define RT_AFTER        (RT_BEFORE + RT_NREGS * 8)
#define RT_SP_BEFORE    (RT_AFTER + RT_NREGS * 8)
#define RT_SP_AFTER     (RT_SP_BEFORE + 8)
#define RT_FLAGS_BEFORE (RT_SP_AFTER + 8)
#define RT_FLAGS_AFTER  (RT_FLAGS_BEFORE + 8)
#define RT_SIZE         (RT_FLAGS_AFTER + 8)

/* X(register, index in the before/after arrays) */
#define X86_TEST_GPRS(X) \
	X(rax, 0) X(rbx, 1) X(rcx, 2) X(rdx, 3) X(rsi, 4) X(rdi, 5) X(rbp, 6) X(r8, 7) \
	X(r9, 8) X(r10, 9) X(r11, 10) X(r12, 11) X(r13, 12) X(r14, 13) X(r15, 14)

#endif
