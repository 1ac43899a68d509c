/* The GDT and the TSS of the boot CPU: flat 4 GiB kernel and user segments (64-bit code
 * segments on x86_64) and one TSS, whose ring-0 stack is where traps from user mode land
 * (arch_set_kernel_stack, which writes the calling CPU's TSS: the APs' copies are in smp.c).
 * Layout in x86.h (X86_SEL_*). */
#include "desc.h"
#include "boot.h"
#include "kernel/arch.h"

#define ACCESS_KERNEL_CODE 0x9a    /* present, DPL 0, code, readable */
#define ACCESS_KERNEL_DATA 0x92    /* present, DPL 0, data, writable */
#define ACCESS_USER_CODE   0xfa    /* present, DPL 3, code, readable */
#define ACCESS_USER_DATA   0xf2    /* present, DPL 3, data, writable */
#define ACCESS_TSS         0x89    /* present, DPL 0, available TSS */
#define FLAGS_DATA         0xc     /* 4 KiB granularity, 32-bit (ignored for data in long mode) */

enum { GDT_NULL, GDT_KERNEL_CODE, GDT_KERNEL_DATA, GDT_USER_DATA, GDT_USER_CODE, GDT_TSS,
       GDT_ENTRIES = GDT_TSS + X86_GDT_TSS_SLOTS };

_Static_assert(X86_SEL_KERNEL_CODE == GDT_KERNEL_CODE * 8, "kernel code selector");
_Static_assert(X86_SEL_KERNEL_DATA == GDT_KERNEL_DATA * 8, "kernel data selector");
_Static_assert(X86_SEL_USER_DATA == (GDT_USER_DATA * 8 | 3), "user data selector");
_Static_assert(X86_SEL_USER_CODE == (GDT_USER_CODE * 8 | 3), "user code selector");
_Static_assert(X86_SEL_TSS == GDT_TSS * 8, "TSS selector");

static uint64_t gdt[GDT_ENTRIES] __aligned(16);
struct x86_tss x86_tss __aligned(16);
#if X86_IST_DOUBLE_FAULT
static char double_fault_stack[4096] __aligned(16);
#endif

/* Encodes a segment descriptor (Intel SDM vol. 3, figure 3-8). */
static uint64_t segment_descriptor(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
	return (limit & 0xffffull) | ((uint64_t)(base & 0xffffff) << 16) |
	       ((uint64_t)access << 40) | ((uint64_t)((limit >> 16) & 0xf) << 48) |
	       ((uint64_t)(flags & 0xf) << 52) | ((uint64_t)(base >> 24) << 56);
}

/* Builds the GDT and TSS, loads them and reloads every segment register. */
void x86_gdt_init(void)
{
	uintptr_t df_sp = 0;
#if X86_IST_DOUBLE_FAULT
	df_sp = (uintptr_t)double_fault_stack + sizeof(double_fault_stack);
#endif
	x86_tss_init(&x86_tss, (uintptr_t)x86_boot_stack_top, df_sp);

	gdt[GDT_NULL] = 0;
	gdt[GDT_KERNEL_CODE] = segment_descriptor(0, 0xfffff, ACCESS_KERNEL_CODE, X86_GDT_CODE_FLAGS);
	gdt[GDT_KERNEL_DATA] = segment_descriptor(0, 0xfffff, ACCESS_KERNEL_DATA, FLAGS_DATA);
	gdt[GDT_USER_DATA] = segment_descriptor(0, 0xfffff, ACCESS_USER_DATA, FLAGS_DATA);
	gdt[GDT_USER_CODE] = segment_descriptor(0, 0xfffff, ACCESS_USER_CODE, X86_GDT_CODE_FLAGS);
	uintptr_t tss_base = (uintptr_t)&x86_tss;
	gdt[GDT_TSS] = segment_descriptor((uint32_t)tss_base, sizeof(x86_tss) - 1, ACCESS_TSS, 0);
	if (X86_GDT_TSS_SLOTS == 2)             /* 64-bit TSS descriptor: base bits 63:32 */
		gdt[GDT_TSS + X86_GDT_TSS_SLOTS - 1] = (uint64_t)tss_base >> 32;

	struct __packed { uint16_t limit; uintptr_t base; } gdtr = { sizeof(gdt) - 1, (uintptr_t)gdt };
	__asm__ volatile("lgdt %0" : : "m"(gdtr) : "memory");
	x86_reload_segments(X86_SEL_KERNEL_CODE, X86_SEL_KERNEL_DATA);
	__asm__ volatile("ltr %w0" : : "r"((uint16_t)X86_SEL_TSS) : "memory");
}

/* Writes rsp0 (x86_64) / ss0:esp0 (i686) of the calling CPU's TSS (each AP has its own,
 * arch/x86/smp.c). The caller must not migrate meanwhile (the scheduler: sched_lock held). */
void arch_set_kernel_stack(void *kstack_top)
{
	x86_tss_set_kernel_stack(x86_cpu_tss(), (uintptr_t)kstack_top);
}

/* Reads it back. */
uintptr_t x86_kernel_stack(void)
{
	return x86_tss_kernel_stack(x86_cpu_tss());
}
