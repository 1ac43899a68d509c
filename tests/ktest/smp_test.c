/* Self-tests of SMP bring-up and cross-CPU calls (kernel/smp.c and each arch's start code). The
 * test script boots every arch with "smp=<CPUs given to QEMU>" on the command line (QEMU -smp),
 * once with 4 CPUs and once with 1; the tests expect exactly that many CPUs online. */
#include <stdatomic.h>
#include "kernel/ktest.h"
#include "kernel/errno.h"
#include "kernel/smp.h"

KTEST(smp_all_cpus_online)
{
	unsigned want = ktest_expected_cpus();
	ASSERT_NE(want, 0);                      /* the image's grub.cfg always passes smp= */
	ktest_log("%u CPUs online, %u expected", smp_cpu_count(), want);
	EXPECT_EQ(smp_cpu_found(), want);
	EXPECT_EQ(smp_cpu_count(), want);
	EXPECT_EQ(cpu_current()->id, 0u);        /* the tests run on the boot CPU */
	for (unsigned i = 0; i < smp_cpu_count(); i++) {
		struct cpu *cpu = smp_cpu(i);
		ASSERT_TRUE(cpu != NULL);
		EXPECT_EQ(cpu->id, i);
		for (unsigned j = 0; j < i; j++)     /* arch ids (APIC ID / MPIDR) are distinct */
			EXPECT_NE(smp_cpus[j].arch_id, cpu->arch_id);
	}
	EXPECT_TRUE(smp_cpu(smp_cpu_count()) == NULL);
	EXPECT_TRUE(smp_cpu(SMP_MAX_CPUS) == NULL);
}

struct whoami {
	unsigned id;
	unsigned long arch_id;
	bool irq_enabled;
};

static void record_whoami(void *arg)
{
	struct whoami *w = arg;
	struct cpu *self = cpu_current();
	w->id = self->id;
	w->arch_id = self->arch_id;
	w->irq_enabled = arch_irq_enabled();
}

KTEST(smp_call_on_runs_on_that_cpu)
{
	for (unsigned i = 0; i < smp_cpu_count(); i++) {
		struct whoami w = { .id = 12345, .arch_id = ~0ul, .irq_enabled = true };
		unsigned long ipis = atomic_load(&smp_cpus[i].ipi_count);
		ASSERT_EQ(smp_call_on(i, record_whoami, &w), 0);
		EXPECT_EQ(w.id, i);
		EXPECT_EQ(w.arch_id, smp_cpus[i].arch_id);
		EXPECT_FALSE(w.irq_enabled);         /* calls run with interrupts masked */
		/* At most one IPI per call to another CPU (none when it found the call while polling,
		 * e.g. in the scheduler's idle loop); none to ourselves. */
		unsigned long sent = atomic_load(&smp_cpus[i].ipi_count) - ipis;
		if (i == 0)
			EXPECT_EQ(sent, 0ul);
		else
			EXPECT_LE(sent, 1ul);
	}
	struct whoami w = { 0 };
	EXPECT_EQ(smp_call_on(smp_cpu_count(), record_whoami, &w), -EINVAL);
	EXPECT_EQ(smp_call_on(SMP_MAX_CPUS + 3, record_whoami, &w), -EINVAL);
}

/* Each CPU records its id in its own slot. */
static void mark_cpu(void *arg)
{
	unsigned *seen = arg;
	seen[cpu_current()->id]++;
}

KTEST(smp_call_all_and_others_reach_each_cpu_once)
{
	unsigned n = smp_cpu_count();
	unsigned seen[SMP_MAX_CPUS] = { 0 };
	EXPECT_EQ(smp_call_all(mark_cpu, seen), n);
	for (unsigned i = 0; i < SMP_MAX_CPUS; i++)
		EXPECT_EQ(seen[i], i < n ? 1u : 0u);
	EXPECT_EQ(smp_call_others(mark_cpu, seen), n - 1);
	EXPECT_EQ(seen[0], 1u);
	for (unsigned i = 1; i < SMP_MAX_CPUS; i++)
		EXPECT_EQ(seen[i], i < n ? 2u : 0u);
}

