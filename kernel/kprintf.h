/* Console output. kprintf writes whole lines atomically with respect to other CPUs. */
#ifndef KERNEL_KPRINTF_H
#define KERNEL_KPRINTF_H

#include <stdarg.h>
#include "kernel/compiler.h"

int kprintf(const char *fmt, ...) __printf(1, 2);
int vkprintf(const char *fmt, va_list args);
void kputs(const char *s);       /* writes S as it is, no newline added */
void kprintf_force_unlock(void);  /* panic path only: frees the console lock whoever holds it */

#endif
