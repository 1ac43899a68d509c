/* Self-tests of TLB shootdown and the CPU sets (mm/tlb.c) and of the lock-order check
 * (kernel/spinlock.c). The remote tests make CPU 1 run an address space and touch a user page
 * through the usercopy helpers (so its TLB caches the translation: QEMU TCG keeps one TLB per
 * vCPU), change the mapping on CPU 0, and look at what CPU 1 sees next. With one CPU (the smp=1
 * boot) they check what they can on CPU 0 and report the remote part as skipped. */
#include <stdatomic.h>
#include "kernel/arch.h"
#include "kernel/errno.h"
#include "kernel/ktest.h"
#include "tests/ktest/user_program.h"
#include "kernel/proc.h"
#include "kernel/smp.h"
#include "kernel/spinlock.h"
#include "mm/addrspace.h"
#include "mm/check.h"
#include "mm/frame.h"
#include "mm/vm.h"
#include "mm/vm_internal.h"

#define PG   FRAME_SIZE
#define RW   (PROT_READ | PROT_WRITE)
#define PRIV (MAP_PRIVATE | MAP_ANONYMOUS)
#define OLD  0x0123456789abcdefull
#define NEW  0xfedcba9876543210ull

/* What a remote step does and what it saw. */
struct remote {
	struct addrspace *as;      /* activate this (NULL: switch away) when activate is set */
	bool activate;
	uintptr_t va;              /* then read (or write VALUE to) this user address, if not 0 */
	bool write;
	uint64_t value;
	int rc;                    /* the usercopy's result */
	unsigned long cpus;        /* as->cpus seen on the remote CPU afterwards */
};

/* Runs on the remote CPU (from its call slot, interrupts masked; takes no spinlock). */
static void remote_step(void *arg)
{
	struct remote *r = arg;
	if (r->activate)
		addrspace_activate(r->as);
	if (r->va) {
		r->rc = r->write ? arch_copy_to_user(r->va, &r->value, sizeof(r->value))
				 : arch_copy_from_user(&r->value, r->va, sizeof(r->value));
	}
	r->cpus = r->as ? addrspace_cpus(r->as) : 0;
}

/* Runs STEP on CPU ID; returns smp_call_on's result. */
static int on_cpu(unsigned id, struct remote *step)
{
	return smp_call_on(id, remote_step, step);
}

/* Returns the value of a tlb_stats counter. */
static unsigned long counter(atomic_ulong *c)
{
	return atomic_load(c);
}

/* The free count with the zero frame already allocated (it is never given back). */
static uint64_t free_start(void)
{
	vm_zero_frame_init();
	return frame_count_free();
}

/* Creates a space with PAGES private pages at *VA, each holding OLD in its first word. */
static int space_with_pages(struct addrspace **as, uintptr_t *va, size_t pages)
{
	int err = addrspace_create(as);
	if (err)
		return err;
	err = vm_mmap(*as, 0, pages * PG, RW, PRIV, va);
	for (size_t i = 0; !err && i < pages; i++) {
		uint64_t v = OLD;
		err = vm_space_write(*as, *va + i * PG, &v, sizeof(v));
	}
	return err;
}

KTEST(mm_tlb_munmap_removes_a_remote_cached_translation)
{
	uint64_t start = free_start();
	struct addrspace *as;
	uintptr_t a;
	ASSERT_EQ(space_with_pages(&as, &a, 2), 0);
	if (smp_cpu_count() < 2) {
		/* What one CPU can check: the local translation goes with munmap. */
		addrspace_activate(as);
		uint64_t v = 0;
		EXPECT_EQ(arch_copy_from_user(&v, a, sizeof(v)), 0);
		EXPECT_EQ(v, OLD);
		EXPECT_EQ(vm_munmap(as, a, PG), 0);
		v = 0;
		EXPECT_EQ(arch_copy_from_user(&v, a, sizeof(v)), -EFAULT);
		EXPECT_NE(v, OLD);
		addrspace_activate(NULL);
		addrspace_destroy(as);
		EXPECT_EQ(frame_count_free(), start);
		ktest_skip("one CPU: no remote TLB to shoot down");
		return;
	}
	/* CPU 1 runs AS and reads both pages: its TLB now caches them. */
	struct remote r = { .as = as, .activate = true, .va = a };
	ASSERT_EQ(on_cpu(1, &r), 0);
	EXPECT_EQ(r.rc, 0);
	EXPECT_EQ(r.value, OLD);
	r = (struct remote){ .as = as, .va = a + PG };
	ASSERT_EQ(on_cpu(1, &r), 0);
	EXPECT_EQ(r.rc, 0);
	EXPECT_EQ(r.value, OLD);
	EXPECT_TRUE(addrspace_cpus(as) & 2ul);

	/* CPU 0, which does not run AS, unmaps the first page (its frame is freed). */
	EXPECT_EQ(vm_munmap(as, a, PG), 0);

	/* CPU 1's next access faults: no stale translation to the freed frame survived. */
	r = (struct remote){ .as = as, .va = a, .value = 0 };
	ASSERT_EQ(on_cpu(1, &r), 0);
	EXPECT_EQ(r.rc, -EFAULT);
	EXPECT_NE(r.value, OLD);
	/* The other page is untouched and still readable there. */
	r = (struct remote){ .as = as, .va = a + PG };
	ASSERT_EQ(on_cpu(1, &r), 0);
	EXPECT_EQ(r.rc, 0);
	EXPECT_EQ(r.value, OLD);

	r = (struct remote){ .as = NULL, .activate = true };
	ASSERT_EQ(on_cpu(1, &r), 0);
	EXPECT_EQ(vm_check_all(), 0);
	addrspace_destroy(as);
	EXPECT_EQ(frame_count_free(), start);
}

