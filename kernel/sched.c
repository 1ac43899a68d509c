/* The scheduler, on every CPU: one lock (sched_lock) over the process table and every thread's
 * state, round-robin picking per CPU, the switch between threads (and to each AP's idle
 * context), sleeping on and waking wait queues, the idle loop of the APs, and the tick on every
 * CPU. kernel/proc.c builds and ends threads; this file decides which runs where.
 *
 * sched_lock sits after scheme_lock in the lock order (mm/addrspace.h): wake-ups happen under
 * scheme_lock and address-space locks; under sched_lock nothing else is taken but what
 * addrspace_activate does to record the CPU. It is never held across smp_call_* (a CPU
 * spinning on it with interrupts masked would not take the call).
 *
 * The "still on CPU" race: once a thread is marked runnable (yield) or blocked (sleep), another
 * CPU must not resume it before its own CPU has finished saving its registers and left its
 * kernel stack. sched_lock is held across arch_context_switch: it is taken by the thread that
 * switches away and released by whatever runs next on that CPU, after the switch saved the old
 * context. A waker or a picker on another CPU needs sched_lock, so it cannot see the thread
 * runnable while the switch is under way. On top of that each thread has on_cpu, set when a CPU
 * switches to it and cleared by the context that runs next on that CPU (finish_switch) after
 * the switch; pick_next skips a thread whose on_cpu is still set, so the rule holds even if the
 * lock were dropped earlier one day. A thread that ended (PROC_ZOMBIE) is freed by others only
 * under sched_lock, hence only after its last switch left its stack. */
#include <stdatomic.h>
#include "kernel/proc.h"
#include "kernel/smp.h"
#include "kernel/panic.h"
#include "mm/addrspace.h"

struct spinlock sched_lock = SPINLOCK_INIT_RANKED("sched", LOCK_RANK_SCHED);

#define SCHED_HZ 1000              /* also bounds how long a polling thread idles (YIELD_SPINS) */
#define YIELD_SPINS 64

/* Per-CPU scheduler state, indexed by struct cpu.id. */
struct sched_cpu {
	struct arch_context idle_ctx;  /* an AP's idle loop while a thread runs there */
	struct proc *prev;             /* switched away from; its on_cpu is cleared by the next */
	unsigned next_slot;            /* where the round-robin scan starts */
	atomic_bool idle;              /* waiting for an interrupt with nothing to run */
};
static struct sched_cpu sched_cpus[SMP_MAX_CPUS];
static bool timers_on;                 /* changed by process 0 only (spawn, reaping) */

struct proc *proc_current(void)
{
	return cpu_current()->current;
}

/* Returns the next thread CPU may run, round-robin over the table, or NULL. sched_lock held. */
static struct proc *pick_next_locked(struct cpu *cpu)
{
	spin_assert_held(&sched_lock);
	struct sched_cpu *sc = &sched_cpus[cpu->id];
	for (unsigned n = 0; n < PROC_MAX; n++) {
		unsigned i = (sc->next_slot + n) % PROC_MAX;
		struct proc *p = &procs[i];
		if (p->state != PROC_RUNNABLE || p->on_cpu)
			continue;
		if (p->pin_cpu >= 0 && (unsigned)p->pin_cpu != cpu->id)
			continue;
		sc->next_slot = (i + 1) % PROC_MAX;
		return p;
	}
	return NULL;
}

/* The second half of every switch, in the context that runs next: the thread switched away
 * from has left its stack, so it may now be picked elsewhere. sched_lock held. */
static void finish_switch_locked(void)
{
	struct sched_cpu *sc = &sched_cpus[cpu_current()->id];
	if (sc->prev) {
		sc->prev->on_cpu = false;
		sc->prev = NULL;
	}
}

/* Saves the running context in FROM (PREV's, or NULL for the idle context) and runs NEXT (NULL:
 * this AP's idle context). Returns when FROM runs again, with sched_lock held and the switch
 * finished. sched_lock held, interrupts masked. */
