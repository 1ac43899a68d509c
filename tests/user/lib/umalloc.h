/* A small heap for user test programs: malloc/free over anonymous private mmap'd memory.
 * Single-threaded (our user processes have one thread; a fork gets its own copy of the heap).
 * The strategy is in umalloc.c. */
#ifndef TESTS_USER_LIB_UMALLOC_H
#define TESTS_USER_LIB_UMALLOC_H

#include <stddef.h>

/* Returns SIZE bytes aligned to 16, or NULL (SIZE 0 or out of memory). */
void *umalloc(size_t size);

/* Returns SIZE zeroed bytes as umalloc does. */
void *ucalloc(size_t size);

/* Frees a block umalloc returned (NULL is fine). A pointer umalloc never returned, or a double
 * free, is reported on the console and ends the process with status 134. */
void ufree(void *ptr);

/* Returns the number of blocks allocated and not yet freed (for leak checks in tests). */
size_t umalloc_live(void);

#endif