KTEST(mm_tlb_mprotect_read_only_stops_remote_writes)
{
	uint64_t start = free_start();
	struct addrspace *as;
	uintptr_t a;
	ASSERT_EQ(space_with_pages(&as, &a, 1), 0);
	if (smp_cpu_count() < 2) {
		addrspace_activate(as);
		uint64_t v = NEW;
		EXPECT_EQ(arch_copy_to_user(a, &v, sizeof(v)), 0);
		EXPECT_EQ(vm_mprotect(as, a, PG, PROT_READ), 0);
		v = OLD;
		EXPECT_EQ(arch_copy_to_user(a, &v, sizeof(v)), -EFAULT);
		v = 0;
		EXPECT_EQ(vm_space_read(as, a, &v, sizeof(v)), 0);
		EXPECT_EQ(v, NEW);
		addrspace_activate(NULL);
		addrspace_destroy(as);
		EXPECT_EQ(frame_count_free(), start);
		ktest_skip("one CPU: no remote TLB to shoot down");
		return;
	}
	/* CPU 1 writes: its TLB caches a writable (and dirty) translation. */
	struct remote r = { .as = as, .activate = true, .va = a, .write = true, .value = NEW };
	ASSERT_EQ(on_cpu(1, &r), 0);
	EXPECT_EQ(r.rc, 0);

	EXPECT_EQ(vm_mprotect(as, a, PG, PROT_READ), 0);

	/* CPU 1's next write faults and lands nowhere; reads still work. */
	r = (struct remote){ .as = as, .va = a, .write = true, .value = OLD };
	ASSERT_EQ(on_cpu(1, &r), 0);
	EXPECT_EQ(r.rc, -EFAULT);
	uint64_t v = 0;
	EXPECT_EQ(vm_space_read(as, a, &v, sizeof(v)), 0);
	EXPECT_EQ(v, NEW);
	r = (struct remote){ .as = as, .va = a };
	ASSERT_EQ(on_cpu(1, &r), 0);
	EXPECT_EQ(r.rc, 0);
	EXPECT_EQ(r.value, NEW);

	r = (struct remote){ .as = NULL, .activate = true };
	ASSERT_EQ(on_cpu(1, &r), 0);
	EXPECT_EQ(vm_check_all(), 0);
	addrspace_destroy(as);
	EXPECT_EQ(frame_count_free(), start);
}

