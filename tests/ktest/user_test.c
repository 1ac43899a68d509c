/* Self-tests that run the user programs of tests/user/ as real processes: every access they make
 * is a user-mode access that takes real faults. Each program checks itself and exits with the
 * number of failed checks; here we check that status, that every frame came back, and that the
 * mm invariant checker is clean afterwards. */
#include "kernel/ktest.h"
#include "tests/ktest/user_program.h"
#include "kernel/proc.h"
#include "mm/frame.h"
#include "kernel/trap.h"

KTEST(user_hello) { ktest_run_user_program("hello", 0); }
KTEST(user_fork_cow) { ktest_run_user_program("fork_cow", 0); }
KTEST(user_fork_cowpt_large_region) { ktest_run_user_program("fork_cowpt", 0); }
KTEST(user_cow_reuse_after_sibling_exit) { ktest_run_user_program("cow_reuse", 0); }
KTEST(user_shared_anon_across_fork) { ktest_run_user_program("shared_anon", 0); }
KTEST(user_mprotect) { ktest_run_user_program("mprotect", 0); }
KTEST(user_munmap_middle_splits) { ktest_run_user_program("munmap_split", 0); }
KTEST(user_usercopy_efault) { ktest_run_user_program("usercopy", 0); }
KTEST(user_kernel_memory_and_nx) { ktest_run_user_program("security", 0); }
KTEST(user_fault_storm_registers)
{
	/* Process 0 waits with interrupts masked and faults resolve with them masked, so every
	 * tick counted here interrupted the storm's user mode. */
	unsigned long irqs = trap_irq_count;
	ktest_run_user_program("fault_storm", 0);
	unsigned long ticks = trap_irq_count - irqs;
	ktest_log("%lu timer interrupts landed in the storm", ticks);
	EXPECT_GT(ticks, 0);
}
KTEST(user_oom_is_killed)
{
	/* touching all of a large RAM, one fault per page, takes minutes under TCG */
	if (frame_count_total() > (512u << 20) / 4096) {
		ktest_skip("runs only with <= 512 MiB of RAM");
		return;
	}
	ktest_run_user_program("oom", PROC_KILLED_OOM);
}

KTEST(user_spawn_unknown_program)
{
	EXPECT_EQ(proc_spawn("no-such-program"), -2 /* -ENOENT */);
	int status;
	EXPECT_EQ(proc_wait(-1, &status), -10 /* -ECHILD */);
}
