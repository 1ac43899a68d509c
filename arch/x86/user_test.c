/* Self-tests of user mode: a fresh user frame, the syscall ABI accessors, and real trips to ring 3
 * through arch_return_to_user with small programs (arch_test_asm.S) that come back with int 0x80
 * or a fault. No process layer is needed: trap_dispatch reports such a trap as unexpected (the
 * weak proc_user_trap declines it) and KTEST_CATCH_TRAP catches it. The trap must land on the
 * stack given to arch_set_kernel_stack, where the test reads the saved user registers. */
#include "kernel/ktest.h"
#include "kernel/string.h"
#include "kernel/trap.h"
#include "mm/frame.h"
#include "arch_test.h"
#include "boot.h"
#include "desc.h"
#include "mmu.h"
#include "pic.h"
#include "apic.h"
#include "timer.h"

#define PAGE      ((uintptr_t)X86_PAGE_SIZE)
#define CODE_VA   ((uintptr_t)0x10000000)
#define STACK_VA  (CODE_VA + PAGE)
#define DATA_VA   (CODE_VA + 2 * PAGE)          /* read-write, never executable */
#define RO_VA     (CODE_VA + 3 * PAGE)          /* read-only */
#define NPAGES    4

/* The stack traps from ring 3 land on during these tests. */
static uint8_t trap_stack[16384] __aligned(16);
#define TRAP_STACK_TOP ((uintptr_t)trap_stack + sizeof(trap_stack))

KTEST(x86_user_frame_init_and_syscall_abi)
{
	struct trap_frame tf;
	memset(&tf, 0x5a, sizeof(tf));
	arch_trap_frame_init_user(&tf, 0x401000, 0x7ff000);
	struct trap_frame want;
	memset(&want, 0, sizeof(want));
	want.ip = 0x401000;
	want.sp = 0x7ff000;
	want.cs = X86_SEL_USER_CODE;
	want.ss = X86_SEL_USER_DATA;
	want.flags = X86_FLAGS_IF | X86_FLAGS_FIXED;
#if X86_WORD_SIZE == 4
	want.ds = want.es = X86_SEL_USER_DATA;
#endif
	EXPECT_EQ(memcmp(&tf, &want, sizeof(tf)), 0);
	EXPECT_EQ(tf.cs & 3, 3);
	EXPECT_EQ(tf.ss & 3, 3);

	/* the registers of kernel/arch.h's ABI, in order */
#if X86_WORD_SIZE == 8
	tf.rax = 42; tf.rdi = 1; tf.rsi = 2; tf.rdx = 3; tf.r10 = 4; tf.r8 = 5; tf.r9 = 6;
	tf.rcx = 77; tf.r11 = 78;                       /* not arguments */
#else
	tf.eax = 42; tf.ebx = 1; tf.ecx = 2; tf.edx = 3; tf.esi = 4; tf.edi = 5; tf.ebp = 6;
#endif
	EXPECT_EQ(arch_syscall_number(&tf), 42);
	unsigned long args[ARCH_SYSCALL_ARGS] = { 0 };
	arch_syscall_args(&tf, args);
	for (unsigned i = 0; i < ARCH_SYSCALL_ARGS; i++)
		EXPECT_EQ(args[i], i + 1);
	arch_syscall_set_result(&tf, -14);
	EXPECT_EQ(arch_syscall_number(&tf), (unsigned long)-14);
	arch_syscall_args(&tf, args);
	EXPECT_EQ(args[0], 1);                          /* the result touched nothing else */
}

struct uenv {
	struct mmu_space space;
	paddr_t frame[NPAGES];
	uintptr_t old_kstack;
};

/* Builds a space with PROGRAM (LEN bytes) at CODE_VA, a stack page, a data page full of
 * "int 0x80" and a read-only page, then activates it and points ring-3 traps at trap_stack. */
