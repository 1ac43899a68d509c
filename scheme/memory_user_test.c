/* Starts the user program tests/user/memory_scheme.c (memory: through the real syscalls: open,
 * mmap of an fd, SYS_VIRT_TO_PHYS, the namespace) and checks its exit status, that every frame
 * came back and that the invariant checker is clean.
 *
 * FOR THE LEAD: the program needs the scheme syscalls of the scheme-ipc branch (SYS_OPEN, mmap
 * of an fd, SYS_NS_RESTRICT). On the memory-scheme branch alone SYS_OPEN answers -ENOSYS; the
 * program then exits with status 200 at once and this test reports SKIP. After the merge it runs
 * by itself; nothing to change. */
#include "kernel/ktest.h"
#include "kernel/proc.h"
#include "mm/check.h"
#include "mm/frame.h"

#define NO_SCHEME_SYSCALLS 200           /* tests/user/memory_scheme.c */

KTEST(user_memory_scheme)
{
	uint64_t free_before = frame_count_free();
	unsigned procs_before = proc_count();
	int pid = proc_spawn("memory_scheme");
	ASSERT_GT(pid, 0);
	int status = -1;
	EXPECT_EQ(proc_wait(pid, &status), pid);
	EXPECT_EQ(proc_count(), procs_before);
	EXPECT_EQ(frame_count_free(), free_before);
	EXPECT_EQ(vm_check_all(), 0);
	if (status == NO_SCHEME_SYSCALLS) {
		ktest_skip("SYS_OPEN is -ENOSYS: needs the scheme syscalls (scheme-ipc merge)");
		return;
	}
	EXPECT_EQ(status, 0);
}
