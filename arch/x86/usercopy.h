/* The assembly halves of usercopy (arch/x86/<mode>/usercopy.S): each opens user access (stac
 * when SMAP is on), does its accesses through instructions listed in the fixup table, closes it
 * again (clac) and returns 0, or -EFAULT when an access faulted and nothing resolved the fault.
 * The addresses are not checked here: arch/x86/usercopy.c does that first. */
#ifndef ARCH_X86_USERCOPY_H
#define ARCH_X86_USERCOPY_H

#include "kernel/compiler.h"

/* Touches one byte of every page of [FIRST, LAST] (LAST >= FIRST), reading it / doing an atomic
 * read-modify-write that leaves it as it was (a write as far as the MMU is concerned). */
int x86_user_probe_read(uintptr_t first, uintptr_t last);
int x86_user_probe_write(uintptr_t first, uintptr_t last);

/* Copies SIZE bytes from SRC to DST (rep movsb) with user access open. */
int x86_user_copy(void *dst, const void *src, size_t size);

/* The instructions that may fault, for the self-tests (their fixup table entries). */
extern const char x86_user_probe_read_insn[], x86_user_probe_write_insn[], x86_user_copy_insn[];

#endif