static bool uenv_setup(struct uenv *e, const char *program, size_t len)
{
	static const unsigned flags[NPAGES] = {
		MMU_READ | MMU_EXEC | MMU_USER, MMU_READ | MMU_WRITE | MMU_USER,
		MMU_READ | MMU_WRITE | MMU_USER, MMU_READ | MMU_USER,
	};
	*e = (struct uenv){ .old_kstack = x86_kernel_stack() };
	if (arch_mmu_space_create(&e->space))
		return false;
	for (unsigned i = 0; i < NPAGES; i++) {
		if (frame_alloc(&e->frame[i]))
			return false;
		uint8_t *p = kmap_frame(e->frame[i]);
		for (unsigned j = 0; j < X86_PAGE_SIZE; j += 2) {     /* int $0x80 everywhere */
			p[j] = 0xcd;
			p[j + 1] = 0x80;
		}
		if (i == 0)
			memcpy(p, program, len);
		kunmap_frame(p);
		if (arch_mmu_map(&e->space, CODE_VA + i * PAGE, e->frame[i], flags[i]))
			return false;
	}
	memset(trap_stack, 0, sizeof(trap_stack));
	arch_set_kernel_stack((void *)TRAP_STACK_TOP);
	arch_mmu_space_activate(&e->space);
	return true;
}

static void uenv_teardown(struct uenv *e)
{
	arch_mmu_space_activate(NULL);
	arch_set_kernel_stack((void *)e->old_kstack);
	for (unsigned i = 0; i < NPAGES; i++) {
		if (e->space.root)
			arch_mmu_unmap(&e->space, CODE_VA + i * PAGE, NULL);
		if (e->frame[i])
			frame_free(e->frame[i]);
	}
	if (e->space.root)
		arch_mmu_space_destroy(&e->space);
}

/* Enters user mode through TF and returns once the trap that ends the trip is caught; INFO says
 * what it was. */
static void run_user(struct trap_frame *tf, struct trap_info *info)
{
	if (KTEST_CATCH_TRAP(info) == 0)
		arch_return_to_user(tf);
	/* We left the trap handler by longjmp: put back the kernel's data segments (a trip to ring 3
	 * nulls them on x86_64), as they were before. */
	x86_reload_segments(X86_SEL_KERNEL_CODE, X86_SEL_KERNEL_DATA);
}

/* The frame the CPU and the trampoline built for the trap from ring 3: at the top of trap_stack. */
static const struct trap_frame *landed_frame(void)
{
	return (const struct trap_frame *)(TRAP_STACK_TOP - sizeof(struct trap_frame));
}

KTEST(x86_user_int80_arrives_as_a_syscall_with_every_register)
{
	struct uenv e;
	size_t len = (size_t)(x86_test_user_syscall_end - x86_test_user_syscall);
	if (!uenv_setup(&e, x86_test_user_syscall, len)) {
		uenv_teardown(&e);
		ASSERT_TRUE(!"no user test space");
	}
	struct trap_frame tf;
	arch_trap_frame_init_user(&tf, CODE_VA, STACK_VA + PAGE);
	struct trap_info info = { 0 };
	run_user(&tf, &info);
	uintptr_t int_va = CODE_VA + (uintptr_t)(x86_test_user_syscall_int - x86_test_user_syscall);
	EXPECT_EQ(info.kind, TRAP_SYSCALL);
	EXPECT_TRUE(info.user);
	EXPECT_EQ(info.vector, X86_VECTOR_SYSCALL);
	EXPECT_EQ(info.pc, int_va + 2);                 /* int 0x80 is a trap: after the instruction */

	const struct trap_frame *f = landed_frame();
	EXPECT_EQ(f->vector, X86_VECTOR_SYSCALL);
	EXPECT_EQ(f->ip, int_va + 2);
	EXPECT_EQ(f->cs, X86_SEL_USER_CODE);
	EXPECT_EQ(f->ss, X86_SEL_USER_DATA);
	EXPECT_EQ(f->sp, STACK_VA + PAGE);
	EXPECT_EQ(f->flags & (X86_FLAGS_IF | X86_FLAGS_AC), X86_FLAGS_IF);
	EXPECT_EQ(arch_syscall_number(f), X86_TEST_SYSCALL_NR);
	unsigned long args[ARCH_SYSCALL_ARGS];
	arch_syscall_args(f, args);
	for (unsigned i = 0; i < ARCH_SYSCALL_ARGS; i++)
		EXPECT_EQ(args[i], (unsigned long)X86_TEST_REG(i));
#if X86_WORD_SIZE == 8
	EXPECT_EQ(f->rbx, X86_TEST_REG(6));
	EXPECT_EQ(f->rcx, X86_TEST_REG(7));
	EXPECT_EQ(f->rbp, X86_TEST_REG(8));
	EXPECT_EQ(f->r11, X86_TEST_REG(9));
	EXPECT_EQ(f->r12, X86_TEST_REG(10));
	EXPECT_EQ(f->r13, X86_TEST_REG(11));
	EXPECT_EQ(f->r14, X86_TEST_REG(12));
	EXPECT_EQ(f->r15, X86_TEST_REG(13));
#else
	EXPECT_EQ(f->ds, X86_SEL_USER_DATA);
	EXPECT_EQ(f->es, X86_SEL_USER_DATA);
	EXPECT_EQ(f->fs, 0);
	EXPECT_EQ(f->gs, 0);
#endif
	uenv_teardown(&e);
}

