/* aarch64 trap decoding: turns a struct trap_frame (filled by vectors.S) into the arch-neutral
 * struct trap_info from ESR_EL1's exception class and syndrome (for an IRQ: the INTID), prints
 * frames, and adjusts the resume address. aarch64_trap_entry is what the trampoline calls.
 * A trap from EL0 (SPSR.M = EL0t) decodes with user = true; a fault in the kernel's usercopy
 * (an ldtr/sttr at EL1) is a kernel-mode fault with pc = the faulting instruction. */
#include "kernel/arch.h"
#include "kernel/kprintf.h"
#include "arch/aarch64/boot.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/timer.h"

/* The asm offsets of arch_types.h must match the C layout. */
_Static_assert(offsetof(struct trap_frame, x) == TF_X0, "TF_X0");
_Static_assert(offsetof(struct trap_frame, x[18]) == TF_X0 + 18 * 8, "x18 in the frame");
_Static_assert(offsetof(struct trap_frame, sp_el0) == TF_SP_EL0, "TF_SP_EL0");
_Static_assert(offsetof(struct trap_frame, sp) == TF_SP, "TF_SP");
_Static_assert(offsetof(struct trap_frame, elr) == TF_ELR, "TF_ELR");
_Static_assert(offsetof(struct trap_frame, spsr) == TF_SPSR, "TF_SPSR");
_Static_assert(offsetof(struct trap_frame, esr) == TF_ESR, "TF_ESR");
_Static_assert(offsetof(struct trap_frame, far) == TF_FAR, "TF_FAR");
_Static_assert(offsetof(struct trap_frame, entry) == TF_ENTRY, "TF_ENTRY");
_Static_assert(offsetof(struct trap_frame, irq) == TF_IRQ, "TF_IRQ");
_Static_assert(sizeof(struct trap_frame) == TF_SIZE && TF_SIZE % 16 == 0, "TF_SIZE");
_Static_assert(offsetof(struct arch_jmp_buf, fp) == JB_X29, "JB_X29");
_Static_assert(offsetof(struct arch_jmp_buf, sp) == JB_SP, "JB_SP");
_Static_assert(offsetof(struct arch_jmp_buf, daif) == JB_DAIF, "JB_DAIF");
_Static_assert(sizeof(struct arch_jmp_buf) == JB_SIZE, "JB_SIZE");

/* A name for exception class EC, for reports. */
static const char *ec_name(unsigned ec)
{
	switch (ec) {
	case EC_UNKNOWN:        return "undefined instruction";
	case EC_WFX:            return "wfi/wfe trap";
	case EC_FP_ACCESS:      return "FP/SIMD access trap";
	case EC_ILLEGAL_STATE:  return "illegal execution state";
	case EC_SVC64:          return "svc";
	case EC_HVC64:          return "hvc";
	case EC_SMC64:          return "smc";
	case EC_SYSREG:         return "system register trap";
	case EC_SVE_ACCESS:     return "SVE access trap";
	case EC_IABT_LOWER:     return "instruction abort (lower EL)";
	case EC_IABT_SAME:      return "instruction abort (same EL)";
	case EC_PC_ALIGN:       return "pc alignment fault";
	case EC_DABT_LOWER:     return "data abort (lower EL)";
	case EC_DABT_SAME:      return ARCH_TRAP_NAME_KERNEL_DATA_FAULT;
	case EC_SP_ALIGN:       return "sp alignment fault";
	case EC_SERROR:         return "SError";
	case EC_BREAKPT_LOWER:
	case EC_BREAKPT_SAME:   return "hardware breakpoint";
	case EC_STEP_LOWER:
	case EC_STEP_SAME:      return "software step";
	case EC_WATCHPT_LOWER:
	case EC_WATCHPT_SAME:   return "watchpoint";
	case EC_BRK64:          return "brk";
	default:                return "exception";
	}
}

/* Fills the page-fault fields of INFO from an instruction or data abort syndrome. Translation,
 * access-flag and permission faults are page faults; alignment faults are illegal accesses;
 * anything else (external aborts, TLB conflicts, address size) stays TRAP_OTHER. */
