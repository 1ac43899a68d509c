/* This CPU's interrupt mask (PSTATE.DAIF), spin-wait hint, cycle counter, halting, and leaving
 * the emulator: semihosting SYS_EXIT first (QEMU exits with the kernel's status), PSCI SYSTEM_OFF
 * if semihosting is off, and a wfi loop if even that returns. */
#include "kernel/arch.h"
#include "kernel/kprintf.h"
#include "kernel/panic.h"
#include "arch/aarch64/boot.h"
#include "arch/aarch64/cpu.h"
#include "arch/aarch64/mmu.h"
#include "arch/aarch64/sysreg.h"

struct aarch64_cpu_features aarch64_cpu;
/* usercopy.S tests the byte at aarch64_cpu + 0 before touching PSTATE.PAN. */
_Static_assert(offsetof(struct aarch64_cpu_features, pan) == 0 && sizeof(bool) == 1,
	       "aarch64_cpu.pan is the first byte");

void aarch64_cpu_init(void)
{
	uint64_t mmfr1 = read_sysreg(id_aa64mmfr1_el1);
	uint64_t tcr = read_sysreg(tcr_el1), ctr = read_sysreg(ctr_el0);

	aarch64_cpu.pan = ID_MMFR1_PAN(mmfr1) != 0;
	aarch64_cpu.hw_access_flag = tcr & TCR_HA;
	aarch64_cpu.hw_dirty = (tcr & TCR_HA) && (tcr & TCR_HD);
	aarch64_cpu.asid_bits = tcr & TCR_AS ? 16 : 8;
	aarch64_cpu.idc = ctr & CTR_IDC;
	aarch64_cpu.dic = ctr & CTR_DIC;
	aarch64_empty_ttbr0 = read_sysreg(ttbr0_el1);    /* the boot's empty root, ASID 0 */
	/* EL0 may read the virtual count and its frequency (user-mode cycle counts, `make bench`);
	 * the physical counter, EL0 timer registers and the event stream stay off. The register
	 * resets to an UNKNOWN value, so all of it is written. */
	write_sysreg(cntkctl_el1, CNTKCTL_EL0VCTEN);

	if (aarch64_cpu.pan) {
		/* SPAN = 0: taking an exception to EL1 sets PSTATE.PAN, so that a trap from EL0
		 * (where PAN means nothing and the saved SPSR.PAN is 0) cannot leave it off. */
		write_sysreg(sctlr_el1, read_sysreg(sctlr_el1) & ~SCTLR_SPAN);
		isb();
		__asm__ volatile(".inst %0" :: "i"(INSN_SET_PAN) : "memory");
		if (!aarch64_pan_enabled())
			panic("aarch64: PSTATE.PAN did not turn on");
	}
	kprintf("aarch64: PAN %s, hardware access flag %s, dirty state %s, %u-bit ASIDs\n",
		aarch64_cpu.pan ? "on" : "absent", aarch64_cpu.hw_access_flag ? "on" : "off",
		aarch64_cpu.hw_dirty ? "on" : "off", aarch64_cpu.asid_bits);
}

bool aarch64_pan_enabled(void)
{
	/* PAN as a system register: S3_0_C4_C2_3, bit 22 (readable only where PAN exists). */
	return aarch64_cpu.pan && (read_sysreg(s3_0_c4_c2_3) & SPSR_PAN);
}

unsigned long arch_irq_save(void)
{
	unsigned long daif;
	__asm__ volatile("mrs %0, daif\n\tmsr daifset, #3" : "=r"(daif) :: "memory");
	return daif;
}

void arch_irq_restore(unsigned long state)
{
	__asm__ volatile("msr daif, %0" :: "r"(state) : "memory");
}

bool arch_irq_enabled(void)
{
	return !(read_sysreg(daif) & DAIF_IRQ_BIT);
}

void arch_cpu_relax(void)
{
	__asm__ volatile("yield" ::: "memory");
}

/* The generic timer's virtual count; the isb keeps the read from being hoisted above earlier
 * instructions (CNTVCT reads are not ordered otherwise). */
uint64_t arch_cycles(void)
{
	isb();
	return read_sysreg(cntvct_el0);
}

/* CNTFRQ_EL0, which the firmware programs (62.5 MHz on QEMU's virt machine). */
uint64_t arch_cycles_hz(void)
{
	return read_sysreg(cntfrq_el0);
}

void arch_halt(void)
{
	__asm__ volatile("msr daifset, #0xf" ::: "memory");
	for (;;)
		__asm__ volatile("wfi");
}

/* PSCI SYSTEM_OFF through the firmware's conduit. QEMU's virt machine implements PSCI itself and
 * takes it as hvc when the guest has no EL2, and as smc when it has (UEFI then ran at EL2). */
static void psci_system_off(void)
{
	register uint64_t x0 __asm__("x0") = PSCI_SYSTEM_OFF;
	if (aarch64_boot_facts.entry_el == 2)
		__asm__ volatile("smc #0" : "+r"(x0) :: "memory");
	else
		__asm__ volatile("hvc #0" : "+r"(x0) :: "memory");
}

void arch_exit(int status)
{
	arch_irq_save();
	/* AArch64 SYS_EXIT takes a parameter block: reason, then the exit status for QEMU. */
	uint64_t block[2] = { ADP_STOPPED_APPLICATION_EXIT, (uint64_t)(unsigned)status };
	aarch64_semihosting_call(SEMIHOSTING_SYS_EXIT, block);

	/* No semihosting: power off, after a status line for whoever reads the log. */
	kprintf("aarch64: exit status %d (no semihosting; powering off)\n", status);
	psci_system_off();
	arch_halt();
}
