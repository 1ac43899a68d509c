/* Memory scenario parser, fill pattern and FNV-1a 64 (see scenario.h and the format file).
 * Lexical rules, where the format leaves them open (resolved as a strict reading, noted here):
 *  - a line ends at '\n'; '#' starts a comment anywhere; spaces, tabs and '\r' separate words;
 *  - numbers are one or more ASCII digits (leading zeros allowed, like strtoul) that fit in 64
 *    bits; a sign, hex, or overflow is malformed; OFFSET must be 0..4095 and BYTE 0..255;
 *  - names are [A-Za-z0-9_.-]+ of at most SC_NAME_MAX-1 characters (a longer name is malformed);
 *  - `NAME2+PAGE` splits at the '+' (names cannot hold one); both halves must be valid;
 *  - a known op with too few or too many words is malformed, as is a NUL byte in the text. */
#include "tests/scenario/scenario.h"
#include "kernel/string.h"

#define SC_MAX_WORDS 10

struct sc_word {
	const char *s;
	size_t len;
};

static const char *const sc_op_names[] = {
	[SC_MAP] = "map", [SC_MAPFILE] = "mapfile", [SC_UNMAP] = "unmap", [SC_PROTECT] = "protect",
	[SC_FILL] = "fill", [SC_POKE] = "poke", [SC_PEEK] = "peek", [SC_SUM] = "sum",
	[SC_FORK] = "fork", [SC_EXIT] = "exit", [SC_FILE] = "file", [SC_FILESUM] = "filesum",
};

/* Words after PROC OP for each op (map may have 2 more: `at NAME2+PAGE`). */
static const unsigned sc_op_args[] = {
	[SC_MAP] = 4, [SC_MAPFILE] = 6, [SC_UNMAP] = 3, [SC_PROTECT] = 4, [SC_FILL] = 4,
	[SC_POKE] = 4, [SC_PEEK] = 3, [SC_SUM] = 3, [SC_FORK] = 1, [SC_EXIT] = 0, [SC_FILE] = 3,
	[SC_FILESUM] = 3,
};

static const char *const sc_prot_names[] = {
	[SC_PROT_NONE] = "none", [SC_PROT_R] = "r", [SC_PROT_RW] = "rw", [SC_PROT_RX] = "rx",
	[SC_PROT_RWX] = "rwx",
};

const char *sc_op_name(enum sc_op op)
{
	return (unsigned)op < sizeof(sc_op_names) / sizeof(sc_op_names[0]) ? sc_op_names[op] : "?";
}

uint64_t sc_pattern_word(uint64_t seed, uint64_t page, uint64_t word)
{
	return seed * SC_FNV_PRIME + page * SC_PAGE_SIZE + word * 8u;
}

uint64_t sc_fnv1a(uint64_t h, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * SC_FNV_PRIME;
	return h;
}

void sc_hex64(uint64_t h, char out[17])
{
	static const char digits[] = "0123456789abcdef";

	for (int i = 15; i >= 0; i--) {
		out[i] = digits[h & 0xf];
		h >>= 4;
	}
	out[16] = '\0';
}

/* Appends the NUL-terminated S to the message, truncating at its end. */
static void sc_msg_add(struct sc_error *err, const char *s)
{
	size_t at = strlen(err->msg);

	while (*s && at + 1 < SC_MSG_MAX)
		err->msg[at++] = *s++;
	err->msg[at] = '\0';
}

/* Appends word W in quotes (truncated to fit). */
static void sc_msg_word(struct sc_error *err, const struct sc_word *w)
{
	char buf[40];
	size_t n = w->len < sizeof(buf) - 1 ? w->len : sizeof(buf) - 1;

	memcpy(buf, w->s, n);
	buf[n] = '\0';
	sc_msg_add(err, "'");
	sc_msg_add(err, buf);
	sc_msg_add(err, "'");
}

/* Sets the error to "WHAT 'WORD'" (WORD may be NULL) and returns false. */
static bool sc_fail(struct sc_error *err, const char *what, const struct sc_word *w)
{
	err->msg[0] = '\0';
	sc_msg_add(err, what);
	if (w) {
		sc_msg_add(err, " ");
		sc_msg_word(err, w);
	}
	return false;
}

static bool sc_word_is(const struct sc_word *w, const char *s)
{
	size_t n = strlen(s);

	return w->len == n && memcmp(w->s, s, n) == 0;
}

