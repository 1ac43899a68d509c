/* What the aarch64 code learns about this CPU at boot (aarch64_cpu_init), and the EL1 hardening
 * it switches on. Read by the user page tables, the TLB code and the usercopy routines. */
#ifndef ARCH_AARCH64_CPU_H
#define ARCH_AARCH64_CPU_H

#include "kernel/compiler.h"

struct aarch64_cpu_features {
	bool pan;                /* FEAT_PAN: PSTATE.PAN is on in the kernel */
	bool hw_access_flag;     /* TCR_EL1.HA: the hardware sets AF on the first access */
	bool hw_dirty;           /* TCR_EL1.HD: DBM pages become writable (dirty) on the first write */
	unsigned asid_bits;      /* 8 or 16 (TCR_EL1.AS) */
	bool idc, dic;           /* CTR_EL0: I/D coherence needs no D-cache clean / no I-cache
				    invalidation */
};
extern struct aarch64_cpu_features aarch64_cpu;

/* Reads the ID registers and TCR_EL1 (which boot_paging_tcr filled from them), turns PAN on
 * (and has every exception entry to EL1 set it, SCTLR_EL1.SPAN = 0), and prints one line. Called
 * once by aarch64_start, before kernel_main. */
void aarch64_cpu_init(void);

/* Returns PSTATE.PAN (false on a CPU without PAN). */
bool aarch64_pan_enabled(void);

/* The kernel stack top of arch_set_kernel_stack per CPU (by struct cpu.id), which
 * arch_return_to_user leaves in SP_EL1 (context.S explains the choice); 0 when none was set. */
extern uintptr_t aarch64_user_kstack_top[];

#endif
