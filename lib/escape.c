/* escape.c - text made safe for a terminal (see escape.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/escape.h"

/* The length of the UTF-8 character at s, or 0 when its first byte must not
 * reach a terminal raw (0x9b alone is CSI to an 8-bit terminal). */
static size_t safe_char(const unsigned char *s)
{
	size_t n = s[0] < 0x80 ? 1 : s[0] >= 0xc2 && s[0] <= 0xdf ? 2 :
		   s[0] >= 0xe0 && s[0] <= 0xef ? 3 : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : 0;

	if (s[0] < 0x20 || s[0] == 0x7f || (s[0] == 0xc2 && s[1] < 0xa0))
		return 0;
	/* overlong forms (an old decoder might read E0 82 9B as CSI),
	 * surrogates, past U+10FFFF */
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

char *escape_controls(const char *s, bool json)
{
	char *out = malloc(6 * strlen(s) + 1), *p = out;

	if (!out)
		return NULL;
	for (const unsigned char *c = (const unsigned char *)s; *c;) {
		size_t n = safe_char(c);

		if (!n && json && *c < 0x20)
			n = 1;
		if (n) {
			memcpy(p, c, n);
			p += n;
			c += n;
		} else if (json) {
			unsigned cp = *c++;

			if (cp == 0xc2 && *c >= 0x80 && *c < 0xa0) /* a C1 control: one code point */
				cp = *c++;
			p += sprintf(p, "\\u%04x", cp);
		} else {
			p += sprintf(p, "\\x%02x", *c++);
		}
	}
	*p = '\0';
	return out;
}

struct json_object *json_escaped_copy(struct json_object *o)
{
	struct json_object *copy = NULL;
	char *s;

	switch (json_object_get_type(o)) {
	case json_type_string:
		if ((s = escape_controls(json_object_get_string(o), false)))
			copy = json_object_new_string(s);
		free(s);
		return copy;
	case json_type_array:
		copy = json_object_new_array();
		for (size_t i = 0; copy && i < json_object_array_length(o); i++)
			json_object_array_add(copy, json_escaped_copy(json_object_array_get_idx(o, i)));
		return copy;
	case json_type_object:
		copy = json_object_new_object();
		json_object_object_foreach(o, key, val) {
			s = copy ? escape_controls(key, false) : NULL;
			if (s)
				json_object_object_add(copy, s, json_escaped_copy(val));
			free(s);
		}
		return copy;
	default:
		return json_object_get(o);
	}
}
