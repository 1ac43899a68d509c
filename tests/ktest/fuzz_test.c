/* The fuzz runs of the self-tests: the user-mode fuzzer (tests/user/fuzz.c) with fixed seeds,
 * with a fixed seed under allocation failure injection, and with a fresh random seed that is
 * printed so a failing run can be replayed with `make fuzz SEED=...`. When the kernel command
 * line says fuzz_ops=N (make fuzz), only that run happens: fuzz_seed=S (default 1),
 * fuzz_inject=PPM (default 0), fuzz_check=K (default 1000), fuzz_trace=N (print every op from op N - 1 on). Each run checks the fuzzer's exit
 * status (its number of failures), that every process and frame came back and that the
 * invariant checker is clean, and prints one line: seed, ops, injection, time, result.
 * Since the scheme ops (issue 8: 10% of the ops also drive the testfs daemon) an op costs more,
 * so the fixed runs are 30,000 ops (were 50,000); the regression seeds below replay, each up to
 * just past its op, the runs that found a bug (with the fuzzer as it was when they did). All
 * runs, injection included, happen on every boot, 1 CPU or 4. */
#include "kernel/ktest.h"
#include "kernel/kprintf.h"
#include "kernel/cmdline.h"
#include "kernel/boot_info.h"
#include "kernel/errno.h"
#include "kernel/proc.h"
#include "kernel/syscall_numbers.h"
#include "mm/alloc_inject.h"
#include "mm/check.h"
#include "mm/frame.h"
#include "mm/vm_internal.h"
#include "tests/ktest/fuzz.h"

extern struct boot_info *boot_info;

static uint64_t params[FUZZ_PARAM_COUNT];      /* set before each run; process 0 only */

long fuzz_param(unsigned long index, unsigned long shift)
{
	if (index >= FUZZ_PARAM_COUNT || shift > 48)
		return -EINVAL;
	return (long)((params[index] >> shift) & 0xffff);
}

/* Returns the number in the command-line word KEY=..., or DEFAULT_VALUE when absent. */
static uint64_t cmdline_number(const char *key, uint64_t default_value)
{
	char text[32];
	uint64_t v;
	if (!boot_info || !cmdline_get(boot_info->cmdline, key, text, sizeof(text)) ||
	    !cmdline_parse_size(text, &v))
		return default_value;
	return v;
}

static bool fuzz_from_cmdline(void)
{
	return cmdline_number("fuzz_ops", 0) != 0;
}

/* Runs the fuzzer with SEED, OPS operations and PPM injection; expects a clean exit. */
static void fuzz_run(uint64_t seed, uint64_t ops, uint64_t ppm, uint64_t check_every)
{
	params[FUZZ_PARAM_SEED] = seed;
	params[FUZZ_PARAM_OPS] = ops;
	params[FUZZ_PARAM_INJECT] = ppm;
	params[FUZZ_PARAM_CHECK] = check_every;
	params[FUZZ_PARAM_TRACE] = cmdline_number("fuzz_trace", 0);
	vm_zero_frame_init();                       /* set up once, on first use: not a leak */
	uint64_t free_before = frame_count_free();
	unsigned procs_before = proc_count();
	uint64_t start = arch_cycles();
	int pid = proc_spawn("fuzz");
	ASSERT_GT(pid, 0);
	int status = -1;
	EXPECT_EQ(proc_wait(pid, &status), pid);
	alloc_inject_off();
	EXPECT_EQ(status, 0);
	int orphan_status;
	while (proc_wait(-1, &orphan_status) > 0)   /* none expected: the fuzzer waits for all */
		ktest_fail(__FILE__, __LINE__, "orphan with status %d", orphan_status);
	uint64_t khz = arch_cycles_hz() / 1000;
	uint64_t ms = khz ? (arch_cycles() - start) / khz : 0;
	EXPECT_EQ(proc_count(), procs_before);
	EXPECT_EQ(frame_count_free(), free_before);
	int problems = vm_check_all();
	EXPECT_EQ(problems, 0);
	kprintf("fuzz: seed %llu ops %llu inject %llu ppm time %llu ms result %s\n",
		(unsigned long long)seed, (unsigned long long)ops, (unsigned long long)ppm,
		(unsigned long long)ms,
		status == 0 && problems == 0 && frame_count_free() == free_before ? "PASS" : "FAIL");
	if (status != 0)
		kprintf("fuzz: replay with: make fuzz ARCH=%s SEED=%llu OPS=<op in the failure above + 1>%s\n",
			ARCH_NAME, (unsigned long long)seed, ppm ? " INJECT=<ppm>" : "");
}

