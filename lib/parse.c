/* parse.c - numbers, sizes and range lists from the command line and the
 * control socket (see parse.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/parse.h"

int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	unsigned shift = 0;

	if (*s < '0' || *s > '9') /* strtoull would take spaces and a sign */
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	}
	if (*end == 'i' && shift)
		end++;
	if ((*end == 'B' || *end == 'b') && (shift || end[1] == '\0'))
		end++;
	if (*end || (shift && v > (UINT64_MAX >> shift)))
		return -1;
	*out = v << shift;
	return 0;
}

int parse_uint(const char *s, unsigned min, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

int parse_uint_field(const char *s, size_t len, unsigned min, unsigned max, unsigned *out)
{
	char buf[16];

	if (len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return parse_uint(buf, min, max, out);
}

int parse_range_list(const char *s, uint32_t limit,
		     void (*add)(uint32_t lo, uint32_t hi, void *arg), void *arg)
{
	if (!*s)
		return -1;
	while (*s) {
		char *end;
		unsigned long a, b;

		if (*s < '0' || *s > '9')
			return -1;
		a = b = strtoul(s, &end, 10);
		if (*end == '-') {
			s = end + 1;
			if (*s < '0' || *s > '9')
				return -1;
			b = strtoul(s, &end, 10);
		}
		if (b < a || b >= limit)
			return -1;
		add((uint32_t)a, (uint32_t)b, arg);
		if (*end == ',' && end[1])
			end++;
		else if (*end)
			return -1;
		s = end;
	}
	return 0;
}
