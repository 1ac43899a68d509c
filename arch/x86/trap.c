/* The C entry of every x86 trap (acknowledging IRQs before the generic code sees them) and the
 * decoding of a trap frame for the generic trap code (kernel/trap.c): the kind of trap, its name,
 * and for a page fault the address, the access and whether the page was present. Shared by i686
 * and x86_64; the frames differ only in register names (trap_frame.h). */
#include "kernel/arch.h"
#include "entry.h"
#include "pic.h"
#include "apic.h"
#include "timer.h"
#include "kernel/smp.h"
#include "x86.h"

/* Page-fault error code bits (Intel SDM vol. 3, figure 4-12). */
#define PF_PRESENT   0x01     /* 0: the page was not present; 1: a protection violation */
#define PF_WRITE     0x02
#define PF_USER      0x04
#define PF_RSVD      0x08     /* a reserved bit was set in a paging entry */
#define PF_FETCH     0x10     /* instruction fetch (NX or SMEP) */

static const char *const exception_names[32] = {
	[0] = "divide error",          [1] = "debug",
	[2] = "NMI",                   [3] = "breakpoint",
	[4] = "overflow",              [5] = "bound range exceeded",
	[6] = "invalid opcode",        [7] = "device not available",
	[8] = "double fault",          [9] = "coprocessor segment overrun",
	[10] = "invalid TSS",          [11] = "segment not present",
	[12] = "stack-segment fault",  [13] = "general protection",
	[14] = "page fault",           [16] = "x87 floating-point error",
	[17] = "alignment check",      [18] = "machine check",
	[19] = "SIMD floating-point",  [20] = "virtualization",
	[21] = "control protection",   [28] = "hypervisor injection",
	[29] = "VMM communication",    [30] = "security",
};

_Static_assert(X86_VECTOR_PAGE_FAULT == ARCH_TRAP_VECTOR_KERNEL_DATA_FAULT, "page fault vector");

/* The kind of a trap on VECTOR. */
static enum trap_kind vector_kind(unsigned vector)
{
	switch (vector) {
	case X86_VECTOR_PAGE_FAULT:
		return TRAP_PAGE_FAULT;
	case X86_VECTOR_BREAKPOINT:
		return TRAP_BREAKPOINT;
	case 6:  /* invalid opcode */
	case 11: /* segment not present */
	case 12: /* stack-segment fault */
	case 13: /* general protection */
	case 17: /* alignment check */
		return TRAP_ILLEGAL;
	case X86_VECTOR_SYSCALL:
		return TRAP_SYSCALL;
	default:
		return vector >= 32 ? TRAP_IRQ : TRAP_OTHER;
	}
}

/* Acknowledges a PIC interrupt (dropping a spurious one) or the APIC timer's before
 * trap_dispatch sees the frame; the local APIC's call IPI and spurious vector are handled here
 * and go no further. */
void x86_trap_entry(struct trap_frame *tf)
{
	unsigned vector = (unsigned)tf->vector;
	if (vector == X86_VECTOR_IPI_CALL) {     /* a cross-CPU call (kernel/smp.c) */
		x86_apic_eoi();
		smp_ipi_handle();
		return;
	}
	if (vector == X86_VECTOR_SPURIOUS)       /* the local APIC's: no EOI */
		return;
	if (vector == X86_VECTOR_APIC_TIMER) {   /* the tick: EOI first, trap_dispatch may switch */
		x86_apic_eoi();
		__atomic_fetch_add(&x86_timer_ticks, 1, __ATOMIC_RELAXED);
		trap_dispatch(tf);
		return;
	}
	if (vector >= X86_VECTOR_IRQ_BASE && vector < X86_VECTOR_IRQ_BASE + X86_IRQ_LINES &&
	    !x86_pic_ack(vector - X86_VECTOR_IRQ_BASE))
		return;
	trap_dispatch(tf);
}

/* Kind, name, pc and mode from the frame; for a page fault CR2 and the error code bits. */
void arch_trap_decode(const struct trap_frame *tf, struct trap_info *info)
{
	unsigned vector = (unsigned)tf->vector;
	*info = (struct trap_info){
		.kind = vector_kind(vector),
		.vector = vector,
		.code = tf->error_code,
		.pc = tf->ip,
		.user = (tf->cs & 3) == 3,
	};
	if (vector < 32)
		info->name = exception_names[vector] ? exception_names[vector] : "reserved exception";
	else
		info->name = vector == X86_VECTOR_SYSCALL ? "system call" : "interrupt";

	if (info->kind == TRAP_PAGE_FAULT) {
		info->fault_addr = tf->cr2;
		info->present = (tf->error_code & PF_PRESENT) != 0;
		info->user = info->user || (tf->error_code & PF_USER);
		if (tf->error_code & PF_FETCH)
			info->access = TRAP_ACCESS_EXEC;
		else if (tf->error_code & PF_WRITE)
			info->access = TRAP_ACCESS_WRITE;
		else
			info->access = TRAP_ACCESS_READ;
	}
}

void arch_trap_set_pc(struct trap_frame *tf, uintptr_t pc)
{
	tf->ip = pc;
}

/* int3 is a trap, not a fault: the saved RIP/EIP already points after the one-byte instruction,
 * so resuming the frame as it is continues after the breakpoint. Nothing to do. */
void arch_trap_skip_breakpoint(struct trap_frame *tf)
{
	(void)tf;
}