KTEST(user_fuzz_fixed_seed)
{
	if (fuzz_from_cmdline()) {
		ktest_skip("fuzz_ops on the command line: only that run");
		return;
	}
	fuzz_run(1, 30000, 0, 1000);
}

KTEST(user_fuzz_fixed_seed_injection)
{
	if (fuzz_from_cmdline()) {
		ktest_skip("fuzz_ops on the command line: only that run");
		return;
	}
	fuzz_run(2, 30000, 20000, 1000);             /* 2% of the fuzzer's allocations fail */
}

/* Seeds that found bugs, each fixed: the run up to just past the op that failed. */
static const struct { uint64_t seed, ops, ppm; const char *bug; } regressions[] = {
	{ 7, 4600, 0, "read() into a private file mapping lent its pages (mm/borrow.c), op 4514" },
	{ 9, 3100, 20000, "CLOSE notice lost by an OOM-killed process (scheme/user_scheme.c), op 3000" },
	{ 11, 2800, 20000, "MUNMAP notice lost out of memory, range counts left (scheme/user_scheme.c), op 2707" },
	/* a race, so not every run meets it: fuzz_settle below is its deterministic form */
	{ 2, 9400, 20000, "SYS_CHECK while testfs still handled an OOM-killed child's notices, op 9358 (smp4)" },
};

KTEST(user_fuzz_regression_seeds)
{
	if (fuzz_from_cmdline()) {
		ktest_skip("fuzz_ops on the command line: only that run");
		return;
	}
	for (size_t i = 0; i < sizeof(regressions) / sizeof(regressions[0]); i++) {
		kprintf("fuzz: regression seed %llu: %s\n", (unsigned long long)regressions[i].seed,
			regressions[i].bug);
		fuzz_run(regressions[i].seed, regressions[i].ops, regressions[i].ppm, 1000);
	}
}

/* The deterministic form of the SMP bug seed 2 met: counts taken right after a close or a
 * child's exit wait for the daemon still handling the CLOSE notice (tests/user/fuzz_settle.c). */
KTEST(user_fuzz_settle_after_close_notice)
{
	uint64_t free_before = frame_count_free();
	unsigned procs_before = proc_count();
	int pid = proc_spawn("fuzz_settle");
	ASSERT_GT(pid, 0);
	int status = -1;
	EXPECT_EQ(proc_wait(pid, &status), pid);
	EXPECT_EQ(status, 0);
	EXPECT_EQ(proc_count(), procs_before);
	EXPECT_EQ(frame_count_free(), free_before);
	EXPECT_EQ(vm_check_all(), 0);
}

KTEST(user_fuzz_random_seed)
{
	if (fuzz_from_cmdline()) {
		ktest_skip("fuzz_ops on the command line: only that run");
		return;
	}
	uint64_t seed = arch_cycles();
	seed ^= seed >> 29;
	seed *= 0xbf58476d1ce4e5b9ull;
	seed ^= seed >> 32;
	seed &= 0xffffffffull;                      /* short enough to type */
	kprintf("fuzz: fresh random seed %llu (replay: make fuzz ARCH=%s SEED=%llu OPS=20000 INJECT=10000)\n",
		(unsigned long long)seed, ARCH_NAME, (unsigned long long)seed);
	fuzz_run(seed, 20000, 10000, 1000);
}

KTEST(user_fuzz_command_line)
{
	if (!fuzz_from_cmdline()) {
		ktest_skip("no fuzz_ops on the command line");
		return;
	}
	fuzz_run(cmdline_number("fuzz_seed", 1), cmdline_number("fuzz_ops", 0),
		 cmdline_number("fuzz_inject", 0), cmdline_number("fuzz_check", 1000));
}