/* Runs PROGRAM with its pointer register (RDI / EDI) at ADDR; returns the caught trap in INFO. */
static bool run_with_pointer(const char *program, const char *end, uintptr_t pc_offset,
			     uintptr_t addr, struct trap_info *info)
{
	struct uenv e;
	bool ok = uenv_setup(&e, program, (size_t)(end - program));
	if (ok) {
		struct trap_frame tf;
		arch_trap_frame_init_user(&tf, CODE_VA + pc_offset, STACK_VA + PAGE);
#if X86_WORD_SIZE == 8
		tf.rdi = addr;
#else
		tf.edi = addr;
#endif
		run_user(&tf, info);
	}
	uenv_teardown(&e);
	return ok;
}

KTEST(x86_user_read_of_kernel_memory_faults_as_user)
{
	struct trap_info info = { 0 };
	uintptr_t kernel_addr = (uintptr_t)&x86_kernel_root;    /* present, supervisor only */
	ASSERT_TRUE(run_with_pointer(x86_test_user_load, x86_test_user_load_end, 0, kernel_addr, &info));
	EXPECT_EQ(info.kind, TRAP_PAGE_FAULT);
	EXPECT_TRUE(info.user);
	EXPECT_TRUE(info.present);
	EXPECT_EQ(info.access, TRAP_ACCESS_READ);
	EXPECT_EQ(info.fault_addr, kernel_addr);
	EXPECT_EQ(info.pc, CODE_VA);
	EXPECT_EQ(landed_frame()->ip, CODE_VA);             /* on the trap stack too */
	EXPECT_EQ(landed_frame()->cs, X86_SEL_USER_CODE);
}

KTEST(x86_user_write_to_read_only_page_faults_as_write)
{
	struct trap_info info = { 0 };
	ASSERT_TRUE(run_with_pointer(x86_test_user_store, x86_test_user_store_end, 0, RO_VA + 9, &info));
	EXPECT_EQ(info.kind, TRAP_PAGE_FAULT);
	EXPECT_TRUE(info.user);
	EXPECT_TRUE(info.present);
	EXPECT_EQ(info.access, TRAP_ACCESS_WRITE);
	EXPECT_EQ(info.fault_addr, RO_VA + 9);
	EXPECT_EQ(info.pc, CODE_VA);
	/* and an unmapped page is a not-present fault */
	ASSERT_TRUE(run_with_pointer(x86_test_user_store, x86_test_user_store_end, 0,
				     CODE_VA + NPAGES * PAGE, &info));
	EXPECT_EQ(info.kind, TRAP_PAGE_FAULT);
	EXPECT_FALSE(info.present);
	EXPECT_EQ(info.fault_addr, CODE_VA + NPAGES * PAGE);
}

