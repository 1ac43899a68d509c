/* aarch64 self-tests of the trap path itself: every register survives a trip through the
 * vectors (brk #0 -> trap_dispatch -> eret), and the EL1 state the boot code set up is in place. */
#include "kernel/ktest.h"
#include "kernel/trap.h"
#include "arch/aarch64/regs_test.h"
#include "arch/aarch64/memlayout.h"
#include "arch/aarch64/boot.h"
#include "arch/aarch64/cpu.h"

KTEST(aarch64_brk_preserves_every_register)
{
	struct regs_snapshot snap;
	unsigned long breakpoints = trap_breakpoint_count;

	regs_roundtrip(&snap);

	EXPECT_EQ(trap_breakpoint_count, breakpoints + 1);
	for (unsigned n = 0; n < 31; n++) {
		if (snap.x[n] != REGS_TEST_VALUE(n))
			ktest_log("x%u changed across the trap", n);
		EXPECT_EQ(snap.x[n], REGS_TEST_VALUE(n));
	}
	EXPECT_EQ(snap.sp_after, snap.sp_before);
	EXPECT_EQ(snap.nzcv, REGS_TEST_NZCV);
}

KTEST(aarch64_runs_at_el1_on_its_own_tables)
{
	EXPECT_EQ(current_el(), 1);
	EXPECT_EQ(read_sysreg(vbar_el1), (uintptr_t)aarch64_vectors);
	EXPECT_EQ(read_sysreg(ttbr1_el1) & PTE_ADDR_MASK, aarch64_boot_facts.kernel_root_phys);
	/* With PAN, aarch64_cpu_init clears SPAN so that every exception entry sets PAN. */
	EXPECT_EQ(read_sysreg(sctlr_el1), SCTLR_EL1_KERNEL & ~(aarch64_cpu.pan ? SCTLR_SPAN : 0));
	EXPECT_EQ(aarch64_pan_enabled(), aarch64_cpu.pan);
	EXPECT_GE((uintptr_t)aarch64_start, KERNEL_VBASE);
}

/* Translates VA as a stage 1 EL1 read (or write) would; returns PAR_EL1 (bit 0 set: fault). */
static uint64_t translate(uintptr_t va, bool write)
{
	uint64_t par;
	if (write)
		__asm__ volatile("at s1e1w, %1\n\tisb\n\tmrs %0, par_el1" : "=r"(par) : "r"(va));
	else
		__asm__ volatile("at s1e1r, %1\n\tisb\n\tmrs %0, par_el1" : "=r"(par) : "r"(va));
	return par;
}

#define PAR_FAULT  1ul
#define PAR_PA(par) ((par) & PTE_ADDR_MASK)

KTEST(aarch64_kernel_mappings_have_their_permissions)
{
	paddr_t image = aarch64_boot_facts.image_phys;
	static int writable;

	/* text: readable at the right physical address, not writable */
	uint64_t par = translate((uintptr_t)_text_start, false);
	EXPECT_EQ(par & PAR_FAULT, 0);
	EXPECT_EQ(PAR_PA(par), image + ((uintptr_t)_text_start - KERNEL_VBASE));
	EXPECT_EQ(translate((uintptr_t)_text_start, true) & PAR_FAULT, PAR_FAULT);
	/* data: writable; the guard page below the boot stack: nothing */
	EXPECT_EQ(translate((uintptr_t)&writable, true) & PAR_FAULT, 0);
	EXPECT_EQ(translate((uintptr_t)__stack_guard, false) & PAR_FAULT, PAR_FAULT);
	EXPECT_EQ(translate((uintptr_t)boot_stack_bottom, true) & PAR_FAULT, 0);
	/* the direct map reaches the same frame */
	par = translate(DIRECT_MAP_BASE + image, true);
	EXPECT_EQ(par & PAR_FAULT, 0);
	EXPECT_EQ(PAR_PA(par), image);
	/* the user half is empty */
	EXPECT_EQ(translate(ARCH_TEST_UNMAPPED_ADDR, false) & PAR_FAULT, PAR_FAULT);
}

KTEST(aarch64_direct_map_covers_all_usable_ram)
{
	const struct boot_info *bi = &aarch64_boot_info;
	for (unsigned i = 0; i < bi->mem_count; i++) {
		const struct boot_mem_range *r = &bi->mem[i];
		if (r->type != BOOT_MEM_USABLE)
			continue;
		paddr_t first = r->base, last = r->base + r->size - PAGE_SIZE;
		uint64_t par_first = translate(DIRECT_MAP_BASE + first, true);
		uint64_t par_last = translate(DIRECT_MAP_BASE + last, true);
		EXPECT_EQ(par_first & PAR_FAULT, 0);
		EXPECT_EQ(PAR_PA(par_first), first);
		EXPECT_EQ(par_last & PAR_FAULT, 0);
		EXPECT_EQ(PAR_PA(par_last), last);
	}
}