static bool sc_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '-';
}

/* Copies W into OUT when it is a valid name; else sets the error. */
static bool sc_get_name(const struct sc_word *w, char out[SC_NAME_MAX], struct sc_error *err)
{
	if (w->len == 0 || w->len >= SC_NAME_MAX)
		return sc_fail(err, w->len ? "name too long" : "empty name", w);
	for (size_t i = 0; i < w->len; i++)
		if (!sc_name_char(w->s[i]))
			return sc_fail(err, "bad name", w);
	memcpy(out, w->s, w->len);
	out[w->len] = '\0';
	return true;
}

/* Parses W as an unsigned decimal no larger than MAXV into *OUT; else sets the error. */
static bool sc_get_num(const struct sc_word *w, uint64_t maxv, const char *what, uint64_t *out,
		       struct sc_error *err)
{
	uint64_t v = 0;

	if (w->len == 0)
		return sc_fail(err, "bad number", w);
	for (size_t i = 0; i < w->len; i++) {
		unsigned d = (unsigned char)w->s[i] - '0';

		if (d > 9)
			return sc_fail(err, "bad number", w);
		if (v > (UINT64_MAX - d) / 10)
			return sc_fail(err, "number too large", w);
		v = v * 10 + d;
	}
	if (v > maxv) {
		err->msg[0] = '\0';
		sc_msg_add(err, what);
		sc_msg_add(err, " out of range ");
		sc_msg_word(err, w);
		return false;
	}
	*out = v;
	return true;
}

static bool sc_get_prot(const struct sc_word *w, enum sc_prot *out, struct sc_error *err)
{
	for (unsigned i = 0; i < sizeof(sc_prot_names) / sizeof(sc_prot_names[0]); i++) {
		if (sc_word_is(w, sc_prot_names[i])) {
			*out = (enum sc_prot)i;
			return true;
		}
	}
	return sc_fail(err, "bad PROT (none, r, rw, rx, rwx)", w);
}

static bool sc_get_share(const struct sc_word *w, bool *out, struct sc_error *err)
{
	if (sc_word_is(w, "private") || sc_word_is(w, "shared")) {
		*out = sc_word_is(w, "shared");
		return true;
	}
	return sc_fail(err, "bad SHARE (private, shared)", w);
}

/* Parses `NAME2+PAGE` into the line's at fields. */
static bool sc_get_at(const struct sc_word *w, struct sc_line *l, struct sc_error *err)
{
	size_t plus = 0;

	while (plus < w->len && w->s[plus] != '+')
		plus++;
	if (plus == w->len)
		return sc_fail(err, "expected NAME2+PAGE, got", w);
	struct sc_word name = { w->s, plus }, page = { w->s + plus + 1, w->len - plus - 1 };
	if (!sc_get_name(&name, l->at_name, err) ||
	    !sc_get_num(&page, UINT64_MAX, "PAGE", &l->at_page, err))
		return false;
	l->has_at = true;
	return true;
}

/* Fills L from the words of one line (W[0] = PROC, W[1] = OP); false with ERR set if malformed. */
static bool sc_parse_words(const struct sc_word *w, unsigned nw, struct sc_line *l,
			   struct sc_error *err)
{
	unsigned op, nargs;

