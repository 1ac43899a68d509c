/* printf-style formatting, shared by kprintf (console) and ksnprintf (buffers). */
#include "kernel/format.h"

struct spec {
	bool left;        /* '-' */
	bool zero;        /* '0' */
	bool plus;        /* '+' */
	bool space;       /* ' ' */
	bool alt;         /* '#' */
	int width;
	int precision;    /* -1: none given */
};

struct out {
	format_sink sink;
	void *ctx;
	int count;
};

static void put(struct out *o, char c)
{
	o->sink(o->ctx, c);
	o->count++;
}

static void pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

/* Prints the magnitude VALUE in BASE with sign/prefix text PREFIX, honouring width and precision. */
static void put_number(struct out *o, const struct spec *s, unsigned long long value,
		       unsigned base, bool upper, const char *prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int len = 0;

	if (value == 0 && s->precision == 0)
		len = 0;           /* "%.0d" of 0 prints no digits */
	else
		do {
			tmp[len++] = digits[value % base];
			value /= base;
		} while (value);

	int prefix_len = 0;
	while (prefix[prefix_len])
		prefix_len++;
	int zeros = s->precision > len ? s->precision - len : 0;
	int body = prefix_len + zeros + len;
	int fill = s->width > body ? s->width - body : 0;

	if (s->zero && !s->left && s->precision < 0) {
		zeros += fill;
		fill = 0;
	}
	if (!s->left)
		pad(o, ' ', fill);
	for (int i = 0; i < prefix_len; i++)
		put(o, prefix[i]);
	pad(o, '0', zeros);
	while (len)
		put(o, tmp[--len]);
	if (s->left)
		pad(o, ' ', fill);
}

static void put_string(struct out *o, const struct spec *s, const char *str)
{
	if (!str)
		str = "(null)";
	int len = 0;
	while (str[len] && (s->precision < 0 || len < s->precision))
		len++;
	int fill = s->width > len ? s->width - len : 0;
	if (!s->left)
		pad(o, ' ', fill);
	for (int i = 0; i < len; i++)
		put(o, str[i]);
	if (s->left)
		pad(o, ' ', fill);
}

enum length { LEN_INT, LEN_CHAR, LEN_SHORT, LEN_LONG, LEN_LLONG, LEN_SIZE, LEN_PTRDIFF, LEN_MAX };

static unsigned long long arg_unsigned(va_list *ap, enum length len)
{
	switch (len) {
	case LEN_CHAR:    return (unsigned char)va_arg(*ap, unsigned);
	case LEN_SHORT:   return (unsigned short)va_arg(*ap, unsigned);
	case LEN_LONG:    return va_arg(*ap, unsigned long);
	case LEN_LLONG:   return va_arg(*ap, unsigned long long);
	case LEN_SIZE:    return va_arg(*ap, size_t);
	case LEN_PTRDIFF: return (unsigned long long)va_arg(*ap, ptrdiff_t);
	case LEN_MAX:     return va_arg(*ap, uintmax_t);
	default:          return va_arg(*ap, unsigned);
	}
}

static long long arg_signed(va_list *ap, enum length len)
{
	switch (len) {
	case LEN_CHAR:    return (signed char)va_arg(*ap, int);
	case LEN_SHORT:   return (short)va_arg(*ap, int);
	case LEN_LONG:    return va_arg(*ap, long);
	case LEN_LLONG:   return va_arg(*ap, long long);
	case LEN_SIZE:    return (long long)va_arg(*ap, size_t);
	case LEN_PTRDIFF: return va_arg(*ap, ptrdiff_t);
	case LEN_MAX:     return va_arg(*ap, intmax_t);
	default:          return va_arg(*ap, int);
	}
}

static int parse_int(const char **p)
{
	int n = 0;
	while (**p >= '0' && **p <= '9')
		n = n * 10 + (*(*p)++ - '0');
	return n;
}

