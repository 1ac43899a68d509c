/* Assembly helpers of the i686 self-tests (declared in arch/x86/arch_test.h). */
#include "arch_types.h"
#include "arch_test.h"

/* uint8_t x86_test_plain_read(uintptr_t addr) */
FUNC(x86_test_plain_read)
	mov 4(%esp), %ecx
	.globl x86_test_plain_read_insn
x86_test_plain_read_insn:
	movzbl (%ecx), %eax
	ret
END(x86_test_plain_read)

/* void x86_test_switch(from, to, seed, out) */
FUNC(x86_test_switch)
	push %ebx
	push %esi
	push %edi
	push %ebp
	mov 20(%esp), %ecx              /* from */
	mov 24(%esp), %edx              /* to */
	mov 28(%esp), %eax              /* seed */
	mov %eax, %ebx
	xor $1, %ebx
	mov %eax, %esi
	xor $2, %esi
	mov %eax, %edi
	xor $3, %edi
	mov %eax, %ebp
	xor $4, %ebp
	sub $4, %esp                    /* ESP is 16-byte aligned at the call */
	push %edx
	push %ecx
	call arch_context_switch
	add $12, %esp
	mov 32(%esp), %eax              /* out */
	mov %ebx, 0(%eax)
	mov %esi, 4(%eax)
	mov %edi, 8(%eax)
	mov %ebp, 12(%eax)
	pop %ebp
	pop %edi
	pop %esi
	pop %ebx
	ret
END(x86_test_switch)

	.section .rodata
	.balign 16
	.globl x86_test_user_syscall, x86_test_user_syscall_int, x86_test_user_syscall_end
x86_test_user_syscall:
	mov $X86_TEST_SYSCALL_NR, %eax
	mov $X86_TEST_REG(0), %ebx
	mov $X86_TEST_REG(1), %ecx
	mov $X86_TEST_REG(2), %edx
	mov $X86_TEST_REG(3), %esi
	mov $X86_TEST_REG(4), %edi
	mov $X86_TEST_REG(5), %ebp
x86_test_user_syscall_int:
	int $0x80
	jmp x86_test_user_syscall_int
x86_test_user_syscall_end:

	.globl x86_test_user_load, x86_test_user_load_end
x86_test_user_load:
	movb (%edi), %al
	int $0x80
x86_test_user_load_end:

	.globl x86_test_user_store, x86_test_user_store_end
x86_test_user_store:
	movb %al, (%edi)
	int $0x80
x86_test_user_store_end:

	/* Spins until the TSC reaches ESI:EDI, with EBX and EBP untouched, then int 0x80. */
	.globl x86_test_user_spin, x86_test_user_spin_end
x86_test_user_spin:
1:	rdtsc
	cmp %esi, %edx
	jb 1b
	ja 2f
	cmp %edi, %eax
	jb 1b
2:	int $0x80
x86_test_user_spin_end:
