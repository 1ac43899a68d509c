/* Self-tests of the x86 tick and cycle counter: local APIC timer ticks arrive as
 * ARCH_TIMER_VECTOR while interrupts are enabled and stop after arch_timer_stop, which leaves the
 * timer masked; the PIT's IRQ 0 stays masked; the TSC advances and its frequency is known. */
#include "kernel/ktest.h"
#include "kernel/trap.h"
#include "pic.h"
#include "apic.h"
#include "timer.h"
#include "x86.h"

/* Spins with interrupts enabled until COUNT (a counter the IRQ path bumps) passes TARGET or
 * CYCLES go by; returns with interrupts masked again. */
static void spin_with_irqs(volatile unsigned long *count, unsigned long target, uint64_t cycles)
{
	uint64_t start = arch_cycles();
	__asm__ volatile("sti" ::: "memory");
	while (*count < target && arch_cycles() - start < cycles)
		arch_cpu_relax();
	__asm__ volatile("cli" ::: "memory");
}

KTEST(x86_timer_ticks_arrive_from_the_apic_timer_and_stop)
{
	uint64_t hz = arch_cycles_hz();
	ASSERT_NE(hz, 0);
	ASSERT_TRUE(!arch_irq_enabled());
	EXPECT_TRUE(x86_pic_masked(0));                        /* as boot left it */
	EXPECT_FALSE(x86_apic_timer_running());
	EXPECT_NE(x86_apic_timer_rate(), 0u);
	volatile unsigned long *irqs = &trap_irq_count;
	unsigned long before = *irqs, tick0 = x86_timer_ticks;

	arch_timer_start(1000);
	EXPECT_TRUE(x86_apic_timer_running());
	uint64_t t0 = arch_cycles();
	spin_with_irqs(irqs, before + 3, hz);                  /* at most one second */
	uint64_t took = arch_cycles() - t0;
	arch_timer_stop();
	EXPECT_FALSE(x86_apic_timer_running());
	EXPECT_TRUE(x86_pic_masked(0));                        /* the PIT is not the tick */

	unsigned long ticks = *irqs - before;
	EXPECT_GE(ticks, 3);
	EXPECT_EQ(x86_timer_ticks - tick0, ticks);             /* every interrupt was the tick */
	ktest_log("%lu ticks at 1000 Hz in %llu us", ticks, (unsigned long long)(took * 1000000 / hz));

	/* stopped: a tick the local APIC latched just before the stop may still be delivered once
	 * interrupts are on; let it land (2 ms), then 30 ms with interrupts enabled bring none */
	spin_with_irqs(irqs, *irqs + 1, hz / 500);
	unsigned long after = *irqs;
	spin_with_irqs(irqs, after + 1, hz / 33);
	EXPECT_EQ(*irqs, after);
	EXPECT_FALSE(arch_irq_enabled());
}

KTEST(x86_cycles_advance_and_their_rate_is_known)
{
	uint64_t hz = arch_cycles_hz();
	ktest_log("TSC at %llu kHz", (unsigned long long)(hz / 1000));
	EXPECT_GE(hz, 10000000ull);              /* 10 MHz .. 100 GHz: a plausible TSC */
	EXPECT_LE(hz, 100000000000ull);
	uint64_t a = arch_cycles();
	for (volatile unsigned i = 0; i < 1000; i++)
		;
	uint64_t b = arch_cycles();
	EXPECT_GT(b, a);
	EXPECT_EQ(arch_cycles_hz(), hz);         /* measured once */
}
