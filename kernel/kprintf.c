/* kprintf: formatted output to the arch console, serialized by one lock. */
#include "kernel/kprintf.h"
#include "kernel/format.h"
#include "kernel/spinlock.h"
#include "kernel/arch.h"

static struct spinlock console_lock = SPINLOCK_INIT("console");

static void console_put(void *ctx __unused, char c)
{
	if (c == '\n')
		arch_console_putc('\r');
	arch_console_putc(c);
}

int vkprintf(const char *fmt, va_list args)
{
	unsigned long flags = spin_lock_irqsave(&console_lock);
	int n = vformat(console_put, NULL, fmt, args);
	spin_unlock_irqrestore(&console_lock, flags);
	return n;
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
	kprintf("%s", s);
}

/* panic() must print even if the console lock is held by the CPU that panicked. */
void kprintf_force_unlock(void)
{
	spin_force_unlock(&console_lock);
}
