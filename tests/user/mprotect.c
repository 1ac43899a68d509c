/* mprotect: writes to a read-only range fault, RW again allows them; and making a page that maps
 * the shared zero frame writable must not make the zero frame writable. */
#include "tests/user/lib/ulib.h"

int user_main(void)
{
	volatile uint8_t *m = u_mmap(NULL, 2 * U_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	if (u_mmap_failed((void *)m))
		return 100;
	m[0] = 5;
	U_EXPECT_EQ(u_mprotect((void *)m, U_PAGE, PROT_READ), 0);
	U_EXPECT_EQ(u_write_faults(m, 6), true);
	uint8_t v = 0;
	U_EXPECT_EQ(u_read_faults(m, &v), false);
	U_EXPECT_EQ(v, 5);
	U_EXPECT_EQ(u_mprotect((void *)m, U_PAGE, PROT_READ | PROT_WRITE), 0);
	U_EXPECT_EQ(u_write_faults(m, 6), false);
	U_EXPECT_EQ(m[0], 6);
	U_EXPECT_EQ(u_mprotect((void *)m, U_PAGE, PROT_NONE), 0);
	U_EXPECT_EQ(u_read_faults(m, &v), true);

	/* the zero-frame case: read (maps the zero frame), read-only, then RW, then write */
	volatile uint8_t *z = m + U_PAGE;
	U_EXPECT_EQ(z[10], 0);
	U_EXPECT_EQ(u_mprotect((void *)z, U_PAGE, PROT_READ), 0);
	U_EXPECT_EQ(u_mprotect((void *)z, U_PAGE, PROT_READ | PROT_WRITE), 0);
	z[10] = 0x77;
	U_EXPECT_EQ(z[10], 0x77);
	/* a fresh mapping still reads zeros: the zero frame was not written */
	volatile uint8_t *fresh = u_mmap(NULL, U_PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS);
	U_EXPECT_EQ(u_mmap_failed((void *)fresh), false);
	U_EXPECT_EQ(fresh[10], 0);
	/* bad arguments */
	U_EXPECT_EQ(u_mprotect((void *)(m + 1), U_PAGE, PROT_READ), -22);
	U_EXPECT_EQ(u_mprotect((void *)m, U_PAGE, 0x80), -22);
	U_EXPECT_EQ(u_check(), 0);
	return u_failures();
}
