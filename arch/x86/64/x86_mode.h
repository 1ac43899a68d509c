/* x86_64 mode constants: where the kernel lives in virtual memory, how deep the page tables are,
 * and the 64-bit TSS. Included from C and from assembly. */
#ifndef ARCH_X86_64_X86_MODE_H
#define ARCH_X86_64_X86_MODE_H

#ifdef __ASSEMBLY__
#define X86_UL(x) x
#else
#define X86_UL(x) x##UL
#endif

/* The kernel image is loaded at 1 MiB and linked at KERNEL_VMA + its physical address
 * (-mcmodel=kernel: the top 2 GiB of the address space). */
#define KERNEL_VMA           X86_UL(0xffffffff80000000)
#define KERNEL_LOAD_PHYS     X86_UL(0x100000)

/* All RAM of the memory map is mapped here (NX, RW) at DIRECT_MAP_BASE + physical address. */
#define X86_DIRECT_MAP_BASE  X86_UL(0xffff800000000000)
/* Physical RAM the direct map can hold: 64 TiB (PML4 slots 256-383); the rest of the upper half
 * stays free for later windows. */
#define X86_DIRECT_MAP_LIMIT X86_UL(0x400000000000)

/* A 2 MiB window whose first X86_KMAP_SLOTS pages are kmap_frame's temporary mappings. */
#define X86_KMAP_BASE        X86_UL(0xffffffffffe00000)

#define X86_PT_LEVELS        4           /* PML4, PDPT, PD, PT */
#define X86_WORD_SIZE        8

#ifndef __ASSEMBLY__
#include <stdint.h>

/* The 64-bit task state segment: only the stack pointers matter (rsp0 for ring 3 -> 0, the
 * interrupt stack table for the double fault). Intel SDM vol. 3, figure 8-11. */
struct x86_tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

_Static_assert(sizeof(struct x86_tss) == 104, "x86_64 TSS is 104 bytes");

/* An IDT gate: 16 bytes in 64-bit mode. Intel SDM vol. 3, figure 6-8. */
struct x86_idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;             /* bits 0-2: interrupt stack table index, 0 = none */
	uint8_t type_attr;       /* P, DPL, type */
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
};
_Static_assert(sizeof(struct x86_idt_gate) == 16, "x86_64 IDT gate is 16 bytes");

static inline struct x86_idt_gate x86_idt_gate_make(uintptr_t handler, uint16_t selector,
						    unsigned ist, uint8_t type_attr)
{
	return (struct x86_idt_gate){
		.offset_low = (uint16_t)handler, .selector = selector, .ist = (uint8_t)ist,
		.type_attr = type_attr, .offset_mid = (uint16_t)(handler >> 16),
		.offset_high = (uint32_t)(handler >> 32),
	};
}

/* GDT flags nibble of the kernel and user code segments: 4 KiB granularity, 64-bit (L). */
#define X86_GDT_CODE_FLAGS 0xa
/* A 64-bit TSS descriptor takes two GDT slots (the second holds base bits 63:32). */
#define X86_GDT_TSS_SLOTS  2
/* The interrupt stack table slot of the double-fault handler (1-based, as in the gate). */
#define X86_IST_DOUBLE_FAULT 1

/* Fills the TSS: KERNEL_SP for traps from ring 3, DF_SP for double faults. */
static inline void x86_tss_init(struct x86_tss *tss, uintptr_t kernel_sp, uintptr_t df_sp)
{
	tss->rsp[0] = kernel_sp;
	tss->ist[X86_IST_DOUBLE_FAULT - 1] = df_sp;
	tss->iomap_base = sizeof(*tss);           /* no I/O permission bitmap */
}

/* Sets / returns the stack a trap from ring 3 lands on (rsp0); 16-byte aligned by the CPU. */
static inline void x86_tss_set_kernel_stack(struct x86_tss *tss, uintptr_t kernel_sp)
{
	tss->rsp[0] = kernel_sp;
}

static inline uintptr_t x86_tss_kernel_stack(const struct x86_tss *tss)
{
	return tss->rsp[0];
}

_Static_assert(__builtin_offsetof(struct x86_tss, rsp) == 4, "TSS.rsp0 at offset 4");
_Static_assert(__builtin_offsetof(struct x86_tss, ist) == 36, "TSS.ist1 at offset 36");
_Static_assert(__builtin_offsetof(struct x86_tss, iomap_base) == 102, "TSS I/O map base at 102");

/* Reloads CS (through a far return) and the data segment registers after an lgdt. */
static inline void x86_reload_segments(uint16_t code_sel, uint16_t data_sel)
{
	__asm__ volatile("pushq %q0\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "mov %w1, %%ds\n\t"
			 "mov %w1, %%es\n\t"
			 "mov %w1, %%ss\n\t"
			 : : "r"((uint64_t)code_sel), "r"(data_sel) : "rax", "memory");
}
#endif

#endif
