/* Host tests of kernel/cmdline.c. */
#include <string.h>
#include "tests/host/htest.h"
#include "kernel/cmdline.h"

HTEST(cmdline_finds_values_and_flags)
{
	char buf[32];
	const char *line = "BOOT_IMAGE=/boot/kernel mem=128M  quiet memtest=1 mem2=5";
	EXPECT_TRUE(cmdline_get(line, "mem", buf, sizeof(buf)));
	EXPECT_STREQ(buf, "128M");
	EXPECT_TRUE(cmdline_get(line, "quiet", buf, sizeof(buf)));
	EXPECT_STREQ(buf, "");
	EXPECT_TRUE(cmdline_get(line, "mem2", buf, sizeof(buf)));
	EXPECT_STREQ(buf, "5");
	EXPECT_TRUE(cmdline_get(line, "BOOT_IMAGE", buf, sizeof(buf)));
	EXPECT_STREQ(buf, "/boot/kernel");
	EXPECT_FALSE(cmdline_get(line, "me", buf, sizeof(buf)));       /* a prefix is not a key */
	EXPECT_FALSE(cmdline_get(line, "memtest=1", buf, sizeof(buf)));
	EXPECT_FALSE(cmdline_get("", "mem", buf, sizeof(buf)));
}

HTEST(cmdline_truncates_long_values)
{
	char buf[4];
	EXPECT_TRUE(cmdline_get("k=abcdefgh", "k", buf, sizeof(buf)));
	EXPECT_STREQ(buf, "abc");
}

HTEST(cmdline_parses_sizes)
{
	uint64_t v = 0;
	EXPECT_TRUE(cmdline_parse_size("128M", &v));
	EXPECT_EQ(v, 128ull << 20);
	EXPECT_TRUE(cmdline_parse_size("6G", &v));
	EXPECT_EQ(v, 6ull << 30);
	EXPECT_TRUE(cmdline_parse_size("512k", &v));
	EXPECT_EQ(v, 512ull << 10);
	EXPECT_TRUE(cmdline_parse_size("4096", &v));
	EXPECT_EQ(v, 4096);
	v = 77;
	EXPECT_FALSE(cmdline_parse_size("", &v));
	EXPECT_FALSE(cmdline_parse_size("M", &v));
	EXPECT_FALSE(cmdline_parse_size("12MB", &v));
	EXPECT_FALSE(cmdline_parse_size("99999999999999999999", &v));
	EXPECT_FALSE(cmdline_parse_size("17179869184G", &v));  /* 2^34 GiB overflows 64 bits */
	EXPECT_EQ(v, 77);
}
