/* Runs the user programs of the test file system daemon testfs (tests/user/testfs.h) and its
 * end-to-end tests (tests/user/scheme_fs_*.c): each program forks its own daemon and checks
 * itself; here we check its exit status, that every process and frame came back, and that the
 * mm invariant checker is clean. One test starts the daemon the other way, as a program of its
 * own spawned by the kernel, the way a runner without the daemon's code would. */
#include "kernel/ktest.h"
#include "tests/ktest/user_program.h"
#include "kernel/proc.h"
#include "mm/frame.h"
#include "mm/check.h"

KTEST(user_umalloc) { ktest_run_user_program("umalloc_test", 0); }
KTEST(user_testfs_read_write) { ktest_run_user_program("scheme_fs_rw", 0); }
KTEST(user_testfs_map_shared_two_clients) { ktest_run_user_program("scheme_fs_shared", 0); }
KTEST(user_testfs_map_private_cow) { ktest_run_user_program("scheme_fs_private", 0); }
KTEST(user_testfs_daemon_exits_under_mappings) { ktest_run_user_program("scheme_fs_daemon_exit", 0); }
KTEST(user_testfs_map_lazy) { ktest_run_user_program("scheme_fs_lazy", 0); }
KTEST(user_testfs_fork_of_file_mappings) { ktest_run_user_program("scheme_fs_fork", 0); }
KTEST(user_testfs_scenario_runner_protocol) { ktest_run_user_program("scheme_fs_runner", 0); }
KTEST(user_testfs_random_maps_against_a_model) { ktest_run_user_program("scheme_fs_random", 0); }

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
