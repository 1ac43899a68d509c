/* trap_dispatch: where every trap arrives after the arch trampoline saved the registers. The arch
 * decodes; this file decides. Today it knows three outcomes: a kernel breakpoint is counted and
 * skipped; a fault at an instruction listed in the fixup table resumes at its fixup; anything
 * else is unexpected and panics (or, inside a self-test that armed a catch, is reported and
 * handed back to the test). */
#include "kernel/trap.h"
#include "kernel/ktest.h"
#include "kernel/kprintf.h"
#include "kernel/panic.h"

extern const struct extable_entry __start_extable[], __stop_extable[];

struct trap_info trap_last_fixup;

unsigned long trap_irq_count;



unsigned long trap_breakpoint_count;

uintptr_t extable_lookup(uintptr_t pc)
{
	for (const struct extable_entry *e = __start_extable; e < __stop_extable; e++)
		if (e->insn == pc)
			return e->fixup;
	return 0;
}

static const char *access_name(enum trap_access a)
{
	return a == TRAP_ACCESS_WRITE ? "write" : a == TRAP_ACCESS_EXEC ? "exec" : "read";
}

void trap_report(const struct trap_frame *tf, const struct trap_info *info)
{
	kprintf("trap: %s (vector %u, code %#llx) at pc %p from %s mode\n", info->name, info->vector,
		(unsigned long long)info->code, (void *)info->pc, info->user ? "user" : "kernel");
	if (info->kind == TRAP_PAGE_FAULT)
		kprintf("trap: %s of %p, %s\n", access_name(info->access), (void *)info->fault_addr,
			info->present ? "protection violation" : "page not present");
	arch_trap_frame_print(tf);
}

void trap_dispatch(struct trap_frame *tf)
{
	struct trap_info info;
	arch_trap_decode(tf, &info);

	if (!info.user && info.kind == TRAP_PAGE_FAULT) {
		uintptr_t fixup = extable_lookup(info.pc);
		/* usercopy touching a user page that is merely not populated yet: resolve and retry */
		if (fixup && proc_resolve_kernel_fault(&info))
			return;
		if (fixup) {
			trap_last_fixup = info;
			arch_trap_set_pc(tf, fixup);
			return;
		}
	}

	if (!info.user && info.kind == TRAP_BREAKPOINT) {
		/* A breakpoint compiled into the kernel (the register round-trip test uses one): say
		 * where it was and go on after it. */
		trap_breakpoint_count++;
		kprintf("    # breakpoint %lu at pc %p\n", trap_breakpoint_count, (void *)info.pc);
		arch_trap_skip_breakpoint(tf);
		return;
	}

	if (info.user && proc_user_trap(tf, &info))
		return;

	if (info.kind == TRAP_IRQ) {
		/* A tick that interrupted the kernel only counts: the kernel is not preempted, user
		 * processes are (proc_user_trap). */
		__atomic_fetch_add(&trap_irq_count, 1, __ATOMIC_RELAXED);
		return;
	}

	trap_report(tf, &info);
	ktest_trap_catch(&info);        /* returns only if no test is waiting for a trap */
	panic("unexpected %s at pc %p", info.name, (void *)info.pc);
}
