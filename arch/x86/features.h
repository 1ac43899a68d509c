/* The CPU protections and memory types arch/x86/features.c switches on at boot. */
#ifndef ARCH_X86_FEATURES_H
#define ARCH_X86_FEATURES_H

#include "kernel/compiler.h"
#include "x86.h"

/* What is on (set once by x86_features_init, read-only afterwards). x86_smap_enabled is also
 * read by the assembly (SMAP_STAC / SMAP_CLAC in x86_asm.h), as a byte. */
extern bool x86_smep_enabled;
extern bool x86_smap_enabled;
extern bool x86_pat_enabled;

/* Turns on CR0.WP, SMEP and SMAP when CPUID has them, and programs the PAT (WB, WC, UC-, UC in
 * entries 0-3 and again in 4-7). Called once at boot, after x86_paging_init. */
void x86_features_init(void);

/* The value x86_features_init writes to IA32_PAT (for the self-tests). */
uint64_t x86_pat_value(void);

#endif
