/* The test file system daemon as a program of its own (tests/user/testfs.h): a KTEST may start
 * it with proc_spawn("testfs"), then clients wait for it with testfs_wait_ready(). It serves
 * until a client opens testfs:.exit; the exit status counts the kernel bugs it saw. */
#include "tests/user/lib/ulib.h"
#include "tests/user/testfs.h"

int user_main(void)
{
	return testfs_serve();
}
