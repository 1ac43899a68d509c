/* The legacy 8259 PIC pair: remapped to vectors 0x20-0x2f and fully masked at boot. External
 * interrupts will come through the local APIC in a later issue. */
#include "pic.h"
#include "x86.h"

#define PIC1_CMD   0x20
#define PIC1_DATA  0x21
#define PIC2_CMD   0xa0
#define PIC2_DATA  0xa1

#define ICW1_INIT_ICW4 0x11     /* start initialization, an ICW4 follows */
#define ICW4_8086      0x01

void x86_pic_disable(void)
{
	x86_outb(PIC1_CMD, ICW1_INIT_ICW4);
	x86_outb(PIC2_CMD, ICW1_INIT_ICW4);
	x86_outb(PIC1_DATA, 0x20);          /* ICW2: vector base of IRQ 0-7 */
	x86_outb(PIC2_DATA, 0x28);          /* ICW2: vector base of IRQ 8-15 */
	x86_outb(PIC1_DATA, 0x04);          /* ICW3: the slave is on IRQ 2 */
	x86_outb(PIC2_DATA, 0x02);          /* ICW3: the slave's cascade identity */
	x86_outb(PIC1_DATA, ICW4_8086);
	x86_outb(PIC2_DATA, ICW4_8086);
	x86_outb(PIC1_DATA, 0xff);          /* mask everything */
	x86_outb(PIC2_DATA, 0xff);
}