static void switch_locked(struct cpu *cpu, struct arch_context *from, struct proc *prev,
			  struct proc *next)
{
	struct sched_cpu *sc = &sched_cpus[cpu->id];
	sc->prev = prev;
	struct arch_context *to;
	if (next) {
		if (unlikely(next->on_cpu))
			panic("switch_locked: tid %d is still on CPU %u", next->tid, next->cpu);
		next->on_cpu = true;
		next->state = PROC_RUNNING;
		next->cpu = cpu->id;
		cpu->current = next;
		if (next->kstack)
			arch_set_kernel_stack(next->kstack + PROC_KSTACK);
		/* No TLB flush here, also not between two threads of one space (where activating
		 * changes nothing): every change that removes or narrows a translation is shot down
		 * (mm/tlb.c) on every CPU that may cache it before it takes effect, so what this
		 * CPU's TLB holds for the space is as good for the next thread as for the last.
		 *  - x86 (no PCID, user entries never global): a CPU can cache a space only while
		 *    the space is in its CR3, and its bit in the space's CPU set is set before CR3
		 *    is loaded and cleared only after CR3 moved on. Switching between two threads of
		 *    the space keeps CR3 and the bit, so every shootdown meanwhile sent this CPU its
		 *    flush (and waited for it). i686 PAE: CR3 load caches the four PDPT entries, but
		 *    a user space's are made at creation and never change (arch/x86/mmu.c).
		 *  - aarch64: TLBI ... IS reaches every CPU, whatever it runs, including CPUs that
		 *    ran the space earlier and kept its entries under its ASID; a space on the shared
		 *    ASID is flushed by arch_mmu_space_activate itself.
		 *  - Rights only added (vm_entry_sync_locked, COW_PT's unshare of a table this space
		 *    alone holds) flush this CPU only, on every arch: a narrower entry elsewhere costs
		 *    one more fault (x86 drops the faulting entry on a page fault; on aarch64 those
		 *    flushes are broadcast anyway), with this flush here or without it.
		 * That was the reason for the flush this replaced, written before shootdown existed. */
		addrspace_activate(next->as);
		to = &next->ctx;
	} else {
		if (unlikely(cpu->id == 0))
			panic("switch_locked: CPU 0 has no idle context (process 0 is its idle)");
		cpu->current = NULL;
		addrspace_activate(NULL);
		to = &sc->idle_ctx;
	}
	arch_context_switch(from, to);
	finish_switch_locked();
}

/* Runs another thread in place of the current one, whose state the caller set (RUNNABLE: it
 * yields; BLOCKED or ZOMBIE: it cannot go on). Returns when the current thread runs again (at
 * once if it is runnable and nothing else is). sched_lock held, interrupts masked. */
static void schedule_locked(void)
{
	struct cpu *cpu = cpu_current();
	struct proc *cur = cpu->current;
	struct proc *next = pick_next_locked(cpu);
	if (!next && cur->state == PROC_RUNNABLE) {
		cur->state = PROC_RUNNING;
		return;
	}
	switch_locked(cpu, &cur->ctx, cur, next);
}

/* Interrupts CPU ID's wait for an interrupt if it is idle. sched_lock held. */
static bool kick_cpu_locked(unsigned id)
{
	struct cpu *cpu = smp_cpu(id);
	if (!cpu || cpu == cpu_current() || !atomic_load(&sched_cpus[id].idle))
		return false;
	atomic_store(&sched_cpus[id].idle, false);
	atomic_fetch_add(&cpu->kicks, 1);   /* not counted as a call's IPI there */
	arch_smp_send_ipi(cpu);             /* an empty call: the interrupt alone wakes it */
	return true;
}

/* Wakes a CPU that may run P, if one idles. sched_lock held. */
static void kick_for_locked(struct proc *p)
{
	if (p->pin_cpu >= 0) {
		kick_cpu_locked((unsigned)p->pin_cpu);
		return;
	}
	for (unsigned i = 0; i < smp_cpu_count(); i++)
		if (kick_cpu_locked(i))
			return;
}

void sched_make_runnable_locked(struct proc *p)
{
	spin_assert_held(&sched_lock);
	if (p->state != PROC_NEW && p->state != PROC_BLOCKED)
		panic("sched_make_runnable_locked: tid %d in state %d", p->tid, p->state);
	p->state = PROC_RUNNABLE;
	kick_for_locked(p);
}

/* Process 0's way of waiting: run something else on CPU 0 if there is, else (while user
 * threads exist, so a tick or a wake-up's kick will come) wait for one interrupt. sched_lock
 * held; released while it waits. */
