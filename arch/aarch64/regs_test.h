/* The register round-trip self-test's shared numbers: what regs_test.S loads into each register
 * before its brk, and the layout of the snapshot it hands back to regs_test.c. */
#ifndef ARCH_AARCH64_REGS_TEST_H
#define ARCH_AARCH64_REGS_TEST_H

#include "arch/aarch64/sysreg.h"   /* UL() */

/* Distinct per register, never a valid pointer, upper and lower halves both non-zero. */
#define REGS_TEST_VALUE(n)  (UL(0x5a00000000000000) + (n) * UL(0x0001000100010001))
/* NZCV with N and C set, Z and V clear. */
#define REGS_TEST_NZCV      UL(0xa0000000)

/* struct regs_snapshot, in bytes */
#define RS_X0        0          /* x0..x30 as they were right after the brk */
#define RS_SP_BEFORE 248
#define RS_SP_AFTER  256
#define RS_NZCV      264
#define RS_SIZE      272

#ifndef __ASSEMBLY__
struct regs_snapshot {
	uint64_t x[31];
	uint64_t sp_before, sp_after;
	uint64_t nzcv;
};
_Static_assert(sizeof(struct regs_snapshot) == RS_SIZE, "RS_SIZE");

/* Loads REGS_TEST_VALUE(n) into every xn and REGS_TEST_NZCV into NZCV, executes brk #0, and
 * stores what the registers hold afterwards into OUT. Preserves the callee-saved registers. */
void regs_roundtrip(struct regs_snapshot *out);
#endif

#endif
