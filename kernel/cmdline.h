/* The kernel command line: space-separated words, each "key" or "key=value". */
#ifndef KERNEL_CMDLINE_H
#define KERNEL_CMDLINE_H

#include "kernel/compiler.h"

/* Copies the value of KEY into BUF (NUL-terminated, truncated to SIZE); false if KEY is absent.
 * An empty KEY, or one containing '=' or a space, is never found. */
bool cmdline_get(const char *cmdline, const char *key, char *buf, size_t size);

/* Parses a size such as "128M", "4G", "512K" or "4096" into bytes; false if malformed. */
bool cmdline_parse_size(const char *text, uint64_t *bytes);

#endif
