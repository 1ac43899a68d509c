/* The IDT: one interrupt gate (interrupts masked on entry) per vector, each pointing at its stub
 * in trap_entry.S. All 256 vectors get a stub, so the exceptions (0-31), the IRQs and the syscall
 * vector arrive in trap_dispatch with a full trap frame. Only the syscall gate (int 0x80) may be
 * used by ring 3 (DPL 3); an int n of any other vector from user mode is a general protection
 * fault. */
#include "desc.h"

#define GATE_INTERRUPT_DPL0 0x8e   /* present, DPL 0, 32/64-bit interrupt gate */
#define GATE_INTERRUPT_DPL3 0xee   /* present, DPL 3, 32/64-bit interrupt gate */

static struct x86_idt_gate idt[X86_IDT_VECTORS] __aligned(16);

void x86_idt_init(void)
{
	for (unsigned v = 0; v < X86_IDT_VECTORS; v++) {
		unsigned ist = v == X86_VECTOR_DOUBLE_FAULT ? X86_IST_DOUBLE_FAULT : 0;
		idt[v] = x86_idt_gate_make(x86_trap_stubs[v], X86_SEL_KERNEL_CODE, ist,
					   v == X86_VECTOR_SYSCALL ? GATE_INTERRUPT_DPL3 : GATE_INTERRUPT_DPL0);
	}
	struct __packed { uint16_t limit; uintptr_t base; } idtr = { sizeof(idt) - 1, (uintptr_t)idt };
	__asm__ volatile("lidt %0" : : "m"(idtr) : "memory");
}
