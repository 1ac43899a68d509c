/* Runs the memory scenarios ($(SCENARIOS), default tests/scenarios) with the user-mode runner
 * tests/user/scenario_run.c, which prints each transcript for tests/run-tests.sh to compare with
 * Linux's and checks frames and invariants after each scenario; here we start the testfs daemon
 * when it exists (for file scenarios, see the runner's top comment), check the exit status
 * (the number of failed scenarios), reap the orphans it leaves to process 0 while it runs, and
 * check that every frame and process came back and the invariant checker is clean. */
#include "kernel/ktest.h"
#include "kernel/proc.h"
#include "kernel/arch.h"
#include "mm/frame.h"
#include "mm/check.h"
#include "kernel/errno.h"

KTEST(user_scenarios)
{
	uint64_t free_before = frame_count_free();
	unsigned procs_before = proc_count();
	uint64_t start = arch_cycles();
	/* The test file system daemon for file scenarios, when the program exists (-ENOENT until
	 * then: the runner then skips file scenarios); the runner stops it at its end. */
	int fs = proc_spawn("testfs");
	if (fs < 0)
		EXPECT_EQ(fs, -ENOENT);
	int pid = proc_spawn("scenario_run");
	ASSERT_GT(pid, 0);
	/* Scenario processes whose parent exited first become ours: reap them while the runner
	 * runs, or a scenario with many of them (a long fork-then-exit chain) fills the process
	 * table. */
	int status = -1, got;
	while ((got = proc_wait(-1, &status)) > 0 && got != pid)
		EXPECT_EQ(status, 0);
	EXPECT_EQ(got, pid);
	EXPECT_EQ(status, 0);
	while (proc_wait(-1, &status) > 0)      /* orphans that were still on their way out */
		EXPECT_EQ(status, 0);
	uint64_t cycles = arch_cycles() - start, khz = arch_cycles_hz() / 1000;
	if (khz)
		ktest_log("scenarios took %llu ms", (unsigned long long)(cycles / khz));
	else
		ktest_log("scenarios took %llu cycles", (unsigned long long)cycles);
	EXPECT_EQ(proc_count(), procs_before);
	EXPECT_EQ(frame_count_free(), free_before);
	EXPECT_EQ(vm_check_all(), 0);
}
