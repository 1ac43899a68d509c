/* x86 CPU access shared by i686 and x86_64: control-register, MSR, CPUID and flag bits, port I/O,
 * and the segment selectors of our GDT. The constants are also used by the assembly. */
#ifndef ARCH_X86_X86_H
#define ARCH_X86_X86_H

#include "x86_mode.h"

#define X86_CR0_PE        0x00000001
#define X86_CR0_WP        0x00010000
#define X86_CR0_PG        0x80000000
#define X86_CR4_TSD       0x00000004   /* rdtsc only at ring 0 */
#define X86_CR4_PAE       0x00000020
#define X86_CR4_PGE       0x00000080
#define X86_CR4_SMEP      0x00100000   /* supervisor-mode execution prevention */
#define X86_CR4_SMAP      0x00200000   /* supervisor-mode access prevention */

#define X86_MSR_EFER      0xc0000080
#define X86_EFER_LME      0x00000100
#define X86_EFER_NXE      0x00000800
#define X86_MSR_PAT       0x00000277   /* page attribute table: 8 memory types, one byte each */

/* CPUID 0x80000001 EDX bits */
#define X86_CPUID_EXT_NX      (1 << 20)
#define X86_CPUID_EXT_PAGE1GB (1 << 26)
#define X86_CPUID_EXT_LM      (1 << 29)
/* CPUID 1 EDX bits */
#define X86_CPUID_PAE         (1 << 6)
#define X86_CPUID_TSC         (1 << 4)
#define X86_CPUID_PAT         (1 << 16)
/* CPUID 7 (subleaf 0) EBX bits */
#define X86_CPUID7_SMEP       (1 << 7)
#define X86_CPUID7_SMAP       (1 << 20)

/* RFLAGS / EFLAGS */
#define X86_FLAGS_CF      0x0001
#define X86_FLAGS_PF      0x0004
#define X86_FLAGS_AF      0x0010
#define X86_FLAGS_ZF      0x0040
#define X86_FLAGS_SF      0x0080
#define X86_FLAGS_TF      0x0100
#define X86_FLAGS_IF      0x0200
#define X86_FLAGS_DF      0x0400
#define X86_FLAGS_OF      0x0800
#define X86_FLAGS_FIXED   0x0002      /* reserved, always reads as 1 */
#define X86_FLAGS_IOPL    0x3000      /* I/O privilege level, 2 bits */
#define X86_FLAGS_VM      0x20000     /* virtual-8086 mode (i686) */
#define X86_FLAGS_AC      0x40000

/* GDT selectors (arch/x86/gdt.c builds the table in this order). User data comes before user
 * code so that a later SYSRET finds them at STAR+8 / STAR+16 on x86_64. */
#define X86_SEL_KERNEL_CODE  0x08
#define X86_SEL_KERNEL_DATA  0x10
#define X86_SEL_USER_DATA    0x1b
#define X86_SEL_USER_CODE    0x23
#define X86_SEL_TSS          0x28

#define X86_VECTOR_BREAKPOINT   3
#define X86_VECTOR_DOUBLE_FAULT 8
#define X86_VECTOR_PAGE_FAULT   14
#define X86_VECTOR_SYSCALL      0x80     /* int 0x80: the system call gate (DPL 3) */
#define X86_VECTOR_IRQ_BASE     0x20     /* the legacy PICs' IRQ 0-15 (arch/x86/pic.c) */
#define X86_IRQ_LINES           16
#define X86_IDT_VECTORS         256

#define X86_PAGE_SIZE     4096
#define X86_KMAP_DEPTH    4        /* nesting depth of kmap_frame (mm/arch_mmu.h), per CPU */
#define X86_KMAP_CPUS     16       /* SMP_MAX_CPUS (kernel/smp.h; checked in kmap.c) */
#define X86_KMAP_SLOTS    (X86_KMAP_DEPTH * X86_KMAP_CPUS)   /* CPU N owns slots N*DEPTH.. */
#define X86_BOOT_STACK_SIZE 16384   /* the boot CPU's kernel stack, with a guard page below */

#ifndef __ASSEMBLY__
#include "kernel/compiler.h"

static inline void x86_outb(uint16_t port, uint8_t value)
{
	__asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port));
}

static inline uint8_t x86_inb(uint16_t port)
{
	uint8_t value;
	__asm__ volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
	return value;
}

static inline void x86_outl(uint16_t port, uint32_t value)
{
	__asm__ volatile("outl %0, %1" : : "a"(value), "Nd"(port));
}

static inline unsigned long x86_read_cr0(void)
{
	unsigned long v;
	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline void x86_write_cr0(unsigned long v)
{
	__asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory");
}

static inline unsigned long x86_read_cr2(void)
{
	unsigned long v;
	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline unsigned long x86_read_cr3(void)
{
	unsigned long v;
	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

/* Loading CR3 flushes every non-global TLB entry. */
static inline void x86_write_cr3(unsigned long v)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static inline unsigned long x86_read_cr4(void)
{
	unsigned long v;
	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline void x86_write_cr4(unsigned long v)
{
	__asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

static inline uint64_t x86_rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void x86_wrmsr(uint32_t msr, uint64_t value)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)value), "d"((uint32_t)(value >> 32))
			 : "memory");
}

/* The time-stamp counter. */
static inline uint64_t x86_rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline void x86_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t regs[4])
{
	__asm__ volatile("cpuid" : "=a"(regs[0]), "=b"(regs[1]), "=c"(regs[2]), "=d"(regs[3])
			 : "a"(leaf), "c"(subleaf));
}

/* EDX of CPUID 0x80000001 (the extended feature bits), or 0 when the leaf does not exist. */
static inline uint32_t x86_cpuid_ext_features(void)
{
	uint32_t r[4];
	x86_cpuid(0x80000000, 0, r);
	if (r[0] < 0x80000001)
		return 0;
	x86_cpuid(0x80000001, 0, r);
	return r[3];
}

/* Drops the TLB entry of the page at VA on this CPU. */
static inline void x86_invlpg(uintptr_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

static inline unsigned long x86_read_flags(void)
{
	unsigned long flags;
	__asm__ volatile("pushf\n\tpop %0" : "=r"(flags) : : "memory");
	return flags;
}

#endif /* !__ASSEMBLY__ */

#endif
