/* Kernel contexts and user mode for aarch64 (kernel/arch.h): setting up a new context, the
 * kernel stack for traps from EL0 (see context.S for how it is chosen), user trap frames, the
 * upcall into a user fault handler, and the syscall ABI (svc #0; number in x8, arguments in
 * x0-x5, result in x0). */
#include "kernel/arch.h"
#include "kernel/panic.h"
#include "kernel/string.h"
#include "kernel/smp.h"
#include "arch/aarch64/cpu.h"
#include "arch/aarch64/sysreg.h"

_Static_assert(offsetof(struct arch_context, x19_x28) == CTX_X19, "CTX_X19");
_Static_assert(offsetof(struct arch_context, fp) == CTX_X29, "CTX_X29");
_Static_assert(offsetof(struct arch_context, lr) == CTX_X30, "CTX_X30");
_Static_assert(offsetof(struct arch_context, sp) == CTX_SP, "CTX_SP");
_Static_assert(sizeof(struct arch_context) == CTX_SIZE, "CTX_SIZE");

/* Per CPU, indexed by struct cpu.id, which context.S reads at offset 0 of TPIDR_EL1's struct. */
uintptr_t aarch64_user_kstack_top[SMP_MAX_CPUS];
_Static_assert(offsetof(struct cpu, id) == 0, "context.S reads the CPU id at offset 0");
_Static_assert(sizeof(((struct cpu *)0)->id) == 4, "context.S reads a 32-bit id");

void aarch64_context_start(void);
__noreturn void aarch64_context_returned(void);

/* Where a context's first function ends up if it returns, which it must not. */
void aarch64_context_returned(void)
{
	panic("a context's start function returned");
}

void arch_context_init(struct arch_context *ctx, void *kstack_top, void (*fn)(void *), void *arg)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->x19_x28[0] = (uintptr_t)fn;          /* aarch64_context_start: blr x19 with x0 = x20 */
	ctx->x19_x28[1] = (uintptr_t)arg;
	ctx->lr = (uintptr_t)aarch64_context_start;
	ctx->fp = 0;                              /* ends the frame-pointer chain */
	ctx->sp = ALIGN_DOWN((uintptr_t)kstack_top, 16);
}

void arch_set_kernel_stack(void *kstack_top)
{
	kassert(IS_ALIGNED((uintptr_t)kstack_top, 16));
	aarch64_user_kstack_top[cpu_current()->id] = (uintptr_t)kstack_top;
}

void arch_trap_frame_init_user(struct trap_frame *tf, uintptr_t pc, uintptr_t sp)
{
	memset(tf, 0, sizeof(*tf));
	tf->elr = pc;
	tf->sp_el0 = sp;
	tf->spsr = SPSR_MODE_EL0T;                /* EL0t, AArch64, DAIF clear: interrupts on */
}

/* AAPCS64 has no red zone, but leaf code that stores just below sp (or code built for an ABI
 * that has one, such as Apple's 128 bytes) must not be overwritten by the handler's frame. */
#define UPCALL_RED_ZONE 128

void arch_trap_frame_setup_upcall(struct trap_frame *tf, uintptr_t handler, uintptr_t addr,
				  unsigned long access)
{
	tf->x[0] = addr;
	tf->x[1] = access;
	tf->x[30] = 0;                            /* returning from the handler faults at 0 */
	tf->sp_el0 = ALIGN_DOWN(tf->sp_el0 - UPCALL_RED_ZONE, 16);   /* SCTLR_EL1.SA0 checks it */
	tf->elr = handler;
}

unsigned long arch_syscall_number(const struct trap_frame *tf)
{
	return tf->x[8];
}

void arch_syscall_args(const struct trap_frame *tf, unsigned long args[ARCH_SYSCALL_ARGS])
{
	for (unsigned i = 0; i < ARCH_SYSCALL_ARGS; i++)
		args[i] = tf->x[i];
}

void arch_syscall_set_result(struct trap_frame *tf, long result)
{
	tf->x[0] = (uint64_t)result;              /* ELR already points past the svc */
}