KTEST(mm_tlb_cow_break_moves_a_remote_reader_to_the_copy)
{
	uint64_t start = free_start();
	struct addrspace *parent, *child;
	uintptr_t a;
	ASSERT_EQ(space_with_pages(&parent, &a, 1), 0);
	ASSERT_EQ(addrspace_fork(parent, &child), 0);       /* the page is CoW-shared now */
	if (smp_cpu_count() < 2) {
		addrspace_destroy(child);
		addrspace_destroy(parent);
		EXPECT_EQ(frame_count_free(), start);
		ktest_skip("one CPU: no remote TLB to shoot down");
		return;
	}
	/* CPU 1 runs the parent and reads the shared frame: its TLB caches a read-only entry. */
	struct remote r = { .as = parent, .activate = true, .va = a };
	ASSERT_EQ(on_cpu(1, &r), 0);
	EXPECT_EQ(r.rc, 0);
	EXPECT_EQ(r.value, OLD);

	/* CPU 0 writes the parent's page: the CoW break gives the parent a copy holding NEW. */
	uint64_t v = NEW;
	ASSERT_EQ(vm_space_write(parent, a, &v, sizeof(v)), 0);

	/* CPU 1 now reads the copy, not the old frame (which the child still maps, holding OLD). */
	r = (struct remote){ .as = parent, .va = a };
	ASSERT_EQ(on_cpu(1, &r), 0);
	EXPECT_EQ(r.rc, 0);
	EXPECT_EQ(r.value, NEW);
	v = 0;
	EXPECT_EQ(vm_space_read(child, a, &v, sizeof(v)), 0);
	EXPECT_EQ(v, OLD);

	r = (struct remote){ .as = NULL, .activate = true };
	ASSERT_EQ(on_cpu(1, &r), 0);
	EXPECT_EQ(vm_check_all(), 0);
	addrspace_destroy(child);
	addrspace_destroy(parent);
	EXPECT_EQ(frame_count_free(), start);
}

KTEST(mm_tlb_cpu_set_follows_activation)
{
	/* x86 leaves the set on switch-out (CR3 load drops the entries); aarch64 stays in it
	 * (ASID-tagged entries survive the switch). */
	bool drops = arch_tlb_switch_drops_old();
	struct addrspace *as;
	ASSERT_EQ(addrspace_create(&as), 0);
	uintptr_t a;
	ASSERT_EQ(vm_mmap(as, 0, 4 * PG, RW, PRIV, &a), 0);
	EXPECT_EQ(addrspace_cpus(as), 0ul);
	addrspace_activate(as);
	EXPECT_TRUE(addrspace_active() == as);
	EXPECT_EQ(addrspace_cpus(as), 1ul);
	addrspace_activate(as);                  /* again: no change */
	EXPECT_EQ(addrspace_cpus(as), 1ul);
	addrspace_activate(NULL);
	EXPECT_TRUE(addrspace_active() == NULL);
	EXPECT_EQ(addrspace_cpus(as), drops ? 0ul : 1ul);
	if (smp_cpu_count() < 2) {
		addrspace_destroy(as);
		ktest_skip("one CPU: no remote CPU to join the set");
		return;
	}
	unsigned long before = drops ? 0ul : 1ul;
	struct remote r = { .as = as, .activate = true };
	ASSERT_EQ(on_cpu(1, &r), 0);
	EXPECT_EQ(r.cpus, before | 2ul);         /* seen on CPU 1 right after its switch */
	EXPECT_EQ(addrspace_cpus(as), before | 2ul);

	/* Another space on CPU 1 takes it off AS's set (x86) or not (aarch64). */
	struct addrspace *other;
	ASSERT_EQ(addrspace_create(&other), 0);
	r = (struct remote){ .as = other, .activate = true };
	ASSERT_EQ(on_cpu(1, &r), 0);
	EXPECT_EQ(r.cpus, 2ul);
	EXPECT_EQ(addrspace_cpus(as), drops ? 0ul : 3ul);

	/* A shootdown now sends no IPI on either arch: x86 has nobody left in the set, aarch64
	 * broadcasts. */
	ASSERT_EQ(vm_space_write(as, a, &(uint64_t){ OLD }, 8), 0);
	unsigned long ipis = atomic_load(&smp_cpus[1].ipi_count);
	unsigned long rounds = counter(&tlb_stats.rounds);
	EXPECT_EQ(vm_munmap(as, a, PG), 0);
	EXPECT_EQ(atomic_load(&smp_cpus[1].ipi_count) - ipis, 0ul);
	EXPECT_EQ(counter(&tlb_stats.rounds) - rounds, 0ul);

	r = (struct remote){ .as = NULL, .activate = true };
	ASSERT_EQ(on_cpu(1, &r), 0);
	EXPECT_EQ(addrspace_cpus(other), drops ? 0ul : 2ul);
	addrspace_destroy(other);
	addrspace_destroy(as);
}

/* IPIs each CPU took since SNAP. */
static void ipis_since(const unsigned long *snap, unsigned long *out)
{
	for (unsigned i = 0; i < smp_cpu_count(); i++)
		out[i] = atomic_load(&smp_cpus[i].ipi_count) - snap[i];
}

static void ipi_snapshot(unsigned long *snap)
{
	for (unsigned i = 0; i < smp_cpu_count(); i++)
		snap[i] = atomic_load(&smp_cpus[i].ipi_count);
}

