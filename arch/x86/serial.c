/* The x86 console: COM1 (a 16550 UART at I/O port 0x3f8), polled, no interrupts. */
#include "kernel/arch.h"
#include "serial.h"
#include "x86.h"

#define COM1        0x3f8
#define UART_DATA   0        /* transmit holding / receive buffer; divisor low with DLAB */
#define UART_IER    1        /* interrupt enable; divisor high with DLAB */
#define UART_FCR    2        /* FIFO control */
#define UART_LCR    3        /* line control */
#define UART_MCR    4        /* modem control */
#define UART_LSR    5        /* line status */

#define LCR_DLAB    0x80
#define LCR_8N1     0x03
#define LSR_THRE    0x20     /* transmit holding register empty */

void x86_serial_init(void)
{
	x86_outb(COM1 + UART_IER, 0x00);          /* no interrupts */
	x86_outb(COM1 + UART_LCR, LCR_DLAB);
	x86_outb(COM1 + UART_DATA, 1);            /* divisor 1: 115200 baud */
	x86_outb(COM1 + UART_IER, 0);
	x86_outb(COM1 + UART_LCR, LCR_8N1);
	x86_outb(COM1 + UART_FCR, 0xc7);          /* enable and clear FIFOs, 14-byte threshold */
	x86_outb(COM1 + UART_MCR, 0x03);          /* DTR, RTS */
}

/* Waits until the UART can take a byte, then sends C. */
void arch_console_putc(char c)
{
	while (!(x86_inb(COM1 + UART_LSR) & LSR_THRE))
		arch_cpu_relax();
	x86_outb(COM1 + UART_DATA, (uint8_t)c);
}
