/* The GICv2 of QEMU's virt machine, as far as this kernel uses it: private interrupts (the
 * timer), software-generated interrupts between CPUs (the SMP call IPI), every interrupt group 0
 * and signalled as IRQ. */
#ifndef ARCH_AARCH64_GIC_H
#define ARCH_AARCH64_GIC_H

#include "kernel/compiler.h"

#define GIC_SPURIOUS_MIN 1020     /* INTIDs 1020-1023: nothing to acknowledge */
#define AARCH64_SGI_CALL 1        /* the SGI of cross-CPU calls (kernel/smp.c) */

/* Sets up the distributor and this CPU's interface once: everything disabled and inactive,
 * forwarding on. Panics if the GIC is not a GICv2. */
void gic_init(void);

/* Sets up the calling AP's banked distributor registers (SGIs, PPIs: disabled, group 0, one
 * priority) and its CPU interface, like gic_init did for the boot CPU. After gic_init. */
void gic_init_cpu(void);

/* Returns the calling CPU's GICv2 CPU interface mask (one bit; the target list of an SGI). */
uint8_t gic_cpu_mask(void);

/* Sends software-generated interrupt INTID (< 16) to the CPUs in the target mask TARGETS. */
void gic_send_sgi(unsigned intid, uint8_t targets);

/* Enables / disables forwarding of interrupt INTID to this CPU. */
void gic_enable(unsigned intid);
void gic_disable(unsigned intid);

/* Acknowledges the highest-priority pending interrupt: returns GICC_IAR (INTID in bits 9:0). */
uint32_t gic_ack(void);

/* Ends the interrupt IAR (priority drop and deactivation). */
void gic_eoi(uint32_t iar);

#endif
