/* The GICv2 distributor and CPU interface (QEMU virt: 0x08000000 and 0x08010000, mapped as
 * Device memory at GIC_VBASE by boot_paging.c). QEMU's virt machine without secure=on has no
 * Security Extensions, so the kernel owns both groups; it keeps every interrupt in group 0, and
 * with GICC_CTLR.FIQEn = 0 group 0 is signalled as IRQ. Register offsets are from the GICv2
 * architecture specification (IHI 0048B). */
#include "arch/aarch64/gic.h"
#include "arch/aarch64/memlayout.h"
#include "kernel/panic.h"

#define GICD_CTLR        0x000
#define GICD_TYPER       0x004
#define GICD_IGROUPR     0x080
#define GICD_ISENABLER   0x100
#define GICD_ICENABLER   0x180
#define GICD_ICPENDR     0x280
#define GICD_ICACTIVER   0x380
#define GICD_IPRIORITYR  0x400
#define GICD_ITARGETSR   0x800
#define GICD_SGIR        0xf00
#define GICD_PIDR2       0xfe8
#define GICD_CTLR_ENABLE 0x1

#define GICC_CTLR        0x000
#define GICC_PMR         0x004
#define GICC_BPR         0x008
#define GICC_IAR         0x00c
#define GICC_EOIR        0x010
#define GICC_CTLR_ENABLE 0x1

#define GIC_PRIORITY     0xa0       /* every interrupt the same: no preemption among them */
#define GIC_PMR_ALL      0xf0       /* let every priority above 0xf0 through */

static bool gic_ready;

static inline volatile uint32_t *gicd(unsigned off)
{
	return (volatile uint32_t *)(GICD_VIRT + off);
}

static inline volatile uint32_t *gicc(unsigned off)
{
	return (volatile uint32_t *)(GICC_VIRT + off);
}

void gic_init(void)
{
	if (gic_ready)
		return;
	unsigned arch_rev = (*gicd(GICD_PIDR2) >> 4) & 0xf;
	if (arch_rev != 2)
		panic("gic: GICD_PIDR2 says architecture version %u, this kernel drives GICv2 only",
		      arch_rev);

	*gicd(GICD_CTLR) = 0;
	unsigned words = (*gicd(GICD_TYPER) & 0x1f) + 1;    /* ITLinesNumber: 32 INTIDs each */
	for (unsigned w = 0; w < words; w++) {
		*gicd(GICD_ICENABLER + 4 * w) = ~0u;
		*gicd(GICD_ICPENDR + 4 * w) = ~0u;
		*gicd(GICD_ICACTIVER + 4 * w) = ~0u;
		*gicd(GICD_IGROUPR + 4 * w) = 0;
	}
	for (unsigned i = 0; i < 32 * words; i += 4)
		*gicd(GICD_IPRIORITYR + i) = GIC_PRIORITY * 0x01010101u;
	*gicd(GICD_CTLR) = GICD_CTLR_ENABLE;

	*gicc(GICC_PMR) = GIC_PMR_ALL;
	*gicc(GICC_BPR) = 0;
	*gicc(GICC_CTLR) = GICC_CTLR_ENABLE;
	gic_ready = true;
}

/* The distributor's banked registers (INTIDs 0-31: SGIs and PPIs) are per CPU: each AP sets its
 * own, like gic_init did for the boot CPU, then enables its CPU interface. */
void gic_init_cpu(void)
{
	kassert(gic_ready);
	*gicd(GICD_ICENABLER) = ~0u;
	*gicd(GICD_ICPENDR) = ~0u;
	*gicd(GICD_ICACTIVER) = ~0u;
	*gicd(GICD_IGROUPR) = 0;
	for (unsigned i = 0; i < 32; i += 4)
		*gicd(GICD_IPRIORITYR + i) = GIC_PRIORITY * 0x01010101u;
	*gicc(GICC_PMR) = GIC_PMR_ALL;
	*gicc(GICC_BPR) = 0;
	*gicc(GICC_CTLR) = GICC_CTLR_ENABLE;
}

/* GICD_ITARGETSR0-7 are read-only and banked: each byte reads as the calling CPU's own mask. A
 * uniprocessor GIC makes them read as zero (IHI 0048B, 4.3.12): its one CPU interface is 0. */
uint8_t gic_cpu_mask(void)
{
	uint8_t mask = (uint8_t)*gicd(GICD_ITARGETSR);
	return mask ? mask : 1;
}

void gic_send_sgi(unsigned intid, uint8_t targets)
{
	kassert(intid < 16);
	/* The SGI must not overtake the caller's earlier stores (the call it announces). */
	__asm__ volatile("dsb ishst" ::: "memory");
	*gicd(GICD_SGIR) = (uint32_t)targets << 16 | intid;   /* TargetListFilter 0: the list */
}

void gic_enable(unsigned intid)
{
	*gicd(GICD_ISENABLER + 4 * (intid / 32)) = 1u << (intid % 32);
}

void gic_disable(unsigned intid)
{
	*gicd(GICD_ICENABLER + 4 * (intid / 32)) = 1u << (intid % 32);
	*gicd(GICD_ICPENDR + 4 * (intid / 32)) = 1u << (intid % 32);
}

uint32_t gic_ack(void)
{
	return *gicc(GICC_IAR);
}

void gic_eoi(uint32_t iar)
{
	*gicc(GICC_EOIR) = iar;
}
