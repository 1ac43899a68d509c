/* The x86_64 types and constants kernel/arch.h asks for: the trap frame, the jump buffer of
 * arch_setjmp, the self-test constants and the exception-table macro. Includable from C and
 * assembly (the assembly sees only the constants and macros). */
#ifndef ARCH_X86_64_ARCH_TYPES_H
#define ARCH_X86_64_ARCH_TYPES_H

#include "x86_mode.h"
#include "trap_frame.h"

#define ARCH_NAME "x86_64"

/* Nothing is mapped in the low 4 GiB once boot removed the identity map. */
#define ARCH_TEST_UNMAPPED_ADDR            0x10000UL
#define ARCH_TRAP_VECTOR_KERNEL_DATA_FAULT 14
#define ARCH_TRAP_NAME_KERNEL_DATA_FAULT   "page fault"

#define X86_ASM_PTR .quad

/* The timer tick: each CPU's local APIC timer, on this vector (arch/x86/timer.c, apic.h). */
#define ARCH_TIMER_VECTOR 0xef

/* struct arch_context (arch_context_switch, arch/x86/64/context.S): the callee-saved registers of
 * the System V ABI and the stack pointer; the resume address is on that stack. */
#define CTX_RBX 0
#define CTX_RBP 8
#define CTX_R12 16
#define CTX_R13 24
#define CTX_R14 32
#define CTX_R15 40
#define CTX_RSP 48
#define CTX_SIZE 56

/* arch_setjmp's buffer: the callee-saved registers, the stack pointer after return and the
 * return address. */
#define JB_RBX 0
#define JB_RBP 8
#define JB_R12 16
#define JB_R13 24
#define JB_R14 32
#define JB_R15 40
#define JB_RSP 48
#define JB_RIP 56

#ifndef __ASSEMBLY__
struct arch_jmp_buf {
	uint64_t rbx, rbp, r12, r13, r14, r15;
	uint64_t rsp;
	uint64_t rip;
};

_Static_assert(offsetof(struct arch_jmp_buf, rbx) == JB_RBX, "jmp_buf.rbx");
_Static_assert(offsetof(struct arch_jmp_buf, rbp) == JB_RBP, "jmp_buf.rbp");
_Static_assert(offsetof(struct arch_jmp_buf, r12) == JB_R12, "jmp_buf.r12");
_Static_assert(offsetof(struct arch_jmp_buf, r13) == JB_R13, "jmp_buf.r13");
_Static_assert(offsetof(struct arch_jmp_buf, r14) == JB_R14, "jmp_buf.r14");
_Static_assert(offsetof(struct arch_jmp_buf, r15) == JB_R15, "jmp_buf.r15");
_Static_assert(offsetof(struct arch_jmp_buf, rsp) == JB_RSP, "jmp_buf.rsp");
_Static_assert(offsetof(struct arch_jmp_buf, rip) == JB_RIP, "jmp_buf.rip");

struct arch_context {
	uint64_t rbx, rbp, r12, r13, r14, r15;
	uint64_t rsp;
};

_Static_assert(offsetof(struct arch_context, rbx) == CTX_RBX, "arch_context.rbx");
_Static_assert(offsetof(struct arch_context, rbp) == CTX_RBP, "arch_context.rbp");
_Static_assert(offsetof(struct arch_context, r12) == CTX_R12, "arch_context.r12");
_Static_assert(offsetof(struct arch_context, r13) == CTX_R13, "arch_context.r13");
_Static_assert(offsetof(struct arch_context, r14) == CTX_R14, "arch_context.r14");
_Static_assert(offsetof(struct arch_context, r15) == CTX_R15, "arch_context.r15");
_Static_assert(offsetof(struct arch_context, rsp) == CTX_RSP, "arch_context.rsp");
_Static_assert(sizeof(struct arch_context) == CTX_SIZE, "arch_context size");
#endif

#include "x86_asm.h"

#endif
