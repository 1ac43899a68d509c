/* Generic trap handling: the exception fixup table and the unexpected-trap report. */
#ifndef KERNEL_TRAP_H
#define KERNEL_TRAP_H

#include "kernel/arch.h"

/* An exception fixup: a fault at INSN (a kernel instruction that may fault by design, such as a
 * usercopy load) resumes at FIXUP instead of panicking. Arch assembly emits the entries into the
 * "extable" section with the EXTABLE_ENTRY macro of its arch_types.h. */
struct extable_entry {
	uintptr_t insn;
	uintptr_t fixup;
};

/* Returns the fixup address for a fault at PC, or 0 when PC may not fault. */
uintptr_t extable_lookup(uintptr_t pc);

/* The trap_info of the last fault resumed through the fixup table (for the self-tests). */
extern struct trap_info trap_last_fixup;

/* How many kernel breakpoints trap_dispatch has handled (the register round-trip test checks it). */
extern unsigned long trap_breakpoint_count;

/* Interrupts handled so far (from kernel mode). */
extern unsigned long trap_irq_count;

/* Handles a trap taken from user mode (syscall, page fault, timer, ...) for the process layer.
 * Returns false when it could not (no user process runs: a self-test drove user mode itself),
 * and trap_dispatch then reports it as unexpected. */
bool proc_user_trap(struct trap_frame *tf, const struct trap_info *info);

/* A kernel fault on a user address inside usercopy: lets the current process's address space
 * resolve it (lazy population, CoW). Returns true when the access may be retried. */
bool proc_resolve_kernel_fault(const struct trap_info *info);

/* Prints the decoded trap and every register. */
void trap_report(const struct trap_frame *tf, const struct trap_info *info);

#endif