KTEST(mm_tlb_shootdown_batches_and_flushes_all_past_the_threshold)
{
	if (smp_cpu_count() < 2) {
		ktest_skip("one CPU: shootdowns send no IPI");
		return;
	}
	/* x86 sends one IPI round per request to CPU 1 only (the set); aarch64 none at all. */
	unsigned long per_round = arch_tlb_flush_is_global() ? 0 : 1;
	uint64_t start = free_start();
	struct addrspace *as;
	uintptr_t a;
	ASSERT_EQ(space_with_pages(&as, &a, 40), 0);
	struct remote r = { .as = as, .activate = true, .va = a + 39 * PG };
	ASSERT_EQ(on_cpu(1, &r), 0);
	EXPECT_EQ(r.rc, 0);

	unsigned long snap[SMP_MAX_CPUS], got[SMP_MAX_CPUS];
	unsigned long rounds = counter(&tlb_stats.rounds), full = counter(&tlb_stats.full);

	/* One page: one request. */
	ipi_snapshot(snap);
	EXPECT_EQ(vm_munmap(as, a, PG), 0);
	ipis_since(snap, got);
	EXPECT_EQ(got[1], per_round);
	for (unsigned i = 2; i < smp_cpu_count(); i++)
		EXPECT_EQ(got[i], 0ul);                  /* not in the set: never disturbed */
	EXPECT_EQ(got[0], 0ul);
	EXPECT_EQ(counter(&tlb_stats.full) - full, 0ul);

	/* TLB_SHOOTDOWN_MAX_PAGES pages in one batch: one request, page by page. */
	ipi_snapshot(snap);
	EXPECT_EQ(vm_munmap(as, a + PG, TLB_SHOOTDOWN_MAX_PAGES * PG), 0);
	ipis_since(snap, got);
	EXPECT_EQ(got[1], per_round);
	EXPECT_EQ(counter(&tlb_stats.full) - full, 0ul);

	/* A full batch (VM_BATCH > TLB_SHOOTDOWN_MAX_PAGES pages): one request, whole space. */
	_Static_assert(VM_BATCH > TLB_SHOOTDOWN_MAX_PAGES, "a full batch passes the threshold");
	uintptr_t b = a + (1 + TLB_SHOOTDOWN_MAX_PAGES) * PG;
	ipi_snapshot(snap);
	EXPECT_EQ(vm_munmap(as, b, VM_BATCH * PG), 0);
	ipis_since(snap, got);
	EXPECT_EQ(got[1], per_round);
	EXPECT_EQ(counter(&tlb_stats.full) - full, 1ul);

	/* mprotect of the rest (40 - 1 - 8 - 16 = 15 pages, one batch) to read-only: one more. */
	uintptr_t c = b + VM_BATCH * PG;
	size_t rest = 40 - 1 - TLB_SHOOTDOWN_MAX_PAGES - VM_BATCH;
	ipi_snapshot(snap);
	EXPECT_EQ(vm_mprotect(as, c, rest * PG, PROT_READ), 0);
	ipis_since(snap, got);
	EXPECT_EQ(got[1], per_round);
	EXPECT_EQ(counter(&tlb_stats.rounds) - rounds, 4 * per_round);
	EXPECT_EQ(counter(&tlb_stats.full) - full, 2ul);

	/* CPU 1 still reads the last page (read-only now), and the unmapped ones fault there. */
	r = (struct remote){ .as = as, .va = a + 39 * PG };
	ASSERT_EQ(on_cpu(1, &r), 0);
	EXPECT_EQ(r.rc, 0);
	EXPECT_EQ(r.value, OLD);
	r = (struct remote){ .as = as, .va = b + 3 * PG };
	ASSERT_EQ(on_cpu(1, &r), 0);
	EXPECT_EQ(r.rc, -EFAULT);

	r = (struct remote){ .as = NULL, .activate = true };
	ASSERT_EQ(on_cpu(1, &r), 0);
	EXPECT_EQ(vm_check_all(), 0);
	addrspace_destroy(as);
	EXPECT_EQ(frame_count_free(), start);
}

