/* The smallest user program: prints from user mode and exits with status 0. */
#include "tests/user/lib/ulib.h"

int user_main(void)
{
	u_printf("    # hello from user mode, pid %ld\n", u_getpid());
	return 0;
}
