/* Self-tests of the x86 AP start-up: every CPU runs with the boot CPU's control registers, EFER,
 * PAT, page tables and IDT, its own GDT and TSS, and the local APIC ID the MADT gave it. */
#include "kernel/ktest.h"
#include "kernel/smp.h"
#include "apic.h"
#include "features.h"
#include "x86.h"

struct x86_cpu_state {
	unsigned long cr0, cr4, cr3;
	uint64_t efer, pat;
	uintptr_t idt_base, gdt_base;
	uint16_t tr;
	uint32_t apic_id;
};

static void read_state(void *arg)
{
	struct x86_cpu_state *s = &((struct x86_cpu_state *)arg)[cpu_current()->id];
	struct __packed { uint16_t limit; uintptr_t base; } gdtr, idtr;
	__asm__ volatile("sgdt %0; sidt %1; str %2" : "=m"(gdtr), "=m"(idtr), "=r"(s->tr));
	s->cr0 = x86_read_cr0();
	s->cr4 = x86_read_cr4();
	s->cr3 = x86_read_cr3();
	s->efer = x86_cpuid_ext_features() ? x86_rdmsr(X86_MSR_EFER) : 0;
	s->pat = x86_pat_enabled ? x86_rdmsr(X86_MSR_PAT) : 0;
	s->idt_base = idtr.base;
	s->gdt_base = gdtr.base;
	s->apic_id = x86_apic_id();
}

KTEST(x86_smp_aps_run_with_the_boot_cpu_state)
{
	static struct x86_cpu_state st[SMP_MAX_CPUS];
	unsigned n = smp_cpu_count();
	ASSERT_EQ(smp_call_all(read_state, st), n);
	for (unsigned i = 0; i < n; i++) {
		EXPECT_EQ(st[i].cr0, st[0].cr0);
		EXPECT_EQ(st[i].cr4, st[0].cr4);
		EXPECT_EQ(st[i].cr3, st[0].cr3);
		EXPECT_EQ(st[i].efer, st[0].efer);
		EXPECT_EQ(st[i].pat, st[0].pat);
		EXPECT_EQ(st[i].idt_base, st[0].idt_base);
		EXPECT_EQ(st[i].tr, (uint16_t)X86_SEL_TSS);
		EXPECT_EQ(st[i].apic_id, smp_cpus[i].arch_id);
		for (unsigned j = 0; j < i; j++)      /* each CPU has its own GDT (and TSS) */
			EXPECT_NE(st[i].gdt_base, st[j].gdt_base);
	}
	EXPECT_TRUE(st[0].cr0 & X86_CR0_WP);
}
