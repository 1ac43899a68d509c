/* The assembly helpers of the x86 self-tests (arch/x86/<mode>/arch_test_asm.S) and the register
 * values their user programs load. Included from C and from assembly. */
#ifndef ARCH_X86_ARCH_TEST_H
#define ARCH_X86_ARCH_TEST_H

#include "x86_mode.h"

/* x86_test_user_syscall loads general register N (an index into the syscall ABI order, see
 * kernel/arch.h; then the others) with X86_TEST_REG(N) and the syscall number into RAX/EAX. */
#define X86_TEST_SYSCALL_NR 0x5a5a0001
#if X86_WORD_SIZE == 8
#define X86_TEST_REG(n) (0x1111111111111100 + (n))
#else
#define X86_TEST_REG(n) (0x11111100 + (n))
#endif

#ifndef __ASSEMBLY__
#include "kernel/arch.h"

/* Returns the byte at ADDR, read by the one instruction at x86_test_plain_read_insn (no fixup:
 * a fault there is a plain kernel fault). */
uint8_t x86_test_plain_read(uintptr_t addr);
extern const char x86_test_plain_read_insn[];

/* Loads the callee-saved registers with SEED ^ 1, SEED ^ 2, ... (RBX RBP R12 R13 R14 R15 /
 * EBX ESI EDI EBP), calls arch_context_switch(FROM, TO) and, once something switches back,
 * stores those registers into OUT in the same order. */
#define X86_TEST_CALLEE_SAVED (X86_WORD_SIZE == 8 ? 6 : 4)
void x86_test_switch(struct arch_context *from, struct arch_context *to, uintptr_t seed,
		     uintptr_t out[X86_TEST_CALLEE_SAVED]);

/* User programs, position independent, copied into a user page by the tests:
 * - syscall: every general register loaded (see above), then int 0x80 at x86_test_user_syscall_int;
 * - load: reads the byte at RDI/EDI (at offset 0), then int 0x80;
 * - store: writes AL to RDI/EDI (at offset 0), then int 0x80;
 * - spin: reads the TSC until it reaches RDI (x86_64) / ESI:EDI (i686), then int 0x80; leaves
 *   the callee-saved registers alone. */
extern const char x86_test_user_syscall[], x86_test_user_syscall_int[], x86_test_user_syscall_end[];
extern const char x86_test_user_load[], x86_test_user_load_end[];
extern const char x86_test_user_store[], x86_test_user_store_end[];
extern const char x86_test_user_spin[], x86_test_user_spin_end[];
#endif

#endif
