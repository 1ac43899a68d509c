/* Bringing up the other x86 CPUs (i686 and x86_64) and the x86 side of kernel/smp.h: CPUs from
 * the ACPI MADT, the low-memory block the trampoline runs from, INIT-SIPI-SIPI, the AP's own
 * descriptor tables (a GDT copy with its own TSS, the shared IDT), cpu_current() through the
 * GDT's address, each CPU's TSS, the call IPI and the idle wait.
 *
 * The trampoline block: a STARTUP IPI can only start a CPU at a page below 1 MiB, so at boot
 * (x86_smp_reserve_low, before the frame allocator exists) we take 16 KiB of RAM that GRUB's
 * memory map calls usable, at or above 0x8000 (clear of the real-mode interrupt table and BIOS
 * data area) and below 640 KiB, that no boot reservation covers, and boot_reserve it: the frame
 * allocator then never hands it out, for the life of the kernel (APs can be restarted later). */
#include "acpi.h"
#include "apic.h"
#include "boot.h"
#include "desc.h"
#include "features.h"
#include "paging.h"
#include "trampoline.h"
#include "x86.h"
#include "kernel/arch.h"
#include "kernel/errno.h"
#include "kernel/kprintf.h"
#include "kernel/panic.h"
#include "kernel/smp.h"
#include "kernel/string.h"

#define LOW_SEARCH_START  0x8000
#define LOW_SEARCH_END    0xa0000
#define LAPIC_DEFAULT     0xfee00000u
#define CPUID1_EDX_APIC   (1u << 9)

static paddr_t tramp_base;           /* the reserved block, 0 when none was found */
static uint64_t sipi_tsc;            /* the TSC at the first STARTUP IPI of the AP starting now */
static bool tramp_installed;

/* The boot CPU's state the APs copy. */
static unsigned long bsp_cr0, bsp_cr4;
static struct __packed { uint16_t limit; uintptr_t base; } bsp_gdtr, bsp_idtr;

/* Each AP's GDT (a copy of the boot CPU's with its own TSS descriptor) and TSS. */
#define GDT_MAX_ENTRIES 16
static uint64_t ap_gdt[SMP_MAX_CPUS][GDT_MAX_ENTRIES] __aligned(16);
static struct x86_tss ap_tss[SMP_MAX_CPUS] __aligned(16);
#if X86_IST_DOUBLE_FAULT
static char ap_df_stack[SMP_MAX_CPUS][4096] __aligned(16);
#endif

/* cpu_current(): struct cpu by the GDT this CPU runs on (gdt_base below). */
static struct cpu *cpu_by_gdt[SMP_MAX_CPUS];  /* AP on ap_gdt[i] */
static struct cpu *boot_cpu;                  /* the boot CPU, on gdt.c's GDT */

/* Returns whether [BASE, BASE + SIZE) lies inside one usable range of BI and outside every
 * boot reservation. */
static bool low_block_free(const struct boot_info *bi, paddr_t base, paddr_t size)
{
	bool usable = false;
	for (unsigned i = 0; i < bi->mem_count; i++) {
		const struct boot_mem_range *r = &bi->mem[i];
		if (r->type == BOOT_MEM_USABLE && r->base <= base && base + size <= r->base + r->size)
			usable = true;
	}
	for (unsigned i = 0; i < bi->reserved_count; i++) {
		const struct boot_mem_range *r = &bi->reserved[i];
		if (base < r->base + r->size && r->base < base + size)
			return false;
	}
	return usable;
}

void x86_smp_reserve_low(struct boot_info *bi)
{
	for (paddr_t p = LOW_SEARCH_START; p + TRAMP_BLOCK_SIZE <= LOW_SEARCH_END; p += X86_PAGE_SIZE) {
		if (low_block_free(bi, p, TRAMP_BLOCK_SIZE) && boot_reserve(bi, p, TRAMP_BLOCK_SIZE)) {
			tramp_base = p;
			return;
		}
	}
	kprintf("x86: no free RAM below 640 KiB for the AP trampoline: one CPU only\n");
}

unsigned arch_smp_discover(unsigned long *ids, unsigned max)
{
	uint32_t r[4];
	x86_cpuid(1, 0, r);
	if (!(r[3] & CPUID1_EDX_APIC)) {
		kprintf("x86: no local APIC: one CPU only\n");
		ids[0] = 0;
		return 1;
	}
	struct x86_acpi_madt_info info;
	int err = x86_acpi_read_madt(&info);
	x86_apic_init_boot(err ? LAPIC_DEFAULT : info.lapic_base);
	uint32_t self = x86_apic_id();
	unsigned n = 0;
	ids[n++] = self;
	for (unsigned i = 0; !err && i < info.cpu_count; i++) {
		if (info.apic_ids[i] == self)
			continue;
		if (n < max)
			ids[n++] = info.apic_ids[i];
		else
			kprintf("x86: CPU with APIC ID %u ignored (more than %u CPUs)\n",
				info.apic_ids[i], max);
	}
	if (err)
		kprintf("x86: no usable ACPI MADT (error %d): one CPU only\n", err);
	else
		kprintf("x86: ACPI %s MADT: %u CPUs, local APIC at %#llx in %s mode, boot APIC ID %u, "
			"AP trampoline at %#llx\n",
			info.revision >= 2 ? "2.0 (XSDT)" : "1.0 (RSDT)", info.cpu_count,
			(unsigned long long)info.lapic_base, x86_apic_x2apic() ? "x2APIC" : "xAPIC",
			self, (unsigned long long)tramp_base);
	if (!tramp_base)
		n = 1;
	return n;
}

