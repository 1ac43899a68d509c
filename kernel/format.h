/* printf-style formatting into a sink. Pure logic: also built and tested on the host.
 * Supported: %d %i %u %x %X %o %p %s %c %%, length modifiers hh h l ll z t j, the flags '-', '0',
 * '+', ' ', '#', a field width and a precision (numbers or '*'). %p prints 0x and the full width
 * of a pointer in hex. */
#ifndef KERNEL_FORMAT_H
#define KERNEL_FORMAT_H

#include <stdarg.h>
#include "kernel/compiler.h"

typedef void (*format_sink)(void *ctx, char c);

/* Formats FMT with ARGS into SINK; returns the number of characters produced. */
int vformat(format_sink sink, void *ctx, const char *fmt, va_list args);

/* Like vsnprintf: always NUL-terminates (when size > 0); returns the length it would have had. */
int vksnprintf(char *buf, size_t size, const char *fmt, va_list args);
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

#endif
