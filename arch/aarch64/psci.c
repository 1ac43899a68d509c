/* The PSCI conduit and calls. How the conduit is found, in order:
 *   1. ACPI: the FADT's ARM_BOOT_ARCH flags (ACPI 5.1+, offset 129): PSCI_COMPLIANT (bit 0) says
 *      PSCI is there, PSCI_USE_HVC (bit 1) says hvc instead of smc. QEMU's virt machine builds
 *      this FADT itself and EDK2 passes it on in the UEFI configuration table; QEMU sets
 *      PSCI_USE_HVC exactly when it implements PSCI for a guest without EL2.
 *   2. Without ACPI, the same rule from the exception level UEFI started us at: at EL1 (no EL2
 *      in the machine) QEMU takes PSCI on hvc, at EL2 on smc (arch/aarch64/cpu.c's SYSTEM_OFF
 *      uses that rule too). (A device tree's /psci "method" property says the same; we do not
 *      parse device trees.) */
#include "arch/aarch64/psci.h"
#include "arch/aarch64/boot.h"
#include "kernel/acpi.h"
#include "kernel/string.h"

#define FADT_ARM_BOOT_ARCH   129
#define ARM_PSCI_COMPLIANT   0x1
#define ARM_PSCI_USE_HVC     0x2

static bool use_hvc;

const char *psci_init(void)
{
	static uint8_t fadt[512];
	int len = acpi_read_table("FACP", fadt, sizeof(fadt));
	if (len >= FADT_ARM_BOOT_ARCH + 2) {
		uint16_t flags;
		memcpy(&flags, fadt + FADT_ARM_BOOT_ARCH, 2);
		if (flags & ARM_PSCI_COMPLIANT) {
			use_hvc = (flags & ARM_PSCI_USE_HVC) != 0;
			return "ACPI FADT";
		}
	}
	use_hvc = aarch64_boot_facts.entry_el != 2;
	return "entry exception level";
}

bool psci_uses_hvc(void)
{
	return use_hvc;
}

/* SMC Calling Convention 1.0: x4-x17 may come back changed. */
#define SMCCC_CLOBBERS "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14", \
	"x15", "x16", "x17", "memory"

long psci_call(uint32_t fn, uint64_t a1, uint64_t a2, uint64_t a3)
{
	register uint64_t x0 __asm__("x0") = fn;
	register uint64_t x1 __asm__("x1") = a1;
	register uint64_t x2 __asm__("x2") = a2;
	register uint64_t x3 __asm__("x3") = a3;
	if (use_hvc)
		__asm__ volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) :
				 : SMCCC_CLOBBERS);
	else
		__asm__ volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) :
				 : SMCCC_CLOBBERS);
	return (long)x0;
}