/* Copies the trampoline into the block and builds its temporary page tables: the kernel half
 * of the kernel's top-level table, plus low memory's first 2 MiB mapped 1:1. */
static void install_trampoline(void)
{
	size_t size = (size_t)(x86_trampoline_end - x86_trampoline_start);
	if (size > TRAMP_TOP_TABLE)
		panic("install_trampoline: trampoline of %zu bytes", size);
	char *block = x86_phys_to_virt(tramp_base);
	memset(block, 0, TRAMP_BLOCK_SIZE);
	memcpy(block, x86_trampoline_start, size);

	x86_pte_t *top = (x86_pte_t *)(block + TRAMP_TOP_TABLE);
	const x86_pte_t *kernel_top = x86_phys_to_virt(x86_kernel_root);
	x86_pte_t *pd = (x86_pte_t *)(block + TRAMP_PD);
	pd[0] = 0 | X86_PTE_P | X86_PTE_RW | X86_PTE_PS;
#if X86_PT_LEVELS == 4
	for (unsigned i = X86_PT_ENTRIES / 2; i < X86_PT_ENTRIES; i++)
		top[i] = kernel_top[i];
	x86_pte_t *pdpt = (x86_pte_t *)(block + TRAMP_PDPT);
	top[0] = (tramp_base + TRAMP_PDPT) | X86_PTE_P | X86_PTE_RW;
	pdpt[0] = (tramp_base + TRAMP_PD) | X86_PTE_P | X86_PTE_RW;
#else
	for (unsigned i = 1; i < 4; i++)
		top[i] = kernel_top[i];
	top[0] = (tramp_base + TRAMP_PD) | X86_PTE_P;      /* PAE PDPT entries: P only */
#endif

	struct x86_tramp_data *d = (struct x86_tramp_data *)(block + TRAMP_DATA);
	d->gdtr_limit = 4 * 8 - 1;
	d->gdtr_base = (uint32_t)(tramp_base + TRAMP_DATA + TD_GDT);
	d->pm_offset = (uint32_t)(tramp_base + (x86_trampoline_pm32 - x86_trampoline_start));
	d->pm_selector = TRAMP_SEL_CODE32;
	d->lm_offset = (uint32_t)(tramp_base + (x86_trampoline_lm64 - x86_trampoline_start));
	d->lm_selector = TRAMP_SEL_CODE64;
	d->cr3_temp = (uint32_t)(tramp_base + TRAMP_TOP_TABLE);
	d->efer_set = (x86_pte_nx ? X86_EFER_NXE : 0) | (X86_PT_LEVELS == 4 ? X86_EFER_LME : 0);
	d->cr3_kernel = x86_kernel_root;
	d->entry = (uintptr_t)x86_ap_entry;

	bsp_cr0 = x86_read_cr0();
	bsp_cr4 = x86_read_cr4();
	__asm__ volatile("sgdt %0; sidt %1" : "=m"(bsp_gdtr), "=m"(bsp_idtr));
	if (bsp_gdtr.limit + 1u > sizeof(ap_gdt[0]))
		panic("install_trampoline: GDT of %u bytes", bsp_gdtr.limit + 1u);
	tramp_installed = true;
}

int arch_smp_start(struct cpu *cpu)
{
	if (!tramp_base)
		return -ENOMEM;
	if (!tramp_installed)
		install_trampoline();
	struct x86_tramp_data *d = x86_phys_to_virt(tramp_base + TRAMP_DATA);
	d->stack = (uintptr_t)cpu->stack_top;
	d->cpu = (uintptr_t)cpu;
	d->started = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	/* The universal start-up algorithm (Intel SDM vol. 3, 9.4.4.1): INIT, 10 ms, STARTUP,
	 * 200 us, STARTUP again (ignored by a CPU that already left wait-for-SIPI). */
	uint32_t dest = (uint32_t)cpu->arch_id;
	x86_apic_send_init(dest);
	x86_udelay(10000);
	sipi_tsc = x86_rdtsc();
	x86_apic_send_startup(dest, (uint8_t)(tramp_base >> 12));
	x86_udelay(200);
	x86_apic_send_startup(dest, (uint8_t)(tramp_base >> 12));
	return 0;
}

/* Loads a GDT for AP ID (the boot CPU's with the TSS descriptor pointing at this AP's TSS),
 * reloads the segment registers, the task register and the shared IDT. */
