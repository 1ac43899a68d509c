/* Small CPU services of the arch contract on x86: interrupt masking, spin-wait hint, halting and
 * leaving QEMU through the isa-debug-exit device. */
#include "kernel/arch.h"
#include "x86.h"

/* QEMU's isa-debug-exit device (-device isa-debug-exit,iobase=0xf4,iosize=0x04): writing V makes
 * QEMU exit with status (V << 1) | 1. */
#define DEBUG_EXIT_PORT 0xf4

unsigned long arch_irq_save(void)
{
	unsigned long flags = x86_read_flags();
	__asm__ volatile("cli" ::: "memory");
	return flags & X86_FLAGS_IF;
}

void arch_irq_restore(unsigned long state)
{
	if (state & X86_FLAGS_IF)
		__asm__ volatile("sti" ::: "memory");
}

bool arch_irq_enabled(void)
{
	return (x86_read_flags() & X86_FLAGS_IF) != 0;
}

void arch_cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

/* Masks interrupts and halts forever (an NMI would only wake us into the next hlt). */
void arch_halt(void)
{
	for (;;)
		__asm__ volatile("cli; hlt" ::: "memory");
}

/* Hands STATUS to QEMU, which exits; on a machine without the device, halts. */
void arch_exit(int status)
{
	x86_outl(DEBUG_EXIT_PORT, (uint32_t)status);
	arch_halt();
}
