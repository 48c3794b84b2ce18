/*
 * A small vsnprintf: %s %c %d %i %u %x %X %p %%, length modifiers h, l, ll, z, flags '-'
 * and '0', and a field width (digits or '*'). No floating point.
 *
 * Decimal conversion of 64-bit values uses long division by 16-bit pieces, so 32-bit builds
 * need no libgcc helper (__udivdi3).
 */
#include <stdarg.h>
#include "console.h"

struct outbuf {
	char *buf;
	size_t size;   /* capacity including the terminating NUL */
	size_t len;    /* characters stored so far */
};

static void put(struct outbuf *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len++] = c;
}

static void put_repeat(struct outbuf *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

/* *n /= base, returns the remainder. */
static unsigned int divmod(unsigned long long *n, unsigned int base)
{
	unsigned long long q = 0;
	uint32_t rem = 0;

	if (base == 16) {
		rem = (uint32_t)(*n & 15);
		*n >>= 4;
		return rem;
	}
	for (int shift = 48; shift >= 0; shift -= 16) {
		uint32_t cur = (rem << 16) | (uint32_t)((*n >> shift) & 0xffff);
		q |= (unsigned long long)(cur / base) << shift;
		rem = cur % base;
	}
	*n = q;
	return rem;
}

struct spec {
	int left;      /* '-' flag */
	int zero;      /* '0' flag */
	int width;
};

static void put_field(struct outbuf *o, const struct spec *sp, const char *prefix,
		      const char *body, int body_len)
{
	int prefix_len = 0;
	while (prefix[prefix_len])
		prefix_len++;
	int pad = sp->width - prefix_len - body_len;

	if (!sp->left && !sp->zero)
		put_repeat(o, ' ', pad);
	for (int i = 0; i < prefix_len; i++)
		put(o, prefix[i]);
	if (!sp->left && sp->zero)
		put_repeat(o, '0', pad);
	for (int i = 0; i < body_len; i++)
		put(o, body[i]);
	if (sp->left)
		put_repeat(o, ' ', pad);
}

static void put_number(struct outbuf *o, const struct spec *sp, unsigned long long v,
		       unsigned int base, int negative, int upper, const char *prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;

	do
		tmp[n++] = digits[divmod(&v, base)];
	while (v);
	/* reverse into body order */
	for (int i = 0; i < n / 2; i++) {
		char t = tmp[i];
		tmp[i] = tmp[n - 1 - i];
		tmp[n - 1 - i] = t;
	}
	put_field(o, sp, negative ? "-" : prefix, tmp, n);
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct outbuf o = { buf, size, 0 };

	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		struct spec sp = { 0, 0, 0 };
		fmt++;
		for (;; fmt++) {
			if (*fmt == '-')
				sp.left = 1;
			else if (*fmt == '0')
				sp.zero = 1;
			else
				break;
		}
		if (*fmt == '*') {
			sp.width = va_arg(ap, int);
			fmt++;
		} else {
			while (*fmt >= '0' && *fmt <= '9')
				sp.width = sp.width * 10 + (*fmt++ - '0');
		}
		int lng = 0; /* 0 int, 1 long, 2 long long, 3 size_t */
		for (;; fmt++) {
			if (*fmt == 'l')
				lng = lng ? 2 : 1;
			else if (*fmt == 'z')
				lng = 3;
			else if (*fmt != 'h')
				break;
		}

		unsigned long long u;
		switch (*fmt) {
		case 'd':
		case 'i': {
			long long s = lng == 2 ? va_arg(ap, long long)
				      : lng ? (long long)va_arg(ap, long)
					    : (long long)va_arg(ap, int);
			u = s < 0 ? 0 - (unsigned long long)s : (unsigned long long)s;
			put_number(&o, &sp, u, 10, s < 0, 0, "");
			break;
		}
		case 'u':
		case 'x':
		case 'X':
			u = lng == 2 ? va_arg(ap, unsigned long long)
			    : lng ? (unsigned long long)va_arg(ap, unsigned long)
				  : (unsigned long long)va_arg(ap, unsigned int);
			put_number(&o, &sp, u, *fmt == 'u' ? 10 : 16, 0, *fmt == 'X', "");
			break;
		case 'p':
			sp.zero = 1;
			sp.width = 2 + 2 * (int)sizeof(void *);
			u = (unsigned long)va_arg(ap, void *);
			put_number(&o, &sp, u, 16, 0, 0, "0x");
			break;
		case 'c': {
			char c = (char)va_arg(ap, int);
			sp.zero = 0;
			put_field(&o, &sp, "", &c, 1);
			break;
		}
		case 's': {
			const char *s = va_arg(ap, const char *);
			int n = 0;
			if (!s)
				s = "(null)";
			while (s[n])
				n++;
			sp.zero = 0;
			put_field(&o, &sp, "", s, n);
			break;
		}
		case '%':
			put(&o, '%');
			break;
		case '\0':
			fmt--; /* a lone '%' at the end: stop at the NUL */
			break;
		default: /* unknown conversion: print it as is */
			put(&o, '%');
			put(&o, *fmt);
			break;
		}
	}
	if (o.size)
		o.buf[o.len] = '\0';
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
