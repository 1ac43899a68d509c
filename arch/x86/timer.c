/* The tick and the cycle counter on x86: each CPU's local APIC timer in periodic mode (vector
 * ARCH_TIMER_VECTOR; arch/x86/trap.c signals its EOI before trap_dispatch runs; its rate is
 * calibrated at boot against the TSC, apic.c), and the TSC, whose frequency comes from CPUID
 * leaf 0x15 or from one 10 ms measurement against PIT channel 2. The PIT no longer ticks: IRQ 0
 * stays masked at the PIC. */
#include "kernel/arch.h"
#include "kernel/kprintf.h"
#include "kernel/panic.h"
#include "apic.h"
#include "timer.h"
#include "pic.h"
#include "x86.h"

#define PIT_HZ        1193182u    /* the PIT's input clock */
#define PIT_CH2_DATA  0x42
#define PIT_COMMAND   0x43
#define PIT_CH2_ONESHOT 0xb0      /* channel 2, low then high byte, mode 0 (count down once) */
#define PORT_B        0x61        /* bit 0: channel 2 gate, bit 1: speaker, bit 5: channel 2 out */
#define PORT_B_GATE2  0x01
#define PORT_B_SPEAKER 0x02
#define PORT_B_OUT2   0x20

_Static_assert(ARCH_TIMER_VECTOR == X86_VECTOR_APIC_TIMER, "the tick is the APIC timer's");

unsigned long x86_timer_ticks;

/* Starts this CPU's local APIC timer at HZ (arch/x86/apic.c). */
void arch_timer_start(unsigned hz)
{
	if (!x86_apic_ready())
		panic("arch_timer_start: the tick needs a local APIC");
	x86_apic_timer_start(hz ? hz : 1, ARCH_TIMER_VECTOR);
}

/* Stops it: masked, count 0. */
void arch_timer_stop(void)
{
	if (x86_apic_ready())
		x86_apic_timer_stop();
}

/* The TSC. */
uint64_t arch_cycles(void)
{
	return x86_rdtsc();
}

/* The TSC frequency from CPUID leaf 0x15 (crystal clock times the TSC/crystal ratio), or 0. */
static uint64_t tsc_hz_from_cpuid(void)
{
	uint32_t r[4];
	x86_cpuid(0, 0, r);
	if (r[0] < 0x15)
		return 0;
	x86_cpuid(0x15, 0, r);
	if (r[0] == 0 || r[1] == 0 || r[2] == 0)
		return 0;
	return (uint64_t)r[2] * r[1] / r[0];
}

/* The TSC frequency measured over PIT_CALIBRATE_TICKS of PIT channel 2 (counting down once with
 * its gate open, its output rises at zero), or 0 if the output never rose. */
#define PIT_CALIBRATE_TICKS 11932u         /* 10 ms */
static uint64_t tsc_hz_from_pit(void)
{
	unsigned long irq = arch_irq_save();
	uint8_t port_b = x86_inb(PORT_B);
	x86_outb(PORT_B, (uint8_t)((port_b & ~PORT_B_SPEAKER) | PORT_B_GATE2));
	x86_outb(PIT_COMMAND, PIT_CH2_ONESHOT);
	x86_outb(PIT_CH2_DATA, (uint8_t)PIT_CALIBRATE_TICKS);
	x86_outb(PIT_CH2_DATA, (uint8_t)(PIT_CALIBRATE_TICKS >> 8));
	uint64_t start = x86_rdtsc(), now = start;
	bool done = false;
	/* Give up after 2^36 cycles (tens of seconds at any real frequency): no PIT. */
	while (!(done = (x86_inb(PORT_B) & PORT_B_OUT2) != 0) && (now = x86_rdtsc()) - start < (1ull << 36))
		;
	now = x86_rdtsc();
	x86_outb(PORT_B, port_b);
	arch_irq_restore(irq);
	return done ? (now - start) * PIT_HZ / PIT_CALIBRATE_TICKS : 0;
}

static uint64_t tsc_hz;

void x86_timer_init(void)
{
	uint32_t r[4];
	x86_cpuid(1, 0, r);
	if (r[3] & X86_CPUID_TSC) {
		tsc_hz = tsc_hz_from_cpuid();
		if (tsc_hz == 0)
			tsc_hz = tsc_hz_from_pit();
	}
	kprintf("x86: TSC %llu kHz\n", (unsigned long long)(tsc_hz / 1000));
}

/* The TSC frequency found by x86_timer_init, or 0. */
uint64_t arch_cycles_hz(void)
{
	return tsc_hz;
}
