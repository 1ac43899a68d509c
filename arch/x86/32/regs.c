/* The i686 register conventions of the arch contract: where a new kernel context keeps its entry
 * function, what a fresh user frame holds, and the int 0x80 syscall ABI (number in EAX,
 * arguments in EBX ECX EDX ESI EDI EBP, result in EAX, as kernel/arch.h says). */
#include "kernel/arch.h"
#include "kernel/string.h"
#include "x86.h"

void x86_context_start(void);     /* context.S */

void arch_context_init(struct arch_context *ctx, void *kstack_top, void (*fn)(void *), void *arg)
{
	uintptr_t sp = ALIGN_DOWN((uintptr_t)kstack_top, 16);
	sp -= 4;
	*(uintptr_t *)sp = (uintptr_t)x86_context_start;    /* what arch_context_switch returns to */
	*ctx = (struct arch_context){ .ebx = (uintptr_t)fn, .esi = (uintptr_t)arg, .esp = sp };
}

/* A ring-3 frame: user code and data selectors, IF set, every general register 0. */
void arch_trap_frame_init_user(struct trap_frame *tf, uintptr_t pc, uintptr_t sp)
{
	memset(tf, 0, sizeof(*tf));
	tf->ip = pc;
	tf->sp = sp;
	tf->cs = X86_SEL_USER_CODE;
	tf->ss = X86_SEL_USER_DATA;
	tf->ds = X86_SEL_USER_DATA;
	tf->es = X86_SEL_USER_DATA;
	/* FS and GS stay null: no thread-local storage yet, so a stray use faults. */
	tf->flags = X86_FLAGS_IF | X86_FLAGS_FIXED;
}

/* The syscall number register of the ABI above. */
unsigned long arch_syscall_number(const struct trap_frame *tf)
{
	return tf->eax;
}

/* The six argument registers of the ABI above, in order. */
void arch_syscall_args(const struct trap_frame *tf, unsigned long args[ARCH_SYSCALL_ARGS])
{
	args[0] = tf->ebx;
	args[1] = tf->ecx;
	args[2] = tf->edx;
	args[3] = tf->esi;
	args[4] = tf->edi;
	args[5] = tf->ebp;
}

/* The result register of the ABI above; nothing else changes. */
void arch_syscall_set_result(struct trap_frame *tf, long result)
{
	tf->eax = (uint32_t)result;
}

/* The fault upcall: HANDLER(ADDR, ACCESS) in EAX/EDX (the user library's entry stub moves them
 * to the stack), on the interrupted stack minus a gap (the handler never returns). */
void arch_trap_frame_setup_upcall(struct trap_frame *tf, uintptr_t handler, uintptr_t addr,
				  unsigned long access)
{
	tf->ip = handler;
	tf->eax = addr;
	tf->edx = access;
	tf->sp = ALIGN_DOWN(tf->sp - 256, 16);
}