KTEST(x86_user_exec_of_nx_data_page_faults_as_exec)
{
	if (!x86_pte_nx) {
		ktest_log("no NX on this CPU: data pages are executable");
		return;
	}
	struct uenv e;
	if (!uenv_setup(&e, x86_test_user_load, 0)) {
		uenv_teardown(&e);
		ASSERT_TRUE(!"no user test space");
	}
	struct trap_frame tf;
	arch_trap_frame_init_user(&tf, DATA_VA, STACK_VA + PAGE);   /* the page holds int 0x80s */
	struct trap_info info = { 0 };
	run_user(&tf, &info);
	EXPECT_EQ(info.kind, TRAP_PAGE_FAULT);
	EXPECT_TRUE(info.user);
	EXPECT_TRUE(info.present);
	EXPECT_EQ(info.access, TRAP_ACCESS_EXEC);
	EXPECT_EQ(info.fault_addr, DATA_VA);
	EXPECT_EQ(info.pc, DATA_VA);
	uenv_teardown(&e);
}

KTEST(x86_user_timer_interrupts_come_back_to_user_mode)
{
	uint64_t hz = arch_cycles_hz();
	ASSERT_NE(hz, 0);
	struct uenv e;
	if (!uenv_setup(&e, x86_test_user_spin, (size_t)(x86_test_user_spin_end - x86_test_user_spin))) {
		uenv_teardown(&e);
		ASSERT_TRUE(!"no user test space");
	}
	struct trap_frame tf;
	arch_trap_frame_init_user(&tf, CODE_VA, STACK_VA + PAGE);
	/* 200 ms at 1000 Hz: at least 3 ticks even when a loaded host delays QEMU's timer (20 ms
	 * once saw only 2) */
	uint64_t deadline = arch_cycles() + hz / 5;
#if X86_WORD_SIZE == 8
	tf.rdi = deadline;
	tf.rbx = X86_TEST_REG(20); tf.rbp = X86_TEST_REG(21); tf.r12 = X86_TEST_REG(22);
	tf.r13 = X86_TEST_REG(23); tf.r14 = X86_TEST_REG(24); tf.r15 = X86_TEST_REG(25);
#else
	tf.edi = (uint32_t)deadline;
	tf.esi = (uint32_t)(deadline >> 32);
	tf.ebx = X86_TEST_REG(20); tf.ebp = X86_TEST_REG(21);
#endif
	unsigned long irqs0 = trap_irq_count, ticks0 = x86_timer_ticks;
	arch_timer_start(1000);
	struct trap_info info = { 0 };
	run_user(&tf, &info);
	arch_timer_stop();
	unsigned long ticks = x86_timer_ticks - ticks0;
	EXPECT_EQ(info.kind, TRAP_SYSCALL);                      /* the program got to its end */
	EXPECT_TRUE(info.user);
	EXPECT_EQ(info.pc, CODE_VA + (uintptr_t)(x86_test_user_spin_end - x86_test_user_spin));
	EXPECT_GE(ticks, 3);
	EXPECT_EQ(trap_irq_count - irqs0, ticks);                /* all of them handled and counted */
	const struct trap_frame *f = landed_frame();
#if X86_WORD_SIZE == 8
	EXPECT_EQ(f->rbx, X86_TEST_REG(20));
	EXPECT_EQ(f->rbp, X86_TEST_REG(21));
	EXPECT_EQ(f->r12, X86_TEST_REG(22));
	EXPECT_EQ(f->r13, X86_TEST_REG(23));
	EXPECT_EQ(f->r14, X86_TEST_REG(24));
	EXPECT_EQ(f->r15, X86_TEST_REG(25));
	EXPECT_EQ(f->rdi, deadline);
#else
	EXPECT_EQ(f->ebx, X86_TEST_REG(20));
	EXPECT_EQ(f->ebp, X86_TEST_REG(21));
	EXPECT_EQ(f->edi, (uint32_t)deadline);
#endif
	EXPECT_EQ(f->sp, STACK_VA + PAGE);
	EXPECT_FALSE(x86_apic_timer_running());
	ktest_log("%lu ticks taken in user mode", ticks);
	uenv_teardown(&e);
}
