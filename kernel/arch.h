/* The CPU half of the arch contract: what every arch provides to the arch-neutral kernel for
 * console, interrupts, traps, stopping the machine and the self-tests. (The MMU half, once it
 * exists, is mm/arch_mmu.h.) A new arch is a folder under arch/ that implements these functions
 * and defines the types named here in an "arch_types.h" on its include path. */
#ifndef KERNEL_ARCH_H
#define KERNEL_ARCH_H

#include "kernel/compiler.h"
#include "kernel/boot_info.h"
#include "arch_types.h"  /* from arch/<arch>/: struct trap_frame, struct arch_jmp_buf, ARCH_* */

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

/* ---- Boot ---- */
/* Called by the arch boot code once the kernel runs at its linked address with a console. */
__noreturn void kernel_main(struct boot_info *bi);

#endif
