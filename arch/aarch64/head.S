/* The first page of the aarch64 kernel image and the code that runs before the kernel's own
 * page tables are live.
 *
 * Headers. GRUB 2.06's `linux` command on arm64 accepts only an arm64 Image ("ARM\x64" at offset
 * 0x38) that is also a PE/COFF EFI application ("MZ" at offset 0, PE header at the offset stored
 * at 0x3c); it hands the file to the firmware's LoadImage/StartImage. We write both headers here
 * by hand, as Linux does, instead of converting the ELF with `objcopy --target efi-app-aarch64`
 * and patching the result: the layout is then stated in one place, file offsets equal RVAs, no
 * .reloc section or post-link script is needed, and the ELF keeps its high link address for gdb.
 * The sizes come from linker/aarch64.ld.
 *
 * Entry. UEFI calls efi_entry (AAPCS64: x0 = image handle, x1 = system table) at whatever
 * physical address it loaded the image to, with its identity map on. The code is linked at
 * KERNEL_VBASE and built without PIC, but every address it forms is PC-relative (adrp), so the C
 * stub runs there as long as it dereferences no stored pointer. After ExitBootServices the stub
 * calls aarch64_enter_kernel, which drops to EL1, switches to the kernel's page tables and jumps
 * to the linked address. */
#include "arch/aarch64/arch_types.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/memlayout.h"

	.section .head, "a"
image_header:
	/* code0: "MZ" as an instruction (add x13, x18, #0x16), harmless if executed. */
	.inst	0x91005a4d
	b	raw_image_entry			/* code1 */
	.quad	0				/* text_offset */
	.quad	IMAGE_SIZE			/* image_size, bss included */
	.quad	0xa				/* flags: little endian, 4 KiB pages, anywhere in RAM */
	.quad	0, 0, 0				/* res2..res4 */
	.ascii	"ARM\x64"			/* magic, at 0x38 */
	.long	pe_header - image_header	/* PE header offset (the DOS e_lfanew field) */

pe_header:
	.ascii	"PE\0\0"
	/* COFF file header */
	.short	0xaa64				/* Machine: ARM64 */
	.short	2				/* NumberOfSections */
	.long	0, 0, 0				/* TimeDateStamp, PointerToSymbolTable, NumberOfSymbols */
	.short	section_table - optional_header	/* SizeOfOptionalHeader */
	.short	0x0206				/* executable, line numbers and debug info stripped;
						   relocations NOT stripped, so it may load anywhere */
optional_header:
	.short	0x020b				/* PE32+ */
	.byte	0, 0				/* linker version */
	.long	PE_TEXT_SIZE			/* SizeOfCode */
	.long	PE_DATA_VSIZE			/* SizeOfInitializedData */
	.long	0				/* SizeOfUninitializedData */
	.long	PE_ENTRY_RVA			/* AddressOfEntryPoint */
	.long	PE_TEXT_RVA			/* BaseOfCode */
	.quad	0				/* ImageBase */
	.long	0x1000				/* SectionAlignment */
	.long	0x1000				/* FileAlignment: file offset = RVA */
	.short	0, 0, 0, 0, 0, 0		/* OS, image and subsystem versions */
	.long	0				/* Win32VersionValue */
	.long	IMAGE_SIZE			/* SizeOfImage */
	.long	0x1000				/* SizeOfHeaders: this page */
	.long	0				/* CheckSum */
	.short	10				/* Subsystem: EFI application */
	.short	0x0100				/* DllCharacteristics: NX compatible */
	.quad	0, 0, 0, 0			/* stack and heap reserve/commit */
	.long	0				/* LoaderFlags */
	.long	6				/* NumberOfRvaAndSizes */
	.quad	0, 0, 0, 0, 0, 0		/* export, import, resource, exception, security, and
						   base relocation: none (the image has no absolute
						   addresses to fix up before it runs) */
section_table:
	.ascii	".text\0\0\0"
	.long	PE_TEXT_SIZE, PE_TEXT_RVA	/* VirtualSize, VirtualAddress */
	.long	PE_TEXT_SIZE, PE_TEXT_RVA	/* SizeOfRawData, PointerToRawData */
	.long	0, 0				/* relocations, line numbers */
	.short	0, 0
	.long	0x60000020			/* code, execute, read */

	.ascii	".data\0\0\0"
	.long	PE_DATA_VSIZE, PE_DATA_RVA	/* bss is the part beyond the raw data */
	.long	PE_DATA_FSIZE, PE_DATA_RVA
	.long	0, 0
	.short	0, 0
	.long	0xc0000040			/* initialized data, read, write */

/* Started as a bare Image (qemu -kernel, U-Boot booti): MMU off, no UEFI. Not supported: say so
 * on the PL011 and stop. */
raw_image_entry:
	adr	x1, raw_image_message
	mov	x2, #UART_PHYS
1:	ldrb	w3, [x1], #1
	cbz	w3, 2f
	str	w3, [x2]
	b	1b
2:	wfi
	b	2b
raw_image_message:
	.asciz	"aarch64 kernel: started without UEFI; boot it through GRUB's linux command\r\n"
	.balign	4

/* efi_entry(image_handle, system_table): the PE entry point. Zeroes .bss (a loader that ignores
 * the PE section sizes does not), then runs the C stub on the firmware's stack. Returns to the
 * firmware only if the stub failed before ExitBootServices. */
	.section .text.entry, "ax"
	.global efi_entry
