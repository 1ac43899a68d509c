/* This CPU's interrupt mask (PSTATE.DAIF), spin-wait hint, halting, and leaving the emulator:
 * semihosting SYS_EXIT first (QEMU exits with the kernel's status), PSCI SYSTEM_OFF if semihosting
 * is off, and a wfi loop if even that returns. */
#include "kernel/arch.h"
#include "kernel/kprintf.h"
#include "arch/aarch64/boot.h"
#include "arch/aarch64/sysreg.h"

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
