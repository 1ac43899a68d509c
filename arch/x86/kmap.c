/* The x86 implementation of the frame-access part of mm/arch_mmu.h: the direct map built by
 * arch/x86/paging.c, and temporary mappings of frames outside it (RAM above 768 MiB on i686) in
 * the pages at X86_KMAP_BASE: each CPU has its own X86_KMAP_DEPTH of them, used as a stack.
 * A CPU only ever touches its own slots, so it flushes only its own TLB entry for one (a stale
 * entry elsewhere is for an address no other CPU uses). The caller of kmap_frame must not move
 * to another CPU before kunmap_frame (no sleep in between: the kernel is not preempted). */
#include "mm/arch_mmu.h"
#include "kernel/panic.h"
#include "kernel/smp.h"
#include "paging.h"

_Static_assert(X86_KMAP_CPUS == SMP_MAX_CPUS, "a kmap stack per CPU");
_Static_assert(X86_KMAP_SLOTS < X86_PT_ENTRIES - 1, "the APIC's fixmap page is the window's last");

/* Slots in use per CPU. Changed only by the innermost kmap_frame / kunmap_frame pair, so an
 * interrupt that nests its own pair leaves it as it was. */
static unsigned kmap_depth[X86_KMAP_CPUS];

bool arch_phys_in_direct_map(paddr_t paddr)
{
	return paddr < X86_DIRECT_MAP_LIMIT && x86_paging_lookup(X86_DIRECT_MAP_BASE + paddr) != 0;
}

void *arch_phys_to_virt(paddr_t paddr)
{
	if (paddr >= X86_DIRECT_MAP_LIMIT)
		panic("%#llx is beyond the direct map", (unsigned long long)paddr);
	return x86_phys_to_virt(paddr);
}

/* Maps FRAME into the next free kmap slot and returns the slot's address. */
void *x86_kmap_slot(paddr_t frame)
{
	unsigned cpu = cpu_current()->id;
	if (kmap_depth[cpu] == X86_KMAP_DEPTH)
		panic("more than %u nested mappings on CPU %u", X86_KMAP_DEPTH, cpu);
	unsigned slot = cpu * X86_KMAP_DEPTH + kmap_depth[cpu]++;
	uintptr_t va = X86_KMAP_BASE + slot * X86_PAGE_SIZE;
	*x86_kmap_pte(slot) = frame | X86_PTE_P | X86_PTE_RW | x86_pte_nx;
	x86_invlpg(va);
	return (void *)va;
}

void *kmap_frame(paddr_t frame)
{
	if (!IS_ALIGNED(frame, (paddr_t)X86_PAGE_SIZE))
		panic("frame %#llx is not page aligned", (unsigned long long)frame);
	if (arch_phys_in_direct_map(frame))
		return x86_phys_to_virt(frame);
	return x86_kmap_slot(frame);
}

void kunmap_frame(void *vaddr)
{
	uintptr_t va = (uintptr_t)vaddr;
	if (va < X86_KMAP_BASE || va >= X86_KMAP_BASE + X86_KMAP_SLOTS * X86_PAGE_SIZE)
		return;                             /* a direct-map address: nothing to undo */
	unsigned slot = (unsigned)((va - X86_KMAP_BASE) / X86_PAGE_SIZE);
	unsigned cpu = cpu_current()->id;
	if (!IS_ALIGNED(va, X86_PAGE_SIZE) || slot + 1 != cpu * X86_KMAP_DEPTH + kmap_depth[cpu])
		panic("%p is not the innermost kmap of CPU %u (depth %u)", vaddr, cpu, kmap_depth[cpu]);
	*x86_kmap_pte(slot) = 0;
	x86_invlpg(va);
	kmap_depth[cpu]--;
}
