/* console.c - serial output, a small printf, and whether input came in.
 * Also used by the exception handler at CPL0, hence no SSE. */
#pragma GCC target("general-regs-only")

#include "runtime.h"

struct outbuf {
	char *buf;
	size_t size, len;
};

static void put(struct outbuf *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_num(struct outbuf *o, uint64_t v, unsigned base, bool neg,
		    unsigned width, char pad)
{
	char digits[24];
	unsigned n = 0;

	do {
		digits[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg && pad == '0') {	/* the sign goes before the zeros */
		put(o, '-');
		if (width)
			width--;
	} else if (neg) {
		digits[n++] = '-';
	}
	for (; width > n; width--)
		put(o, pad);
	while (n)
		put(o, digits[--n]);
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct outbuf o = { buf, size, 0 };

	for (; *fmt; fmt++) {
		unsigned width = 0, lng = 0;
		char pad = ' ';
		int64_t sv;
		uint64_t uv;
		const char *s;
		size_t len;

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		if (*++fmt == '0')
			pad = *fmt++;
		for (; *fmt >= '0' && *fmt <= '9'; fmt++)
			width = width * 10 + (*fmt - '0');
		for (; *fmt == 'l' || *fmt == 'z'; fmt++)
			lng = 1;	/* long, long long and size_t are all 64-bit */

		switch (*fmt) {
		case 'd':
			sv = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
			put_num(&o, sv < 0 ? -(uint64_t)sv : (uint64_t)sv, 10, sv < 0, width, pad);
			break;
		case 'u':
		case 'x':
			uv = lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
			put_num(&o, uv, *fmt == 'u' ? 10 : 16, false, width, pad);
			break;
		case 'p':
			put(&o, '0');
			put(&o, 'x');
			put_num(&o, (uintptr_t)va_arg(ap, void *), 16, false, width, pad);
			break;
		case 's':
			s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			for (len = strlen(s); width > len; width--)
				put(&o, ' ');
			while (*s)
				put(&o, *s++);
			break;
		case 'c':
			put(&o, va_arg(ap, int));
			break;
		case '\0':
			fmt--;	/* a lone '%' at the end */
			break;
		default:
			put(&o, *fmt);
			break;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/* vCPU index + 1 of the console's holder, 0 when free. */
static unsigned con_owner;

/* Returns false if this vCPU already holds the console: an exception hit it
 * in the middle of a print, and waiting would deadlock. */
static bool con_lock(void)
{
	unsigned me = this_cpu() + 1, free;

	if (__atomic_load_n(&con_owner, __ATOMIC_RELAXED) == me)
		return false;
	for (;;) {
		free = 0;
		if (__atomic_compare_exchange_n(&con_owner, &free, me, false,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return true;
		while (__atomic_load_n(&con_owner, __ATOMIC_RELAXED))
			cpu_relax();
	}
}

/* Each byte is a VM exit. The VMM takes every byte at once, so LSR is not
 * polled (that would double the exits). */
int printf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	bool locked;
	int n, i;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	locked = con_lock();
	for (i = 0; buf[i]; i++)
		outb(FS_PORT_SERIAL, buf[i]);
	if (locked)
		__atomic_store_n(&con_owner, 0, __ATOMIC_RELEASE);
	return n;
}

bool console_input(void)
{
	return inb(FS_PORT_SERIAL + 5) & 1; /* line status register: data ready */
}
