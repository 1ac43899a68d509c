/* The CPU half of the arch contract: what every arch provides to the arch-neutral kernel for
 * console, interrupts, traps, stopping the machine and the self-tests. (The MMU half, once it
 * exists, is mm/arch_mmu.h.) A new arch is a folder under arch/ that implements these functions
 * and defines the types named here in an "arch_types.h" on its include path. */
#ifndef KERNEL_ARCH_H
#define KERNEL_ARCH_H

#include "kernel/compiler.h"
#include "kernel/boot_info.h"
#include "arch_types.h"  /* from arch/<arch>/: struct trap_frame, struct arch_jmp_buf, ARCH_* */

struct arch_context;         /* arch_types.h defines it */

/* ---- Console ---- */
void arch_console_putc(char c);          /* blocking; '\n' is sent as "\r\n" by the caller */

/* ---- Interrupt masking on this CPU ---- */
unsigned long arch_irq_save(void);       /* masks interrupts, returns the previous state */
void arch_irq_restore(unsigned long state);
bool arch_irq_enabled(void);
void arch_cpu_relax(void);               /* spin-wait hint (pause / yield) */

/* ---- Stopping ---- */
/* Leaves the emulator with a status the test script reads: 0 = every test passed. On real
 * hardware, where there is nothing to leave, it halts. */
__noreturn void arch_exit(int status);
__noreturn void arch_halt(void);         /* masks interrupts and stops this CPU for good */

/* ---- Traps ----
 * Each arch's trampolines save every general register into a struct trap_frame and call the
 * generic trap_dispatch(). The arch decodes a frame into a struct trap_info; the generic code
 * decides what to do with it. */
enum trap_kind {
	TRAP_OTHER = 0,
	TRAP_PAGE_FAULT,         /* translation or permission fault on a data or instruction access */
	TRAP_BREAKPOINT,         /* int3 / brk */
	TRAP_SYSCALL,            /* syscall / int 0x80 / svc */
	TRAP_IRQ,                /* an external interrupt */
	TRAP_ILLEGAL,            /* undefined instruction, general protection, alignment, ... */
};

enum trap_access { TRAP_ACCESS_READ = 0, TRAP_ACCESS_WRITE, TRAP_ACCESS_EXEC };

struct trap_info {
	enum trap_kind kind;
	const char *name;        /* "page fault", "data abort (same EL)", ... */
	unsigned vector;         /* x86: IDT vector; aarch64: ESR.EC */
	uint64_t code;           /* x86: error code; aarch64: the full ESR */
	uintptr_t pc;            /* where the trap was taken */
	uintptr_t fault_addr;    /* CR2 / FAR, meaningful for TRAP_PAGE_FAULT */
	enum trap_access access; /* for TRAP_PAGE_FAULT */
	bool present;            /* page fault on a present entry (a permission fault) */
	bool user;               /* taken from user mode */
};

void arch_trap_decode(const struct trap_frame *tf, struct trap_info *info);
void arch_trap_frame_print(const struct trap_frame *tf);   /* every register, via kprintf */
void arch_trap_set_pc(struct trap_frame *tf, uintptr_t pc);
void arch_trap_skip_breakpoint(struct trap_frame *tf);      /* resume after int3 / brk */

/* The generic entry point every trampoline calls with interrupts masked. */
void trap_dispatch(struct trap_frame *tf);

/* ---- Non-local return, used by the self-tests to survive a deliberate fault ----
 * arch_setjmp returns 0 when called, and VALUE (non-zero) when arch_longjmp jumps back to it.
 * Only callee-saved state is kept; the caller of arch_setjmp must still be running. */
int arch_setjmp(struct arch_jmp_buf *buf) __attribute__((returns_twice));
__noreturn void arch_longjmp(struct arch_jmp_buf *buf, int value);

/* ---- Contexts: kernel threads of control, each with its own kernel stack ----
 * struct arch_context (arch_types.h) holds what survives arch_context_switch: the callee-saved
 * registers and the stack pointer. */

/* Prepares CTX so that the first switch to it calls FN(ARG) on the stack ending at KSTACK_TOP,
 * with interrupts masked. FN must never return. */
void arch_context_init(struct arch_context *ctx, void *kstack_top, void (*fn)(void *), void *arg);

/* Saves the running context into FROM and resumes TO. Returns when something switches back to
 * FROM. Interrupts must be masked. */
void arch_context_switch(struct arch_context *from, struct arch_context *to);

