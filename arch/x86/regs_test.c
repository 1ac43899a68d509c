/* Self-test of the trap trampolines: every general register, the stack pointer and the flags
 * must come back unchanged from a kernel breakpoint (int3 -> trampoline -> trap_dispatch ->
 * iret). */
#include "kernel/ktest.h"
#include "kernel/trap.h"
#include "regs_test.h"

struct x86_regs_roundtrip x86_regs_rt;

/* The flags a trap must give back: the arithmetic ones, DF and IF. */
#define FLAGS_CHECKED (X86_FLAGS_CF | X86_FLAGS_PF | X86_FLAGS_AF | X86_FLAGS_ZF | \
		       X86_FLAGS_SF | X86_FLAGS_DF | X86_FLAGS_OF | X86_FLAGS_IF)

KTEST(x86_registers_survive_breakpoint)
{
	struct x86_regs_roundtrip *rt = &x86_regs_rt;
	uintptr_t *before = (uintptr_t *)&rt->before;

	*rt = (struct x86_regs_roundtrip){ 0 };
	/* Distinct values with high bits set, so a truncated or swapped register shows. */
	for (unsigned i = 0; i < RT_NREGS; i++)
		before[i] = (uintptr_t)0xa5a5a5a5a5a5a5a5ull ^ ((uintptr_t)(i + 1) * (uintptr_t)0x0101010101010101ull);

	unsigned long breakpoints = trap_breakpoint_count;
	x86_regs_roundtrip();
	EXPECT_EQ(trap_breakpoint_count, breakpoints + 1);

#define X86_GPR_EXPECT(name, index) EXPECT_EQ(rt->after.name, rt->before.name);
	X86_TEST_GPRS(X86_GPR_EXPECT)
#undef X86_GPR_EXPECT

	EXPECT_EQ(rt->sp_after, rt->sp_before);
	EXPECT_EQ(rt->flags_after & FLAGS_CHECKED, rt->flags_before & FLAGS_CHECKED);
	/* the helper really set the flags it claims to */
	EXPECT_EQ(rt->flags_before & (X86_FLAGS_CF | X86_FLAGS_DF | X86_FLAGS_OF),
		  X86_FLAGS_CF | X86_FLAGS_DF | X86_FLAGS_OF);
}
