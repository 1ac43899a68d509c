/* The user test programs embedded in the kernel image (built from tests/user/ by the Makefile). */
#ifndef KERNEL_USER_PROGRAM_H
#define KERNEL_USER_PROGRAM_H

#include "kernel/compiler.h"

/* Each image is a flat binary to be placed at USER_PROGRAM_BASE and entered there. */
#define USER_PROGRAM_BASE 0x400000ul

struct user_program {
	const char *name;
	const uint8_t *start;
	const uint8_t *end;
};

/* The table, ended by an entry whose name is NULL. */
extern const struct user_program user_programs[];

/* Returns the program called NAME, or NULL. */
const struct user_program *user_program_find(const char *name);

#endif
