/* Boot-time setup of the x86 tick and cycle counter (arch/x86/timer.c). */
#ifndef ARCH_X86_TIMER_H
#define ARCH_X86_TIMER_H

/* Finds the TSC frequency (CPUID 0x15, else 10 ms against PIT channel 2) for arch_cycles_hz.
 * Called once at boot; leaves the tick stopped. */
void x86_timer_init(void);

/* Ticks taken on any CPU (the APIC timer's interrupts that reached trap_dispatch). */
extern unsigned long x86_timer_ticks;

#endif