static void decode_abort(unsigned ec, uint64_t iss, struct trap_info *info)
{
	unsigned fsc = ISS_FSC(iss);
	bool data = ec == EC_DABT_LOWER || ec == EC_DABT_SAME;

	if (fsc == FSC_ALIGNMENT) {
		info->kind = TRAP_ILLEGAL;
		return;
	}
	switch (FSC_TYPE(fsc)) {
	case FSC_TRANSLATION:
		info->present = false;
		break;
	case FSC_ACCESS_FLAG:
	case FSC_PERMISSION:
		info->present = true;
		break;
	default:
		return;
	}
	info->kind = TRAP_PAGE_FAULT;
	if (!data)
		info->access = TRAP_ACCESS_EXEC;
	else if ((iss & ISS_DABT_WNR) && !(iss & ISS_DABT_CM))
		info->access = TRAP_ACCESS_WRITE;
	else
		info->access = TRAP_ACCESS_READ;
}

void arch_trap_decode(const struct trap_frame *tf, struct trap_info *info)
{
	unsigned type = tf->entry & 3;
	unsigned ec = ESR_EC(tf->esr);

	*info = (struct trap_info){
		.kind = TRAP_OTHER,
		.name = ec_name(ec),
		.vector = ec,
		.code = tf->esr,
		.pc = tf->elr,
		.fault_addr = tf->far,
		.access = TRAP_ACCESS_READ,
		.user = (tf->spsr & 0xf) == 0,          /* SPSR.M: EL0t */
	};

	if (type == VECTOR_TYPE_IRQ || type == VECTOR_TYPE_FIQ) {
		info->kind = TRAP_IRQ;
		info->name = type == VECTOR_TYPE_IRQ ? "irq" : "fiq";
		info->vector = (unsigned)tf->irq;       /* the INTID aarch64_irq acknowledged */
		info->fault_addr = 0;
		return;
	}
	if (type == VECTOR_TYPE_SERROR) {
		info->name = "SError";
		return;
	}

	switch (ec) {
	case EC_DABT_LOWER:
	case EC_DABT_SAME:
	case EC_IABT_LOWER:
	case EC_IABT_SAME:
		decode_abort(ec, ESR_ISS(tf->esr), info);
		break;
	case EC_BRK64:
		info->kind = TRAP_BREAKPOINT;
		break;
	case EC_SVC64:
		info->kind = TRAP_SYSCALL;
		break;
	case EC_UNKNOWN:
	case EC_ILLEGAL_STATE:
	case EC_PC_ALIGN:
	case EC_SP_ALIGN:
		info->kind = TRAP_ILLEGAL;
		break;
	default:
		break;
	}
}

void arch_trap_frame_print(const struct trap_frame *tf)
{
	for (unsigned i = 0; i < 31; i += 3) {
		kprintf("  x%-2u %016llx", i, (unsigned long long)tf->x[i]);
		for (unsigned j = i + 1; j < i + 3 && j < 31; j++)
			kprintf("  x%-2u %016llx", j, (unsigned long long)tf->x[j]);
		kprintf("\n");
	}
	kprintf("  sp  %016llx  sp_el0 %016llx  elr %016llx\n", (unsigned long long)tf->sp,
		(unsigned long long)tf->sp_el0, (unsigned long long)tf->elr);
	kprintf("  spsr %08llx  esr %08llx  far %016llx  vector entry %#llx\n",
		(unsigned long long)tf->spsr, (unsigned long long)tf->esr,
		(unsigned long long)tf->far, (unsigned long long)tf->entry * 0x80);
}

void arch_trap_set_pc(struct trap_frame *tf, uintptr_t pc)
{
	tf->elr = pc;
}

void arch_trap_skip_breakpoint(struct trap_frame *tf)
{
	tf->elr += 4;       /* ELR points at the brk itself */
}

void aarch64_trap_entry(struct trap_frame *tf)
{
	/* HLT is undefined where semihosting is off: the exit path then falls back to PSCI. */
	if ((tf->entry & 3) == VECTOR_TYPE_SYNC && ESR_EC(tf->esr) == EC_UNKNOWN &&
	    tf->elr == (uintptr_t)aarch64_semihosting_insn) {
		tf->x[0] = (uint64_t)-1;
		tf->elr += 4;
		return;
	}
	if ((tf->entry & 3) == VECTOR_TYPE_IRQ) {
		aarch64_irq(tf);        /* acknowledges at the GIC, then trap_dispatch */
		return;
	}
	trap_dispatch(tf);
}
