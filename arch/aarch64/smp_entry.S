/* Where PSCI CPU_ON starts an aarch64 AP: at the physical address of aarch64_ap_start, MMU and
 * caches off, at the exception level of the caller (EL1 under QEMU; EL2 is handled too), with
 * x0 = the context id = the physical address of a struct aarch64_ap_boot (arch/aarch64/smp.c).
 * It loads the six arguments of aarch64_enter_kernel from that block and joins the boot CPU's
 * own path (head.S): drop to EL1 if needed, MAIR/TCR/TTBR0/TTBR1 as on the boot CPU, MMU on,
 * jump to the linked address, the AP's stack, VBAR, the empty user root, then a call of
 * aarch64_ap_main. It lives in the identity-mapped switch page (.text.idmap) with that path. */
#define AP_IDMAP_ROOT   0
#define AP_KERNEL_ROOT  8
#define AP_TCR          16
#define AP_STACK_TOP    24
#define AP_ENTRY        32
#define AP_USER_ROOT    40

	.section .text.idmap, "ax"
	.global aarch64_ap_start
aarch64_ap_start:
	msr	daifset, #0xf
	ldr	x1, [x0, #AP_KERNEL_ROOT]
	ldr	x2, [x0, #AP_TCR]
	ldr	x3, [x0, #AP_STACK_TOP]
	ldr	x4, [x0, #AP_ENTRY]
	ldr	x5, [x0, #AP_USER_ROOT]
	ldr	x0, [x0, #AP_IDMAP_ROOT]
	b	aarch64_enter_kernel
