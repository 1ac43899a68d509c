/* kprintf's formatter as built for this arch (va_arg of 64-bit values differs per ABI). */
#include "kernel/ktest.h"
#include "kernel/format.h"

KTEST(format_integers_and_padding)
{
	char buf[96];
	ksnprintf(buf, sizeof(buf), "%d %u %x %5d|%-5d|%05d", -42, 42u, 0xbeefu, 7, 7, -7);
	EXPECT_STREQ(buf, "-42 42 beef     7|7    |-0007");
	ksnprintf(buf, sizeof(buf), "%lx %llx %llu", 0xfffffffful, 0x123456789abcdef0ull,
		  18446744073709551615ull);
	EXPECT_STREQ(buf, "ffffffff 123456789abcdef0 18446744073709551615");
	ksnprintf(buf, sizeof(buf), "%s|%8s|%-4s|%c%c", "ab", "right", "l", 'x', 'y');
	EXPECT_STREQ(buf, "ab|   right|l   |xy");
}

KTEST(format_pointer_is_full_width)
{
	char buf[32];
	ksnprintf(buf, sizeof(buf), "%p", (void *)0x1000);
	EXPECT_STREQ(buf, sizeof(void *) == 8 ? "0x0000000000001000" : "0x00001000");
}
