/* In-kernel self-tests. A test is a function registered with KTEST(name) into the linker section
 * "ktests"; the runner calls them sorted by file name and line and prints KTAP version 1. EXPECT_* report
 * file:line and both values and let the test go on; ASSERT_* also leave the test. */
#ifndef KERNEL_KTEST_H
#define KERNEL_KTEST_H

#include "kernel/compiler.h"
#include "kernel/arch.h"

struct ktest {
	const char *name;
	void (*fn)(void);
	const char *file;
	unsigned long line;
};

#define KTEST(tname) \
	static void ktest_fn_##tname(void); \
	static const struct ktest ktest_desc_##tname __used __section("ktests") \
		__aligned(sizeof(void *)) = \
		{ .name = #tname, .fn = ktest_fn_##tname, .file = __FILE__, .line = __LINE__ }; \
	static void ktest_fn_##tname(void)

/* Records a failed expectation of the running test and prints it as a KTAP diagnostic. */
void ktest_fail(const char *file, int line, const char *fmt, ...) __printf(3, 4);
/* Marks the running test as skipped ("ok N name # SKIP reason"); the caller returns. */
void ktest_skip(const char *reason);
/* Prints a "# " diagnostic line inside the running test. */
void ktest_log(const char *fmt, ...) __printf(1, 2);

#define KTEST_CMP(a, op, b, fail_action) do { \
	unsigned long long ktest_a_ = (unsigned long long)(a); \
	unsigned long long ktest_b_ = (unsigned long long)(b); \
	if (!(ktest_a_ op ktest_b_)) { \
		ktest_fail(__FILE__, __LINE__, "expected %s %s %s, got %#llx (%llu) vs %#llx (%llu)", \
			   #a, #op, #b, ktest_a_, ktest_a_, ktest_b_, ktest_b_); \
		fail_action; \
	} } while (0)

#define EXPECT_EQ(a, b) KTEST_CMP(a, ==, b, (void)0)
#define EXPECT_NE(a, b) KTEST_CMP(a, !=, b, (void)0)
#define EXPECT_LT(a, b) KTEST_CMP(a, <, b, (void)0)
#define EXPECT_LE(a, b) KTEST_CMP(a, <=, b, (void)0)
#define EXPECT_GT(a, b) KTEST_CMP(a, >, b, (void)0)
#define EXPECT_GE(a, b) KTEST_CMP(a, >=, b, (void)0)
#define ASSERT_EQ(a, b) KTEST_CMP(a, ==, b, return)
#define ASSERT_NE(a, b) KTEST_CMP(a, !=, b, return)
#define ASSERT_LE(a, b) KTEST_CMP(a, <=, b, return)
#define ASSERT_GE(a, b) KTEST_CMP(a, >=, b, return)
#define ASSERT_GT(a, b) KTEST_CMP(a, >, b, return)
#define ASSERT_LT(a, b) KTEST_CMP(a, <, b, return)

#define EXPECT_TRUE(c) do { if (!(c)) ktest_fail(__FILE__, __LINE__, "expected %s", #c); } while (0)
#define EXPECT_FALSE(c) do { if (c) ktest_fail(__FILE__, __LINE__, "expected !(%s)", #c); } while (0)
#define ASSERT_TRUE(c) do { if (!(c)) { ktest_fail(__FILE__, __LINE__, "expected %s", #c); return; } } while (0)

#define EXPECT_STREQ(a, b) do { \
	const char *ktest_sa_ = (a), *ktest_sb_ = (b); \
	if (!ktest_streq(ktest_sa_, ktest_sb_)) \
		ktest_fail(__FILE__, __LINE__, "expected %s == %s, got \"%s\" vs \"%s\"", \
			   #a, #b, ktest_sa_, ktest_sb_); \
	} while (0)
bool ktest_streq(const char *a, const char *b);

/* Catching a deliberate trap. KTEST_CATCH_TRAP(info) returns 0 when first evaluated; if a trap
 * that nothing else handles happens before ktest_trap_disarm(), the unexpected-trap path prints
 * its report, fills INFO and resumes here with KTEST_CATCH_TRAP returning 1. Use it directly in
 * an if (...), never store its value across calls. */
extern struct arch_jmp_buf ktest_trap_buf;
void ktest_trap_arm(struct trap_info *info);
void ktest_trap_disarm(void);
#define KTEST_CATCH_TRAP(info) (ktest_trap_arm(info), arch_setjmp(&ktest_trap_buf))

/* Called by the unexpected-trap path: if a test armed a catch, resumes that test (no return). */
void ktest_trap_catch(const struct trap_info *info);

/* Returns the CPU count the kernel command line promises (smp=N; the test script's images always
 * pass it), or 0 when it says nothing. */
unsigned ktest_expected_cpus(void);

/* Runs the registered tests FILTER selects (empty: all; else a comma-separated list of words, a
 * test runs when its name contains one: the kernel command line's ktest=...), in file and line
 * order; prints KTAP and the summary; returns the number of failures. */
int ktest_run_all(const char *filter);

#endif
