/* The GICv2 of QEMU's virt machine, as far as this kernel uses it: one CPU, private interrupts
 * (the timer), every interrupt group 0 and signalled as IRQ. */
#ifndef ARCH_AARCH64_GIC_H
#define ARCH_AARCH64_GIC_H

#include "kernel/compiler.h"

#define GIC_SPURIOUS_MIN 1020     /* INTIDs 1020-1023: nothing to acknowledge */

/* Sets up the distributor and this CPU's interface once: everything disabled and inactive,
 * forwarding on. Panics if the GIC is not a GICv2. */
void gic_init(void);

/* Enables / disables forwarding of interrupt INTID to this CPU. */
void gic_enable(unsigned intid);
void gic_disable(unsigned intid);

/* Acknowledges the highest-priority pending interrupt: returns GICC_IAR (INTID in bits 9:0). */
uint32_t gic_ack(void);

/* Ends the interrupt IAR (priority drop and deactivation). */
void gic_eoi(uint32_t iar);

#endif
