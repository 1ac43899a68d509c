/* MAP_SHARED anonymous memory stays shared across fork: each side sees the other's writes. */
#include "tests/user/lib/ulib.h"

int user_main(void)
{
	volatile uint32_t *s = u_mmap(NULL, 2 * U_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS);
	if (u_mmap_failed((void *)s))
		return 100;
	s[0] = 7;                                /* populated before fork */
	long pid = u_fork();
	if (pid == 0) {
		U_EXPECT_EQ(s[0], 7);
		s[0] = 0x11111111;                       /* seen by the parent */
		s[U_PAGE / 4] = 0x22222222;              /* a page first touched by the child */
		u_exit(u_failures());
	}
	int status = -1;
	U_EXPECT_EQ(u_waitpid(pid, &status), pid);
	U_EXPECT_EQ(status, 0);
	U_EXPECT_EQ(s[0], 0x11111111);
	U_EXPECT_EQ(s[U_PAGE / 4], 0x22222222);
	U_EXPECT_EQ(u_check(), 0);
	return u_failures();
}
