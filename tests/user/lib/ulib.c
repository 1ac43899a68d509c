/* The user library's printing and check bookkeeping (the formatting is the kernel's own
 * kernel/format.c, built again for user mode). */
#include <stdarg.h>
#include "tests/user/lib/ulib.h"
#include "kernel/format.h"

static int failures;

int u_printf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vksnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	size_t len = (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1;
	sys2(SYS_DEBUG_WRITE, (long)buf, (long)len);
	return n;
}

void u_fail(const char *file, int line, const char *what, unsigned long long a, unsigned long long b)
{
	u_printf("    # user pid %ld: %s:%d: expected %s, got %#llx vs %#llx\n", u_getpid(), file, line,
		 what, a, b);
	__atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED);   /* threads may fail at once */
}

int u_failures(void)
{
	return failures;
}

/* ---- Fault upcalls ---- */
void u_fault_entry(void);
__attribute__((noreturn)) void u_fault_dispatch(uintptr_t addr, unsigned long access);

static struct u_jmp_buf fault_jmp;
static volatile bool fault_armed;
static volatile uintptr_t fault_addr;
static volatile int fault_access;

void u_fault_dispatch(uintptr_t addr, unsigned long access)
{
	if (!fault_armed) {
		u_printf("    # user pid %ld: unexpected fault at %p (access %lu)\n", u_getpid(),
			 (void *)addr, access);
		u_exit(139);
	}
	fault_armed = false;
	fault_addr = addr;
	fault_access = (int)access;
	u_longjmp(&fault_jmp, 1);
}

bool u_try(void (*fn)(void *), void *arg, uintptr_t *addr, int *access)
{
	static bool registered;
	if (!registered) {
		sys1(SYS_FAULT_HANDLER, (long)u_fault_entry);
		registered = true;
	}
	if (u_setjmp(&fault_jmp) == 0) {
		fault_armed = true;
		fn(arg);
		fault_armed = false;
		return false;
	}
	if (addr)
		*addr = fault_addr;
	if (access)
		*access = fault_access;
	return true;
}

struct byte_op {
	volatile uint8_t *p;
	uint8_t value;
};

static void do_read(void *arg)
{
	struct byte_op *op = arg;
	op->value = *op->p;
}

static void do_write(void *arg)
{
	struct byte_op *op = arg;
	*op->p = op->value;
}

bool u_read_faults(const volatile uint8_t *p, uint8_t *out)
{
	struct byte_op op = { (volatile uint8_t *)p, 0 };
	bool faulted = u_try(do_read, &op, NULL, NULL);
	if (!faulted && out)
		*out = op.value;
	return faulted;
}

bool u_write_faults(volatile uint8_t *p, uint8_t value)
{
	struct byte_op op = { p, value };
	return u_try(do_write, &op, NULL, NULL);
}

void u_run_child_checked(void (*fn)(void))
{
	long free0 = u_free_frames();
	long pid = u_fork();
	if (pid == 0) {
		fn();
		u_exit(u_failures());
	}
	int status = -1;
	U_EXPECT_EQ(u_waitpid(pid, &status), pid);
	U_EXPECT_EQ(status, 0);
	U_EXPECT_EQ(u_free_frames(), free0);
	U_EXPECT_EQ(u_check(), 0);
}
