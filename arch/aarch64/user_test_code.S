/* Position-independent EL0 code for user_test.c, kept as data: the tests copy each snippet into
 * a user page and enter it with arch_return_to_user. Labels mark where each snippet starts and
 * ends and the instructions the tests expect a trap at. */
	.section .rodata.user_test_code, "a"
	.balign	4

/* Loads distinct values into the syscall registers and makes a syscall. */
	.global ut_svc, ut_svc_insn, ut_svc_end
ut_svc:
	movz	x0, #0x1111
	movk	x0, #0xaaaa, lsl #48
	movz	x1, #0x2222
	movz	x2, #0x3333
	movz	x3, #0x4444
	movz	x4, #0x5555
	movz	x5, #0x6666
	movz	x8, #42
	mov	x9, sp
ut_svc_insn:
	svc	#0
	b	.
ut_svc_end:

/* brk from EL0. */
	.global ut_brk, ut_brk_insn, ut_brk_end
ut_brk:
	nop
ut_brk_insn:
	brk	#7
	b	.
ut_brk_end:

/* Loads from the address in x1 (set by the test). */
	.global ut_load, ut_load_insn, ut_load_end
ut_load:
	nop
ut_load_insn:
	ldr	x0, [x1]
	svc	#0
ut_load_end:

/* Stores x0 to the address in x1 (set by the test). */
	.global ut_store, ut_store_insn, ut_store_end
ut_store:
	movz	x0, #0x77
ut_store_insn:
	str	x0, [x1]
	svc	#0
ut_store_end:

/* Jumps to the address in x1 (set by the test). */
	.global ut_jump, ut_jump_end
ut_jump:
	br	x1
ut_jump_end:

/* Waits for three interrupts at EL0 with values live in x19-x21, then makes a syscall. */
	.global ut_wait, ut_wait_insn, ut_wait_end
ut_wait:
	movz	x19, #0x1919
	movz	x20, #0x2020
	movz	x21, #0x2121
	movz	x22, #3
1:	wfi
	subs	x22, x22, #1
	b.ne	1b
ut_wait_insn:
	svc	#0
ut_wait_end:

/* A user fault handler entered through arch_trap_frame_setup_upcall: reports its sp. */
	.global ut_upcall, ut_upcall_handler, ut_upcall_insn, ut_upcall_end
ut_upcall:
	b	.
ut_upcall_handler:
	mov	x9, sp
ut_upcall_insn:
	svc	#0
ut_upcall_end:
