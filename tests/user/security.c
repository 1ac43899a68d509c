/* User mode cannot read kernel memory, and cannot execute a data page (NX / UXN). */
#include "tests/user/lib/ulib.h"

static void call(void *fn)
{
	((void (*)(void))fn)();
}

int user_main(void)
{
	uint8_t v;
	uintptr_t kernel = sizeof(long) == 8 ? 0xffffffff80100000ul : 0xc0100000ul;
	U_EXPECT_EQ(u_read_faults((const volatile uint8_t *)kernel, &v), true);

	uint8_t *data = u_mmap(NULL, U_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	if (u_mmap_failed(data))
		return 100;
	memset(data, 0, U_PAGE);              /* zero bytes: never a valid way out anyway */
	uintptr_t addr = 0;
	int access = -1;
	U_EXPECT_EQ(u_try(call, data, &addr, &access), true);
	U_EXPECT_EQ(addr, (uintptr_t)data);
	U_EXPECT_EQ(access, 2);               /* exec */
	return u_failures();
}