/* Tells the CPU which kernel stack a trap from user mode lands on (x86: TSS.rsp0/esp0). */
void arch_set_kernel_stack(void *kstack_top);

/* ---- User mode ---- */

/* Fills TF so that returning through it enters user mode at PC with stack pointer SP, interrupts
 * enabled, every other register zero. */
void arch_trap_frame_init_user(struct trap_frame *tf, uintptr_t pc, uintptr_t sp);

/* Restores every register from TF (a user frame) and returns to user mode. */
__noreturn void arch_return_to_user(struct trap_frame *tf);

/* Turns the user frame TF into a call of the user fault handler HANDLER(ADDR, ACCESS): the
 * arguments go where the syscall ABI puts its first two (x86_64 rdi/rsi, i686 eax/edx, aarch64
 * x0/x1), and the stack pointer moves below the interrupted one, leaving room for a red zone.
 * The handler never returns to the faulting instruction (it jumps to a recovery point). */
void arch_trap_frame_setup_upcall(struct trap_frame *tf, uintptr_t handler, uintptr_t addr,
				  unsigned long access);

/* Syscall ABI. x86_64: int 0x80, number in rax, args rdi rsi rdx r10 r8 r9, result rax.
 * i686: int 0x80, number in eax, args ebx ecx edx esi edi ebp, result eax.
 * aarch64: svc #0, number in x8, args x0-x5, result x0. */
#define ARCH_SYSCALL_ARGS 6
unsigned long arch_syscall_number(const struct trap_frame *tf);
void arch_syscall_args(const struct trap_frame *tf, unsigned long args[ARCH_SYSCALL_ARGS]);
void arch_syscall_set_result(struct trap_frame *tf, long result);

/* Copies between kernel and user memory; the only way the kernel touches user memory. A fault
 * that vm_fault cannot resolve makes them return -EFAULT (through the fixup table); they never
 * panic on a bad user address. They refuse (-EFAULT) any range that is not entirely below
 * arch_mmu_user_top() or that wraps. SMAP/PAN stay closed outside them. */
int arch_copy_from_user(void *dst, uintptr_t src, size_t size);
int arch_copy_to_user(uintptr_t dst, const void *src, size_t size);

/* ---- Timer ---- */
/* Starts a periodic interrupt at HZ on this CPU; each tick arrives at trap_dispatch as TRAP_IRQ
 * with info.vector == ARCH_TIMER_VECTOR, already acknowledged by the arch. */
void arch_timer_start(unsigned hz);

/* Stops that interrupt again (no tick arrives after it returns); the self-tests leave the
 * machine as they found it. */
void arch_timer_stop(void);

/* A cycle counter for benchmarks (rdtsc / CNTVCT_EL0), and its frequency in Hz when known
 * (0 when not). */
uint64_t arch_cycles(void);
uint64_t arch_cycles_hz(void);

/* ---- Multiprocessor (kernel/smp.h uses these; struct cpu is defined there) ---- */
struct cpu;

/* Fills ARCH_IDS with the arch ids (x86: local APIC IDs, aarch64: MPIDR affinity) of the usable
 * CPUs the firmware reports, at most MAX, the calling (boot) CPU's first; returns how many (>= 1). */
unsigned arch_smp_discover(unsigned long *arch_ids, unsigned max);

/* Starts the stopped CPU CPU->arch_id so that it runs smp_ap_main(CPU) on CPU->stack_top with the
 * kernel's page tables, vectors and interrupt controller set up like the boot CPU's. Returns 0
 * once the start request went out (the caller waits for CPU->online), or -errno. */
int arch_smp_start(struct cpu *cpu);

/* Sends the cross-CPU call interrupt to CPU (online); its arrival calls smp_ipi_handle there. */
void arch_smp_send_ipi(const struct cpu *cpu);

/* Makes arch_cpu_current() on the calling CPU return CPU (aarch64: TPIDR_EL1; x86: a local APIC
 * ID table). */
void arch_cpu_set_current(struct cpu *cpu);

/* Returns what arch_cpu_set_current stored for the calling CPU, or NULL when nothing was. */
struct cpu *arch_cpu_current(void);

/* Enables interrupts and waits for one (sti; hlt / wfi) without a lost-wakeup window; returns,
 * with interrupts masked again, after an interrupt was handled. */
void arch_cpu_idle(void);

/* ---- Boot ---- */
/* Called by the arch boot code once the kernel runs at its linked address with a console. */
__noreturn void kernel_main(struct boot_info *bi);

#endif
