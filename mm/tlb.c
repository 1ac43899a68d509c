/* Which CPU runs which address space, and TLB shootdown: the per-CPU active address space, the
 * set of CPUs that may cache each space's translations (addrspace.cpus), and the flushes that
 * reach every one of them (contracts in mm/addrspace.h and mm/vm_internal.h).
 *
 * The CPU set. addrspace_activate sets this CPU's bit in the new space's set before the switch
 * reaches the hardware. When the bit goes depends on the arch (arch_tlb_switch_drops_old):
 *  - x86 (no PCID: CR4.PCIDE stays clear, user entries are never global): loading CR3 drops
 *    every translation of the old space, so the CPU clears its bit right after the switch.
 *  - aarch64 (ASIDs): entries of the old space stay in the TLB tagged with its ASID, so the bit
 *    stays: the set is every CPU that ever ran the space. Nothing reads it for correctness
 *    there (below), so a superset costs nothing.
 * Only the CPU itself changes its bit, always with a sequentially consistent read-modify-write.
 *
 * Memory ordering (x86). The shooter changes the entries (under the address-space lock), then a
 * seq_cst fence, then reads the set; the activator sets its bit (seq_cst RMW, a full fence on
 * x86), then loads CR3 (serializing), and only then can its page walks read entries. In the
 * single total order of seq_cst operations either the shooter's read comes after the bit was
 * set -- it sends the IPI, and the target flushes (a flush of a space that is not, or not yet,
 * in CR3 is a no-op that the coming CR3 load makes unnecessary) -- or the bit was set after
 * that read, and then the activator's walks come after the entries changed and cannot see the
 * old ones. On switch-out the bit is cleared after the CR3 load: a shooter that still sees it
 * sends a harmless IPI; one that sees it clear knows the CR3 load (which dropped the entries)
 * has happened. Interrupts may be enabled around addrspace_activate: a flush IPI taken in the
 * middle is right either way by the same argument (the x86 flushes compare the space with CR3
 * itself, so they act on exactly what the CPU holds at that instant).
 *
 * Shootdown. vm_tlb_flush_pages/space flush this CPU through arch_tlb_flush_*, then:
 *  - x86: one IPI round (smp_call_mask) to the set minus this CPU; each target runs the same
 *    arch flush, which acts only if the space is in its CR3. One request carries up to VM_BATCH
 *    pages (the batch walkers' unit), so unmapping N pages costs N / VM_BATCH rounds, not N.
 *    Past TLB_SHOOTDOWN_MAX_PAGES pages a request flushes the whole space instead (one CR3
 *    reload): a few invlpg cost about what refilling a working set after a reload costs (a
 *    guess from public x86 latency tables, not measured here: TCG prices both differently).
 *  - aarch64: nothing more. Its arch_tlb_flush_* use TLBI ... IS, which the hardware broadcasts
 *    to every CPU of the inner-shareable domain, and DSB ISH waits until all have completed it.
 *    That is the right tool there: no interrupt to take, so a target spinning with interrupts
 *    masked cannot delay it, it also reaches CPUs that switched away but still hold entries
 *    under the space's ASID (which an IPI to "CPUs running it" would miss), and it costs one
 *    instruction per page, however many CPUs there are.
 * Deadlock: the shooter holds the address-space lock while it waits for the targets, and a
 * target may spin for that lock with interrupts masked; spin_lock_irqsave serves cross-CPU calls
 * while it spins (kernel/spinlock.c), and the flush takes no lock, so the target runs it and the
 * shooter goes on. */
#include "mm/vm_internal.h"
#include "kernel/smp.h"
#include "kernel/panic.h"

/* The space each CPU runs (NULL: none). Written only by that CPU in addrspace_activate; other
 * CPUs read it only in debug checks. */
static struct addrspace *active[SMP_MAX_CPUS];

struct tlb_stats tlb_stats;

