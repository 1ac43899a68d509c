/* panic: for broken kernel invariants only. Errors that userspace or a scheme can cause return
 * error codes instead. */
#ifndef KERNEL_PANIC_H
#define KERNEL_PANIC_H

#include "kernel/compiler.h"

/* Prints "PANIC: <function>: <message>" and stops the machine with a failing exit status.
 * The function name is added here, so messages need not repeat it. */
#define panic(...) panic_at(__func__, __VA_ARGS__)
__noreturn void panic_at(const char *func, const char *fmt, ...) __printf(2, 3);

/* An assertion on a kernel invariant; prints the expression when it fails. */
#define kassert(expr) \
	do { if (unlikely(!(expr))) panic("assertion failed: %s (%s:%d)", #expr, __FILE__, __LINE__); } while (0)

#endif