static void poll_once_locked(void)
{
	struct cpu *cpu = cpu_current();
	struct proc *cur = cpu->current;
	struct proc *next = pick_next_locked(cpu);
	if (next) {
		cur->state = PROC_RUNNABLE;
		switch_locked(cpu, &cur->ctx, cur, next);
		return;
	}
	if (!timers_on) {
		/* no tick will come: let the other CPUs have the lock for a moment (the caller
		 * polls again), or a thread ending elsewhere could never take it */
		spin_unlock_irqrestore(&sched_lock, arch_irq_save());
		arch_cpu_relax();
		(void)spin_lock_irqsave(&sched_lock);
		return;
	}
	struct sched_cpu *sc = &sched_cpus[cpu->id];
	atomic_store(&sc->idle, true);       /* from here a wake-up sends an interrupt */
	spin_unlock_irqrestore(&sched_lock, arch_irq_save());
	arch_cpu_idle();
	(void)spin_lock_irqsave(&sched_lock);
	atomic_store(&sc->idle, false);
}

void sched_block_locked(struct wait_queue *wq)
{
	spin_assert_held(&sched_lock);
	struct proc *p = proc_current();
	if (p->pid != 0 && p->leader->group_exit) {
		/* The process is ending (sched_interrupt_group_locked woke the sleepers): no new
		 * sleep. Yield once instead, for a caller that waits for something bounded to
		 * finish (a request another CPU is completing), and let it look again. */
		p->state = PROC_RUNNABLE;
		schedule_locked();
		return;
	}
	if (wq) {
		if (unlikely(p->waiting_on))
			panic("tid %d sleeps on two wait queues", p->tid);
		p->wait_next = wq->head;
		wq->head = p;
		p->waiting_on = wq;
	}
	if (p->pid == 0) {
		poll_once_locked();
	} else {
		p->state = PROC_BLOCKED;
		schedule_locked();
	}
	/* a spurious wake-up (process 0's poll) leaves P queued: take it off */
	if (wq && p->waiting_on) {
		for (struct proc **pp = &wq->head; *pp; pp = &(*pp)->wait_next) {
			if (*pp == p) {
				*pp = p->wait_next;
				break;
			}
		}
		p->wait_next = NULL;
		p->waiting_on = NULL;
	}
}

void proc_sleep(struct wait_queue *wq, struct spinlock *lock)
{
	if (unlikely(arch_irq_enabled()))
		panic("proc_sleep with interrupts enabled (tid %d)", proc_current()->tid);
	unsigned long masked = spin_lock_irqsave(&sched_lock);
	if (lock)
		spin_unlock_irqrestore(lock, masked);      /* on WQ's lock now: no wake-up lost */
	sched_block_locked(wq);
	spin_unlock_irqrestore(&sched_lock, masked);
	if (lock)
		(void)spin_lock_irqsave(lock);
}

void wait_queue_wake_all_locked(struct wait_queue *wq)
{
	spin_assert_held(&sched_lock);
	struct proc *p = wq->head;
	wq->head = NULL;
	while (p) {
		struct proc *next = p->wait_next;
		p->wait_next = NULL;
		p->waiting_on = NULL;
		if (p->state == PROC_BLOCKED)
			sched_make_runnable_locked(p);
		else if (p->pid == 0)
			kick_cpu_locked(0);                 /* process 0 may be polling */
		p = next;
	}
}

void sched_interrupt_group_locked(struct proc *leader)
{
	spin_assert_held(&sched_lock);
	if (unlikely(!leader->group_exit))
		panic("sched_interrupt_group_locked: pid %d is not ending", leader->pid);
	for (unsigned i = 0; i < PROC_MAX; i++) {
		struct proc *t = &procs[i];
		if (t->leader != leader || t->state != PROC_BLOCKED)
			continue;
		struct wait_queue *wq = t->waiting_on;
		if (wq) {
			/* the queue may live on the sleeper's kernel stack: intact, it sleeps */
			for (struct proc **pp = &wq->head; *pp; pp = &(*pp)->wait_next) {
				if (*pp == t) {
					*pp = t->wait_next;
					break;
				}
			}
			t->wait_next = NULL;
			t->waiting_on = NULL;
		}
		sched_make_runnable_locked(t);
	}
}

bool proc_ending(void)
{
	struct proc *p = proc_current();
	return p && p->pid != 0 && __atomic_load_n(&p->leader->group_exit, __ATOMIC_RELAXED);
}

void wait_queue_wake_all(struct wait_queue *wq)
{
	unsigned long irq = spin_lock_irqsave(&sched_lock);
	wait_queue_wake_all_locked(wq);
	spin_unlock_irqrestore(&sched_lock, irq);
}

void sched_yield(void)
{
	unsigned long flags = spin_lock_irqsave(&sched_lock);
	struct proc *cur = proc_current();
	if (cur) {
		if (cur->pid == 0) {
			poll_once_locked();
		} else {
			cur->state = PROC_RUNNABLE;
			schedule_locked();
		}
	}
	spin_unlock_irqrestore(&sched_lock, flags);
}

/* Whether a thread CPU could run is waiting for a CPU, read without the lock (a hint: a thread
 * made runnable meanwhile is seen by the next yield or tick). Interrupts masked. */
static bool anything_else_to_run(const struct cpu *cpu)
{
	for (unsigned i = 0; i < PROC_MAX; i++) {
		const struct proc *p = &procs[i];
		if (__atomic_load_n(&p->state, __ATOMIC_RELAXED) == PROC_RUNNABLE &&
		    !__atomic_load_n(&p->on_cpu, __ATOMIC_RELAXED) &&
		    (p->pin_cpu < 0 || (unsigned)p->pin_cpu == cpu->id))
			return true;
	}
	return false;
}

void sched_yield_hint(void)
{
	/* Nothing waits for a CPU: nothing to do (no lock taken). Else test and test-and-set once:
	 * a yield that finds another CPU in the scheduler returns at once. Polling loops (u_yield until a flag changes) on several CPUs would otherwise queue
	 * on sched_lock all the time, and under an emulator whose CPUs are host threads a CPU
	 * preempted while it holds the lock keeps the others spinning for a host time slice. */
	if (atomic_load_explicit(&sched_lock.locked, memory_order_relaxed))
		return;
	unsigned long flags = arch_irq_save();
	struct cpu *cpu = cpu_current();
	if (!anything_else_to_run(cpu)) {
		/* Every runnable thread has a CPU already. A thread that keeps yielding for nothing
		 * is polling memory another CPU will write: past YIELD_SPINS such yields in a row,
		 * wait for the next interrupt (a tick, or a kick when a thread becomes runnable
		 * here) instead of burning the CPU, which under an emulator is a host thread that
		 * the CPU it waits for may need. */
		struct proc *cur = cpu->current;
		if (++cur->empty_yields >= YIELD_SPINS) {
			cur->empty_yields = 0;
			struct sched_cpu *sc = &sched_cpus[cpu->id];
			atomic_store(&sc->idle, true);
			arch_cpu_idle();
			atomic_store(&sc->idle, false);
		}
		arch_irq_restore(flags);
		return;
	}
	unsigned long masked;
	if (!spin_trylock_irqsave(&sched_lock, &masked)) {
		arch_irq_restore(flags);
		return;
	}
	struct proc *cur = cpu->current;
	cur->empty_yields = 0;
	cur->state = PROC_RUNNABLE;
	schedule_locked();
	spin_unlock_irqrestore(&sched_lock, flags);
}

void sched_exit_locked(void)
{
	spin_assert_held(&sched_lock);
	struct proc *cur = proc_current();
	if (cur->state != PROC_ZOMBIE)
		panic("sched_exit_locked: tid %d in state %d", cur->tid, cur->state);
	schedule_locked();
	panic("sched_exit_locked: ended tid %d ran again", cur->tid);
}

void sched_first_entry(void)
{
	finish_switch_locked();
	spin_unlock_irqrestore(&sched_lock, arch_irq_save());
}

__noreturn void sched_idle_loop(void)
{
	struct cpu *cpu = cpu_current();
	struct sched_cpu *sc = &sched_cpus[cpu->id];
	(void)arch_irq_save();
	for (;;) {
		unsigned long masked = spin_lock_irqsave(&sched_lock);
		atomic_store(&sc->idle, false);
		struct proc *next;
		while ((next = pick_next_locked(cpu)) != NULL)
			switch_locked(cpu, &sc->idle_ctx, NULL, next);
		atomic_store(&sc->idle, true);   /* from here a wake-up sends an interrupt */
		spin_unlock_irqrestore(&sched_lock, masked);
		arch_cpu_idle();
		smp_serve_calls();
	}
}

/* Starts the tick on the calling CPU (an smp_call function: no lock). */
static void timer_start_here(void *arg)
{
	(void)arg;
	arch_timer_start(SCHED_HZ);
}

/* Stops it (an smp_call function: no lock). */
static void timer_stop_here(void *arg)
{
	(void)arg;
	arch_timer_stop();
}

void sched_timers_start(void)
{
	if (timers_on)
		return;
	smp_call_all(timer_start_here, NULL);
	timers_on = true;
}

void sched_timers_stop(void)
{
	if (!timers_on)
		return;
	timers_on = false;
	smp_call_all(timer_stop_here, NULL);
}
