/* Layout of the register round-trip record (arch/x86/regs_test.h) on i686: the 7 general
 * registers besides esp, before and after the breakpoint. Shared by the C test and the asm. */
#ifndef ARCH_X86_32_REGS_TEST_LAYOUT_H
#define ARCH_X86_32_REGS_TEST_LAYOUT_H

#define RT_NREGS        7
#define RT_BEFORE       0
#define RT_AFTER        (RT_BEFORE + RT_NREGS * 4)
#define RT_SP_BEFORE    (RT_AFTER + RT_NREGS * 4)
#define RT_SP_AFTER     (RT_SP_BEFORE + 4)
#define RT_FLAGS_BEFORE (RT_SP_AFTER + 4)
#define RT_FLAGS_AFTER  (RT_FLAGS_BEFORE + 4)
#define RT_SIZE         (RT_FLAGS_AFTER + 4)

/* X(register, index in the before/after arrays) */
#define X86_TEST_GPRS(X) \
	X(eax, 0) X(ebx, 1) X(ecx, 2) X(edx, 3) X(esi, 4) X(edi, 5) X(ebp, 6)

#endif
