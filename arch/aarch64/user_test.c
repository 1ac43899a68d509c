/* Self-tests of EL0: entering user mode through arch_return_to_user with a frame from
 * arch_trap_frame_init_user, and what comes back: svc as TRAP_SYSCALL with the registers and the
 * syscall ABI intact, brk, data aborts on kernel, unmapped and read-only addresses, an
 * instruction abort on a UXN page, and timer interrupts taken at EL0. No process layer runs
 * these: trap_dispatch finds no taker (the weak proc_user_trap) and reports the trap as
 * unexpected, which KTEST_CATCH_TRAP turns into a longjmp back to the test, at EL1 with
 * interrupts masked and TTBR0 still on the test's space. The trap frame stays where the trap
 * pushed it: at the top of the kernel stack given to arch_set_kernel_stack. */
#include "kernel/ktest.h"
#include "kernel/trap.h"
#include "kernel/string.h"
#include "kernel/panic.h"
#include "kernel/smp.h"
#include "mm/frame.h"
#include "arch/aarch64/mmu.h"
#include "arch/aarch64/cpu.h"
#include "arch/aarch64/memlayout.h"
#include "arch/aarch64/timer.h"

#define UCODE   0x400000ul
#define USTACK  0x7fff000ul
#define UDATA   0x800000ul               /* read/write, not executable */
#define URO     0x801000ul               /* read-only */

extern const char ut_svc[], ut_svc_insn[], ut_svc_end[];
extern const char ut_brk[], ut_brk_insn[], ut_brk_end[];
extern const char ut_load[], ut_load_insn[], ut_load_end[];
extern const char ut_store[], ut_store_insn[], ut_store_end[];
extern const char ut_jump[], ut_jump_end[];
extern const char ut_wait[], ut_wait_insn[], ut_wait_end[];
extern const char ut_upcall[], ut_upcall_handler[], ut_upcall_insn[], ut_upcall_end[];

/* The kernel stack traps from EL0 land on during these tests. */
static uint8_t trap_stack[16384] __aligned(16);
#define TRAP_FRAME ((struct trap_frame *)(trap_stack + sizeof(trap_stack) - TF_SIZE))

struct user_env {
	struct mmu_space space;
	paddr_t code, stack, data, ro;
};

static const uint64_t kernel_secret = 0x5ec7e7;

/* Builds a space with the snippet [START, END) at UCODE, a stack page, a data and a read-only
 * page. */
static bool user_setup(struct user_env *env, const char *start, const char *end)
{
	if (arch_mmu_space_create(&env->space))
		return false;
	paddr_t *frames[] = { &env->code, &env->stack, &env->data, &env->ro };
	for (unsigned i = 0; i < ARRAY_SIZE(frames); i++) {
		kassert(frame_alloc(frames[i]) == 0);
		memset((void *)(DIRECT_MAP_BASE + *frames[i]), 0, PAGE_SIZE);
	}
	memcpy((void *)(DIRECT_MAP_BASE + env->code), start, (size_t)(end - start));
	kassert(!arch_mmu_map(&env->space, UCODE, env->code, MMU_USER | MMU_READ | MMU_EXEC));
	kassert(!arch_mmu_map(&env->space, USTACK, env->stack, MMU_USER | MMU_READ | MMU_WRITE));
	kassert(!arch_mmu_map(&env->space, UDATA, env->data, MMU_USER | MMU_READ | MMU_WRITE));
	kassert(!arch_mmu_map(&env->space, URO, env->ro, MMU_USER | MMU_READ));
	return true;
}

static void user_teardown(struct user_env *env)
{
	arch_mmu_space_activate(NULL);
	kassert(arch_mmu_unmap(&env->space, UCODE, NULL));
	kassert(arch_mmu_unmap(&env->space, USTACK, NULL));
	kassert(arch_mmu_unmap(&env->space, UDATA, NULL));
	kassert(arch_mmu_unmap(&env->space, URO, NULL));
	arch_tlb_flush_space(&env->space);
	arch_mmu_space_destroy(&env->space);
	frame_free(env->code);
	frame_free(env->stack);
	frame_free(env->data);
	frame_free(env->ro);
}

/* Enters user mode through TF in ENV's space and returns the trap that ended it in *INFO
 * (false if arch_return_to_user came back some other way, which it cannot). */
static bool run_user_frame(struct user_env *env, struct trap_frame *tf, struct trap_info *info)
{
	uintptr_t saved_top = aarch64_user_kstack_top[cpu_current()->id];
	memset(trap_stack, 0, sizeof(trap_stack));
	arch_set_kernel_stack(trap_stack + sizeof(trap_stack));
	arch_mmu_space_activate(&env->space);
	bool trapped = false;
	if (KTEST_CATCH_TRAP(info) == 0)
		arch_return_to_user(tf);
	else
		trapped = true;
	/* back at EL1, interrupts masked, TTBR0 still the test space */
	arch_mmu_space_activate(NULL);
	aarch64_user_kstack_top[cpu_current()->id] = saved_top;
	return trapped;
}

