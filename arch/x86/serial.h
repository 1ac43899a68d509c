/* The x86 console: COM1, a 16550 UART, driven by polling. */
#ifndef ARCH_X86_SERIAL_H
#define ARCH_X86_SERIAL_H

/* Programs COM1 for 115200 8N1 with FIFOs; call once before the first arch_console_putc. */
void x86_serial_init(void);

#endif
