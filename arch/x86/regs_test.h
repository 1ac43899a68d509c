/* The register round-trip record: the test fills "before", the asm helper loads every general
 * register from it, executes int3 and stores every register into "after", plus the stack pointer
 * and flags around the breakpoint. */
#ifndef ARCH_X86_REGS_TEST_H
#define ARCH_X86_REGS_TEST_H

#include "kernel/compiler.h"
#include "x86.h"
#include "regs_test_layout.h"

struct x86_gprs {
#define X86_GPR_FIELD(name, index) uintptr_t name;
	X86_TEST_GPRS(X86_GPR_FIELD)
#undef X86_GPR_FIELD
};

struct x86_regs_roundtrip {
	struct x86_gprs before, after;
	uintptr_t sp_before, sp_after;        /* just before and just after the int3 */
	uintptr_t flags_before, flags_after;
};

#define X86_GPR_CHECK(name, index) \
	_Static_assert(offsetof(struct x86_regs_roundtrip, before.name) == \
		       RT_BEFORE + (index) * X86_WORD_SIZE, "before." #name); \
	_Static_assert(offsetof(struct x86_regs_roundtrip, after.name) == \
		       RT_AFTER + (index) * X86_WORD_SIZE, "after." #name);
X86_TEST_GPRS(X86_GPR_CHECK)
#undef X86_GPR_CHECK
_Static_assert(sizeof(struct x86_gprs) == RT_NREGS * X86_WORD_SIZE, "one word per register");
_Static_assert(offsetof(struct x86_regs_roundtrip, sp_before) == RT_SP_BEFORE, "sp_before");
_Static_assert(offsetof(struct x86_regs_roundtrip, sp_after) == RT_SP_AFTER, "sp_after");
_Static_assert(offsetof(struct x86_regs_roundtrip, flags_before) == RT_FLAGS_BEFORE, "flags_before");
_Static_assert(offsetof(struct x86_regs_roundtrip, flags_after) == RT_FLAGS_AFTER, "flags_after");
_Static_assert(sizeof(struct x86_regs_roundtrip) == RT_SIZE, "size");

/* The record the helper works on (a global, so the asm needs no base register after int3). */
extern struct x86_regs_roundtrip x86_regs_rt;

/* Sets CF PF AF ZF SF OF and DF, loads every general register but the stack pointer from
 * x86_regs_rt.before, executes int3, stores them into .after with the stack pointer and flags
 * right after the int3, then restores the callee-saved registers and clears DF. */
void x86_regs_roundtrip(void);

#endif
