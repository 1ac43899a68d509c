/* The legacy 8259 interrupt controllers, which the kernel keeps out of the way. */
#ifndef ARCH_X86_PIC_H
#define ARCH_X86_PIC_H

/* Moves both 8259s off the exception vectors (the BIOS leaves them at 8-15) to 0x20-0x2f and
 * masks every line, so no legacy IRQ can arrive disguised as an exception. */
void x86_pic_disable(void);

#endif
