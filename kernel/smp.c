/* The arch-neutral half of SMP: the CPU table, bringing the APs up one at a time, and
 * cross-CPU calls over the call IPI (see kernel/smp.h for the contract). Once online, an AP
 * runs the scheduler's idle loop (kernel/sched.c): every CPU schedules threads. */
#include "kernel/smp.h"
#include "kernel/arch.h"
#include "kernel/errno.h"
#include "kernel/kprintf.h"
#include "kernel/panic.h"
#include "kernel/proc.h"
#include "mm/kheap.h"

struct cpu smp_cpus[SMP_MAX_CPUS];

static unsigned cpus_found = 1;       /* written by smp_init before any AP runs */
static atomic_uint cpus_online = 1;
static bool smp_ready;                /* arch_cpu_set_current was called for CPU 0 */

/* How long smp_init waits for one AP to report in. */
#define SMP_START_TIMEOUT_MS 2000

unsigned smp_cpu_count(void)
{
	return atomic_load_explicit(&cpus_online, memory_order_acquire);
}

unsigned smp_cpu_found(void)
{
	return cpus_found;
}

struct cpu *cpu_current(void)
{
	if (!smp_ready)
		return &smp_cpus[0];
	struct cpu *cpu = arch_cpu_current();
	if (!cpu)
		panic("cpu_current: this CPU has no struct cpu");
	return cpu;
}

struct cpu *smp_cpu_self(void)
{
	return smp_ready ? arch_cpu_current() : &smp_cpus[0];
}

struct cpu *smp_cpu(unsigned id)
{
	if (id >= cpus_found || !atomic_load_explicit(&smp_cpus[id].online, memory_order_acquire))
		return NULL;
	return &smp_cpus[id];
}

/* Returns the cycle count that stands for MS milliseconds (a rough guess when the arch does not
 * know its counter's frequency). */
static uint64_t cycles_for_ms(unsigned ms)
{
	uint64_t hz = arch_cycles_hz();
	return (hz ? hz : 1000000000ull) / 1000 * ms;
}

/* Fills in CPU ID's table entry and its call slot. */
static void cpu_setup(unsigned id, unsigned long arch_id)
{
	struct cpu *cpu = &smp_cpus[id];
	cpu->id = id;
	cpu->arch_id = arch_id;
	spin_init(&cpu->call_lock, "cpu_call");
	atomic_init(&cpu->call_seq, 0);
	atomic_init(&cpu->call_done, 0);
	cpu->call_taken = 0;
	atomic_init(&cpu->ipi_count, 0);
	atomic_init(&cpu->kicks, 0);
}

/* Starts CPU and waits for it to come online; returns whether it did. */
static bool start_one(struct cpu *cpu)
{
	void *stack = kmalloc(SMP_STACK_SIZE);
	if (!stack) {
		kprintf("smp: no memory for the stack of CPU %u\n", cpu->id);
		return false;
	}
	cpu->stack_top = (char *)stack + SMP_STACK_SIZE;
	uint64_t start = arch_cycles();
	int err = arch_smp_start(cpu);
	if (err) {
		kprintf("smp: CPU %u (arch id %#lx) did not start: error %d\n", cpu->id, cpu->arch_id, err);
		kfree(stack);
		return false;
	}
	uint64_t timeout = cycles_for_ms(SMP_START_TIMEOUT_MS);
	while (!atomic_load_explicit(&cpu->online, memory_order_acquire)) {
		if (arch_cycles() - start > timeout) {
			/* Its stack stays allocated: the CPU may still wake up and use it. */
			kprintf("smp: CPU %u (arch id %#lx) did not report in\n", cpu->id, cpu->arch_id);
			return false;
		}
		arch_cpu_relax();
	}
	cpu->start_cycles = arch_cycles() - start;
	return true;
}

void smp_init(void)
{
	unsigned long ids[SMP_MAX_CPUS];
	unsigned n = arch_smp_discover(ids, SMP_MAX_CPUS);
	if (n == 0 || n > SMP_MAX_CPUS)
		panic("smp_init: the arch found %u CPUs", n);
	for (unsigned i = 0; i < n; i++)
		cpu_setup(i, ids[i]);
	cpus_found = n;
	smp_cpus[0].online = true;
	arch_cpu_set_current(&smp_cpus[0]);
	smp_ready = true;

	/* One at a time: an AP that times out ends the bring-up, so that a late riser cannot pick
	 * up the start parameters meant for the next one. */
	uint64_t hz = arch_cycles_hz();
	for (unsigned i = 1; i < n; i++) {
		struct cpu *cpu = &smp_cpus[i];
		if (!start_one(cpu))
			break;
		atomic_fetch_add_explicit(&cpus_online, 1, memory_order_release);
		if (hz)
			kprintf("smp: CPU %u (arch id %#lx) online after %llu us\n", i, cpu->arch_id,
				(unsigned long long)(cpu->start_cycles * 1000000 / hz));
		else
			kprintf("smp: CPU %u (arch id %#lx) online after %llu cycles\n", i, cpu->arch_id,
				(unsigned long long)cpu->start_cycles);
	}
	kprintf("smp: %u of %u CPUs online\n", smp_cpu_count(), n);
}

