/* Refcount 1 after the sibling exits: the remaining writer reuses its frame without a copy. */
#include "tests/user/lib/ulib.h"

int user_main(void)
{
	volatile uint8_t *m = u_mmap(NULL, U_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	if (u_mmap_failed((void *)m))
		return 100;
	m[0] = 1;                                /* populate */
	long pid = u_fork();
	if (pid == 0)
		u_exit(m[0] == 1 ? 0 : 1);       /* the child only reads, then exits */
	int status = -1;
	U_EXPECT_EQ(u_waitpid(pid, &status), pid);
	U_EXPECT_EQ(status, 0);
	long free_before = u_free_frames();
	m[0] = 2;                                /* refcount is 1 again: no copy */
	U_EXPECT_EQ(u_free_frames(), free_before);
	U_EXPECT_EQ(m[0], 2);
	U_EXPECT_EQ(u_check(), 0);
	return u_failures();
}
