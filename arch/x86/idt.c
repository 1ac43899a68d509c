/* The IDT: one interrupt gate (interrupts masked on entry) per vector, each pointing at its stub
 * in trap_entry.S. All 256 vectors get a stub, so the exceptions (0-31) and whatever comes later
 * (IRQs, the syscall vector) arrive in trap_dispatch with a full trap frame. */
#include "desc.h"

#define GATE_INTERRUPT_DPL0 0x8e   /* present, DPL 0, 32/64-bit interrupt gate */

static struct x86_idt_gate idt[X86_IDT_VECTORS] __aligned(16);

void x86_idt_init(void)
{
	for (unsigned v = 0; v < X86_IDT_VECTORS; v++) {
		unsigned ist = v == X86_VECTOR_DOUBLE_FAULT ? X86_IST_DOUBLE_FAULT : 0;
		idt[v] = x86_idt_gate_make(x86_trap_stubs[v], X86_SEL_KERNEL_CODE, ist,
					   GATE_INTERRUPT_DPL0);
	}
	struct __packed { uint16_t limit; uintptr_t base; } idtr = { sizeof(idt) - 1, (uintptr_t)idt };
	__asm__ volatile("lidt %0" : : "m"(idtr) : "memory");
}
