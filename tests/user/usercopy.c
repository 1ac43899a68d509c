/* Syscalls given bad pointers return -EFAULT and change nothing: an unmapped pointer, a kernel
 * pointer, and a buffer that runs past the end of its mapping. */
#include "tests/user/lib/ulib.h"

#define EFAULT 14

int user_main(void)
{
	char *m = u_mmap(NULL, U_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	if (u_mmap_failed(m))
		return 100;
	memcpy(m + U_PAGE - 4, "ok\n", 4);
	U_EXPECT_EQ(sys2(SYS_DEBUG_WRITE, 0x10, 4), -EFAULT);
	U_EXPECT_EQ(sys2(SYS_DEBUG_WRITE, (long)(sizeof(long) == 8 ? 0xffffffff80000000ul : 0xc0100000ul), 4), -EFAULT);
	U_EXPECT_EQ(sys2(SYS_DEBUG_WRITE, (long)(m + U_PAGE - 4), 8), -EFAULT);
	U_EXPECT_EQ(sys2(SYS_DEBUG_WRITE, (long)(m + U_PAGE - 2), -1L), -EFAULT);   /* wraps */
	/* waitpid writing its status to a bad address: the child is still reaped */
	long pid = u_fork();
	if (pid == 0)
		u_exit(0);
	U_EXPECT_EQ(u_waitpid(pid, (int *)0x10), -EFAULT);
	U_EXPECT_EQ(u_check(), 0);
	return u_failures();
}
