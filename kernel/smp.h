/* Multiprocessor support, arch-neutral: the table of CPUs (struct cpu, one per CPU that the
 * firmware reports), bringing the other CPUs up at boot (smp_init), finding out which CPU runs
 * (cpu_current), and running a function on other CPUs through an inter-processor interrupt
 * (smp_call_on / smp_call_all, the tool TLB shootdown will use).
 *
 * Every CPU schedules: the others ("application processors", APs) start, report in and run the
 * scheduler's idle loop (kernel/sched.c). The arch side (starting a CPU, sending the IPI,
 * per-CPU registers) is in kernel/arch.h, "Multiprocessor". */
#ifndef KERNEL_SMP_H
#define KERNEL_SMP_H

#include <stdatomic.h>
#include "kernel/compiler.h"
#include "kernel/spinlock.h"

#define SMP_MAX_CPUS    16
#define SMP_STACK_SIZE  16384     /* the kernel stack each AP starts (and parks) on */

typedef void (*smp_call_fn)(void *arg);

struct cpu {
	unsigned id;                  /* 0 .. smp_cpu_count() - 1; the boot CPU is 0 */
	unsigned long arch_id;        /* x86: local APIC ID; aarch64: MPIDR_EL1 affinity bits */
	void *stack_top;              /* the stack the CPU started on (the boot stack for CPU 0) */
	unsigned long arch_data;      /* the arch's own word (aarch64: GICv2 CPU interface mask) */
	void *current;                /* the thread (struct proc) running here, NULL when idle;
				       * written under sched_lock by this CPU (kernel/sched.c) */
	atomic_bool online;           /* set by the CPU itself once it takes calls */
	uint64_t start_cycles;        /* arch_cycles() from the start request to "online" */

	/* The cross-CPU call slot. call_lock serializes callers that target this CPU; the caller
	 * fills call_fn/call_arg, bumps call_seq (release) and sends the IPI; the CPU notes the
	 * number in call_taken (so that a call it makes from inside FN, which polls this slot while
	 * waiting, does not start FN again), runs the function and copies call_seq into call_done
	 * (release). */
	struct spinlock call_lock;
	smp_call_fn call_fn;          /* protected by call_lock */
	void *call_arg;               /* protected by call_lock */
	atomic_ulong call_seq;
	atomic_ulong call_done;
	unsigned long call_taken;     /* written and read by this CPU only, interrupts masked */
	atomic_ulong ipi_count;       /* IPIs this CPU has taken, the scheduler's wake-ups aside */
	atomic_ulong kicks;           /* scheduler wake-ups sent here and not yet taken */
};

extern struct cpu smp_cpus[SMP_MAX_CPUS];

/* Returns the number of CPUs online (1 until smp_init has run). */
unsigned smp_cpu_count(void);

/* Returns the number of CPUs the firmware reports (those smp_init tried to start). */
unsigned smp_cpu_found(void);

/* Returns the struct cpu of the CPU that runs the caller. The caller must not migrate while it
 * uses the result: kernel code moves to another CPU only where it sleeps or yields (the kernel
 * is not preempted), so this holds between two such points. */
struct cpu *cpu_current(void);

/* Returns the struct cpu of the calling CPU like cpu_current, or NULL (no panic) while this CPU
 * does not know it yet (an AP before smp_ap_main). For the lock and TLB debugging paths. */
struct cpu *smp_cpu_self(void);

/* Returns the struct cpu with id ID, or NULL when ID is not an online CPU. */
struct cpu *smp_cpu(unsigned id);

/* Finds the other CPUs through the arch and starts each, one at a time; returns when each has
 * reported in or timed out (then it stays offline and is reported). Call once, after mm_init,
 * from the boot CPU. */
void smp_init(void);

/* Runs FN(ARG) on CPU ID and waits until it returned there. On the calling CPU itself FN runs
 * directly. Returns 0, or -EINVAL when ID is not an online CPU.
 * FN runs with interrupts masked, in the target's IPI handler or wherever the target polls for
 * calls (an AP's park loop, a CPU waiting for its own call), and must take no spinlock: a call
 * is like an interrupt that may arrive while the target holds any lock. The caller may have
 * interrupts masked: while it waits it serves calls aimed at itself, so CPUs calling each other
 * (or calling from inside a call) do not deadlock. But a target spinning on a lock with
 * interrupts masked takes the call while it spins: spin_lock_irqsave polls for calls
 * (smp_serve_calls), so the caller may hold a spinlock another CPU spins on (TLB shootdown holds
 * an address-space lock). A loop that spins with interrupts masked some other way must poll
 * too, or its CPU must never be the target of a caller holding what it waits for. */
int smp_call_on(unsigned id, smp_call_fn fn, void *arg);

/* Runs FN(ARG) on every online CPU except the caller's, all at once, and waits for all. Returns
 * the number of CPUs that ran it. Same rules as smp_call_on. */
unsigned smp_call_others(smp_call_fn fn, void *arg);

/* smp_call_others with FN(ARG) also run on the calling CPU, at the same time as on the others;
 * returns the number of CPUs that ran it. */
unsigned smp_call_all(smp_call_fn fn, void *arg);

/* Runs FN(ARG) on every online CPU whose bit (1ul << id) is set in MASK, except the caller's,
 * all at once, and waits for all. Returns the number of CPUs that ran it. Same rules as
 * smp_call_on (TLB shootdown's IPIs, mm/tlb.c). */
unsigned smp_call_mask(unsigned long mask, smp_call_fn fn, void *arg);

/* Runs the cross-CPU call pending for this CPU, if any; interrupts must be masked. The idle
 * loop calls it after each wait, and every loop that spins with interrupts masked for something
 * another CPU may hold while it waits for a call (spin_lock_irqsave) calls it, so that caller
 * can finish. Does nothing on a CPU that does not know itself yet (smp_cpu_self). */
void smp_serve_calls(void);

/* ---- Called by the arch code ---- */

/* The C entry of an AP once its arch state (MMU, descriptor tables, vectors, interrupt
 * controller) is set up, on the stack smp_init gave it: reports in and runs the idle loop. */
__noreturn void smp_ap_main(struct cpu *cpu);

/* The handler of the cross-CPU call IPI, with interrupts masked, after the arch acknowledged
 * the interrupt: runs the pending call of this CPU, if any. */
void smp_ipi_handle(void);

#endif
