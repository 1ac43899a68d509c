/* The i686 types and constants kernel/arch.h asks for: the trap frame, the jump buffer of
 * arch_setjmp, the self-test constants and the exception-table macro. Includable from C and
 * assembly (the assembly sees only the constants and macros). */
#ifndef ARCH_X86_32_ARCH_TYPES_H
#define ARCH_X86_32_ARCH_TYPES_H

#include "x86_mode.h"
#include "trap_frame.h"

#define ARCH_NAME "i686"

/* Nothing below 3 GiB is mapped once boot removed the identity map. */
#define ARCH_TEST_UNMAPPED_ADDR            0x10000UL
#define ARCH_TRAP_VECTOR_KERNEL_DATA_FAULT 14
#define ARCH_TRAP_NAME_KERNEL_DATA_FAULT   "page fault"

#define X86_ASM_PTR .long

/* The timer tick: each CPU's local APIC timer, on this vector (arch/x86/timer.c, apic.h). */
#define ARCH_TIMER_VECTOR 0xef

/* struct arch_context (arch_context_switch, arch/x86/32/context.S): the callee-saved registers of
 * the System V i386 ABI and the stack pointer; the resume address is on that stack. */
#define CTX_EBX 0
#define CTX_ESI 4
#define CTX_EDI 8
#define CTX_EBP 12
#define CTX_ESP 16
#define CTX_SIZE 20

/* arch_setjmp's buffer: the callee-saved registers, the stack pointer after return and the
 * return address. */
#define JB_EBX 0
#define JB_ESI 4
#define JB_EDI 8
#define JB_EBP 12
#define JB_ESP 16
#define JB_EIP 20

#ifndef __ASSEMBLY__
struct arch_jmp_buf {
	uint32_t ebx, esi, edi, ebp;
	uint32_t esp;
	uint32_t eip;
};

_Static_assert(offsetof(struct arch_jmp_buf, ebx) == JB_EBX, "jmp_buf.ebx");
_Static_assert(offsetof(struct arch_jmp_buf, esi) == JB_ESI, "jmp_buf.esi");
_Static_assert(offsetof(struct arch_jmp_buf, edi) == JB_EDI, "jmp_buf.edi");
_Static_assert(offsetof(struct arch_jmp_buf, ebp) == JB_EBP, "jmp_buf.ebp");
_Static_assert(offsetof(struct arch_jmp_buf, esp) == JB_ESP, "jmp_buf.esp");
_Static_assert(offsetof(struct arch_jmp_buf, eip) == JB_EIP, "jmp_buf.eip");

struct arch_context {
	uint32_t ebx, esi, edi, ebp;
	uint32_t esp;
};

_Static_assert(offsetof(struct arch_context, ebx) == CTX_EBX, "arch_context.ebx");
_Static_assert(offsetof(struct arch_context, esi) == CTX_ESI, "arch_context.esi");
_Static_assert(offsetof(struct arch_context, edi) == CTX_EDI, "arch_context.edi");
_Static_assert(offsetof(struct arch_context, ebp) == CTX_EBP, "arch_context.ebp");
_Static_assert(offsetof(struct arch_context, esp) == CTX_ESP, "arch_context.esp");
_Static_assert(sizeof(struct arch_context) == CTX_SIZE, "arch_context size");
#endif

#include "x86_asm.h"

#endif
