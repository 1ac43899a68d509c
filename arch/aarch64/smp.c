/* Bringing up the other aarch64 CPUs and the aarch64 side of kernel/smp.h: CPUs from the ACPI
 * MADT (GICC entries, by MPIDR), PSCI CPU_ON into the boot CPU's own MMU switch path, the GIC's
 * per-CPU part, cpu_current() in TPIDR_EL1, the call SGI and wfi.
 *
 * An AP starts with its MMU off at the physical address of aarch64_ap_start (smp_entry.S) with
 * x0 = the physical address of ap_boot. It needs an identity map of the switch page in TTBR0
 * while it turns the MMU on: the boot CPU's one is gone (the UEFI stub freed it), so the first
 * start builds one from two frames (an L0 table and an L1 table with one 1 GiB block around the
 * switch page) and keeps them for later starts. TTBR1, TCR, MAIR and SCTLR are the boot CPU's:
 * the AP sees exactly the kernel mappings the boot CPU sees. */
#include "arch/aarch64/boot.h"
#include "arch/aarch64/cpu.h"
#include "arch/aarch64/gic.h"
#include "arch/aarch64/memlayout.h"
#include "arch/aarch64/mmu.h"
#include "arch/aarch64/psci.h"
#include "arch/aarch64/pte.h"
#include "arch/aarch64/sysreg.h"
#include "kernel/acpi.h"
#include "kernel/arch.h"
#include "kernel/errno.h"
#include "kernel/kprintf.h"
#include "kernel/smp.h"
#include "kernel/string.h"
#include "mm/arch_mmu.h"
#include "mm/frame.h"

#define MADT_GICC          0x0b      /* GIC CPU interface entry: MPIDR at offset 68 */
#define MADT_GICC_MIN_LEN  76
#define MADT_GICC_ENABLED  0x1
#define MPIDR_AFF_MASK     0xff00ffffffull   /* Aff3, Aff2, Aff1, Aff0 */

/* The block aarch64_ap_start reads (offsets in smp_entry.S): aarch64_enter_kernel's arguments. */
struct aarch64_ap_boot {
	uint64_t idmap_root;         /* physical: TTBR0 while the MMU goes on */
	uint64_t kernel_root;        /* TTBR1_EL1, as on the boot CPU */
	uint64_t tcr;                /* TCR_EL1, as on the boot CPU */
	uint64_t stack_top;          /* virtual */
	uint64_t entry;              /* virtual: aarch64_ap_main */
	uint64_t user_root;          /* TTBR0 afterwards: the empty user root */
} __aligned(64);
_Static_assert(offsetof(struct aarch64_ap_boot, user_root) == 40, "AP_USER_ROOT in smp_entry.S");

extern char aarch64_ap_start[];
__noreturn void aarch64_ap_main(void);

static struct aarch64_ap_boot ap_boot;
static struct cpu *volatile ap_cpu;      /* the CPU being started (one at a time) */
static uint64_t bsp_sctlr;
static uint64_t cpu_on_count;            /* CNTVCT_EL0 at the CPU_ON of the AP starting now */
static bool ap_boot_ready;

/* The physical address of a kernel-image address. */
static paddr_t kernel_phys(const void *p)
{
	return (uintptr_t)p - KERNEL_VBASE + aarch64_boot_facts.image_phys;
}

/* Cleans [P, P + SIZE) to the point of coherency, for a CPU that reads it with caches off. */
static void clean_to_poc(const void *p, size_t size)
{
	uintptr_t line = 4u << ((read_sysreg(ctr_el0) >> 16) & 0xf);
	for (uintptr_t a = ALIGN_DOWN((uintptr_t)p, line); a < (uintptr_t)p + size; a += line)
		__asm__ volatile("dc cvac, %0" :: "r"(a) : "memory");
	dsb(sy);
}

/* Reads the MADT's enabled GICC entries into IDS after the boot CPU's MPIDR (IDS[0]); returns
 * the count, or 1 when there is no usable MADT. */
static unsigned madt_cpus(unsigned long *ids, unsigned max)
{
	static uint8_t madt[8192];
	unsigned n = 1;
	int len = acpi_read_table("APIC", madt, sizeof(madt));
	if (len < ACPI_MADT_ENTRIES) {
		kprintf("aarch64: no usable ACPI MADT (error %d): one CPU only\n", len);
		return n;
	}
	for (int off = ACPI_MADT_ENTRIES; off + 2 <= len;) {
		uint8_t type = madt[off], elen = madt[off + 1];
		if (elen < 2 || off + elen > len)
			break;
		if (type == MADT_GICC && elen >= MADT_GICC_MIN_LEN) {
			uint32_t flags;
			uint64_t mpidr;
			memcpy(&flags, madt + off + 12, 4);
			memcpy(&mpidr, madt + off + 68, 8);
			mpidr &= MPIDR_AFF_MASK;
			bool dup = false;
			for (unsigned i = 0; i < n; i++)
				dup |= ids[i] == mpidr;
			if ((flags & MADT_GICC_ENABLED) && !dup) {
				if (n < max)
					ids[n++] = mpidr;
				else
					kprintf("aarch64: CPU %#llx ignored (more than %u CPUs)\n",
						(unsigned long long)mpidr, max);
			}
		}
		off += elen;
	}
	return n;
}

