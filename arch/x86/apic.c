/* The local APIC driver shared by i686 and x86_64 (Intel SDM vol. 3, chapter 11): mode choice
 * (x2APIC when CPUID.1:ECX.x2APIC says so, else xAPIC in MMIO), enabling it on each CPU, EOI and
 * the interrupt command register. QEMU 7.2's TCG offers no x2APIC (it warns "TCG doesn't support
 * requested feature: CPUID.01H:ECX.x2apic"), so under TCG the xAPIC path is the one that runs. */
#include "apic.h"
#include "paging.h"
#include "pte.h"
#include "x86.h"
#include "kernel/arch.h"
#include "kernel/panic.h"
#include "kernel/kprintf.h"

#define MSR_APIC_BASE          0x1b
#define APIC_BASE_X2APIC       (1u << 10)
#define APIC_BASE_ENABLE       (1u << 11)
#define CPUID1_ECX_X2APIC      (1u << 21)
#define MSR_X2APIC_BASE        0x800      /* register R (xAPIC offset) is MSR 0x800 + R / 16 */

/* Register offsets in the xAPIC page. */
#define REG_ID         0x020
#define REG_TPR        0x080
#define REG_EOI        0x0b0
#define REG_SVR        0x0f0
#define REG_ESR        0x280
#define REG_ICR_LOW    0x300
#define REG_ICR_HIGH   0x310
#define REG_LVT_TIMER  0x320
#define REG_LVT_LINT0  0x350
#define REG_LVT_LINT1  0x360
#define REG_LVT_ERROR  0x370
#define REG_TIMER_INIT 0x380
#define REG_TIMER_CUR  0x390
#define REG_TIMER_DIV  0x3e0

#define SVR_ENABLE         0x100
#define LVT_MASKED         0x10000
#define LVT_TIMER_PERIODIC 0x20000
#define TIMER_DIV_16       0x3
#define CALIBRATE_US       10000
#define ICR_FIXED          0x000
#define ICR_INIT           0x500
#define ICR_STARTUP        0x600
#define ICR_PENDING        0x1000     /* xAPIC delivery status */
#define ICR_ASSERT         0x4000
#define ICR_LEVEL          0x8000

/* The xAPIC page's fixed mapping: the last page of the kmap window. */
#define FIXMAP_INDEX   (X86_PT_ENTRIES - 1)
#define LAPIC_VA       (X86_KMAP_BASE + FIXMAP_INDEX * X86_PAGE_SIZE)

static bool apic_ready, apic_x2;
static uint32_t timer_rate;         /* APIC timer counts per second at divide-by-16 */

static uint32_t apic_read(unsigned reg)
{
	if (apic_x2)
		return (uint32_t)x86_rdmsr(MSR_X2APIC_BASE + reg / 16);
	return *(volatile uint32_t *)(LAPIC_VA + reg);
}

static void apic_write(unsigned reg, uint32_t value)
{
	if (apic_x2)
		x86_wrmsr(MSR_X2APIC_BASE + reg / 16, value);
	else
		*(volatile uint32_t *)(LAPIC_VA + reg) = value;
}

bool x86_apic_ready(void)
{
	return apic_ready;
}

bool x86_apic_x2apic(void)
{
	return apic_x2;
}

/* Turns this CPU's APIC on in the chosen mode and software-enables it. */
static void enable_here(void)
{
	uint64_t base = x86_rdmsr(MSR_APIC_BASE) | APIC_BASE_ENABLE;
	if (apic_x2)
		base |= APIC_BASE_X2APIC;
	x86_wrmsr(MSR_APIC_BASE, base);
	apic_write(REG_TPR, 0);
	apic_write(REG_SVR, SVR_ENABLE | X86_VECTOR_SPURIOUS);
}

/* Measures the APIC timer's rate: a one-shot count from the top, masked, over CALIBRATE_US of
 * the TSC (the APIC timer's input clock is model-specific; QEMU's is 1 GHz). */
static void timer_calibrate(void)
{
	unsigned long irq = arch_irq_save();
	apic_write(REG_TIMER_DIV, TIMER_DIV_16);
	apic_write(REG_LVT_TIMER, LVT_MASKED | X86_VECTOR_APIC_TIMER);
	apic_write(REG_TIMER_INIT, 0xffffffffu);
	x86_udelay(CALIBRATE_US);
	uint32_t left = apic_read(REG_TIMER_CUR);
	apic_write(REG_TIMER_INIT, 0);
	arch_irq_restore(irq);
	uint64_t rate = (uint64_t)(0xffffffffu - left) * (1000000 / CALIBRATE_US);
	timer_rate = rate > 0xffffffffu ? 0xffffffffu : (uint32_t)rate;
	if (timer_rate == 0)
		panic("timer_calibrate: the APIC timer did not count");
	kprintf("x86: local APIC timer %u kHz (divide by 16)\n", timer_rate / 1000);
}