static void load_descriptors(unsigned id, uintptr_t stack_top)
{
	uint64_t *gdt = ap_gdt[id];
	memcpy(gdt, (const void *)bsp_gdtr.base, bsp_gdtr.limit + 1u);
	uintptr_t df_sp = 0;
#if X86_IST_DOUBLE_FAULT
	df_sp = (uintptr_t)ap_df_stack[id] + sizeof(ap_df_stack[id]);
#endif
	struct x86_tss *tss = &ap_tss[id];
	x86_tss_init(tss, stack_top, df_sp);
	uint64_t base = (uintptr_t)tss, limit = sizeof(*tss) - 1;
	/* An available TSS (type 9), present, DPL 0: the boot CPU's is marked busy by its ltr. */
	gdt[X86_SEL_TSS / 8] = (limit & 0xffff) | (base & 0xffffff) << 16 | 0x89ull << 40 |
			       ((limit >> 16) & 0xf) << 48 | ((base >> 24) & 0xff) << 56;
	if (X86_GDT_TSS_SLOTS == 2)
		gdt[X86_SEL_TSS / 8 + 1] = (uint64_t)base >> 32;
	struct __packed { uint16_t limit; uintptr_t base; } gdtr = { bsp_gdtr.limit, (uintptr_t)gdt };
	__asm__ volatile("lgdt %0" : : "m"(gdtr) : "memory");
	x86_reload_segments(X86_SEL_KERNEL_CODE, X86_SEL_KERNEL_DATA);
	__asm__ volatile("ltr %w0" : : "r"((uint16_t)X86_SEL_TSS) : "memory");
	__asm__ volatile("lidt %0" : : "m"(bsp_idtr) : "memory");
}

/* The C entry of an AP (from x86_ap_entry, kernel tables loaded, on its stack, interrupts
 * masked): the boot CPU's control registers and PAT, its own GDT and TSS, the IDT, its local
 * APIC, then the generic smp_ap_main. */
__noreturn void x86_ap_main(struct cpu *cpu);
__noreturn void x86_ap_main(struct cpu *cpu)
{
	x86_write_cr0(bsp_cr0);              /* caches on (INIT leaves CD/NW set), WP */
	x86_write_cr4(bsp_cr4);              /* PGE, SMEP, SMAP as on the boot CPU */
	if (x86_pat_enabled)
		x86_wrmsr(X86_MSR_PAT, x86_pat_value());
	x86_write_cr3(x86_read_cr3());
	load_descriptors(cpu->id, (uintptr_t)cpu->stack_top);
	x86_apic_init_ap();
	uint64_t hz = arch_cycles_hz(), up = x86_rdtsc() - sipi_tsc;   /* QEMU's TSCs agree */
	kprintf("x86: CPU %u in the kernel %llu us after its first STARTUP IPI\n", cpu->id,
		(unsigned long long)(hz ? up * 1000000 / hz : 0));
	smp_ap_main(cpu);
}

struct x86_tss *x86_cpu_tss(void)
{
	unsigned id = cpu_current()->id;
	return id == 0 ? &x86_tss : &ap_tss[id];
}

void arch_smp_send_ipi(const struct cpu *cpu)
{
	x86_apic_send_ipi((uint32_t)cpu->arch_id, X86_VECTOR_IPI_CALL);
}

/* The base of the GDT loaded on this CPU: the boot CPU runs on gdt.c's, each AP on its own
 * ap_gdt[id], so it tells the CPUs apart. sgdt is a plain register read, unlike the local APIC
 * ID, which is an MMIO read (under QEMU's TCG, one that takes the emulator's global lock, a
 * bottleneck when every CPU asks "who am I" in each syscall). */
static uintptr_t gdt_base(void)
{
	struct __packed { uint16_t limit; uintptr_t base; } gdtr;
	__asm__ volatile("sgdt %0" : "=m"(gdtr));
	return gdtr.base;
}

/* Returns the cpu_by_gdt slot of GDT base BASE: an AP's id, or SMP_MAX_CPUS for another GDT. */
static unsigned gdt_slot(uintptr_t base)
{
	uintptr_t first = (uintptr_t)ap_gdt;
	if (base < first || base >= first + sizeof(ap_gdt))
		return SMP_MAX_CPUS;
	return (unsigned)((base - first) / sizeof(ap_gdt[0]));
}

void arch_cpu_set_current(struct cpu *cpu)
{
	unsigned slot = gdt_slot(gdt_base());
	if (slot < SMP_MAX_CPUS)
		cpu_by_gdt[slot] = cpu;
	else
		boot_cpu = cpu;
}

struct cpu *arch_cpu_current(void)
{
	unsigned slot = gdt_slot(gdt_base());
	return slot < SMP_MAX_CPUS ? cpu_by_gdt[slot] : boot_cpu;
}

/* sti's one-instruction interrupt shadow covers hlt: an interrupt pending before the sti wakes
 * the hlt instead of being taken before it. */
void arch_cpu_idle(void)
{
	__asm__ volatile("sti; hlt; cli" ::: "memory");
}