unsigned arch_smp_discover(unsigned long *ids, unsigned max)
{
	gic_init();
	gic_enable(AARCH64_SGI_CALL);
	ids[0] = read_sysreg(mpidr_el1) & MPIDR_AFF_MASK;
	paddr_t rsdp = aarch64_boot_facts.acpi_rsdp;
	if (!rsdp || acpi_set_rsdp_phys(rsdp) != 0)
		kprintf("aarch64: no ACPI RSDP from UEFI (%#llx)\n", (unsigned long long)rsdp);
	const char *source = psci_init();
	unsigned n = madt_cpus(ids, max);
	kprintf("aarch64: ACPI MADT: %u CPUs, boot MPIDR %#lx; PSCI via %s (from the %s)\n", n,
		ids[0], psci_uses_hvc() ? "hvc" : "smc", source);
	return n;
}

/* Builds the AP identity map of the switch page and the constant part of ap_boot; returns 0 or
 * -ENOMEM. */
static int prepare_ap_boot(void)
{
	paddr_t l0, l1;
	if (frame_alloc(&l0))
		return -ENOMEM;
	if (frame_alloc(&l1)) {
		frame_free(l0);
		return -ENOMEM;
	}
	pte_t *t0 = arch_phys_to_virt(l0), *t1 = arch_phys_to_virt(l1);
	memset(t0, 0, PAGE_SIZE);
	memset(t1, 0, PAGE_SIZE);
	paddr_t pa = kernel_phys(aarch64_ap_start);
	t0[PT_INDEX(pa, 0)] = l1 | PTE_TABLE;
	t1[PT_INDEX(pa, 1)] = ALIGN_DOWN(pa, (paddr_t)BLOCK_SIZE_L1) | PTE_BLOCK |
			      PTE_ATTR_IDX(MAIR_IDX_NORMAL_WB) | PTE_SH_INNER | PTE_AF | PTE_UXN;
	clean_to_poc(t0, PAGE_SIZE);
	clean_to_poc(t1, PAGE_SIZE);

	bsp_sctlr = read_sysreg(sctlr_el1);
	ap_boot.idmap_root = l0;
	ap_boot.kernel_root = read_sysreg(ttbr1_el1);
	ap_boot.tcr = read_sysreg(tcr_el1);
	ap_boot.entry = (uintptr_t)aarch64_ap_main;
	ap_boot.user_root = aarch64_empty_ttbr0;
	ap_boot_ready = true;
	return 0;
}

int arch_smp_start(struct cpu *cpu)
{
	if (!ap_boot_ready) {
		int err = prepare_ap_boot();
		if (err)
			return err;
	}
	ap_boot.stack_top = (uintptr_t)cpu->stack_top;
	ap_cpu = cpu;
	clean_to_poc(&ap_boot, sizeof(ap_boot));
	cpu_on_count = arch_cycles();
	long ret = psci_call(PSCI_CPU_ON_64, cpu->arch_id, kernel_phys(aarch64_ap_start),
			     kernel_phys(&ap_boot));
	switch (ret) {
	case PSCI_SUCCESS:
		return 0;
	case PSCI_ALREADY_ON:
	case PSCI_ON_PENDING:
		return -EBUSY;
	case PSCI_INVALID_PARAMS:
		return -EINVAL;
	default:
		return -EIO;
	}
}

/* The C entry of an AP (from aarch64_enter_kernel: MMU on with the kernel's tables, on its stack,
 * VBAR set, interrupts masked): the boot CPU's SCTLR, PAN and counter access, its GIC CPU
 * interface, then the generic smp_ap_main. */
__noreturn void aarch64_ap_main(void)
{
	struct cpu *cpu = ap_cpu;
	write_sysreg(sctlr_el1, bsp_sctlr);
	isb();
	if (aarch64_cpu.pan)
		__asm__ volatile(".inst %0" :: "i"(INSN_SET_PAN) : "memory");
	write_sysreg(cntkctl_el1, CNTKCTL_EL0VCTEN);
	gic_init_cpu();
	gic_enable(AARCH64_SGI_CALL);
	uint64_t hz = arch_cycles_hz(), up = arch_cycles() - cpu_on_count;  /* one system counter */
	kprintf("aarch64: CPU %u in the kernel %llu us after its CPU_ON\n", cpu->id,
		(unsigned long long)(hz ? up * 1000000 / hz : 0));
	smp_ap_main(cpu);
}

void arch_smp_send_ipi(const struct cpu *cpu)
{
	gic_send_sgi(AARCH64_SGI_CALL, (uint8_t)cpu->arch_data);
}

void arch_cpu_set_current(struct cpu *cpu)
{
	cpu->arch_data = gic_cpu_mask();
	write_sysreg(tpidr_el1, (uintptr_t)cpu);
}

struct cpu *arch_cpu_current(void)
{
	return (struct cpu *)read_sysreg(tpidr_el1);
}

/* wfi wakes on a pending interrupt even while it is masked; unmasking then takes it. */
void arch_cpu_idle(void)
{
	__asm__ volatile("wfi\n\tmsr daifclr, #2\n\tisb\n\tmsr daifset, #2" ::: "memory");
}
