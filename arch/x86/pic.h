/* The legacy 8259 interrupt controllers: remapped off the exception vectors, every line masked
 * except those a driver unmasks (today only IRQ 0, the PIT tick of arch/x86/timer.c). The local
 * APIC replaces them once there is more than one CPU. */
#ifndef ARCH_X86_PIC_H
#define ARCH_X86_PIC_H

#include "kernel/compiler.h"

/* Moves both 8259s off the exception vectors (the BIOS leaves them at 8-15) to 0x20-0x2f and
 * masks every line, so no legacy IRQ can arrive disguised as an exception. */
void x86_pic_disable(void);

/* Unmasks / masks IRQ line IRQ (0-15). Callers serialize (interrupts masked, one CPU). */
void x86_pic_unmask(unsigned irq);
void x86_pic_mask(unsigned irq);

/* Returns whether IRQ line IRQ is masked. */
bool x86_pic_masked(unsigned irq);

/* Acknowledges IRQ line IRQ at the end of its delivery (EOI to the PIC or PICs that raised it).
 * Returns false for a spurious IRQ 7 or 15 (the line had dropped before the CPU took it), which
 * must not be acknowledged at its own PIC and is not an interrupt at all. */
bool x86_pic_ack(unsigned irq);

/* How many spurious IRQs x86_pic_ack has swallowed, and how many real ones it acknowledged per
 * line (for the self-tests). */
extern unsigned long x86_pic_spurious_count;
extern unsigned long x86_pic_irq_count[];

#endif
