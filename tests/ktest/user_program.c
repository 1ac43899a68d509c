/* Runs a user program of tests/user/ to its end for a self-test and checks what it leaves:
 * its exit status, the process count, the free frame count, lost scheme notices and the mm
 * invariant checker. Every user program reports its own failed checks as its exit status. */
#include "tests/ktest/user_program.h"
#include "kernel/ktest.h"
#include "kernel/proc.h"
#include "mm/check.h"
#include "mm/frame.h"
#include "scheme/scheme.h"

void ktest_run_user_program(const char *name, int expected)
{
	uint64_t free_before = frame_count_free();
	unsigned procs_before = proc_count();
	unsigned long lost_before = scheme_notices_lost;
	int pid = proc_spawn(name);
	ASSERT_GT(pid, 0);
	int status = -1;
	EXPECT_EQ(proc_wait(pid, &status), pid);
	EXPECT_EQ(status, expected);
	EXPECT_EQ(proc_count(), procs_before);
	EXPECT_EQ(frame_count_free(), free_before);
	EXPECT_EQ(scheme_notices_lost, lost_before);
	EXPECT_EQ(vm_check_all(), 0);
}