#define COUNT_PER_CPU 100000u
#define RENDEZVOUS_SECONDS 10     /* generous: 4 emulated CPUs may share one host CPU */

struct count_test {
	atomic_uint arrived;         /* CPUs that reached the rendezvous */
	atomic_uint together;        /* CPUs that saw all others arrive before counting */
	atomic_ulong counter;
	unsigned cpus;
};

/* Waits (at most RENDEZVOUS_SECONDS) until every CPU arrived, then adds 1 to the counter
 * COUNT_PER_CPU times. */
static void count_up(void *arg)
{
	struct count_test *t = arg;
	atomic_fetch_add(&t->arrived, 1);
	uint64_t hz = arch_cycles_hz() ? arch_cycles_hz() : 1000000000ull;
	uint64_t start = arch_cycles();
	while (arch_cycles() - start < RENDEZVOUS_SECONDS * hz) {
		if (atomic_load(&t->arrived) == t->cpus) {
			atomic_fetch_add(&t->together, 1);
			break;
		}
		arch_cpu_relax();
	}
	for (unsigned i = 0; i < COUNT_PER_CPU; i++)
		atomic_fetch_add_explicit(&t->counter, 1, memory_order_relaxed);
}

KTEST(smp_atomic_counter_from_all_cpus)
{
	struct count_test t = { .cpus = smp_cpu_count() };
	atomic_init(&t.arrived, 0);
	atomic_init(&t.together, 0);
	atomic_init(&t.counter, 0);
	EXPECT_EQ(smp_call_all(count_up, &t), t.cpus);
	/* All CPUs ran the loop at the same time (each saw every other arrive)... */
	EXPECT_EQ(atomic_load(&t.together), t.cpus);
	/* ...and not one increment was lost. */
	EXPECT_EQ(atomic_load(&t.counter), (unsigned long)COUNT_PER_CPU * t.cpus);
}

/* Calls in a loop: every one reaches its CPU, none is lost or doubled. */
static void bump(void *arg)
{
	atomic_ulong *counts = arg;
	atomic_fetch_add(&counts[cpu_current()->id], 1);
}

KTEST(smp_many_calls_each_counted_once)
{
	static atomic_ulong counts[SMP_MAX_CPUS];
	for (unsigned i = 0; i < SMP_MAX_CPUS; i++)
		atomic_init(&counts[i], 0);
	unsigned n = smp_cpu_count();
	for (unsigned round = 0; round < 200; round++) {
		ASSERT_EQ(smp_call_on(round % n, bump, counts), 0);
		EXPECT_EQ(smp_call_others(bump, counts), n - 1);
	}
	for (unsigned i = 0; i < n; i++) {
		unsigned long want = 200 / n + (i < 200 % n ? 1 : 0) + (i == 0 ? 0 : 200);
		EXPECT_EQ(atomic_load(&counts[i]), want);
	}
}

struct relay {
	unsigned hops[SMP_MAX_CPUS];     /* CPU ids the inner calls ran on */
	int results[SMP_MAX_CPUS];
	unsigned count;
};

/* Runs on one CPU (in its call handler, interrupts masked) and calls every CPU from there,
 * the boot CPU (which waits for this very call) included. */
static void relay_to_all(void *arg)
{
	struct relay *r = arg;
	for (unsigned i = 0; i < smp_cpu_count(); i++) {
		struct whoami w = { .id = 999 };
		r->results[i] = smp_call_on(i, record_whoami, &w);
		r->hops[i] = w.id;
	}
	r->count = smp_cpu_count();
}

KTEST(smp_call_from_a_call_reaches_every_cpu)
{
	/* The last CPU calls everyone while the boot CPU waits for it: the waiting CPU serves
	 * calls aimed at itself, so this must not deadlock. */
	unsigned last = smp_cpu_count() - 1;
	struct relay r = { .count = 0 };
	ASSERT_EQ(smp_call_on(last, relay_to_all, &r), 0);
	ASSERT_EQ(r.count, smp_cpu_count());
	for (unsigned i = 0; i < r.count; i++) {
		EXPECT_EQ(r.results[i], 0);
		EXPECT_EQ(r.hops[i], i);
	}
}
