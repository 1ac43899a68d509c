/* The local APIC of each x86 CPU (Intel SDM vol. 3, chapter 11), shared by i686 and x86_64: its
 * ID, the end-of-interrupt register and the interrupt command register that sends INIT, STARTUP
 * and fixed IPIs, and the per-CPU timer (the tick). xAPIC mode (registers in MMIO, mapped at a fixed kernel address) or x2APIC
 * mode (registers in MSRs) when CPUID offers it. */
#ifndef ARCH_X86_APIC_H
#define ARCH_X86_APIC_H

#include "kernel/compiler.h"

/* Vectors of the local APIC's own interrupts (above the legacy PIC's 0x20-0x2f and int 0x80). */
#define X86_VECTOR_APIC_TIMER 0xef     /* the tick (ARCH_TIMER_VECTOR) */
#define X86_VECTOR_IPI_CALL  0xf0      /* cross-CPU call: smp_ipi_handle */
#define X86_VECTOR_SPURIOUS  0xff      /* the APIC's spurious vector: no EOI, ignored */

/* Sets up the boot CPU's local APIC: chooses x2APIC mode when CPUID has it, otherwise maps the
 * xAPIC registers at BASE (physical) uncached; software-enables it with the spurious vector.
 * LINT0/LINT1 stay as the firmware left them (the PIT tick reaches the boot CPU through LINT0 in
 * virtual-wire mode). */
void x86_apic_init_boot(paddr_t base);

/* Sets up an AP's local APIC like the boot CPU's (same mode), with LINT0, LINT1, the timer and
 * the error interrupt masked. */
void x86_apic_init_ap(void);

/* Returns whether x86_apic_init_boot has run. */
bool x86_apic_ready(void);

/* Returns whether the local APICs run in x2APIC mode. */
bool x86_apic_x2apic(void);

/* Returns the calling CPU's local APIC ID (x86_apic_ready() must hold). */
uint32_t x86_apic_id(void);

/* Signals the end of the interrupt in service (not for the spurious vector). */
void x86_apic_eoi(void);

/* Sends a fixed interrupt on VECTOR to the CPU with APIC ID DEST. */
void x86_apic_send_ipi(uint32_t dest, uint8_t vector);

/* Sends INIT to DEST (assert, then, in xAPIC mode, de-assert). */
void x86_apic_send_init(uint32_t dest);

/* Sends a STARTUP IPI to DEST: it begins in real mode at physical PAGE * 4 KiB (PAGE < 0x100). */
void x86_apic_send_startup(uint32_t dest, uint8_t page);

/* Starts this CPU's APIC timer in periodic mode at HZ (rounded to its calibrated rate) on
 * VECTOR. */
void x86_apic_timer_start(unsigned hz, uint8_t vector);

/* Masks and stops this CPU's APIC timer. */
void x86_apic_timer_stop(void);

/* Returns whether this CPU's APIC timer interrupt is unmasked. */
bool x86_apic_timer_running(void);

/* The APIC timer's count rate (divide by 16) measured at boot against the TSC, in Hz. */
uint32_t x86_apic_timer_rate(void);

/* Busy-waits about US microseconds (TSC-based; a fixed spin count when its rate is unknown). */
void x86_udelay(unsigned us);

#endif
