/* Printing an x86_64 trap frame: every saved register, for trap reports and panics. */
#include "kernel/arch.h"
#include "kernel/kprintf.h"

void arch_trap_frame_print(const struct trap_frame *tf)
{
	kprintf("  rax %016llx  rbx %016llx  rcx %016llx\n", (unsigned long long)tf->rax,
		(unsigned long long)tf->rbx, (unsigned long long)tf->rcx);
	kprintf("  rdx %016llx  rsi %016llx  rdi %016llx\n", (unsigned long long)tf->rdx,
		(unsigned long long)tf->rsi, (unsigned long long)tf->rdi);
	kprintf("  rbp %016llx  rsp %016llx  r8  %016llx\n", (unsigned long long)tf->rbp,
		(unsigned long long)x86_trap_frame_sp(tf), (unsigned long long)tf->r8);
	kprintf("  r9  %016llx  r10 %016llx  r11 %016llx\n", (unsigned long long)tf->r9,
		(unsigned long long)tf->r10, (unsigned long long)tf->r11);
	kprintf("  r12 %016llx  r13 %016llx  r14 %016llx\n", (unsigned long long)tf->r12,
		(unsigned long long)tf->r13, (unsigned long long)tf->r14);
	kprintf("  r15 %016llx  rip %016llx  rflags %08llx\n", (unsigned long long)tf->r15,
		(unsigned long long)tf->ip, (unsigned long long)tf->flags);
	kprintf("  cs %04llx  ss %04llx  vector %llu  error %#llx  cr2 %016llx\n",
		(unsigned long long)tf->cs, (unsigned long long)tf->ss,
		(unsigned long long)tf->vector, (unsigned long long)tf->error_code,
		(unsigned long long)tf->cr2);
}
