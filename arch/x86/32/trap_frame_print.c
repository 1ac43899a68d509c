/* Printing an i686 trap frame: every saved register, for trap reports and panics. */
#include "kernel/arch.h"
#include "kernel/kprintf.h"

void arch_trap_frame_print(const struct trap_frame *tf)
{
	/* A trap inside the kernel does not change ss, so the current one is the interrupted one. */
	uint32_t ss = tf->ss;
	if ((tf->cs & 3) != 3) {
		uint16_t cur;
		__asm__("mov %%ss, %0" : "=r"(cur));
		ss = cur;
	}

	kprintf("  eax %08x  ebx %08x  ecx %08x  edx %08x\n", tf->eax, tf->ebx, tf->ecx, tf->edx);
	kprintf("  esi %08x  edi %08x  ebp %08x  esp %08x\n", tf->esi, tf->edi, tf->ebp,
		(uint32_t)x86_trap_frame_sp(tf));
	kprintf("  eip %08x  eflags %08x  cs %04x  ss %04x\n", tf->ip, tf->flags, tf->cs, ss);
	kprintf("  ds %04x  es %04x  fs %04x  gs %04x\n", tf->ds, tf->es, tf->fs, tf->gs);
	kprintf("  vector %u  error %#x  cr2 %08x\n", tf->vector, tf->error_code, tf->cr2);
}