/* One shootdown: the pages of SPACE to flush, or the whole space when count is TLB_FLUSH_ALL.
 * Lives on the shooter's stack until every target has run it. */
struct tlb_request {
	struct mmu_space *space;
	unsigned count;
	uintptr_t va[VM_BATCH];
};

void addrspace_activate(struct addrspace *as)
{
	unsigned id = cpu_current()->id;
	unsigned long bit = 1ul << id;
	struct addrspace *old = active[id];
	if (as)
		atomic_fetch_or_explicit(&as->cpus, bit, memory_order_seq_cst);
	arch_mmu_space_activate(as ? &as->mmu : NULL);
	active[id] = as;
	if (old && old != as && arch_tlb_switch_drops_old())
		atomic_fetch_and_explicit(&old->cpus, ~bit, memory_order_seq_cst);
}

struct addrspace *addrspace_active(void)
{
	return active[cpu_current()->id];
}

unsigned long addrspace_cpus(struct addrspace *as)
{
	return atomic_load_explicit(&as->cpus, memory_order_seq_cst);
}

void addrspace_deactivate_all(struct addrspace *as)
{
	unsigned me = cpu_current()->id;
	if (active[me] == as)
		addrspace_activate(NULL);
	for (unsigned i = 0; i < SMP_MAX_CPUS; i++)
		if (unlikely(active[i] == as))
			panic("addrspace_destroy: as=%p still runs on CPU %u", (void *)as, i);
}

/* Runs request ARG's flush on this CPU (the arch acts only on a space this CPU may cache). */
static void flush_here(void *arg)
{
	const struct tlb_request *r = arg;
	if (r->count == TLB_FLUSH_ALL) {
		arch_tlb_flush_space(r->space);
		return;
	}
	for (unsigned i = 0; i < r->count; i++)
		arch_tlb_flush_page(r->space, r->va[i]);
}

/* Flushes request R on this CPU and on every other CPU that may cache AS. */
static void shootdown(struct addrspace *as, struct tlb_request *r)
{
	if (r->count == TLB_FLUSH_ALL)
		atomic_fetch_add_explicit(&tlb_stats.full, 1, memory_order_relaxed);
	flush_here(r);
	if (arch_tlb_flush_is_global())
		return;
	/* The entries changed before this fence; the set is read after it (see the top). */
	atomic_thread_fence(memory_order_seq_cst);
	unsigned long others = atomic_load_explicit(&as->cpus, memory_order_seq_cst) &
			       ~(1ul << cpu_current()->id);
	if (!others)
		return;
	unsigned n = smp_call_mask(others, flush_here, r);
	atomic_fetch_add_explicit(&tlb_stats.rounds, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&tlb_stats.ipis, n, memory_order_relaxed);
}

void vm_tlb_flush_pages(struct addrspace *as, const uintptr_t *va, unsigned count)
{
	spin_assert_held(&as->lock);
	struct tlb_request r = { .space = &as->mmu };
	while (count) {
		unsigned n = MIN(count, (unsigned)VM_BATCH);
		if (n > TLB_SHOOTDOWN_MAX_PAGES) {
			r.count = TLB_FLUSH_ALL;        /* covers the rest too */
			n = count;
		} else {
			r.count = n;
			for (unsigned i = 0; i < n; i++)
				r.va[i] = va[i];
		}
		shootdown(as, &r);
		va += n;
		count -= n;
	}
}

void vm_tlb_flush_space(struct addrspace *as)
{
	spin_assert_held(&as->lock);
	struct tlb_request r = { .space = &as->mmu, .count = TLB_FLUSH_ALL };
	shootdown(as, &r);
}

void vm_tlb_flush_local(struct addrspace *as, uintptr_t va)
{
	arch_tlb_flush_page(&as->mmu, va);
}

void mmu_space_shootdown(struct mmu_space *space)
{
	vm_tlb_flush_space(container_of(space, struct addrspace, mmu));
}
