/* Command-line parsing; pure logic, also tested on the host. */
#include "kernel/cmdline.h"

bool cmdline_get(const char *cmdline, const char *key, char *buf, size_t size)
{
	for (const char *k = key; *k; k++)
		if (*k == '=' || *k == ' ')
			return false;               /* no word can have such a key */
	const char *p = cmdline;
	while (*key && *p) {
		while (*p == ' ')
			p++;
		const char *word = p;
		while (*p && *p != ' ')
			p++;
		const char *k = key, *w = word;
		while (*k && w < p && *w == *k)
			k++, w++;
		if (*k || (w < p && *w != '='))
			continue;
		if (w < p)
			w++;                        /* skip '=' */
		size_t n = 0;
		while (w < p && n + 1 < size)
			buf[n++] = *w++;
		if (size)
			buf[n] = '\0';
		return true;
	}
	return false;
}

bool cmdline_parse_size(const char *text, uint64_t *bytes)
{
	uint64_t v = 0;
	const char *p = text;
	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	unsigned shift = 0;
	switch (*p) {
	case 'K': case 'k': shift = 10; p++; break;
	case 'M': case 'm': shift = 20; p++; break;
	case 'G': case 'g': shift = 30; p++; break;
	case 'T': case 't': shift = 40; p++; break;
	}
	if (*p || (shift && v > (UINT64_MAX >> shift)))
		return false;
	*bytes = v << shift;
	return true;
}
