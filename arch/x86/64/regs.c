/* The x86_64 register conventions of the arch contract: where a new kernel context keeps its
 * entry function, what a fresh user frame holds, and the int 0x80 syscall ABI (number in RAX,
 * arguments in RDI RSI RDX R10 R8 R9, result in RAX, as kernel/arch.h says). */
#include "kernel/arch.h"
#include "kernel/string.h"
#include "x86.h"

void x86_context_start(void);     /* context.S */

void arch_context_init(struct arch_context *ctx, void *kstack_top, void (*fn)(void *), void *arg)
{
	uintptr_t sp = ALIGN_DOWN((uintptr_t)kstack_top, 16);
	sp -= 8;
	*(uintptr_t *)sp = (uintptr_t)x86_context_start;    /* what arch_context_switch returns to */
	*ctx = (struct arch_context){ .rbx = (uintptr_t)fn, .r12 = (uintptr_t)arg, .rsp = sp };
}

/* A ring-3 frame: user code and data selectors, IF set, every general register 0. */
void arch_trap_frame_init_user(struct trap_frame *tf, uintptr_t pc, uintptr_t sp)
{
	memset(tf, 0, sizeof(*tf));
	tf->ip = pc;
	tf->sp = sp;
	tf->cs = X86_SEL_USER_CODE;
	tf->ss = X86_SEL_USER_DATA;
	tf->flags = X86_FLAGS_IF | X86_FLAGS_FIXED;
}

/* The syscall number register of the ABI above. */
unsigned long arch_syscall_number(const struct trap_frame *tf)
{
	return tf->rax;
}

/* The six argument registers of the ABI above, in order. */
void arch_syscall_args(const struct trap_frame *tf, unsigned long args[ARCH_SYSCALL_ARGS])
{
	args[0] = tf->rdi;
	args[1] = tf->rsi;
	args[2] = tf->rdx;
	args[3] = tf->r10;
	args[4] = tf->r8;
	args[5] = tf->r9;
}

/* The result register of the ABI above; nothing else changes. */
void arch_syscall_set_result(struct trap_frame *tf, long result)
{
	tf->rax = (uint64_t)result;
}

/* The fault upcall: HANDLER(ADDR, ACCESS) in RDI/RSI, on the interrupted stack below its 128-byte
 * red zone, aligned as right after a call (the handler never returns). */
void arch_trap_frame_setup_upcall(struct trap_frame *tf, uintptr_t handler, uintptr_t addr,
				  unsigned long access)
{
	tf->ip = handler;
	tf->rdi = addr;
	tf->rsi = access;
	tf->sp = ALIGN_DOWN(tf->sp - 256, 16) - 8;
}
