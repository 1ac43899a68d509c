/* munmap of the middle of a mapping splits it: both halves keep their data, the hole faults. */
#include "tests/user/lib/ulib.h"

int user_main(void)
{
	uint8_t *m = u_mmap(NULL, 3 * U_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	if (u_mmap_failed(m))
		return 100;
	for (unsigned i = 0; i < 3; i++)
		memset(m + i * U_PAGE, 0x30 + i, U_PAGE);
	U_EXPECT_EQ(u_munmap(m + U_PAGE, U_PAGE), 0);
	U_EXPECT_EQ(m[0], 0x30);
	U_EXPECT_EQ(m[U_PAGE - 1], 0x30);
	U_EXPECT_EQ(m[2 * U_PAGE], 0x32);
	U_EXPECT_EQ(m[3 * U_PAGE - 1], 0x32);
	uint8_t v;
	U_EXPECT_EQ(u_read_faults(m + U_PAGE, &v), true);
	U_EXPECT_EQ(u_read_faults(m + 2 * U_PAGE - 1, &v), true);
	/* bad arguments change nothing */
	U_EXPECT_EQ(u_munmap(m + 1, U_PAGE), -22);
	U_EXPECT_EQ(u_munmap(m, 0), -22);
	U_EXPECT_EQ(m[0], 0x30);
	U_EXPECT_EQ(u_munmap(m, 3 * U_PAGE), 0);
	U_EXPECT_EQ(u_read_faults(m, &v), true);
	U_EXPECT_EQ(u_check(), 0);
	return u_failures();
}
