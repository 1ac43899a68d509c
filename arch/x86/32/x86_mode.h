/* i686 mode constants: where the kernel lives in virtual memory, how deep the (PAE) page tables
 * are, and the 32-bit TSS. Included from C and from assembly. */
#ifndef ARCH_X86_32_X86_MODE_H
#define ARCH_X86_32_X86_MODE_H

#ifdef __ASSEMBLY__
#define X86_UL(x) x
#else
#define X86_UL(x) x##UL
#endif

/* The kernel image is loaded at 1 MiB and linked at KERNEL_VMA + its physical address. */
#define KERNEL_VMA           X86_UL(0xc0000000)
#define KERNEL_LOAD_PHYS     X86_UL(0x100000)

/* Low RAM ("lowmem", below X86_DIRECT_MAP_LIMIT) is mapped at DIRECT_MAP_BASE + physical
 * address; it is the same window the kernel image lives in. RAM above it needs a temporary
 * mapping (a later issue). 0xf0000000 and up stay free for such mappings and MMIO. */
#define X86_DIRECT_MAP_BASE  X86_UL(0xc0000000)
#define X86_DIRECT_MAP_LIMIT X86_UL(0x30000000)

/* A 2 MiB window whose first X86_KMAP_SLOTS pages are kmap_frame's temporary mappings. */
#define X86_KMAP_BASE        X86_UL(0xffe00000)

#define X86_PT_LEVELS        3           /* PAE: PDPT (4 entries), PD, PT */
#define X86_WORD_SIZE        4

#ifndef __ASSEMBLY__
#include <stdint.h>

/* The 32-bit task state segment; only ss0:esp0 (the stack for ring 3 -> 0) is used.
 * Intel SDM vol. 3, figure 8-2. */
struct x86_tss {
	uint32_t link;
	uint32_t esp0, ss0;
	uint32_t esp1, ss1;
	uint32_t esp2, ss2;
	uint32_t cr3, eip, eflags;
	uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi;
	uint32_t es, cs, ss, ds, fs, gs;
	uint32_t ldt;
	uint16_t trap;
	uint16_t iomap_base;
} __attribute__((packed));

_Static_assert(sizeof(struct x86_tss) == 104, "i686 TSS is 104 bytes");

/* An IDT gate: 8 bytes in protected mode. Intel SDM vol. 3, figure 6-2. */
struct x86_idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t reserved;
	uint8_t type_attr;       /* P, DPL, type */
	uint16_t offset_high;
};
_Static_assert(sizeof(struct x86_idt_gate) == 8, "i686 IDT gate is 8 bytes");

/* IST is a 64-bit feature: IST is ignored here. */
static inline struct x86_idt_gate x86_idt_gate_make(uintptr_t handler, uint16_t selector,
						    unsigned ist, uint8_t type_attr)
{
	(void)ist;
	return (struct x86_idt_gate){
		.offset_low = (uint16_t)handler, .selector = selector, .type_attr = type_attr,
		.offset_high = (uint16_t)(handler >> 16),
	};
}

/* GDT flags nibble of the kernel and user code segments: 4 KiB granularity, 32-bit (D). */
#define X86_GDT_CODE_FLAGS 0xc
#define X86_GDT_TSS_SLOTS  1
#define X86_IST_DOUBLE_FAULT 0       /* no IST: a double fault uses the current stack */

/* Fills the TSS: ss0:KERNEL_SP for traps from ring 3. DF_SP is unused (no IST in 32-bit mode). */
static inline void x86_tss_init(struct x86_tss *tss, uintptr_t kernel_sp, uintptr_t df_sp)
{
	(void)df_sp;
	tss->ss0 = 0x10;                          /* X86_SEL_KERNEL_DATA */
	tss->esp0 = kernel_sp;
	tss->iomap_base = sizeof(*tss);           /* no I/O permission bitmap */
}

/* Sets / returns the stack a trap from ring 3 lands on (ss0:esp0). */
static inline void x86_tss_set_kernel_stack(struct x86_tss *tss, uintptr_t kernel_sp)
{
	tss->ss0 = 0x10;                          /* X86_SEL_KERNEL_DATA */
	tss->esp0 = kernel_sp;
}

static inline uintptr_t x86_tss_kernel_stack(const struct x86_tss *tss)
{
	return tss->esp0;
}

_Static_assert(__builtin_offsetof(struct x86_tss, esp0) == 4, "TSS.esp0 at offset 4");
_Static_assert(__builtin_offsetof(struct x86_tss, ss0) == 8, "TSS.ss0 at offset 8");
_Static_assert(__builtin_offsetof(struct x86_tss, iomap_base) == 102, "TSS I/O map base at 102");

/* Reloads CS (through a far jump) and the data segment registers after an lgdt. */
static inline void x86_reload_segments(uint16_t code_sel, uint16_t data_sel)
{
	(void)code_sel;  /* a far jump takes an immediate selector: 0x08, X86_SEL_KERNEL_CODE */
	__asm__ volatile("ljmp $0x08, $1f\n"
			 "1:\n\t"
			 "mov %w0, %%ds\n\t"
			 "mov %w0, %%es\n\t"
			 "mov %w0, %%ss\n\t"
			 "mov %w1, %%fs\n\t"
			 "mov %w1, %%gs\n\t"
			 : : "r"(data_sel), "r"(0) : "memory");
}
#endif

#endif
