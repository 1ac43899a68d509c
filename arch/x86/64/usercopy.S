/* The x86_64 assembly halves of usercopy (contracts in arch/x86/usercopy.h): user access is open
 * (EFLAGS.AC, under SMAP) only between SMAP_STAC and SMAP_CLAC, and every instruction in between
 * that touches user memory has a fixup entry that closes access and returns -EFAULT. */
#include "arch_types.h"
#include "kernel/errno.h"

/* int x86_user_probe_read(uintptr_t first, uintptr_t last) */
FUNC(x86_user_probe_read)
	SMAP_STAC
	.globl x86_user_probe_read_insn
x86_user_probe_read_insn:
1:	movb (%rdi), %al
	and $-4096, %rdi                /* the next page: never wraps, last < the user top */
	add $4096, %rdi
	cmp %rsi, %rdi
	jbe 1b
	SMAP_CLAC
	xor %eax, %eax
	ret
2:	SMAP_CLAC
	mov $-EFAULT, %eax
	ret
END(x86_user_probe_read)
	EXTABLE_ENTRY(1b, 2b)

/* int x86_user_probe_write(uintptr_t first, uintptr_t last) */
FUNC(x86_user_probe_write)
	SMAP_STAC
	.globl x86_user_probe_write_insn
x86_user_probe_write_insn:
1:	lock orb $0, (%rdi)             /* a write to the MMU, the same byte to everyone else */
	and $-4096, %rdi
	add $4096, %rdi
	cmp %rsi, %rdi
	jbe 1b
	SMAP_CLAC
	xor %eax, %eax
	ret
2:	SMAP_CLAC
	mov $-EFAULT, %eax
	ret
END(x86_user_probe_write)
	EXTABLE_ENTRY(1b, 2b)

/* int x86_user_copy(void *dst, const void *src, size_t size) */
FUNC(x86_user_copy)
	mov %rdx, %rcx
	SMAP_STAC
	.globl x86_user_copy_insn
x86_user_copy_insn:
1:	rep movsb
	SMAP_CLAC
	xor %eax, %eax
	ret
2:	SMAP_CLAC
	mov $-EFAULT, %eax
	ret
END(x86_user_copy)
	EXTABLE_ENTRY(1b, 2b)
