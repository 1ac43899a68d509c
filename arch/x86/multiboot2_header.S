/* The Multiboot2 header GRUB looks for in the first 32 KiB of the kernel image. It asks for a
 * 32-bit protected-mode entry and nothing else: the entry point comes from the ELF header, and
 * the memory map, command line and loader name tags are always provided. */
#include "multiboot2.h"

	.section .multiboot2, "a"
	.balign 8
mb2_header:
	.long MB2_HEADER_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long 0x100000000 - (MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	/* end tag */
	.balign 8
	.short 0            /* type */
	.short 0            /* flags */
	.long 8             /* size */
mb2_header_end:
