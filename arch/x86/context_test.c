/* Self-tests of kernel contexts and the TSS stack: a ping-pong between the test's context and a
 * second one made by arch_context_init, with the callee-saved registers checked across every
 * switch on both sides, and arch_set_kernel_stack. */
#include "kernel/ktest.h"
#include "arch_test.h"
#include "desc.h"

#define ROUNDS 5
#define SEED_MAIN ((uintptr_t)0x6d61696e00000000ull)    /* "main" */
#define SEED_PEER ((uintptr_t)0x7065657200000000ull)    /* "peer" */

static struct pingpong {
	struct arch_context main, peer;
	void *arg_seen;
	unsigned peer_runs;                  /* times the peer has run */
	unsigned peer_bad_regs;              /* callee-saved registers the peer found changed */
	unsigned peer_irq_on;                /* times the peer ran with interrupts enabled */
	uintptr_t peer_sp_min, peer_sp_max;  /* where the peer's stack pointer was */
	unsigned sequence[2 * ROUNDS];       /* who ran, in order: 1 main, 2 peer */
	unsigned steps;
} pp;

static uint8_t peer_stack[8192] __aligned(16);

void x86_context_start(void);        /* context.S: where a new context first resumes */

static unsigned callee_saved_mismatches(const uintptr_t *out, uintptr_t seed)
{
	unsigned bad = 0;
	for (unsigned i = 0; i < X86_TEST_CALLEE_SAVED; i++)
		bad += out[i] != (seed ^ (i + 1));
	return bad;
}

/* The peer: runs for ever, one round each time it is switched to. */
static void peer_main(void *arg)
{
	pp.arg_seen = arg;
	for (;;) {
		uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
		pp.peer_sp_min = MIN(pp.peer_sp_min, sp);
		pp.peer_sp_max = MAX(pp.peer_sp_max, sp);
		pp.peer_irq_on += arch_irq_enabled();
		if (pp.steps < ARRAY_SIZE(pp.sequence))
			pp.sequence[pp.steps++] = 2;
		uintptr_t out[X86_TEST_CALLEE_SAVED];
		uintptr_t seed = SEED_PEER + pp.peer_runs++ * 0x100;
		x86_test_switch(&pp.peer, &pp.main, seed, out);
		pp.peer_bad_regs += callee_saved_mismatches(out, seed);
	}
}

KTEST(x86_context_switch_ping_pong_keeps_registers)
{
	pp = (struct pingpong){ .peer_sp_min = UINTPTR_MAX };
	unsigned long irq = arch_irq_save();
	arch_context_init(&pp.peer, peer_stack + sizeof(peer_stack), peer_main, &pp);
	EXPECT_EQ(pp.peer_runs, 0);                          /* init runs nothing */
	unsigned main_bad = 0;
	for (unsigned round = 0; round < ROUNDS; round++) {
		if (pp.steps < ARRAY_SIZE(pp.sequence))
			pp.sequence[pp.steps++] = 1;
		uintptr_t out[X86_TEST_CALLEE_SAVED];
		uintptr_t seed = SEED_MAIN + round * 0x100;
		x86_test_switch(&pp.main, &pp.peer, seed, out);
		main_bad += callee_saved_mismatches(out, seed);
		EXPECT_EQ(pp.peer_runs, round + 1);
	}
	arch_irq_restore(irq);
	EXPECT_EQ(main_bad, 0);
	/* the peer ran ROUNDS times, and checked its registers after the first ROUNDS - 1 returns */
	EXPECT_EQ(pp.peer_bad_regs, 0);
	EXPECT_EQ((uintptr_t)pp.arg_seen, (uintptr_t)&pp);
	EXPECT_EQ(pp.peer_irq_on, 0);
	EXPECT_EQ(pp.steps, 2 * ROUNDS);
	for (unsigned i = 0; i < 2 * ROUNDS; i++)
		EXPECT_EQ(pp.sequence[i], i % 2 ? 2 : 1);
	EXPECT_GE(pp.peer_sp_min, (uintptr_t)peer_stack);
	EXPECT_LT(pp.peer_sp_max, (uintptr_t)peer_stack + sizeof(peer_stack));
	EXPECT_EQ(pp.peer_sp_min, pp.peer_sp_max);          /* the same loop, the same frame */
	/* The peer stays parked in x86_test_switch; its stack is never used again. */
}

KTEST(x86_context_init_lays_out_the_first_resume)
{
	struct arch_context ctx;
	static uint8_t stack[256] __aligned(16);
	arch_context_init(&ctx, stack + sizeof(stack) - 4, peer_main, (void *)0x1234);  /* unaligned top */
	uintptr_t top = (uintptr_t)stack + sizeof(stack) - 16;                           /* rounded down */
#if X86_WORD_SIZE == 8
	EXPECT_EQ(ctx.rsp, top - 8);
	EXPECT_EQ(ctx.rbx, (uintptr_t)peer_main);
	EXPECT_EQ(ctx.r12, 0x1234);
	EXPECT_EQ(ctx.rbp, 0);
	EXPECT_EQ(*(uintptr_t *)ctx.rsp, (uintptr_t)x86_context_start);
#else
	EXPECT_EQ(ctx.esp, top - 4);
	EXPECT_EQ(ctx.ebx, (uintptr_t)peer_main);
	EXPECT_EQ(ctx.esi, 0x1234);
	EXPECT_EQ(ctx.ebp, 0);
	EXPECT_EQ(*(uintptr_t *)ctx.esp, (uintptr_t)x86_context_start);
#endif
}

KTEST(x86_set_kernel_stack_writes_the_tss)
{
	uintptr_t old = x86_kernel_stack();
	EXPECT_NE(old, 0);
	static uint8_t stack[64] __aligned(16);
	arch_set_kernel_stack(stack + sizeof(stack));
	EXPECT_EQ(x86_kernel_stack(), (uintptr_t)stack + sizeof(stack));
#if X86_WORD_SIZE == 8
	EXPECT_EQ(x86_tss.rsp[0], (uintptr_t)stack + sizeof(stack));
#else
	EXPECT_EQ(x86_tss.esp0, (uintptr_t)stack + sizeof(stack));
	EXPECT_EQ(x86_tss.ss0, X86_SEL_KERNEL_DATA);
#endif
	arch_set_kernel_stack((void *)old);
	EXPECT_EQ(x86_kernel_stack(), old);
}
