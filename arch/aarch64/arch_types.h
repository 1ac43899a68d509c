/* The aarch64 types and constants the arch contract (kernel/arch.h) names: the trap frame the
 * vector trampolines fill, the setjmp buffer, the context of a kernel thread, the timer's
 * interrupt number, the test address that must fault, and the exception-table macro. The frame offsets are plain numbers so that vectors.S can use them;
 * trap.c static-asserts them against the C struct. Includable from C and from .S files. */
#ifndef ARCH_AARCH64_ARCH_TYPES_H
#define ARCH_AARCH64_ARCH_TYPES_H

#define ARCH_NAME "aarch64"

/* A low user-half address: TTBR0 holds an empty table once the kernel runs, so it faults. */
#define ARCH_TEST_UNMAPPED_ADDR 0x10000ul

/* A data abort taken from EL1 to EL1: ESR.EC 0x25. */
#define ARCH_TRAP_VECTOR_KERNEL_DATA_FAULT 0x25
#define ARCH_TRAP_NAME_KERNEL_DATA_FAULT "data abort (same EL)"

/* The timer tick: the EL1 virtual timer's private interrupt (PPI 11 = GIC INTID 27). For an IRQ,
 * trap_info.vector is the INTID the arch acknowledged at the GIC. */
#define ARCH_TIMER_VECTOR 27

/* struct trap_frame layout, in bytes. */
#define TF_X0      0        /* x0..x30 at TF_X0 + 8 * n */
#define TF_SP_EL0  248      /* the user (or EL1t) stack pointer */
#define TF_SP      256      /* the EL1 stack pointer when the trap was taken (read only) */
#define TF_ELR     264
#define TF_SPSR    272
#define TF_ESR     280      /* 0 for IRQ and FIQ, which do not write ESR */
#define TF_FAR     288
#define TF_ENTRY   296      /* which of the 16 vector entries was taken: source << 2 | type */
#define TF_IRQ     304      /* IRQ entries: the INTID acknowledged at the GIC (else 0) */
#define TF_SIZE    320      /* a multiple of 16, so SP stays aligned */

/* Vector entry index = (source << 2) | type. */
#define VECTOR_SOURCE_EL1T   0   /* current EL, SP_EL0 */
#define VECTOR_SOURCE_EL1H   1   /* current EL, SP_EL1 */
#define VECTOR_SOURCE_EL0_64 2   /* lower EL, AArch64 */
#define VECTOR_SOURCE_EL0_32 3   /* lower EL, AArch32 */
#define VECTOR_TYPE_SYNC     0
#define VECTOR_TYPE_IRQ      1
#define VECTOR_TYPE_FIQ      2
#define VECTOR_TYPE_SERROR   3

/* struct arch_jmp_buf layout, in bytes: x19..x28, x29, x30, sp, daif. */
#define JB_X19   0
#define JB_X29   80
#define JB_SP    96
#define JB_DAIF  104
#define JB_SIZE  112

/* struct arch_context layout, in bytes: x19..x28, x29 (fp), x30 (lr: where the switch resumes),
 * sp. */
#define CTX_X19  0
#define CTX_X29  80
#define CTX_X30  88
#define CTX_SP   96
#define CTX_SIZE 104

#ifdef __ASSEMBLY__

/* Lists INSN (a label of an instruction that may fault by design) with the place to resume at. */
#define EXTABLE_ENTRY(insn, fixup) \
	.pushsection extable, "a"; .balign 8; .quad insn, fixup; .popsection

#else

#include <stdint.h>

/* The same, for inline assembly: a string to paste after the instruction. */
#define EXTABLE_ENTRY_ASM(insn, fixup) \
	".pushsection extable, \"a\"\n.balign 8\n.quad " #insn ", " #fixup "\n.popsection\n"

struct trap_frame {
	uint64_t x[31];          /* x0..x30; x29 is the frame pointer, x30 the link register */
	uint64_t sp_el0;
	uint64_t sp;             /* EL1 SP at the trap; restoring it is not supported */
	uint64_t elr;            /* where to return: the trapping instruction for aborts and brk */
	uint64_t spsr;           /* PSTATE at the trap: NZCV, DAIF, mode */
	uint64_t esr;
	uint64_t far;
	uint64_t entry;
	uint64_t irq;            /* IRQ entries: the acknowledged INTID */
	uint64_t pad;
};

struct arch_jmp_buf {
	uint64_t x19_x28[10];
	uint64_t fp, lr, sp;
	uint64_t daif;           /* the interrupt mask, so a jump out of a trap handler restores it */
};

/* What survives arch_context_switch (arch/aarch64/context.S): the AAPCS64 callee-saved general
 * registers and the stack pointer. The kernel uses no FP/SIMD registers, so none are kept. */
struct arch_context {
	uint64_t x19_x28[10];
	uint64_t fp, lr, sp;
};

#endif /* __ASSEMBLY__ */

#endif
