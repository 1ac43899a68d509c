/* The self-test runner: KTAP version 1 on the console, then "N passed, N failed". */
#include <stdarg.h>
#include "kernel/ktest.h"
#include "kernel/kprintf.h"
#include "kernel/string.h"
#include "kernel/panic.h"
#include "kernel/boot_info.h"
#include "kernel/cmdline.h"

extern const struct ktest __start_ktests[], __stop_ktests[];

static unsigned current_failures;      /* failed expectations of the running test */
static const char *current_skip;       /* why the running test skipped itself, or NULL */
struct arch_jmp_buf ktest_trap_buf;
static struct trap_info *trap_catch;   /* where a caught trap is reported, NULL when disarmed */

void ktest_log(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kprintf("    # ");
	vkprintf(fmt, ap);
	kprintf("\n");
	va_end(ap);
}

void ktest_skip(const char *reason)
{
	current_skip = reason;
}

void ktest_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kprintf("    # %s:%d: ", file, line);
	vkprintf(fmt, ap);
	kprintf("\n");
	va_end(ap);
	current_failures++;
}

bool ktest_streq(const char *a, const char *b)
{
	return a && b ? strcmp(a, b) == 0 : a == b;
}

void ktest_trap_arm(struct trap_info *info)
{
	trap_catch = info;
}

void ktest_trap_disarm(void)
{
	trap_catch = NULL;
}

void ktest_trap_catch(const struct trap_info *info)
{
	if (!trap_catch)
		return;
	*trap_catch = *info;
	trap_catch = NULL;
	arch_longjmp(&ktest_trap_buf, 1);
}

/* The compiler may emit a file's tests in any order; run them as they read: by file, then line. */
static bool ktest_before(const struct ktest *a, const struct ktest *b)
{
	int c = strcmp(a->file, b->file);
	return c < 0 || (c == 0 && a->line < b->line);
}

#define KTEST_MAX 1024
static const struct ktest *ktest_order[KTEST_MAX];

/* Returns whether test NAME is selected by FILTER: empty, or a comma-separated list of words one
 * of which NAME contains. */
static bool ktest_selected(const char *name, const char *filter)
{
	if (!*filter)
		return true;
	for (const char *word = filter; *word;) {
		size_t len = 0;
		while (word[len] && word[len] != ',')
			len++;
		for (const char *n = name; len && *n; n++)
			if (!strncmp(n, word, len))
				return true;
		word += len + (word[len] == ',');
	}
	return false;
}

int ktest_run_all(const char *filter)
{
	unsigned registered = (unsigned)(__stop_ktests - __start_ktests);
	unsigned total = 0, passed = 0, failed = 0;

	if (registered > KTEST_MAX)
		panic("%u tests registered, room for %u", registered, KTEST_MAX);
	for (unsigned i = 0; i < registered; i++) {
		if (!ktest_selected(__start_ktests[i].name, filter))
			continue;
		unsigned j = total++;
		for (; j > 0 && ktest_before(&__start_ktests[i], ktest_order[j - 1]); j--)
			ktest_order[j] = ktest_order[j - 1];
		ktest_order[j] = &__start_ktests[i];
	}

	kprintf("KTAP version 1\n1..%u\n", total);
	for (unsigned i = 0; i < total; i++) {
		const struct ktest *t = ktest_order[i];
		current_failures = 0;
		current_skip = NULL;
		t->fn();
		ktest_trap_disarm();
		if (current_skip && !current_failures) {
			kprintf("ok %u %s # SKIP %s\n", i + 1, t->name, current_skip);
			passed++;
		} else if (current_failures) {
			kprintf("not ok %u %s\n", i + 1, t->name);
			failed++;
		} else {
			kprintf("ok %u %s\n", i + 1, t->name);
			passed++;
		}
	}
	kprintf("%u passed, %u failed\n", passed, failed);
	return (int)failed;
}

unsigned ktest_expected_cpus(void)
{
	extern struct boot_info *boot_info;
	char text[16];
	uint64_t n;
	if (!boot_info || !cmdline_get(boot_info->cmdline, "smp", text, sizeof(text)) ||
	    !cmdline_parse_size(text, &n))
		return 0;
	return (unsigned)n;
}
