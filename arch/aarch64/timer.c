/* The tick (kernel/arch.h): the EL1 virtual timer of the generic timer (CNTV_*_EL0), whose
 * interrupt is PPI 11 = INTID 27 = ARCH_TIMER_VECTOR at the GIC. Periodic by reprogramming the
 * compare value one interval on at each tick (so the tick rate does not drift with the handler's
 * latency). aarch64_trap_entry acknowledges the GIC, calls aarch64_timer_tick, and ends the
 * interrupt before trap_dispatch sees it, so whatever the generic code does with the tick (even
 * switching contexts) the GIC is ready for the next. */
#include "kernel/arch.h"
#include "kernel/panic.h"
#include "arch/aarch64/gic.h"
#include "kernel/smp.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/timer.h"

static uint64_t timer_interval;        /* counter ticks between interrupts; 0 = stopped */
unsigned long aarch64_timer_ticks;
unsigned aarch64_last_irq;

void arch_timer_start(unsigned hz)
{
	uint64_t freq = read_sysreg(cntfrq_el0);
	if (hz == 0 || freq / hz == 0)
		panic("arch_timer_start: %u Hz with a %llu Hz counter", hz, (unsigned long long)freq);
	gic_init();
	timer_interval = freq / hz;
	write_sysreg(cntv_cval_el0, read_sysreg(cntvct_el0) + timer_interval);
	write_sysreg(cntv_ctl_el0, CNTV_CTL_ENABLE);
	isb();
	gic_enable(ARCH_TIMER_VECTOR);
}

void arch_timer_stop(void)
{
	write_sysreg(cntv_ctl_el0, CNTV_CTL_IMASK);    /* disabled; the line drops */
	isb();
	timer_interval = 0;
	gic_disable(ARCH_TIMER_VECTOR);
}

void aarch64_timer_tick(void)
{
	aarch64_timer_ticks++;
	if (!timer_interval) {                    /* a tick that raced arch_timer_stop */
		write_sysreg(cntv_ctl_el0, CNTV_CTL_IMASK);
		return;
	}
	/* The next compare value; if ticks were missed (interrupts masked for long), start over
	 * from now instead of firing once per missed interval. */
	uint64_t next = read_sysreg(cntv_cval_el0) + timer_interval;
	uint64_t now = read_sysreg(cntvct_el0);
	if (next <= now)
		next = now + timer_interval;
	write_sysreg(cntv_cval_el0, next);         /* the interrupt line drops with this */
	isb();
}

void aarch64_irq(struct trap_frame *tf)
{
	uint32_t iar = gic_ack();
	unsigned intid = iar & 0x3ff;
	if (intid >= GIC_SPURIOUS_MIN)
		return;                           /* withdrawn before we looked: nothing to do */
	tf->irq = intid;
	aarch64_last_irq = intid;
	if (intid == AARCH64_SGI_CALL) {          /* a cross-CPU call (kernel/smp.c) */
		gic_eoi(iar);
		smp_ipi_handle();
		return;
	}
	if (intid == ARCH_TIMER_VECTOR)
		aarch64_timer_tick();
	gic_eoi(iar);
	trap_dispatch(tf);
}
