/* Host tests of kernel/format.c, checked against the host C library's snprintf where the two
 * must agree. */
#include <stdio.h>
#include <string.h>
#include "tests/host/htest.h"
#include "kernel/format.h"

/* Formats with both ksnprintf and snprintf and expects the same text and the same length. */
#define SAME(...) do { \
	char ours[128], libc[128]; \
	int n_ours = ksnprintf(ours, sizeof(ours), __VA_ARGS__); \
	int n_libc = snprintf(libc, sizeof(libc), __VA_ARGS__); \
	EXPECT_STREQ(ours, libc); \
	EXPECT_EQ(n_ours, n_libc); \
	} while (0)

HTEST(format_matches_libc_for_integers)
{
	SAME("%d|%i|%u|%x|%X|%o", -123, 456, 789u, 0xabcu, 0xabcu, 8u);
	SAME("%5d|%-5d|%05d|%+d|% d", 42, 42, -42, 42, 42);
	SAME("%.3d|%8.3d|%-8.3x|%.0d|", 7, -7, 0x1fu, 0);
	SAME("%#x|%#o|%#X|%#x", 255u, 8u, 255u, 0u);
	SAME("%ld|%lu|%lx", -1234567890123L, 1234567890123UL, 0xfeedfaceUL);
	SAME("%lld|%llu|%llx", (long long)INT64_MIN, (unsigned long long)UINT64_MAX, 0x0123456789abcdefULL);
	SAME("%hhd|%hhu|%hd|%hu", 300, 300, 70000, 70000);
	SAME("%zu|%zx|%td", (size_t)12345, (size_t)0xdead, (ptrdiff_t)-5);
	SAME("%*d|%-*d|%.*d", 6, 1, 6, 2, 4, 3);
}

HTEST(format_matches_libc_for_text)
{
	SAME("%s|%10s|%-10s|%.2s|%c|%5c|%-3c|", "abc", "right", "left", "truncate", 'x', 'y', 'z');
	SAME("100%%|%%d");
}

HTEST(format_pointer_is_0x_and_full_width)
{
	char buf[64];
	ksnprintf(buf, sizeof(buf), "%p", (void *)0x1234);
	EXPECT_STREQ(buf, sizeof(void *) == 8 ? "0x0000000000001234" : "0x00001234");
}

HTEST(format_truncates_and_terminates)
{
	char buf[8];
	memset(buf, 'Q', sizeof(buf));
	EXPECT_EQ(ksnprintf(buf, sizeof(buf), "%s", "0123456789"), 10);
	EXPECT_STREQ(buf, "0123456");
	memset(buf, 'Q', sizeof(buf));
	EXPECT_EQ(ksnprintf(buf, 1, "abc"), 3);
	EXPECT_EQ(buf[0], '\0');
	EXPECT_EQ(buf[1], 'Q');
	EXPECT_EQ(ksnprintf(NULL, 0, "%d", 12345), 5);
}

HTEST(format_unknown_conversion_is_printed_verbatim)
{
	/* through a variable, so the compiler's format check does not reject it first */
	const char *volatile odd = "a%wb%";
	char buf[32];
	ksnprintf(buf, sizeof(buf), odd);
	EXPECT_STREQ(buf, "a%wb");
}
