/* The host test runner (see htest.h): main(), KTAP output, expectation and panic bookkeeping. */
#include "htest.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TESTS 1024
#define MAX_LOCKS 16
#define MAX_AFTER 8

static const struct htest *tests[MAX_TESTS];
static unsigned ntests;
static unsigned failures;                 /* of the running test */

jmp_buf htest_panic_jmp;                  /* EXPECT_PANIC's landing place */
static bool panic_armed;
static jmp_buf test_jmp;                  /* an unexpected panic leaves the test here */
static bool in_test;
char htest_panic_message[512];

static void *held_locks[MAX_LOCKS];
static unsigned nheld;
static void (*force_unlock)(void *lock);
static void (*after_each[MAX_AFTER])(void);
static unsigned nafter;

void htest_register(const struct htest *t)
{
	if (ntests == MAX_TESTS) {
		fprintf(stderr, "htest: more than %d tests\n", MAX_TESTS);
		exit(2);
	}
	tests[ntests++] = t;
}

void htest_add_after_each(void (*fn)(void))
{
	if (nafter == MAX_AFTER) {
		fprintf(stderr, "htest: more than %d after-each hooks\n", MAX_AFTER);
		exit(2);
	}
	after_each[nafter++] = fn;
}

void htest_log(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("# ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
}

void htest_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("# %s:%d: ", file, line);
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
	failures++;
}

unsigned htest_failures(void)
{
	return failures;
}

bool htest_streq(const char *a, const char *b)
{
	return a && b ? strcmp(a, b) == 0 : a == b;
}

bool htest_strstr(const char *haystack, const char *needle)
{
	return haystack && needle && strstr(haystack, needle) != NULL;
}

void htest_panic_arm(void)
{
	panic_armed = true;
	htest_panic_message[0] = '\0';
}

bool htest_panic_disarm(void)
{
	bool was = panic_armed;
	panic_armed = false;
	return !was;
}

void htest_lock_acquired(void *lock)
{
	if (nheld < MAX_LOCKS)
		held_locks[nheld++] = lock;
}

void htest_lock_released(void *lock)
{
	for (unsigned i = nheld; i-- > 0;) {
		if (held_locks[i] == lock) {
			held_locks[i] = held_locks[--nheld];
			return;
		}
	}
}

void htest_set_unlock_hook(void (*fn)(void *lock))
{
	force_unlock = fn;
}

static void release_all_locks(void)
{
	while (nheld) {
		void *lock = held_locks[--nheld];
		if (force_unlock)
			force_unlock(lock);
	}
}

void htest_panic(const char *message)
{
	snprintf(htest_panic_message, sizeof(htest_panic_message), "%s", message);
	release_all_locks();
	if (panic_armed) {
		panic_armed = false;
		longjmp(htest_panic_jmp, 1);
	}
	printf("# unexpected PANIC: %s\n", message);
	fflush(stdout);
	failures++;
	if (in_test)
		longjmp(test_jmp, 1);
	exit(3);
}

static int by_file_and_line(const void *a, const void *b)
{
	const struct htest *x = *(const struct htest *const *)a, *y = *(const struct htest *const *)b;
	int c = strcmp(x->file, y->file);
	return c ? c : (x->line > y->line) - (x->line < y->line);
}

int main(void)
{
	static unsigned passed, failed;          /* static: kept across the longjmp of a panic */
	qsort(tests, ntests, sizeof(tests[0]), by_file_and_line);
	printf("KTAP version 1\n1..%u\n", ntests);
	fflush(stdout);
	for (unsigned i = 0; i < ntests; i++) {
		failures = 0;
		panic_armed = false;
		in_test = true;
		if (setjmp(test_jmp) == 0)
			tests[i]->fn();
		in_test = false;
		release_all_locks();
		for (unsigned h = 0; h < nafter; h++)
			after_each[h]();
		if (failures) {
			printf("not ok %u %s\n", i + 1, tests[i]->name);
			failed++;
		} else {
			printf("ok %u %s\n", i + 1, tests[i]->name);
			passed++;
		}
		fflush(stdout);
	}
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
