/* The x86 descriptor tables: the GDT (flat kernel and user segments plus the TSS) and the IDT
 * (a gate for each of the 256 vectors, pointing at the stubs of trap_entry.S). */
#ifndef ARCH_X86_DESC_H
#define ARCH_X86_DESC_H

#include "kernel/compiler.h"
#include "x86.h"

/* The boot CPU's task state segment (ring-0 stack for traps from ring 3, double-fault stack). */
extern struct x86_tss x86_tss;

/* The calling CPU's TSS: x86_tss on the boot CPU, its own on an AP (arch/x86/smp.c). */
struct x86_tss *x86_cpu_tss(void);

/* The per-vector entry stubs of trap_entry.S, one address per vector. */
extern const uintptr_t x86_trap_stubs[X86_IDT_VECTORS];

/* Installs the GDT, reloads every segment register and loads the task register. */
void x86_gdt_init(void);

/* The stack a trap from ring 3 lands on now on this CPU (set by arch_set_kernel_stack). */
uintptr_t x86_kernel_stack(void);

/* Fills the IDT with an interrupt gate per vector (DPL 3 for int 0x80 only) and loads it. */
void x86_idt_init(void);

#endif