KTEST(lock_order_check_names_the_lock_that_forbids_a_take)
{
	if (!LOCK_DEBUG) {
		ktest_skip("LOCK_DEBUG is off in this build");
		return;
	}
	struct spinlock frame = SPINLOCK_INIT_RANKED("test_frame", LOCK_RANK_FRAME);
	struct spinlock heap = SPINLOCK_INIT_RANKED("test_heap", LOCK_RANK_HEAP);
	struct spinlock heap2 = SPINLOCK_INIT_RANKED("test_heap2", LOCK_RANK_HEAP);
	struct spinlock inject = SPINLOCK_INIT_RANKED("test_inject", LOCK_RANK_INJECT);
	struct spinlock leaf = SPINLOCK_INIT("test_leaf");
	struct spinlock as_lock[2] = { SPINLOCK_INIT_RANKED("test_as0", LOCK_RANK_ADDRSPACE),
				       SPINLOCK_INIT_RANKED("test_as1", LOCK_RANK_ADDRSPACE) };
	unsigned base = lock_held_count();
	EXPECT_EQ(base, 0u);
	EXPECT_TRUE(lock_order_violation(&frame) == NULL);

	/* Holding the frame lock [50]: a heap lock [40] or an address-space lock [30] may not be
	 * taken, the inject lock [60] and unranked locks may. */
	unsigned long irq = spin_lock_irqsave(&frame);
	EXPECT_EQ(lock_held_count(), 1u);
	EXPECT_TRUE(lock_order_violation(&heap) == &frame);
	EXPECT_TRUE(lock_order_violation(&as_lock[0]) == &frame);
	EXPECT_TRUE(lock_order_violation(&frame) == &frame);   /* itself: equal rank */
	EXPECT_TRUE(lock_order_violation(&inject) == NULL);
	EXPECT_TRUE(lock_order_violation(&leaf) == NULL);
	spin_unlock_irqrestore(&frame, irq);
	EXPECT_EQ(lock_held_count(), 0u);

	/* Equal ranks do not nest... */
	irq = spin_lock_irqsave(&heap);
	EXPECT_TRUE(lock_order_violation(&heap2) == &heap);
	spin_unlock_irqrestore(&heap, irq);

	/* ...except two address-space locks, the lower address first. */
	irq = spin_lock_irqsave(&as_lock[1]);
	EXPECT_TRUE(lock_order_violation(&as_lock[0]) == &as_lock[1]);
	spin_unlock_irqrestore(&as_lock[1], irq);
	irq = spin_lock_irqsave(&as_lock[0]);
	EXPECT_TRUE(lock_order_violation(&as_lock[1]) == NULL);
	unsigned long irq2 = spin_lock_irqsave(&as_lock[1]);
	EXPECT_EQ(lock_held_count(), 2u);
	EXPECT_TRUE(lock_order_violation(&frame) == NULL);     /* deeper in the order: fine */
	/* Released out of order: the list still knows which one is left. */
	spin_unlock_irqrestore(&as_lock[0], irq2);
	EXPECT_TRUE(lock_order_violation(&as_lock[0]) == &as_lock[1]);
	spin_unlock_irqrestore(&as_lock[1], irq);
	EXPECT_EQ(lock_held_count(), 0u);

	/* A trylock records what it took, and fails on a held lock without waiting. */
	unsigned long tf;
	EXPECT_TRUE(spin_trylock_irqsave(&heap, &tf));
	EXPECT_EQ(lock_held_count(), 1u);
	EXPECT_TRUE(lock_order_violation(&heap2) == &heap);
	unsigned long tf2 = 0;
	EXPECT_FALSE(spin_trylock_irqsave(&heap, &tf2));
	EXPECT_EQ(lock_held_count(), 1u);
	spin_unlock_irqrestore(&heap, tf);
	EXPECT_EQ(lock_held_count(), 0u);

	/* The unshared take (fork's child) is exempt from the check but still recorded. */
	irq = spin_lock_irqsave(&as_lock[1]);
	irq2 = spin_lock_irqsave_unshared(&as_lock[0]);
	EXPECT_EQ(lock_held_count(), 2u);
	EXPECT_TRUE(lock_order_violation(&heap) == NULL);
	spin_unlock_irqrestore(&as_lock[0], irq2);
	spin_unlock_irqrestore(&as_lock[1], irq);
	EXPECT_EQ(lock_held_count(), 0u);
}

/* Takes LOCK, as the per-CPU lists see it, on the remote CPU and reports what it saw. */
struct remote_lock {
	struct spinlock *held_here;      /* CPU 0 holds this one */
	unsigned count;
	bool violation;
};

static void remote_lock_view(void *arg)
{
	struct remote_lock *rl = arg;
	rl->count = lock_held_count();
	rl->violation = lock_order_violation(rl->held_here) != NULL;
}

