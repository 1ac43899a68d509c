/* PSCI (Arm DEN 0022), the firmware interface that starts and stops CPUs, as the SMP code uses it:
 * the conduit (hvc or smc) and CPU_ON. */
#ifndef ARCH_AARCH64_PSCI_H
#define ARCH_AARCH64_PSCI_H

#include "kernel/compiler.h"

#define PSCI_VERSION_FN   0x84000000
#define PSCI_CPU_ON_64    0xc4000003

/* PSCI return codes */
#define PSCI_SUCCESS          0
#define PSCI_NOT_SUPPORTED   -1
#define PSCI_INVALID_PARAMS  -2
#define PSCI_DENIED          -3
#define PSCI_ALREADY_ON      -4
#define PSCI_ON_PENDING      -5
#define PSCI_INTERNAL_FAILURE -6

/* Chooses the conduit: the FADT's ARM boot flags when ACPI says PSCI is there (PSCI_USE_HVC: hvc,
 * else smc); without a usable FADT, the rule of QEMU's virt machine (hvc when the kernel was
 * entered at EL1, smc when at EL2). Returns a word naming the source for the log. */
const char *psci_init(void);

/* Returns whether psci_init chose hvc (true) or smc (false). */
bool psci_uses_hvc(void);

/* Calls PSCI function FN with arguments A1-A3 through the conduit; returns x0. */
long psci_call(uint32_t fn, uint64_t a1, uint64_t a2, uint64_t a3);

#endif
