/* Host stand-ins for the kernel services that pure-logic code calls: panic_at (into the test
 * harness), spinlocks (single-threaded, detecting self-deadlock), kprintf (into a buffer the
 * tests can read, echoed as "# console: " diagnostics). */
#ifndef TESTS_HOST_HOST_KERNEL_H
#define TESTS_HOST_HOST_KERNEL_H

/* Everything kprintf printed since the last host_console_clear, NUL-terminated (the oldest text
 * is dropped beyond 16 KiB). */
const char *host_console_text(void);
void host_console_clear(void);

#endif
