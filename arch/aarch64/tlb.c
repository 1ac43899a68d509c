/* aarch64 address-space switching and TLB maintenance (mm/arch_mmu.h): the ASID allocator,
 * arch_mmu_space_activate, the arch_tlb_flush_* functions and I-cache maintenance for user code.
 *
 * ASIDs. Every space gets its own ASID (16 bits where TCR_EL1.AS could be set, else 8) from a
 * bitmap, and TTBR0 carries it next to the root, so switching spaces needs no TLB flush: entries
 * of other spaces stay in the TLB, tagged with their ASIDs (user entries are all nG). An ASID is
 * flushed when its space is destroyed, before it can be handed out again. When all are in use,
 * new spaces share ASID_SHARED and flush it each time one of them is activated (correct, only
 * slower; 65534 live spaces are far beyond what this kernel runs).
 *
 * TLB invalidation uses the inner-shareable broadcast forms (tlbi ...is, dsb ish): they reach
 * every CPU in the inner shareable domain, so TLB shootdown needs no IPI on aarch64
 * (arch_tlb_flush_is_global; mm/tlb.c says why that is the right tool), and on one CPU they
 * cost the same. Each is preceded by dsb ishst (the entry
 * change is visible to the table walkers before the invalidation) and followed by dsb ish (the
 * invalidation has completed everywhere) and isb (this CPU's later instructions see it). */
#include "arch/aarch64/mmu.h"
#include "arch/aarch64/cpu.h"
#include "arch/aarch64/memlayout.h"
#include "kernel/spinlock.h"
#include "kernel/panic.h"

#define ASID_MAX_COUNT  (1u << 16)
/* Above this many pages a range flush drops the whole ASID instead (one instruction instead of
 * many; a range that large is usually a whole munmap or exit anyway). */
#define TLB_RANGE_MAX_PAGES 64

uint64_t aarch64_empty_ttbr0;

static struct spinlock asid_lock = SPINLOCK_INIT("asid");
static uint64_t asid_map[ASID_MAX_COUNT / 64];   /* bit set = in use; guarded by asid_lock */
static unsigned asid_next = ASID_FIRST;          /* where the next search starts; asid_lock */
static unsigned asid_used;                       /* asid_lock */

unsigned aarch64_asid_alloc(void)
{
	unsigned count = 1u << aarch64_cpu.asid_bits;
	unsigned long irq = spin_lock_irqsave(&asid_lock);
	unsigned asid = ASID_SHARED;
	for (unsigned n = 0; n < count - ASID_FIRST; n++) {
		unsigned a = asid_next;
		asid_next = a + 1 < count ? a + 1 : ASID_FIRST;
		if (!(asid_map[a / 64] & (1ull << (a % 64)))) {
			asid_map[a / 64] |= 1ull << (a % 64);
			asid_used++;
			asid = a;
			break;
		}
	}
	spin_unlock_irqrestore(&asid_lock, irq);
	return asid;
}

void aarch64_asid_release(unsigned asid)
{
	dsb(ishst);
	__asm__ volatile("tlbi aside1is, %0" :: "r"((uint64_t)asid << TTBR_ASID_SHIFT) : "memory");
	dsb(ish);
	isb();
	if (asid == ASID_SHARED)
		return;
	unsigned long irq = spin_lock_irqsave(&asid_lock);
	if (asid < ASID_FIRST || !(asid_map[asid / 64] & (1ull << (asid % 64))))
		panic("aarch64_asid_release: ASID %u is not allocated", asid);
	asid_map[asid / 64] &= ~(1ull << (asid % 64));
	asid_used--;
	spin_unlock_irqrestore(&asid_lock, irq);
}

unsigned aarch64_asid_in_use(void)
{
	return asid_used;
}

void arch_mmu_space_activate(struct mmu_space *space)
{
	/* Root and ASID change together in one register write (TCR_EL1.A1 = 0: TTBR0 holds the
	 * ASID), so no walk can pair one space's tables with another's ASID. */
	uint64_t ttbr = space ? space->root | (uint64_t)space->asid << TTBR_ASID_SHIFT
			      : aarch64_empty_ttbr0;
	write_sysreg(ttbr0_el1, ttbr);
	isb();
	if (space && space->asid == ASID_SHARED) {
		/* Entries under the shared ASID may belong to another space that used it here. */
		__asm__ volatile("tlbi aside1, %0" :: "r"((uint64_t)ASID_SHARED << TTBR_ASID_SHIFT)
				 : "memory");
		dsb(nsh);
		isb();
	}
}

/* Broadcast TLBI reaches every CPU (why that, and not IPIs: mm/tlb.c). */
bool arch_tlb_flush_is_global(void)
{
	return true;
}

/* Entries of the space left behind stay, tagged with its ASID. */
bool arch_tlb_switch_drops_old(void)
{
	return false;
}

void arch_tlb_flush_page(struct mmu_space *space, uintptr_t va)
{
	dsb(ishst);
	aarch64_tlbi_page(va, space->asid);
	dsb(ish);
	isb();
}

void arch_tlb_flush_range(struct mmu_space *space, uintptr_t va, size_t size)
{
	uintptr_t first = ALIGN_DOWN(va, PAGE_SIZE);
	uintptr_t end = size > USER_TOP - first ? USER_TOP : ALIGN_UP(va + size, PAGE_SIZE);
	if (size == 0)
		return;
	if ((end - first) / PAGE_SIZE > TLB_RANGE_MAX_PAGES) {
		arch_tlb_flush_space(space);
		return;
	}
	dsb(ishst);
	for (uintptr_t p = first; p < end; p += PAGE_SIZE)
		aarch64_tlbi_page(p, space->asid);
	dsb(ish);
	isb();
}

void arch_tlb_flush_space(struct mmu_space *space)
{
	dsb(ishst);
	__asm__ volatile("tlbi aside1is, %0" :: "r"((uint64_t)space->asid << TTBR_ASID_SHIFT)
			 : "memory");
	dsb(ish);
	isb();
}

void aarch64_sync_icache_frame(paddr_t pa)
{
	if (!aarch64_cpu.idc) {
		/* CTR_EL0.DminLine: log2 of the smallest D-cache line, in 4-byte words. */
		uintptr_t line = 4ul << ((read_sysreg(ctr_el0) >> 16) & 0xf);
		uintptr_t va = DIRECT_MAP_BASE + pa;
		for (uintptr_t p = va; p < va + PAGE_SIZE; p += line)
			__asm__ volatile("dc cvau, %0" :: "r"(p) : "memory");
	}
	dsb(ish);
	if (!aarch64_cpu.dic) {
		/* The whole I-cache: its lines may be tagged by any alias of the frame (VIPT). */
		__asm__ volatile("ic ialluis" ::: "memory");
		dsb(ish);
	}
	isb();
}