	if (!sc_get_name(&w[0], l->proc, err))
		return false;
	if (nw < 2)
		return sc_fail(err, "missing op after process name", NULL);
	for (op = 0; op < sizeof(sc_op_names) / sizeof(sc_op_names[0]); op++)
		if (sc_word_is(&w[1], sc_op_names[op]))
			break;
	if (op == sizeof(sc_op_names) / sizeof(sc_op_names[0]))
		return sc_fail(err, "unknown op", &w[1]);
	l->op = (enum sc_op)op;
	nargs = nw - 2;
	if (nargs < sc_op_args[op] || (nargs > sc_op_args[op] && !(op == SC_MAP && nargs == 6))) {
		err->msg[0] = '\0';
		sc_msg_add(err, nargs < sc_op_args[op] ? "missing arguments for " :
			   "too many arguments for ");
		sc_msg_add(err, sc_op_names[op]);
		return false;
	}
	const struct sc_word *a = &w[2];
	switch (l->op) {
	case SC_MAP:
		if (!sc_get_name(&a[0], l->name, err) ||
		    !sc_get_num(&a[1], UINT64_MAX, "PAGES", &l->n[0], err) ||
		    !sc_get_prot(&a[2], &l->prot, err) || !sc_get_share(&a[3], &l->shared, err))
			return false;
		if (nargs == 6 && !sc_word_is(&a[4], "at"))
			return sc_fail(err, "expected 'at', got", &a[4]);
		return nargs == 4 || sc_get_at(&a[5], l, err);
	case SC_MAPFILE:
		return sc_get_name(&a[0], l->name, err) && sc_get_name(&a[1], l->file, err) &&
		       sc_get_num(&a[2], UINT64_MAX, "PAGEOFF", &l->n[0], err) &&
		       sc_get_num(&a[3], UINT64_MAX, "PAGES", &l->n[1], err) &&
		       sc_get_prot(&a[4], &l->prot, err) && sc_get_share(&a[5], &l->shared, err);
	case SC_UNMAP:
	case SC_PROTECT:
	case SC_SUM:
	case SC_FILL:
		return sc_get_name(&a[0], l->name, err) &&
		       sc_get_num(&a[1], UINT64_MAX, "FIRST", &l->n[0], err) &&
		       sc_get_num(&a[2], UINT64_MAX, "COUNT", &l->n[1], err) &&
		       (l->op != SC_PROTECT || sc_get_prot(&a[3], &l->prot, err)) &&
		       (l->op != SC_FILL || sc_get_num(&a[3], UINT64_MAX, "SEED", &l->n[2], err));
	case SC_POKE:
	case SC_PEEK:
		return sc_get_name(&a[0], l->name, err) &&
		       sc_get_num(&a[1], UINT64_MAX, "PAGE", &l->n[0], err) &&
		       sc_get_num(&a[2], SC_PAGE_SIZE - 1, "OFFSET", &l->n[1], err) &&
		       (l->op != SC_POKE || sc_get_num(&a[3], 255, "BYTE", &l->n[2], err));
	case SC_FORK:
		return sc_get_name(&a[0], l->name, err);
	case SC_EXIT:
		return true;
	case SC_FILE:
	case SC_FILESUM:
		return sc_get_name(&a[0], l->name, err) &&
		       sc_get_num(&a[1], UINT64_MAX, l->op == SC_FILE ? "PAGES" : "FIRST", &l->n[0], err) &&
		       sc_get_num(&a[2], UINT64_MAX, l->op == SC_FILE ? "SEED" : "COUNT", &l->n[1], err);
	}
	return sc_fail(err, "internal: unhandled op", NULL);
}

int sc_parse(const char *text, size_t len, struct sc_line *lines, size_t max, size_t *count,
	     struct sc_error *err)
{
	size_t pos = 0, n = 0;
	unsigned lineno = 0;

	*count = 0;
	while (pos < len) {
		struct sc_word w[SC_MAX_WORDS];
		unsigned nw = 0;
		bool comment = false, too_many = false, nul = false;

		lineno++;
		while (pos < len && text[pos] != '\n') {
			char c = text[pos];

			if (c == '#')
				comment = true;
			if (c == '\0')
				nul = true;
			if (comment || c == ' ' || c == '\t' || c == '\r' || c == '\0') {
				pos++;
				continue;
			}
			size_t start = pos;
			while (pos < len && text[pos] != '\n' && text[pos] != ' ' && text[pos] != '\t' &&
			       text[pos] != '\r' && text[pos] != '#' && text[pos] != '\0')
				pos++;
			if (nw < SC_MAX_WORDS)
				w[nw++] = (struct sc_word){ text + start, pos - start };
			else
				too_many = true;
		}
		pos++;                  /* the '\n' (or one past the end) */
		if (nw == 0 && !nul)
			continue;
		err->lineno = lineno;
		err->msg[0] = '\0';
		if (nul) {
			sc_fail(err, "NUL byte in line", NULL);
			return -SC_EINVAL;
		}
		if (too_many) {
			sc_fail(err, "too many words", NULL);
			return -SC_EINVAL;
		}
		if (n == max) {
			sc_fail(err, "too many lines for this runner", NULL);
			return -SC_E2BIG;
		}
		struct sc_line *l = &lines[n];
		memset(l, 0, sizeof(*l));
		l->lineno = lineno;
		if (!sc_parse_words(w, nw, l, err))
			return -SC_EINVAL;
		*count = ++n;
	}
	return 0;
}
