/* The one way the kernel stops on a broken invariant. */
#include <stdarg.h>
#include "kernel/panic.h"
#include "kernel/kprintf.h"
#include "kernel/arch.h"

/* Exit status the test script reads as "the kernel panicked". */
#define EXIT_PANIC 3

static int panicking;

void panic_at(const char *func, const char *fmt, ...)
{
	arch_irq_save();
	if (panicking++) {          /* panic inside panic: say so once and stop */
		kputs("\nPANIC: nested panic\n");
		arch_exit(EXIT_PANIC);
	}
	kprintf_force_unlock();

	va_list ap;
	va_start(ap, fmt);
	kprintf("\nPANIC: %s: ", func);
	vkprintf(fmt, ap);
	kprintf("\n");
	va_end(ap);
	arch_exit(EXIT_PANIC);
}
