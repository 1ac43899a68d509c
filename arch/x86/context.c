/* The shared halves of kernel contexts and user-mode entry on x86 (the register details are in
 * arch/x86/<mode>/regs.c and context.S): what happens if a context function returns, and
 * arch_return_to_user, which checks the frame and leaves through the trap exit path. */
#include "kernel/arch.h"
#include "kernel/panic.h"
#include "entry.h"
#include "x86.h"

void x86_context_returned(void);

/* Called by x86_context_start if a context's function returned, which the contract forbids. */
void x86_context_returned(void)
{
	panic("a kernel context's function returned");
}

/* Checks that TF is a ring-3 frame (panics otherwise), masks interrupts and irets through it. */
void arch_return_to_user(struct trap_frame *tf)
{
	if (tf->cs != X86_SEL_USER_CODE || tf->ss != X86_SEL_USER_DATA)
		panic("arch_return_to_user: frame %p is not a user frame (cs %#lx ss %#lx)", (void *)tf,
		      (unsigned long)tf->cs, (unsigned long)tf->ss);
	/* IOPL would give user mode the I/O ports and cli; VM (i686) would enter virtual-8086 mode.
	 * The generic code never sets them, so a frame with either is corrupt. */
	if (tf->flags & (X86_FLAGS_IOPL | X86_FLAGS_VM))
		panic("arch_return_to_user: frame %p has flags %#lx", (void *)tf, (unsigned long)tf->flags);
	__asm__ volatile("cli" ::: "memory");
	x86_trap_resume(tf);
}
