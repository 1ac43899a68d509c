/* fork makes private pages copy-on-write: parent and child each write different bytes and each
 * sees only its own; pages neither side writes stay shared (checked by the kernel side through
 * the free-frame count). Exit status = failed checks. */
#include "tests/user/lib/ulib.h"

#define PAGES 8

int user_main(void)
{
	uint8_t *m = u_mmap(NULL, PAGES * U_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	if (u_mmap_failed(m))
		return 100;
	for (unsigned i = 0; i < PAGES; i++)
		memset(m + i * U_PAGE, 0x10 + i, U_PAGE);

	long free_before_fork = u_free_frames();
	long pid = u_fork();
	if (pid == 0) {
		/* the child: a write to page 0 copies it; the rest still reads the parent's data */
		m[0] = 0xc1;
		U_EXPECT_EQ(m[0], 0xc1);
		U_EXPECT_EQ(m[1], 0x10);
		for (unsigned i = 1; i < PAGES; i++)
			U_EXPECT_EQ(m[i * U_PAGE + 7], 0x10 + i);
		u_exit(u_failures());
	}
	U_EXPECT_NE(pid, 0);
	/* the parent writes page 1 while the child may still share it */
	m[U_PAGE] = 0xa1;
	int status = -1;
	U_EXPECT_EQ(u_waitpid(pid, &status), pid);
	U_EXPECT_EQ(status, 0);
	U_EXPECT_EQ(m[0], 0x10);                 /* the child's write stayed in the child */
	U_EXPECT_EQ(m[U_PAGE], 0xa1);
	for (unsigned i = 2; i < PAGES; i++)
		U_EXPECT_EQ(m[i * U_PAGE + 100], 0x10 + i);
	/* after the child is gone, every frame it held came back */
	/* the parent copied page 1 (or reused it, if the child was gone) and the child copied page 0,
	 * but the child is gone: whatever order they ran in, the frame count is where it was */
	U_EXPECT_EQ(u_free_frames(), free_before_fork);
	U_EXPECT_EQ(u_check(), 0);
	return u_failures();
}
