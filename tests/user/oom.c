/* Maps more than all RAM and touches every page: the kernel must kill this process (status 137)
 * and go on. Exit status 0 would mean the memory never ran out. */
#include "tests/user/lib/ulib.h"

int user_main(void)
{
	size_t size = (size_t)u_free_frames() * U_PAGE + 64 * U_PAGE;
	volatile uint8_t *m = u_mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	if (u_mmap_failed((void *)m))
		return 100;
	for (size_t off = 0; off < size; off += U_PAGE)
		m[off] = 1;
	return 0;
}