/* Enters the snippet at UCODE with the stack at the top of USTACK and x1 = X1. */
static bool run_user(struct user_env *env, uint64_t x1, struct trap_info *info)
{
	static struct trap_frame tf;
	arch_trap_frame_init_user(&tf, UCODE, USTACK + PAGE_SIZE);
	tf.x[1] = x1;
	return run_user_frame(env, &tf, info);
}

KTEST(aarch64_user_svc_reaches_trap_dispatch_with_registers)
{
	struct user_env env;
	struct trap_info info = { 0 };
	ASSERT_TRUE(user_setup(&env, ut_svc, ut_svc_end));
	ASSERT_TRUE(run_user(&env, 0, &info));

	EXPECT_EQ(info.kind, TRAP_SYSCALL);
	EXPECT_TRUE(info.user);
	EXPECT_EQ(info.vector, 0x15);                          /* EC: svc from AArch64 */
	EXPECT_EQ(info.pc, UCODE + (uintptr_t)(ut_svc_insn - ut_svc) + 4);   /* past the svc */
	const struct trap_frame *tf = TRAP_FRAME;
	EXPECT_EQ(tf->elr, info.pc);
	EXPECT_EQ(tf->spsr & 0x3cf, 0);                        /* EL0t, D/A/I/F all clear */
	EXPECT_EQ(tf->sp_el0, USTACK + PAGE_SIZE);
	EXPECT_EQ(tf->x[9], USTACK + PAGE_SIZE);               /* sp as EL0 saw it */
	EXPECT_EQ(tf->sp, (uintptr_t)trap_stack + sizeof(trap_stack));
	EXPECT_EQ(arch_syscall_number(tf), 42);
	unsigned long args[ARCH_SYSCALL_ARGS];
	arch_syscall_args(tf, args);
	EXPECT_EQ(args[0], 0xaaaa000000001111);
	EXPECT_EQ(args[1], 0x2222);
	EXPECT_EQ(args[2], 0x3333);
	EXPECT_EQ(args[3], 0x4444);
	EXPECT_EQ(args[4], 0x5555);
	EXPECT_EQ(args[5], 0x6666);
	unsigned nonzero = 0;
	for (unsigned r = 6; r < 31; r++)
		nonzero += r != 8 && r != 9 && tf->x[r] != 0;
	EXPECT_EQ(nonzero, 0);                                  /* everything else started at 0 */
	struct trap_frame copy = *tf;
	arch_syscall_set_result(&copy, -38);
	EXPECT_EQ(copy.x[0], (uint64_t)-38);
	EXPECT_EQ(copy.elr, tf->elr);
	/* exception entry from EL0 turned PAN back on */
	EXPECT_EQ(aarch64_pan_enabled(), aarch64_cpu.pan);
	user_teardown(&env);
}

KTEST(aarch64_user_brk_is_a_user_breakpoint)
{
	struct user_env env;
	struct trap_info info = { 0 };
	unsigned long kernel_breakpoints = trap_breakpoint_count;
	ASSERT_TRUE(user_setup(&env, ut_brk, ut_brk_end));
	ASSERT_TRUE(run_user(&env, 0, &info));
	EXPECT_EQ(info.kind, TRAP_BREAKPOINT);
	EXPECT_TRUE(info.user);
	EXPECT_EQ(info.pc, UCODE + (uintptr_t)(ut_brk_insn - ut_brk));
	EXPECT_EQ(info.code & 0xffff, 7);                       /* the brk immediate */
	EXPECT_EQ(trap_breakpoint_count, kernel_breakpoints);
	user_teardown(&env);
}

/* Runs SNIPPET with x1 = ADDR and expects a user page fault at INSN_OFFSET. */
static void expect_user_fault(const char *start, const char *end, uintptr_t insn_offset,
			      uintptr_t addr, enum trap_access access, bool present, unsigned ec)
{
	struct user_env env;
	struct trap_info info = { 0 };
	ASSERT_TRUE(user_setup(&env, start, end));
	ASSERT_TRUE(run_user(&env, addr, &info));
	EXPECT_EQ(info.kind, TRAP_PAGE_FAULT);
	EXPECT_TRUE(info.user);
	EXPECT_EQ(info.vector, ec);
	EXPECT_EQ(info.pc, UCODE + insn_offset);
	EXPECT_EQ(info.fault_addr, addr);
	EXPECT_EQ(info.access, access);
	EXPECT_EQ(info.present, present);
	EXPECT_EQ(((const uint64_t *)(DIRECT_MAP_BASE + env.ro))[1], 0);   /* the store did not land */
	user_teardown(&env);
}