int vformat(format_sink sink, void *ctx, const char *fmt, va_list args)
{
	struct out o = { sink, ctx, 0 };
	va_list ap;
	va_copy(ap, args);

	for (const char *p = fmt; *p; p++) {
		if (*p != '%') {
			put(&o, *p);
			continue;
		}
		struct spec s = { .precision = -1 };
		for (;; p++) {
			if (p[1] == '-') s.left = true;
			else if (p[1] == '0') s.zero = true;
			else if (p[1] == '+') s.plus = true;
			else if (p[1] == ' ') s.space = true;
			else if (p[1] == '#') s.alt = true;
			else break;
		}
		p++;
		if (*p == '*') {
			s.width = va_arg(ap, int);
			if (s.width < 0) {
				s.left = true;
				s.width = -s.width;
			}
			p++;
		} else {
			s.width = parse_int(&p);
		}
		if (*p == '.') {
			p++;
			if (*p == '*') {
				s.precision = va_arg(ap, int);
				p++;
			} else {
				s.precision = parse_int(&p);
			}
		}
		enum length len = LEN_INT;
		switch (*p) {
		case 'h': len = (p[1] == 'h') ? (p++, LEN_CHAR) : LEN_SHORT; p++; break;
		case 'l': len = (p[1] == 'l') ? (p++, LEN_LLONG) : LEN_LONG; p++; break;
		case 'z': len = LEN_SIZE; p++; break;
		case 't': len = LEN_PTRDIFF; p++; break;
		case 'j': len = LEN_MAX; p++; break;
		}

		switch (*p) {
		case 'd':
		case 'i': {
			long long v = arg_signed(&ap, len);
			unsigned long long mag = v < 0 ? -(unsigned long long)v : (unsigned long long)v;
			put_number(&o, &s, mag, 10, false, v < 0 ? "-" : s.plus ? "+" : s.space ? " " : "");
			break;
		}
		case 'u':
			put_number(&o, &s, arg_unsigned(&ap, len), 10, false, "");
			break;
		case 'x':
		case 'X': {
			unsigned long long v = arg_unsigned(&ap, len);
			put_number(&o, &s, v, 16, *p == 'X', s.alt && v ? (*p == 'X' ? "0X" : "0x") : "");
			break;
		}
		case 'o':
			put_number(&o, &s, arg_unsigned(&ap, len), 8, false, s.alt ? "0" : "");
			break;
		case 'p': {
			struct spec ps = s;
			ps.precision = (int)sizeof(void *) * 2;
			put_number(&o, &ps, (uintptr_t)va_arg(ap, void *), 16, false, "0x");
			break;
		}
		case 's':
			put_string(&o, &s, va_arg(ap, const char *));
			break;
		case 'c': {
			char c[2] = { (char)va_arg(ap, int), 0 };
			struct spec cs = s;
			cs.precision = 1;
			if (c[0] == 0) {        /* a NUL character still counts as one */
				pad(&o, ' ', s.left ? 0 : s.width - 1);
				put(&o, 0);
				pad(&o, ' ', s.left ? s.width - 1 : 0);
			} else {
				put_string(&o, &cs, c);
			}
			break;
		}
		case '%':
			put(&o, '%');
			break;
		case '\0':
			p--;            /* a lone '%' at the end: stop */
			break;
		default:                /* unknown conversion: print it as it was written */
			put(&o, '%');
			put(&o, *p);
			break;
		}
	}
	va_end(ap);
	return o.count;
}

struct buf_sink {
	char *buf;
	size_t size;
	size_t pos;
};

static void buf_put(void *ctx, char c)
{
	struct buf_sink *b = ctx;
	if (b->pos + 1 < b->size)
		b->buf[b->pos] = c;
	b->pos++;
}

int vksnprintf(char *buf, size_t size, const char *fmt, va_list args)
{
	struct buf_sink b = { buf, size, 0 };
	int n = vformat(buf_put, &b, fmt, args);
	if (size)
		buf[b.pos < size ? b.pos : size - 1] = '\0';
	return n;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vksnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