KTEST(lock_order_lists_are_per_cpu)
{
	if (!LOCK_DEBUG || smp_cpu_count() < 2) {
		ktest_skip(!LOCK_DEBUG ? "LOCK_DEBUG is off in this build" : "one CPU");
		return;
	}
	struct spinlock frame = SPINLOCK_INIT_RANKED("test_frame", LOCK_RANK_FRAME);
	struct spinlock heap = SPINLOCK_INIT_RANKED("test_heap", LOCK_RANK_HEAP);
	unsigned long irq = spin_lock_irqsave(&frame);
	/* CPU 1 holds nothing: what CPU 0 holds does not constrain it. */
	struct remote_lock rl = { .held_here = &heap, .count = 99, .violation = true };
	EXPECT_EQ(smp_call_on(1, remote_lock_view, &rl), 0);
	EXPECT_EQ(rl.count, 0u);
	EXPECT_FALSE(rl.violation);
	EXPECT_TRUE(lock_order_violation(&heap) == &frame);
	spin_unlock_irqrestore(&frame, irq);
}

/* The deadlock the spin loop avoids: CPU 1 holds AS's lock and shoots down AS while CPU 0, which
 * runs AS, spins for that lock with interrupts masked. smp_call_all runs the two roles at once
 * (the others return at once); the shooter breaks the "a call takes no spinlock" rule on
 * purpose, which is safe here because only the spinner ever waits for that lock. Without
 * spin_lock_irqsave serving calls, CPU 0 never takes the flush, CPU 1 never lets go of the lock,
 * and this test hangs (the boot times out). */
struct lock_race {
	struct addrspace *as;
	uintptr_t va;
	atomic_int held;             /* the shooter holds the lock */
	atomic_int spinning;         /* the spinner is about to spin for it */
	atomic_int flushed;          /* the shooter's shootdown returned */
	unsigned long ipis_before;   /* tlb_stats.ipis before the race */
	bool flushed_before_lock;    /* the spinner saw the flush done once it had the lock */
};

static void lock_race_role(void *arg)
{
	struct lock_race *lr = arg;
	unsigned id = cpu_current()->id;
	if (id == 1) {
		unsigned long irq = spin_lock_irqsave(&lr->as->lock);
		atomic_store(&lr->held, 1);
		while (!atomic_load(&lr->spinning))
			arch_cpu_relax();
		for (volatile unsigned i = 0; i < 100000; i++)   /* let it reach the spin loop */
			;
		vm_tlb_flush_pages(lr->as, &lr->va, 1);
		atomic_store(&lr->flushed, 1);
		spin_unlock_irqrestore(&lr->as->lock, irq);
	} else if (id == 0) {
		while (!atomic_load(&lr->held))
			arch_cpu_relax();
		atomic_store(&lr->spinning, 1);
		unsigned long irq = spin_lock_irqsave(&lr->as->lock);
		lr->flushed_before_lock = atomic_load(&lr->flushed);
		spin_unlock_irqrestore(&lr->as->lock, irq);
	}
}

KTEST(mm_tlb_shootdown_reaches_a_cpu_spinning_for_the_lock)
{
	if (smp_cpu_count() < 2) {
		ktest_skip("one CPU: nobody to spin");
		return;
	}
	struct lock_race lr = { .flushed_before_lock = false };
	ASSERT_EQ(addrspace_create(&lr.as), 0);
	ASSERT_EQ(vm_mmap(lr.as, 0, PG, RW, PRIV, &lr.va), 0);
	addrspace_activate(lr.as);                   /* CPU 0 is in the set */
	lr.ipis_before = counter(&tlb_stats.ipis);
	EXPECT_EQ(smp_call_all(lock_race_role, &lr), smp_cpu_count());
	EXPECT_TRUE(lr.flushed_before_lock);
	/* x86: the flush reached CPU 0 (one CPU in one round) and completed while the shooter held
	 * the lock, so CPU 0 ran it from its spin loop, the only place it serves calls between
	 * "spinning" and getting the lock (its interrupts are masked). aarch64: broadcast. */
	unsigned long want = arch_tlb_flush_is_global() ? 0ul : 1ul;
	EXPECT_EQ(counter(&tlb_stats.ipis) - lr.ipis_before, want);
	addrspace_activate(NULL);
	addrspace_destroy(lr.as);
}

/* User mode, two threads (on two CPUs when there are several): munmap under a reader, mprotect
 * read-only under a writer. */
KTEST(user_shootdown_munmap_and_mprotect_under_a_racing_thread)
{
	ktest_run_user_program("shootdown", 0);
}