KTEST(aarch64_user_read_of_kernel_address_faults)
{
	/* mapped for EL1 only: a permission fault from EL0 */
	expect_user_fault(ut_load, ut_load_end, (uintptr_t)(ut_load_insn - ut_load),
			  (uintptr_t)&kernel_secret, TRAP_ACCESS_READ, true, 0x24);
	expect_user_fault(ut_load, ut_load_end, (uintptr_t)(ut_load_insn - ut_load),
			  DIRECT_MAP_BASE + 0x40000000, TRAP_ACCESS_READ, true, 0x24);
}

KTEST(aarch64_user_unmapped_and_read_only_faults)
{
	expect_user_fault(ut_load, ut_load_end, (uintptr_t)(ut_load_insn - ut_load),
			  0x12345678, TRAP_ACCESS_READ, false, 0x24);
	expect_user_fault(ut_store, ut_store_end, (uintptr_t)(ut_store_insn - ut_store),
			  URO + 8, TRAP_ACCESS_WRITE, true, 0x24);
}

KTEST(aarch64_user_exec_from_uxn_page_faults)
{
	/* data page: present, EL0 readable, UXN -> instruction abort from EL0 at the target */
	expect_user_fault(ut_jump, ut_jump_end, UDATA - UCODE, UDATA, TRAP_ACCESS_EXEC, true, 0x20);
	/* kernel text is no better (EL1-only, UXN) */
	uintptr_t text = (uintptr_t)arch_return_to_user;
	expect_user_fault(ut_jump, ut_jump_end, text - UCODE, text, TRAP_ACCESS_EXEC, true, 0x20);
}

KTEST(aarch64_user_timer_interrupts_return_to_el0)
{
	struct user_env env;
	struct trap_info info = { 0 };
	unsigned long ticks = aarch64_timer_ticks;
	ASSERT_TRUE(user_setup(&env, ut_wait, ut_wait_end));
	arch_timer_start(100);
	ASSERT_TRUE(run_user(&env, 0, &info));
	arch_timer_stop();
	EXPECT_EQ(info.kind, TRAP_SYSCALL);
	EXPECT_TRUE(info.user);
	EXPECT_EQ(info.pc, UCODE + (uintptr_t)(ut_wait_insn - ut_wait) + 4);
	EXPECT_GE(aarch64_timer_ticks, ticks + 3);               /* three wfi woken by ticks */
	const struct trap_frame *tf = TRAP_FRAME;
	EXPECT_EQ(tf->x[19], 0x1919);
	EXPECT_EQ(tf->x[20], 0x2020);
	EXPECT_EQ(tf->x[21], 0x2121);
	EXPECT_EQ(tf->x[22], 0);
	EXPECT_EQ(tf->sp, (uintptr_t)trap_stack + sizeof(trap_stack));
	user_teardown(&env);
}

KTEST(aarch64_user_upcall_enters_the_handler)
{
	struct user_env env;
	struct trap_info info = { 0 };
	static struct trap_frame tf;
	ASSERT_TRUE(user_setup(&env, ut_upcall, ut_upcall_end));
	uintptr_t handler = UCODE + (uintptr_t)(ut_upcall_handler - ut_upcall);
	arch_trap_frame_init_user(&tf, UCODE, USTACK + PAGE_SIZE - 8);
	tf.x[30] = 0x1234;
	tf.x[2] = 0x2222;
	arch_trap_frame_setup_upcall(&tf, handler, 0xdead000, TRAP_ACCESS_WRITE);
	ASSERT_TRUE(run_user_frame(&env, &tf, &info));

	EXPECT_EQ(info.kind, TRAP_SYSCALL);
	EXPECT_EQ(info.pc, UCODE + (uintptr_t)(ut_upcall_insn - ut_upcall) + 4);
	const struct trap_frame *got = TRAP_FRAME;
	EXPECT_EQ(got->x[0], 0xdead000);
	EXPECT_EQ(got->x[1], TRAP_ACCESS_WRITE);
	EXPECT_EQ(got->x[2], 0x2222);                  /* the rest of the frame is kept */
	EXPECT_EQ(got->x[30], 0);                      /* a return from the handler faults */
	/* below the interrupted sp by the red zone, 16-byte aligned */
	EXPECT_EQ(got->x[9], USTACK + PAGE_SIZE - 8 - 136);
	EXPECT_EQ(got->sp_el0, USTACK + PAGE_SIZE - 144);
	user_teardown(&env);
}