efi_entry:
	stp	x29, x30, [sp, #-16]!
	mov	x29, sp
	adrp	x2, __bss_start
	add	x2, x2, :lo12:__bss_start
	adrp	x3, __bss_end
	add	x3, x3, :lo12:__bss_end
1:	cmp	x2, x3
	b.hs	2f
	stp	xzr, xzr, [x2], #16
	b	1b
2:	bl	efi_main
	ldp	x29, x30, [sp], #16
	ret

/* aarch64_enter_kernel(idmap_root, kernel_root, tcr, stack_top, entry, user_root): never returns.
 * Called after ExitBootServices with interrupts masked, at the physical address, from EL2 or EL1.
 * Drops to EL1 (MMU off), loads MAIR/TCR, TTBR0 = IDMAP_ROOT (this page, identity mapped) and
 * TTBR1 = KERNEL_ROOT, turns the MMU on, jumps to the linked address, switches to STACK_TOP and
 * the vector table, replaces TTBR0 with USER_ROOT (empty) and calls ENTRY(). Everything up to the
 * jump must stay in this page, which is the only one mapped at its physical address. No memory is
 * touched while the MMU is off, except this page's own literals. */
	.section .text.idmap, "ax"
	.global aarch64_enter_kernel
aarch64_enter_kernel:
	msr	daifset, #0xf
	/* This page is about to be fetched with the caches off: clean it to the point of coherency. */
	mrs	x9, ctr_el0
	ubfx	x9, x9, #16, #4			/* DminLine: log2 of the line size in words */
	mov	x10, #4
	lsl	x10, x10, x9
	adrp	x11, __idmap_start
	add	x12, x11, #4096
3:	dc	cvac, x11
	add	x11, x11, x10
	cmp	x11, x12
	b.lo	3b
	dsb	sy

	mrs	x9, CurrentEL
	cmp	x9, #(2 << 2)
	b.ne	el1_mmu_off

	/* At EL2: turn its MMU off (so that changing HCR_EL2 cannot change how this code is
	 * translated), make EL1 a plain AArch64 EL1 with no stage 2 and no traps, and drop to it. */
	ldr	x9, =SCTLR_EL2_MMU_OFF
	msr	sctlr_el2, x9
	isb
	ldr	x9, =(HCR_EL2_RW | HCR_EL2_API_APK)
	msr	hcr_el2, x9
	mov	x9, #(CNTHCTL_EL1PCTEN | CNTHCTL_EL1PCEN)
	msr	cnthctl_el2, x9
	msr	cntvoff_el2, xzr
	msr	vttbr_el2, xzr
	mov	x9, #CPTR_EL2_NO_TRAPS
	msr	cptr_el2, x9
	msr	hstr_el2, xzr
	mrs	x9, pmcr_el0
	ubfx	x9, x9, #11, #5			/* PMCR_EL0.N: EL1 may use every counter */
	msr	mdcr_el2, x9
	mrs	x9, midr_el1
	msr	vpidr_el2, x9
	mrs	x9, mpidr_el1
	msr	vmpidr_el2, x9
	mrs	x9, id_aa64pfr0_el1
	ubfx	x9, x9, #24, #4			/* GIC system register interface implemented? */
	cbz	x9, 4f
	mrs	x9, S3_4_C12_C9_5		/* ICC_SRE_EL2 */
	orr	x9, x9, #ICC_SRE_EL2_SRE
	orr	x9, x9, #ICC_SRE_EL2_ENABLE
	msr	S3_4_C12_C9_5, x9
	isb
4:	ldr	x9, =SCTLR_EL1_MMU_OFF
	msr	sctlr_el1, x9
	mov	x9, #(SPSR_DAIF | SPSR_MODE_EL1H)
	msr	spsr_el2, x9
	adr	x9, el1_mmu_off
	msr	elr_el2, x9
	eret

el1_mmu_off:
	/* At EL1. Turn the MMU off, if the firmware left it on, before changing MAIR and TCR under
	 * its tables. */
	ldr	x9, =SCTLR_EL1_MMU_OFF
	msr	sctlr_el1, x9
	isb
	tlbi	vmalle1
	ic	iallu
	dsb	nsh
	isb
	ldr	x9, =MAIR_EL1_VALUE
	msr	mair_el1, x9
	msr	tcr_el1, x2
	msr	ttbr0_el1, x0
	msr	ttbr1_el1, x1
	msr	cpacr_el1, xzr			/* FP/SIMD/SVE trap: the kernel uses general registers only */
	isb
	ldr	x9, =SCTLR_EL1_KERNEL
	msr	sctlr_el1, x9
	isb
	ic	iallu
	dsb	nsh
	isb
	ldr	x9, =at_linked_address
	br	x9
	.ltorg

at_linked_address:
	mov	sp, x3
	adrp	x9, aarch64_vectors
	add	x9, x9, :lo12:aarch64_vectors
	msr	vbar_el1, x9
	msr	ttbr0_el1, x5			/* the identity map is no longer needed */
	isb
	tlbi	vmalle1
	dsb	nsh
	isb
	mov	x29, xzr			/* end of the frame-pointer chain */
	mov	x30, xzr
	blr	x4
5:	wfi
	b	5b