/* Runs the call pending on this CPU, if any, and marks it done. Interrupts must be masked. */
static void serve_call(struct cpu *self)
{
	unsigned long seq = atomic_load_explicit(&self->call_seq, memory_order_acquire);
	if (seq == self->call_taken)
		return;                  /* nothing new, or it is running below us already */
	self->call_taken = seq;
	/* call_fn/call_arg were written before call_seq was released. */
	self->call_fn(self->call_arg);
	atomic_store_explicit(&self->call_done, seq, memory_order_release);
}

void smp_serve_calls(void)
{
	struct cpu *self = smp_cpu_self();
	if (self)
		serve_call(self);
}

void smp_ipi_handle(void)
{
	struct cpu *self = cpu_current();
	unsigned long kicks = atomic_load(&self->kicks);
	if (!kicks || !atomic_compare_exchange_strong(&self->kicks, &kicks, kicks - 1))
		atomic_fetch_add_explicit(&self->ipi_count, 1, memory_order_relaxed);
	serve_call(self);
}

__noreturn void smp_ap_main(struct cpu *cpu)
{
	arch_cpu_set_current(cpu);
	if (cpu_current() != cpu)
		panic("smp_ap_main: CPU %u sees itself as CPU %u", cpu->id, cpu_current()->id);
	atomic_store_explicit(&cpu->online, true, memory_order_release);
	/* The idle loop: threads when there are any, else a wait for an interrupt; every wakeup
	 * is an interrupt whose handler did the work (a tick, a wake-up's kick, a call). */
	sched_idle_loop();
}

/* Posts FN(ARG) into TARGET's call slot and sends the IPI; returns the sequence number to wait
 * for. Takes TARGET's call_lock and keeps it (the caller's wait releases it). */
static unsigned long post_call(struct cpu *target, smp_call_fn fn, void *arg, unsigned long *flags)
{
	struct cpu *self = cpu_current();
	/* Spin for the slot with interrupts masked, serving our own slot meanwhile: the CPU that
	 * holds TARGET's slot may be waiting for us. */
	for (;;) {
		*flags = arch_irq_save();
		if (!atomic_exchange_explicit(&target->call_lock.locked, 1, memory_order_acquire))
			break;
		serve_call(self);
		arch_irq_restore(*flags);
		arch_cpu_relax();
	}
	target->call_lock.owner = __builtin_return_address(0);
	target->call_fn = fn;
	target->call_arg = arg;
	unsigned long seq = atomic_load_explicit(&target->call_seq, memory_order_relaxed) + 1;
	atomic_store_explicit(&target->call_seq, seq, memory_order_release);
	arch_smp_send_ipi(target);
	return seq;
}

/* Waits until TARGET finished call SEQ, serving calls aimed at this CPU meanwhile, then frees
 * TARGET's slot and restores FLAGS. */
static void wait_call(struct cpu *target, unsigned long seq, unsigned long flags)
{
	struct cpu *self = cpu_current();
	while (atomic_load_explicit(&target->call_done, memory_order_acquire) != seq) {
		serve_call(self);
		arch_cpu_relax();
	}
	spin_unlock_irqrestore(&target->call_lock, flags);
}

int smp_call_on(unsigned id, smp_call_fn fn, void *arg)
{
	struct cpu *target = smp_cpu(id);
	if (!target)
		return -EINVAL;
	if (target == cpu_current()) {
		unsigned long flags = arch_irq_save();
		fn(arg);
		arch_irq_restore(flags);
		return 0;
	}
	unsigned long flags;
	unsigned long seq = post_call(target, fn, arg, &flags);
	wait_call(target, seq, flags);
	return 0;
}

/* Runs FN(ARG) on every online CPU in MASK but the caller's, and on the caller's too when
 * SELF_TOO (while the others run it); returns how many CPUs ran it. */
static unsigned call_many(unsigned long mask, smp_call_fn fn, void *arg, bool self_too)
{
	struct cpu *self = cpu_current();
	unsigned long seqs[SMP_MAX_CPUS], flags[SMP_MAX_CPUS];
	unsigned ran = 0;
	/* Post to every CPU first (slots taken in id order, so two callers never wait on each
	 * other's slots in a cycle), then wait for all. The first post masks interrupts, so the
	 * flags are restored in reverse order of the posts. */
	for (unsigned i = 0; i < cpus_found; i++) {
		struct cpu *target = mask & (1ul << i) ? smp_cpu(i) : NULL;
		if (target && target != self)
			seqs[i] = post_call(target, fn, arg, &flags[i]);
		else
			seqs[i] = 0;
	}
	if (self_too) {
		unsigned long irq = arch_irq_save();
		fn(arg);
		arch_irq_restore(irq);
		ran++;
	}
	for (unsigned i = cpus_found; i-- > 0;) {
		if (seqs[i]) {
			wait_call(&smp_cpus[i], seqs[i], flags[i]);
			ran++;
		}
	}
	return ran;
}

unsigned smp_call_others(smp_call_fn fn, void *arg)
{
	return call_many(~0ul, fn, arg, false);
}

unsigned smp_call_all(smp_call_fn fn, void *arg)
{
	return call_many(~0ul, fn, arg, true);
}

unsigned smp_call_mask(unsigned long mask, smp_call_fn fn, void *arg)
{
	return call_many(mask, fn, arg, false);
}
