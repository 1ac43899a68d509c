/* Self-tests of aarch64 kernel contexts: a ping-pong between the test and two new contexts,
 * each on its own stack, checking the order of the hand-offs, the argument, the stack, the
 * interrupt mask and that callee-saved registers survive every switch. */
#include "kernel/ktest.h"
#include "kernel/string.h"

#define STACK_SIZE 8192
#define ROUNDS 3

static struct arch_context main_ctx, ctx_a, ctx_b;
static uint8_t stack_a[STACK_SIZE] __aligned(16), stack_b[STACK_SIZE] __aligned(16);
static char trace[32];
static unsigned trace_len;
static uintptr_t seen_arg[2], seen_frame[2];
static bool seen_irq_enabled;

static void trace_add(char c)
{
	if (trace_len + 1 < sizeof(trace))
		trace[trace_len++] = c;
}

/* Switches FROM -> TO with distinct values live in x19-x28 across the switch; returns how many
 * of them came back changed. */
static unsigned switch_keeping_registers(struct arch_context *from, struct arch_context *to,
					 uint64_t seed)
{
	register uint64_t r19 __asm__("x19") = seed + 19, r20 __asm__("x20") = seed + 20;
	register uint64_t r21 __asm__("x21") = seed + 21, r22 __asm__("x22") = seed + 22;
	register uint64_t r23 __asm__("x23") = seed + 23, r24 __asm__("x24") = seed + 24;
	register uint64_t r25 __asm__("x25") = seed + 25, r26 __asm__("x26") = seed + 26;
	register uint64_t r27 __asm__("x27") = seed + 27, r28 __asm__("x28") = seed + 28;
	__asm__ volatile("" : "+r"(r19), "+r"(r20), "+r"(r21), "+r"(r22), "+r"(r23), "+r"(r24),
			 "+r"(r25), "+r"(r26), "+r"(r27), "+r"(r28));
	arch_context_switch(from, to);
	__asm__ volatile("" : "+r"(r19), "+r"(r20), "+r"(r21), "+r"(r22), "+r"(r23), "+r"(r24),
			 "+r"(r25), "+r"(r26), "+r"(r27), "+r"(r28));
	return (r19 != seed + 19) + (r20 != seed + 20) + (r21 != seed + 21) + (r22 != seed + 22) +
	       (r23 != seed + 23) + (r24 != seed + 24) + (r25 != seed + 25) + (r26 != seed + 26) +
	       (r27 != seed + 27) + (r28 != seed + 28);
}

static unsigned lost_registers;

static void run_a(void *arg)
{
	seen_arg[0] = (uintptr_t)arg;
	seen_frame[0] = (uintptr_t)__builtin_frame_address(0);
	seen_irq_enabled |= arch_irq_enabled();
	for (unsigned i = 0; i < ROUNDS; i++) {
		trace_add('a');
		lost_registers += switch_keeping_registers(&ctx_a, &ctx_b, 0xa000);
	}
	trace_add('A');
	arch_context_switch(&ctx_a, &main_ctx);
	for (;;)
		;
}

static void run_b(void *arg)
{
	seen_arg[1] = (uintptr_t)arg;
	seen_frame[1] = (uintptr_t)__builtin_frame_address(0);
	seen_irq_enabled |= arch_irq_enabled();
	for (unsigned i = 0; i < ROUNDS; i++) {
		trace_add('b');
		lost_registers += switch_keeping_registers(&ctx_b, &ctx_a, 0xb000);
	}
	for (;;)
		;
}

KTEST(aarch64_context_switch_ping_pong)
{
	unsigned long irq = arch_irq_save();
	trace_len = 0;
	lost_registers = 0;
	seen_irq_enabled = false;
	arch_context_init(&ctx_a, stack_a + STACK_SIZE, run_a, (void *)0x1234);
	arch_context_init(&ctx_b, stack_b + STACK_SIZE, run_b, (void *)0x5678);
	EXPECT_EQ(ctx_a.sp, (uintptr_t)(stack_a + STACK_SIZE));

	unsigned lost_main = switch_keeping_registers(&main_ctx, &ctx_a, 0xc000);
	trace[trace_len] = 0;
	arch_irq_restore(irq);

	EXPECT_STREQ(trace, "ababab" "A");
	EXPECT_EQ(lost_main, 0);
	EXPECT_EQ(lost_registers, 0);
	EXPECT_EQ(seen_arg[0], 0x1234);
	EXPECT_EQ(seen_arg[1], 0x5678);
	EXPECT_GT(seen_frame[0], (uintptr_t)stack_a);
	EXPECT_LT(seen_frame[0], (uintptr_t)(stack_a + STACK_SIZE));
	EXPECT_GT(seen_frame[1], (uintptr_t)stack_b);
	EXPECT_LT(seen_frame[1], (uintptr_t)(stack_b + STACK_SIZE));
	EXPECT_FALSE(seen_irq_enabled);
	/* the saved contexts point into their own stacks */
	EXPECT_GT(ctx_a.sp, (uintptr_t)stack_a);
	EXPECT_LT(ctx_a.sp, (uintptr_t)(stack_a + STACK_SIZE));
	EXPECT_GT(ctx_b.sp, (uintptr_t)stack_b);
	EXPECT_LT(ctx_b.sp, (uintptr_t)(stack_b + STACK_SIZE));
}
