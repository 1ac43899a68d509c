/* The console: the PL011 UART of QEMU's virt machine, polled, transmit only. UEFI leaves it
 * configured (115200 8N1, enabled); the kernel only writes bytes. Until aarch64_start it is
 * reached at its physical address through UEFI's identity map, afterwards at UART_VIRT. */
#include "kernel/arch.h"
#include "arch/aarch64/boot.h"
#include "arch/aarch64/memlayout.h"

#define PL011_DR      0x00          /* data register */
#define PL011_FR      0x18          /* flag register */
#define PL011_FR_TXFF (1u << 5)     /* transmit FIFO full */

static uintptr_t uart_base = UART_PHYS;

void uart_set_base(uintptr_t base)
{
	uart_base = base;
}

void arch_console_putc(char c)
{
	volatile uint32_t *regs = (volatile uint32_t *)uart_base;
	while (regs[PL011_FR / 4] & PL011_FR_TXFF)
		arch_cpu_relax();
	regs[PL011_DR / 4] = (uint8_t)c;
}

void uart_puts(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			arch_console_putc('\r');
		arch_console_putc(*s);
	}
}

void boot_fail(const char *s)
{
	uart_puts("aarch64 boot: ");
	uart_puts(s);
	uart_puts("\n");
	arch_halt();
}
