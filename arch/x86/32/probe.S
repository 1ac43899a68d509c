/* arch_probe_read_u8 for i686: one load that may fault, listed in the exception table. */
#include "arch_types.h"

/* int arch_probe_read_u8(uintptr_t addr, uint8_t *out): 0 and *out = the byte at ADDR, or
 * -EFAULT (-14) with *out untouched if the load faulted. */
FUNC(arch_probe_read_u8)
	mov 4(%esp), %ecx               /* addr */
1:	movzbl (%ecx), %eax
	mov 8(%esp), %ecx               /* out */
	mov %al, (%ecx)
	xor %eax, %eax
	ret
2:	mov $-14, %eax
	ret
END(arch_probe_read_u8)
	EXTABLE_ENTRY(1b, 2b)
