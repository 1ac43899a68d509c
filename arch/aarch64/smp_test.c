/* Self-tests of the aarch64 AP start-up: every CPU runs with the boot CPU's MMU configuration,
 * vectors and PAN, its struct cpu in TPIDR_EL1 and a GIC CPU interface of its own. */
#include "kernel/ktest.h"
#include "kernel/smp.h"
#include "arch/aarch64/cpu.h"
#include "arch/aarch64/gic.h"
#include "arch/aarch64/sysreg.h"

struct a64_cpu_state {
	uint64_t sctlr, tcr, mair, ttbr1, ttbr0, vbar, cpacr, cntkctl, tpidr, mpidr;
	bool pan;
	uint8_t gic_mask;
};

static void read_state(void *arg)
{
	struct a64_cpu_state *s = &((struct a64_cpu_state *)arg)[cpu_current()->id];
	s->sctlr = read_sysreg(sctlr_el1);
	s->tcr = read_sysreg(tcr_el1);
	s->mair = read_sysreg(mair_el1);
	s->ttbr1 = read_sysreg(ttbr1_el1);
	s->ttbr0 = read_sysreg(ttbr0_el1);
	s->vbar = read_sysreg(vbar_el1);
	s->cpacr = read_sysreg(cpacr_el1);
	s->cntkctl = read_sysreg(cntkctl_el1);
	s->tpidr = read_sysreg(tpidr_el1);
	s->mpidr = read_sysreg(mpidr_el1) & 0xff00ffffffull;
	s->pan = aarch64_pan_enabled();
	s->gic_mask = gic_cpu_mask();
}

KTEST(aarch64_smp_aps_run_with_the_boot_cpu_state)
{
	static struct a64_cpu_state st[SMP_MAX_CPUS];
	unsigned n = smp_cpu_count();
	ASSERT_EQ(smp_call_all(read_state, st), n);
	for (unsigned i = 0; i < n; i++) {
		EXPECT_EQ(st[i].sctlr, st[0].sctlr);
		EXPECT_EQ(st[i].tcr, st[0].tcr);
		EXPECT_EQ(st[i].mair, st[0].mair);
		EXPECT_EQ(st[i].ttbr1, st[0].ttbr1);
		EXPECT_EQ(st[i].ttbr0, st[0].ttbr0);      /* no user space is active in a call */
		EXPECT_EQ(st[i].vbar, st[0].vbar);
		EXPECT_EQ(st[i].cpacr, st[0].cpacr);
		EXPECT_EQ(st[i].cntkctl, st[0].cntkctl);
		EXPECT_EQ(st[i].pan, st[0].pan);
		EXPECT_EQ(st[i].tpidr, (uintptr_t)&smp_cpus[i]);
		EXPECT_EQ(st[i].mpidr, smp_cpus[i].arch_id);
		EXPECT_EQ(st[i].gic_mask, smp_cpus[i].arch_data);
		EXPECT_NE(st[i].gic_mask, 0);                       /* exactly one bit */
		EXPECT_EQ(st[i].gic_mask & (st[i].gic_mask - 1), 0);
		for (unsigned j = 0; j < i; j++)
			EXPECT_NE(st[i].gic_mask, st[j].gic_mask);
	}
}
