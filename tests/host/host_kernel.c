/* Host stand-ins for panic, spinlocks and the console (see host_kernel.h). The real versions
 * need arch code (interrupt masking, the serial port); these keep the same contracts. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "htest.h"
#include "host_kernel.h"
#include "kernel/format.h"
#include "kernel/kprintf.h"
#include "kernel/panic.h"
#include "kernel/spinlock.h"
#include "kernel/smp.h"

/* ---- panic ---- */

void panic_at(const char *func, const char *fmt, ...)
{
	char msg[512];
	int n = snprintf(msg, sizeof(msg), "%s: ", func);
	va_list ap;
	va_start(ap, fmt);
	vksnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);   /* the kernel's own formatter */
	va_end(ap);
	htest_panic(msg);
}

/* ---- spinlocks: one thread, so taking a held lock is a deadlock ---- */

static void force_unlock(void *lock)
{
	spin_force_unlock(lock);
}

void spin_init(struct spinlock *lock, const char *name)
{
	spin_init_ranked(lock, name, LOCK_RANK_NONE);
}

void spin_init_ranked(struct spinlock *lock, const char *name, unsigned rank)
{
	atomic_init(&lock->locked, 0);
	lock->name = name;
	lock->owner = NULL;
	lock->rank = rank;
}

/* One thread: no order to check here (the kernel's debug builds check it). */
unsigned long spin_lock_irqsave_unshared(struct spinlock *lock)
{
	return spin_lock_irqsave(lock);
}

unsigned long spin_lock_irqsave(struct spinlock *lock)
{
	static bool hooked;
	if (!hooked) {
		htest_set_unlock_hook(force_unlock);
		hooked = true;
	}
	if (atomic_exchange(&lock->locked, 1))
		panic("deadlock: lock %s already held", lock->name);
	lock->owner = __builtin_return_address(0);
	htest_lock_acquired(lock);
	return 0x1234;
}

void spin_unlock_irqrestore(struct spinlock *lock, unsigned long flags)
{
	if (!atomic_load(&lock->locked))
		panic("lock %s not held", lock->name);
	if (flags != 0x1234)
		panic("lock %s: flags %#lx are not what spin_lock_irqsave returned", lock->name, flags);
	htest_lock_released(lock);
	lock->owner = NULL;
	atomic_store(&lock->locked, 0);
}

bool spin_is_locked(const struct spinlock *lock)
{
	return atomic_load(&lock->locked) != 0;
}

void spin_force_unlock(struct spinlock *lock)
{
	lock->owner = NULL;
	atomic_store(&lock->locked, 0);
}

/* ---- one CPU: cross-CPU calls have no other CPU to reach ---- */

static struct cpu host_cpu;

struct cpu *cpu_current(void)
{
	return &host_cpu;
}

struct cpu *smp_cpu_self(void)
{
	return &host_cpu;
}

unsigned smp_call_mask(unsigned long mask, smp_call_fn fn, void *arg)
{
	(void)fn;
	(void)arg;
	if (mask & ~1ul)
		panic("smp_call_mask: mask %#lx names CPUs the host does not have", mask);
	return 0;
}

/* ---- console ---- */

#define CONSOLE_SIZE 16384
static char console[CONSOLE_SIZE];
static size_t console_len;
static char line[256];
static size_t line_len;

static void console_putc(void *ctx, char c)
{
	(void)ctx;
	if (console_len == CONSOLE_SIZE - 1) {           /* full: drop the older half */
		memmove(console, console + CONSOLE_SIZE / 2, console_len - CONSOLE_SIZE / 2);
		console_len -= CONSOLE_SIZE / 2;
	}
	console[console_len++] = c;
	console[console_len] = '\0';
	if (c == '\n' || line_len == sizeof(line) - 1) {
		line[line_len] = '\0';
		printf("# console: %s\n", line);
		line_len = 0;
		if (c == '\n')
			return;
	}
	line[line_len++] = c;
}

int vkprintf(const char *fmt, va_list args)
{
	return vformat(console_putc, NULL, fmt, args);
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vkprintf(fmt, ap);
	va_end(ap);
	return n;
}

void kputs(const char *s)
{
	while (*s)
		console_putc(NULL, *s++);
}

const char *host_console_text(void)
{
	return console;
}

void host_console_clear(void)
{
	console_len = 0;
	console[0] = '\0';
}
