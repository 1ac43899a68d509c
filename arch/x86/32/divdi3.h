/* The 64-bit division helpers GCC calls on i686 (where there is no 64-bit divide instruction)
 * under their libgcc names; we do not link libgcc. */
#ifndef ARCH_X86_32_DIVDI3_H
#define ARCH_X86_32_DIVDI3_H

#include <stdint.h>

uint64_t __udivmoddi4(uint64_t n, uint64_t d, uint64_t *rem);
uint64_t __udivdi3(uint64_t n, uint64_t d);
uint64_t __umoddi3(uint64_t n, uint64_t d);
int64_t __divdi3(int64_t n, int64_t d);
int64_t __moddi3(int64_t n, int64_t d);

#endif
