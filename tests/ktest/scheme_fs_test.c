/* Runs the user programs of the test file system daemon testfs (tests/user/testfs.h) and its
 * end-to-end tests (tests/user/scheme_fs_*.c): each program forks its own daemon and checks
 * itself; here we check its exit status, that every process and frame came back, and that the
 * mm invariant checker is clean. One test starts the daemon the other way, as a program of its
 * own spawned by the kernel, the way a runner without the daemon's code would. */
#include "kernel/ktest.h"
#include "kernel/proc.h"
#include "mm/frame.h"
#include "mm/check.h"

/* Runs program NAME to its end; expects exit status 0 and no leaked process or frame. */
static void run_clean(const char *name)
{
	uint64_t free_before = frame_count_free();
	unsigned procs_before = proc_count();
	int pid = proc_spawn(name);
	ASSERT_GT(pid, 0);
	int status = -1;
	EXPECT_EQ(proc_wait(pid, &status), pid);
	EXPECT_EQ(status, 0);
	EXPECT_EQ(proc_count(), procs_before);
	EXPECT_EQ(frame_count_free(), free_before);
	EXPECT_EQ(vm_check_all(), 0);
}

KTEST(user_umalloc) { run_clean("umalloc_test"); }
KTEST(user_testfs_read_write) { run_clean("scheme_fs_rw"); }
KTEST(user_testfs_map_shared_two_clients) { run_clean("scheme_fs_shared"); }
KTEST(user_testfs_map_private_cow) { run_clean("scheme_fs_private"); }
KTEST(user_testfs_daemon_exits_under_mappings) { run_clean("scheme_fs_daemon_exit"); }
KTEST(user_testfs_map_lazy) { run_clean("scheme_fs_lazy"); }
KTEST(user_testfs_fork_of_file_mappings) { run_clean("scheme_fs_fork"); }
KTEST(user_testfs_scenario_runner_protocol) { run_clean("scheme_fs_runner"); }
KTEST(user_testfs_random_maps_against_a_model) { run_clean("scheme_fs_random"); }

KTEST(user_testfs_spawned_daemon)
{
	uint64_t free_before = frame_count_free();
	unsigned procs_before = proc_count();
	int daemon = proc_spawn("testfs");
	ASSERT_GT(daemon, 0);
	int client = proc_spawn("scheme_fs_spawned");
	ASSERT_GT(client, 0);
	int status = -1;
	EXPECT_EQ(proc_wait(client, &status), client);
	EXPECT_EQ(status, 0);
	status = -1;
	EXPECT_EQ(proc_wait(daemon, &status), daemon);
	EXPECT_EQ(status, 0);
	EXPECT_EQ(proc_count(), procs_before);
	EXPECT_EQ(frame_count_free(), free_before);
	EXPECT_EQ(vm_check_all(), 0);
}
