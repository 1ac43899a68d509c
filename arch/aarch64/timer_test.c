/* Self-tests of the aarch64 tick: the virtual timer through the GICv2 reaches trap_dispatch as
 * TRAP_IRQ with vector ARCH_TIMER_VECTOR at the requested rate, and stops when told; the cycle
 * counter runs at CNTFRQ. */
#include "kernel/ktest.h"
#include "kernel/trap.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/timer.h"

#define HZ 100

/* Waits with interrupts enabled until trap_irq_count reaches TARGET or SECONDS pass; returns
 * the cycle count when it was reached (0 on timeout). */
static uint64_t wait_irqs(unsigned long target, unsigned seconds)
{
	uint64_t deadline = arch_cycles() + seconds * arch_cycles_hz();
	uint64_t reached = 0;
	__asm__ volatile("msr daifclr, #2" ::: "memory");
	while (arch_cycles() < deadline) {
		if (__atomic_load_n(&trap_irq_count, __ATOMIC_RELAXED) >= target) {
			reached = arch_cycles();
			break;
		}
		__asm__ volatile("wfi");
	}
	__asm__ volatile("msr daifset, #2" ::: "memory");
	return reached;
}

KTEST(aarch64_cycles_count_at_cntfrq)
{
	EXPECT_EQ(arch_cycles_hz(), read_sysreg(cntfrq_el0));
	EXPECT_NE(arch_cycles_hz(), 0);
	uint64_t a = arch_cycles(), b = arch_cycles();
	EXPECT_LE(a, b);
	EXPECT_GT(a, 0);
}

KTEST(aarch64_timer_ticks_reach_trap_dispatch)
{
	unsigned long irqs = trap_irq_count, ticks = aarch64_timer_ticks;
	uint64_t start = arch_cycles();

	arch_timer_start(HZ);
	uint64_t reached = wait_irqs(irqs + 3, 5);
	arch_timer_stop();
	unsigned long irqs_after = trap_irq_count, ticks_after = aarch64_timer_ticks;

	EXPECT_NE(reached, 0);
	EXPECT_GE(irqs_after, irqs + 3);
	EXPECT_EQ(ticks_after - ticks, irqs_after - irqs);    /* every IRQ was a timer tick */
	EXPECT_EQ(aarch64_last_irq, ARCH_TIMER_VECTOR);
	/* three ticks at 100 Hz take at least two periods after the first */
	EXPECT_GE(reached - start, 2 * arch_cycles_hz() / HZ);
	ktest_log("%lu ticks in %llu us", ticks_after - ticks,
		  (unsigned long long)((reached - start) * 1000000 / arch_cycles_hz()));

	/* stopped: no tick in the next 5 periods */
	uint64_t until = arch_cycles() + 5 * arch_cycles_hz() / HZ;
	__asm__ volatile("msr daifclr, #2" ::: "memory");
	while (arch_cycles() < until)
		arch_cpu_relax();
	__asm__ volatile("msr daifset, #2" ::: "memory");
	EXPECT_EQ(trap_irq_count, irqs_after);
	EXPECT_EQ(read_sysreg(cntv_ctl_el0) & CNTV_CTL_ENABLE, 0);
}
