/* Host unit-test harness: pure-logic kernel code built as a normal program with the host compiler
 * and sanitizers. A test file defines tests with HTEST(name) { ... }; tests/host/htest.c holds
 * main(), which runs them in source order and prints KTAP version 1 like the in-kernel runner:
 *   KTAP version 1 / 1..N / "# " diagnostics / ok N name | not ok N name / N passed, N failed
 * and exits non-zero when a test failed. EXPECT_* report file:line and both values and let the
 * test go on; ASSERT_* also leave the test. A kernel panic() inside a test fails that test (the
 * run goes on) unless the test expects it with EXPECT_PANIC. */
#ifndef TESTS_HOST_HTEST_H
#define TESTS_HOST_HTEST_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct htest {
	const char *name;
	void (*fn)(void);
	const char *file;
	int line;
};

/* Called by HTEST's constructors; tests run sorted by file and line, i.e. in source order. */
void htest_register(const struct htest *t);

#define HTEST(tname) \
	static void htest_fn_##tname(void); \
	static const struct htest htest_desc_##tname = \
		{ .name = #tname, .fn = htest_fn_##tname, .file = __FILE__, .line = __LINE__ }; \
	__attribute__((constructor)) static void htest_reg_##tname(void) \
	{ htest_register(&htest_desc_##tname); } \
	static void htest_fn_##tname(void)

/* Records a failed expectation of the running test and prints it as a "# " diagnostic. */
void htest_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prints a "# " diagnostic line. */
void htest_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Returns how many expectations of the running test failed so far. */
unsigned htest_failures(void);

#define HTEST_CMP(a, op, b, fail_action) do { \
	unsigned long long htest_a_ = (unsigned long long)(a); \
	unsigned long long htest_b_ = (unsigned long long)(b); \
	if (!(htest_a_ op htest_b_)) { \
		htest_fail(__FILE__, __LINE__, "expected %s %s %s, got %#llx (%llu, %lld) vs %#llx (%llu, %lld)", \
			   #a, #op, #b, htest_a_, htest_a_, (long long)htest_a_, \
			   htest_b_, htest_b_, (long long)htest_b_); \
		fail_action; \
	} } while (0)

#define EXPECT_EQ(a, b) HTEST_CMP(a, ==, b, (void)0)
#define EXPECT_NE(a, b) HTEST_CMP(a, !=, b, (void)0)
#define EXPECT_LT(a, b) HTEST_CMP(a, <, b, (void)0)
#define EXPECT_LE(a, b) HTEST_CMP(a, <=, b, (void)0)
#define EXPECT_GT(a, b) HTEST_CMP(a, >, b, (void)0)
#define EXPECT_GE(a, b) HTEST_CMP(a, >=, b, (void)0)
#define ASSERT_EQ(a, b) HTEST_CMP(a, ==, b, return)
#define ASSERT_NE(a, b) HTEST_CMP(a, !=, b, return)
#define ASSERT_LT(a, b) HTEST_CMP(a, <, b, return)
#define ASSERT_LE(a, b) HTEST_CMP(a, <=, b, return)
#define ASSERT_GT(a, b) HTEST_CMP(a, >, b, return)
#define ASSERT_GE(a, b) HTEST_CMP(a, >=, b, return)

/* Pointers: compared as addresses, printed with %p. */
#define HTEST_PTR_CMP(a, op, b, fail_action) do { \
	const void *htest_pa_ = (a), *htest_pb_ = (b); \
	if (!((uintptr_t)htest_pa_ op (uintptr_t)htest_pb_)) { \
		htest_fail(__FILE__, __LINE__, "expected %s %s %s, got %p vs %p", \
			   #a, #op, #b, htest_pa_, htest_pb_); \
		fail_action; \
	} } while (0)
#define EXPECT_PTR_EQ(a, b) HTEST_PTR_CMP(a, ==, b, (void)0)
#define EXPECT_PTR_NE(a, b) HTEST_PTR_CMP(a, !=, b, (void)0)
#define ASSERT_PTR_EQ(a, b) HTEST_PTR_CMP(a, ==, b, return)
#define ASSERT_PTR_NE(a, b) HTEST_PTR_CMP(a, !=, b, return)
#define EXPECT_NULL(p)     EXPECT_PTR_EQ(p, NULL)
#define EXPECT_NOT_NULL(p) EXPECT_PTR_NE(p, NULL)
#define ASSERT_NOT_NULL(p) ASSERT_PTR_NE(p, NULL)

#define EXPECT_TRUE(c) do { if (!(c)) htest_fail(__FILE__, __LINE__, "expected %s", #c); } while (0)
#define EXPECT_FALSE(c) do { if (c) htest_fail(__FILE__, __LINE__, "expected !(%s)", #c); } while (0)
#define ASSERT_TRUE(c) do { if (!(c)) { htest_fail(__FILE__, __LINE__, "expected %s", #c); return; } } while (0)
#define ASSERT_FALSE(c) do { if (c) { htest_fail(__FILE__, __LINE__, "expected !(%s)", #c); return; } } while (0)

/* Strings: NULL-safe; printed quoted. EXPECT_STRSTR: HAYSTACK contains NEEDLE. */
bool htest_streq(const char *a, const char *b);
bool htest_strstr(const char *haystack, const char *needle);
#define EXPECT_STREQ(a, b) do { \
	const char *htest_sa_ = (a), *htest_sb_ = (b); \
	if (!htest_streq(htest_sa_, htest_sb_)) \
		htest_fail(__FILE__, __LINE__, "expected %s == %s, got \"%s\" vs \"%s\"", \
			   #a, #b, htest_sa_ ? htest_sa_ : "(null)", htest_sb_ ? htest_sb_ : "(null)"); \
	} while (0)
#define EXPECT_STRSTR(h, n) do { \
	const char *htest_sh_ = (h), *htest_sn_ = (n); \
	if (!htest_strstr(htest_sh_, htest_sn_)) \
		htest_fail(__FILE__, __LINE__, "expected %s to contain %s, got \"%s\" and \"%s\"", \
			   #h, #n, htest_sh_ ? htest_sh_ : "(null)", htest_sn_ ? htest_sn_ : "(null)"); \
	} while (0)

/* Expecting a kernel panic(): runs STMT; passes when it panics (the message is then in
 * htest_panic_message), fails the test when it returns normally. Spinlocks held when the panic
 * hit are released, so the code under test stays usable. Use as a statement, not nested; locals
 * that STMT changes and the test reads afterwards must be volatile (setjmp rules). */
extern jmp_buf htest_panic_jmp;
extern char htest_panic_message[512];
void htest_panic_arm(void);
bool htest_panic_disarm(void);          /* true when no panic was armed any more */
#define EXPECT_PANIC(stmt) do { \
	htest_panic_arm(); \
	if (setjmp(htest_panic_jmp) == 0) { \
		stmt; \
		htest_panic_disarm(); \
		htest_fail(__FILE__, __LINE__, "expected a panic from %s", #stmt); \
	} \
	} while (0)

/* Hooks for host stand-ins of kernel services (tests/host/host_kernel.c): a panic inside a test
 * comes here and does not return; locks to release after a panic are tracked here. */
__attribute__((noreturn)) void htest_panic(const char *message);
void htest_lock_acquired(void *lock);
void htest_lock_released(void *lock);
void htest_set_unlock_hook(void (*force_unlock)(void *lock));

/* Adds FN to the functions run after each test (for example a stand-in that checks no kmap is
 * left); FN may call htest_fail. At most 8. */
void htest_add_after_each(void (*fn)(void));

#endif
