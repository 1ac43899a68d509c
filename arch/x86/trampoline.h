/* The AP start-up trampoline (arch/x86/trampoline.S): the layout of the low-memory block it runs
 * from and of the parameter block the boot CPU fills in before each STARTUP IPI. Shared by the
 * assembly and arch/x86/smp.c. */
#ifndef ARCH_X86_TRAMPOLINE_H
#define ARCH_X86_TRAMPOLINE_H

/* The block below 1 MiB, 4 pages: the code and data, then the temporary page tables the AP
 * turns paging on with (top level; x86_64 only: a PDPT; a page directory whose first entry is
 * a 2 MiB identity page covering the block). */
#define TRAMP_BLOCK_SIZE   0x4000
#define TRAMP_TOP_TABLE    0x1000
#define TRAMP_PDPT         0x2000
#define TRAMP_PD           0x3000

/* The parameter block, at this offset in the first page. */
#define TRAMP_DATA         0xe00
#define TD_GDTR            0x00    /* u16 limit, u32 base (the block's GDT, physical) */
#define TD_PM_JUMP         0x08    /* u32 offset, u16 selector: to 32-bit protected mode */
#define TD_LM_JUMP         0x10    /* u32 offset, u16 selector: to 64-bit mode (x86_64) */
#define TD_CR3_TEMP        0x18    /* u32: the temporary top-level table */
#define TD_EFER_SET        0x1c    /* u32: bits to set in EFER (LME, NXE), 0 = leave EFER */
#define TD_CR3_KERNEL      0x20    /* u64: the kernel's top-level table */
#define TD_ENTRY           0x28    /* u64: x86_ap_entry, a kernel virtual address */
#define TD_STACK           0x30    /* u64: the AP's stack top (virtual) */
#define TD_CPU             0x38    /* u64: its struct cpu (virtual) */
#define TD_STARTED         0x40    /* u32: set to 1 by the AP in real mode */
#define TD_GDT             0x80    /* 4 descriptors: null, code32, data, code64 */

#define TRAMP_SEL_CODE32   0x08
#define TRAMP_SEL_DATA     0x10
#define TRAMP_SEL_CODE64   0x18

#ifndef __ASSEMBLY__
#include "kernel/compiler.h"
#include "kernel/boot_info.h"

/* Finds and boot_reserves the trampoline block (usable RAM below 640 KiB, outside every other
 * reservation). Call after the memory map and the boot reservations are in BI, before
 * x86_paging_init; without a block the machine runs on one CPU. */
void x86_smp_reserve_low(struct boot_info *bi);

struct __packed x86_tramp_data {
	uint16_t gdtr_limit;
	uint32_t gdtr_base;
	uint16_t pad0;
	uint32_t pm_offset;
	uint16_t pm_selector;
	uint16_t pad1;
	uint32_t lm_offset;
	uint16_t lm_selector;
	uint16_t pad2;
	uint32_t cr3_temp;
	uint32_t efer_set;
	uint64_t cr3_kernel;
	uint64_t entry;
	uint64_t stack;
	uint64_t cpu;
	uint32_t started;
};
_Static_assert(__builtin_offsetof(struct x86_tramp_data, pm_offset) == TD_PM_JUMP, "TD_PM_JUMP");
_Static_assert(__builtin_offsetof(struct x86_tramp_data, lm_offset) == TD_LM_JUMP, "TD_LM_JUMP");
_Static_assert(__builtin_offsetof(struct x86_tramp_data, cr3_temp) == TD_CR3_TEMP, "TD_CR3_TEMP");
_Static_assert(__builtin_offsetof(struct x86_tramp_data, efer_set) == TD_EFER_SET, "TD_EFER_SET");
_Static_assert(__builtin_offsetof(struct x86_tramp_data, cr3_kernel) == TD_CR3_KERNEL,
	       "TD_CR3_KERNEL");
_Static_assert(__builtin_offsetof(struct x86_tramp_data, entry) == TD_ENTRY, "TD_ENTRY");
_Static_assert(__builtin_offsetof(struct x86_tramp_data, stack) == TD_STACK, "TD_STACK");
_Static_assert(__builtin_offsetof(struct x86_tramp_data, cpu) == TD_CPU, "TD_CPU");
_Static_assert(__builtin_offsetof(struct x86_tramp_data, started) == TD_STARTED, "TD_STARTED");

/* The trampoline's image in the kernel (copied to the block) and the offsets of its 32-bit and
 * 64-bit parts inside it; x86_ap_entry is where it leaves for the kernel's address space. */
extern const char x86_trampoline_start[], x86_trampoline_end[];
extern const char x86_trampoline_pm32[], x86_trampoline_lm64[];
extern const char x86_ap_entry[];
#endif

#endif
