/* Starts the user program tests/user/memory_scheme.c (memory: through the real syscalls: open,
 * mmap of an fd, SYS_VIRT_TO_PHYS, the namespace) and checks its exit status, that every frame
 * came back and that the invariant checker is clean.
 *
 * FOR THE LEAD: the program needs the scheme syscalls of the scheme-ipc branch (SYS_OPEN, mmap
 * of an fd, SYS_NS_RESTRICT). On the memory-scheme branch alone they do not exist, so the test
 * skips itself while scheme/memory_registry_placeholder.c is linked in (its lookup is declared
 * weak here); deleting the placeholder at the merge enables it, nothing else to change. */
#include "kernel/ktest.h"
#include "kernel/proc.h"
#include "mm/check.h"
#include "mm/frame.h"
#include "scheme/scheme.h"

const struct scheme_ops *scheme_placeholder_lookup(const char *name) __attribute__((weak));

KTEST(user_memory_scheme)
{
	if (scheme_placeholder_lookup) {
		ktest_skip("needs the scheme syscalls (scheme-ipc merge)");
		return;
	}
	uint64_t free_before = frame_count_free();
	unsigned procs_before = proc_count();
	int pid = proc_spawn("memory_scheme");
	ASSERT_GT(pid, 0);
	int status = -1;
	EXPECT_EQ(proc_wait(pid, &status), pid);
	EXPECT_EQ(status, 0);
	EXPECT_EQ(proc_count(), procs_before);
	EXPECT_EQ(frame_count_free(), free_before);
	EXPECT_EQ(vm_check_all(), 0);
}
