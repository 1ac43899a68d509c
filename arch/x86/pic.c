/* The legacy 8259 PIC pair: remapped to vectors 0x20-0x2f and fully masked at boot; single lines
 * are unmasked by their drivers, and acknowledged here before the generic trap code runs. */
#include "pic.h"
#include "x86.h"

#define PIC1_CMD   0x20
#define PIC1_DATA  0x21
#define PIC2_CMD   0xa0
#define PIC2_DATA  0xa1

#define ICW1_INIT_ICW4 0x11     /* start initialization, an ICW4 follows */
#define ICW4_8086      0x01
#define OCW2_EOI       0x20     /* non-specific end of interrupt */
#define OCW3_READ_ISR  0x0b     /* the next read of the command port returns the in-service bits */
#define CASCADE_IRQ    2

_Static_assert(X86_VECTOR_IRQ_BASE == 0x20, "the PIC vector base below");

unsigned long x86_pic_spurious_count;
unsigned long x86_pic_irq_count[X86_IRQ_LINES];

/* Reinitializes both PICs at vectors 0x20-0x2f with every line masked. */
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

/* The mask register of the PIC that has line IRQ. */
static uint16_t data_port(unsigned irq)
{
	return irq < 8 ? PIC1_DATA : PIC2_DATA;
}

/* Clears the line's mask bit (and the cascade's, for the slave). */
void x86_pic_unmask(unsigned irq)
{
	x86_outb(data_port(irq), x86_inb(data_port(irq)) & ~(1u << (irq % 8)));
	if (irq >= 8)                       /* the slave reaches the CPU through the cascade line */
		x86_outb(PIC1_DATA, x86_inb(PIC1_DATA) & ~(1u << CASCADE_IRQ));
}

/* Sets the line's mask bit. */
void x86_pic_mask(unsigned irq)
{
	x86_outb(data_port(irq), x86_inb(data_port(irq)) | (1u << (irq % 8)));
}

/* Reads the line's mask bit. */
bool x86_pic_masked(unsigned irq)
{
	return (x86_inb(data_port(irq)) >> (irq % 8)) & 1;
}

/* The in-service register of the PIC behind command port CMD. */
static uint8_t in_service(uint16_t cmd)
{
	x86_outb(cmd, OCW3_READ_ISR);
	return x86_inb(cmd);
}

/* EOI after checking the in-service bit of IRQ 7 / 15 for a spurious interrupt. */
bool x86_pic_ack(unsigned irq)
{
	if (irq == 7 && !(in_service(PIC1_CMD) & 0x80)) {
		x86_pic_spurious_count++;
		return false;
	}
	if (irq == 15 && !(in_service(PIC2_CMD) & 0x80)) {
		x86_outb(PIC1_CMD, OCW2_EOI);   /* the master did see the cascade line */
		x86_pic_spurious_count++;
		return false;
	}
	if (irq >= 8)
		x86_outb(PIC2_CMD, OCW2_EOI);
	x86_outb(PIC1_CMD, OCW2_EOI);
	x86_pic_irq_count[irq]++;
	return true;
}
