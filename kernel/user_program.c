/* Looking up the user test programs embedded in the kernel image. */
#include "kernel/user_program.h"
#include "kernel/string.h"

const struct user_program *user_program_find(const char *name)
{
	for (const struct user_program *p = user_programs; p->name; p++)
		if (strcmp(p->name, name) == 0)
			return p;
	return NULL;
}
