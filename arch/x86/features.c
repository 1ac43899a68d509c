/* CPU protections and memory types switched on once the final page tables are loaded: CR0.WP
 * (the kernel obeys read-only pages too), SMEP (the kernel never executes a user page), SMAP
 * (the kernel touches user pages only inside usercopy, between stac and clac) and the page
 * attribute table. Owns the flags the rest of arch/x86 reads to know what is on. */
#include "features.h"
#include "pte.h"
#include "kernel/kprintf.h"

bool x86_smep_enabled;
bool x86_smap_enabled;
bool x86_pat_enabled;

/* The PAT as we program it (Intel SDM vol. 3, section 11.12): the entry a 4 KiB mapping uses is
 * PAT * 4 + PCD * 2 + PWT. Entries 0, 2 and 3 keep their power-on types, so every mapping made
 * before (all of them index 0, WB) and a CPU without PAT agree with us on WB and UC; entry 1
 * changes from write-through to write-combining. The upper four repeat the lower four, so the PAT
 * bit is never needed. UC is the strong kind (entry 3), not UC- (entry 2): a UC- page becomes WC
 * when an MTRR says WC, and device registers must never be combined. */
#define PAT_TYPE_UC       0x00
#define PAT_TYPE_WC       0x01
#define PAT_TYPE_WB       0x06
#define PAT_TYPE_UC_MINUS 0x07
#define PAT_LOW  ((uint64_t)PAT_TYPE_WB | (uint64_t)PAT_TYPE_WC << 8 | \
		  (uint64_t)PAT_TYPE_UC_MINUS << 16 | (uint64_t)PAT_TYPE_UC << 24)
#define X86_PAT_VALUE (PAT_LOW | PAT_LOW << 32)

_Static_assert(X86_PAT_VALUE == 0x0007010600070106ull, "PAT layout");
_Static_assert(X86_PTE_CACHE_WC == X86_PTE_PWT, "WC is PAT entry 1");
_Static_assert(X86_PTE_CACHE_UC == (X86_PTE_PCD | X86_PTE_PWT), "UC is PAT entry 3");

/* The PAT layout above, as one MSR value. */
uint64_t x86_pat_value(void)
{
	return X86_PAT_VALUE;
}

/* Turns on WP, SMEP, SMAP and the PAT layout as far as CPUID allows, and says what it did. */
void x86_features_init(void)
{
	uint32_t r[4];
	x86_cpuid(0, 0, r);
	uint32_t max_leaf = r[0];
	x86_cpuid(1, 0, r);
	uint32_t edx1 = r[3];
	uint32_t ebx7 = 0;
	if (max_leaf >= 7) {
		x86_cpuid(7, 0, r);
		ebx7 = r[1];
	}

	x86_write_cr0(x86_read_cr0() | X86_CR0_WP);

	unsigned long cr4 = x86_read_cr4() & ~X86_CR4_TSD;   /* rdtsc at ring 3 too (make bench) */
	if (ebx7 & X86_CPUID7_SMEP) {
		cr4 |= X86_CR4_SMEP;
		x86_smep_enabled = true;
	}
	if (ebx7 & X86_CPUID7_SMAP) {
		/* Nothing maps a user page yet, so AC may be clear or set: clear it first. */
		__asm__ volatile("clac" ::: "memory");
		cr4 |= X86_CR4_SMAP;
		x86_smap_enabled = true;
	}
	x86_write_cr4(cr4);

	if (edx1 & X86_CPUID_PAT) {
		/* No mapping uses entry 1 (or 5) yet, so no cache flush is needed for the change; the
		 * CR3 reload drops any TLB entry that cached the old types. */
		x86_wrmsr(X86_MSR_PAT, X86_PAT_VALUE);
		x86_write_cr3(x86_read_cr3());
		x86_pat_enabled = true;
	}

	kprintf("x86: WP on, SMEP %s, SMAP %s, PAT %s\n", x86_smep_enabled ? "on" : "off",
		x86_smap_enabled ? "on" : "off", x86_pat_enabled ? "WB/WC/UC-/UC" : "absent (no WC)");
}
