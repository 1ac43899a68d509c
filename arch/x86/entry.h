/* The C side of the trap trampolines (arch/x86/<mode>/trap_entry.S) and their exit path. */
#ifndef ARCH_X86_ENTRY_H
#define ARCH_X86_ENTRY_H

#include "kernel/arch.h"

/* Called by the trampoline for every trap with interrupts masked: acknowledges an IRQ at the
 * PIC, then hands the frame to trap_dispatch (a spurious IRQ goes no further). */
void x86_trap_entry(struct trap_frame *tf);

/* Restores every register from TF and returns through it (iret); the stack becomes TF. */
__noreturn void x86_trap_resume(struct trap_frame *tf);

#endif
