/* Self-tests of scheduling on every CPU and of threads, through the user programs
 * tests/user/thread_*.c: each runs as a real process and checks itself; here we check its exit
 * status exactly, that every slot and frame came back and that the mm checker is clean. The
 * test script boots with "smp=N" (N = 4 and 1): the thread_cpus program must see min(4, N)
 * distinct CPUs while its four threads all run. */
#include "kernel/ktest.h"
#include "tests/ktest/user_program.h"
#include "kernel/proc.h"
#include "kernel/smp.h"

KTEST(sched_process_0_runs_on_cpu_0)
{
	struct proc *p = proc_current();
	ASSERT_TRUE(p != NULL);
	EXPECT_EQ(p->pid, 0);
	EXPECT_EQ(p->pin_cpu, 0);
	EXPECT_EQ(cpu_current()->id, 0u);
	EXPECT_TRUE(cpu_current()->current == p);
	EXPECT_EQ(proc_count(), 1u);
}

KTEST(user_threads_run_on_every_cpu_at_once)
{
	unsigned want = ktest_expected_cpus();
	ASSERT_NE(want, 0);
	ktest_run_user_program("thread_cpus", want < 4 ? (int)want : 4);
}

KTEST(user_thread_create_join_status_and_errors) { ktest_run_user_program("thread_basic", 0); }
KTEST(user_thread_exit_group_last_thread_and_fault) { ktest_run_user_program("thread_exit", 0); }
KTEST(user_thread_fork_copies_the_calling_thread) { ktest_run_user_program("thread_fork", 0); }
KTEST(user_thread_two_threads_break_one_cow_page) { ktest_run_user_program("thread_cow", 0); }
KTEST(user_thread_fork_and_fault_storms) { ktest_run_user_program("thread_storm", 0); }
KTEST(user_thread_exit_wakes_a_scheme_call) { ktest_run_user_program("thread_exit_scheme", 0); }
