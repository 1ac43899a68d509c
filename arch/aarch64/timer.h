/* The aarch64 interrupt path and timer internals (kernel/arch.h has the contract). */
#ifndef ARCH_AARCH64_TIMER_H
#define ARCH_AARCH64_TIMER_H

#include "kernel/arch.h"

/* Timer interrupts taken so far, and the INTID of the last interrupt acknowledged. */
extern unsigned long aarch64_timer_ticks;
extern unsigned aarch64_last_irq;

/* Re-arms the timer for the next tick; called with the timer interrupt acknowledged. */
void aarch64_timer_tick(void);

/* Handles an IRQ vector entry: acknowledges the interrupt at the GIC (a spurious one ends
 * here), records its INTID in TF, re-arms the timer for a tick, ends the interrupt at the GIC
 * and hands TF to trap_dispatch. */
void aarch64_irq(struct trap_frame *tf);

#endif