void x86_apic_init_boot(paddr_t base)
{
	uint32_t r[4];
	x86_cpuid(1, 0, r);
	apic_x2 = (r[2] & CPUID1_ECX_X2APIC) != 0;
	if (!apic_x2) {
		if (!IS_ALIGNED(base, (paddr_t)X86_PAGE_SIZE))
			panic("x86_apic_init_boot: APIC base %#llx is not page aligned",
			      (unsigned long long)base);
		*x86_fixmap_pte(FIXMAP_INDEX) = base | X86_PTE_P | X86_PTE_RW | X86_PTE_CACHE_UC |
						X86_PTE_G | x86_pte_nx;
		x86_invlpg(LAPIC_VA);
	}
	enable_here();
	apic_ready = true;
	timer_calibrate();
}

void x86_apic_init_ap(void)
{
	enable_here();
	apic_write(REG_LVT_TIMER, LVT_MASKED);
	apic_write(REG_LVT_LINT0, LVT_MASKED);
	apic_write(REG_LVT_LINT1, LVT_MASKED);
	apic_write(REG_LVT_ERROR, LVT_MASKED);
	apic_write(REG_ESR, 0);
	apic_write(REG_EOI, 0);
}

uint32_t x86_apic_id(void)
{
	return apic_x2 ? apic_read(REG_ID) : apic_read(REG_ID) >> 24;
}

void x86_apic_eoi(void)
{
	apic_write(REG_EOI, 0);
}

/* Writes the interrupt command register (destination DEST, low word LOW) and, in xAPIC mode,
 * waits until the APIC accepted it. Interrupts are masked meanwhile: an IPI handler sending its
 * own IPI must not interleave the two register writes. */
static void send_icr(uint32_t dest, uint32_t low)
{
	unsigned long irq = arch_irq_save();
	if (apic_x2) {
		x86_wrmsr(MSR_X2APIC_BASE + REG_ICR_LOW / 16, (uint64_t)dest << 32 | low);
	} else {
		apic_write(REG_ICR_HIGH, dest << 24);
		apic_write(REG_ICR_LOW, low);
		while (apic_read(REG_ICR_LOW) & ICR_PENDING)
			arch_cpu_relax();
	}
	arch_irq_restore(irq);
}

void x86_apic_send_ipi(uint32_t dest, uint8_t vector)
{
	send_icr(dest, ICR_FIXED | ICR_ASSERT | vector);
}

void x86_apic_send_init(uint32_t dest)
{
	apic_write(REG_ESR, 0);
	send_icr(dest, ICR_INIT | ICR_ASSERT | ICR_LEVEL);
	if (apic_x2)
		return;                 /* x2APIC does not support the INIT level de-assert */
	x86_udelay(200);
	send_icr(dest, ICR_INIT | ICR_LEVEL);          /* de-assert, for old xAPICs */
}

void x86_apic_send_startup(uint32_t dest, uint8_t page)
{
	send_icr(dest, ICR_STARTUP | ICR_ASSERT | page);
}

void x86_apic_timer_start(unsigned hz, uint8_t vector)
{
	uint32_t count = hz ? timer_rate / hz : timer_rate;
	if (count == 0)
		count = 1;
	unsigned long irq = arch_irq_save();
	apic_write(REG_TIMER_DIV, TIMER_DIV_16);
	apic_write(REG_LVT_TIMER, LVT_TIMER_PERIODIC | vector);
	apic_write(REG_TIMER_INIT, count);
	arch_irq_restore(irq);
}

void x86_apic_timer_stop(void)
{
	unsigned long irq = arch_irq_save();
	apic_write(REG_LVT_TIMER, LVT_MASKED | X86_VECTOR_APIC_TIMER);
	apic_write(REG_TIMER_INIT, 0);
	arch_irq_restore(irq);
}

bool x86_apic_timer_running(void)
{
	return !(apic_read(REG_LVT_TIMER) & LVT_MASKED);
}

uint32_t x86_apic_timer_rate(void)
{
	return timer_rate;
}

void x86_udelay(unsigned us)
{
	uint64_t hz = arch_cycles_hz();
	if (!hz) {
		for (volatile unsigned long i = 0; i < us * 1000ul; i++)
			;
		return;
	}
	uint64_t start = arch_cycles(), wait = hz / 1000000 * us;
	while (arch_cycles() - start < wait)
		arch_cpu_relax();
}
