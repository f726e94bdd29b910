/* command.c - what a command handler uses to read its request and fill its
 * reply (see command.h). */
#include <stdarg.h>
#include <stdio.h>

#include "lib/command.h"

int control_error(struct control_req *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	return -1;
}

int control_arg_int(struct control_req *r, const char *name, int64_t def,
		    int64_t min, int64_t max, int64_t *out)
{
	struct json_object *v;

	*out = def;
	if (!json_object_object_get_ex(r->args, name, &v))
		return 0;
	*out = json_object_get_int64(v);
	if (*out < min || *out > max)
		return control_error(r, "\"%s\" must be between %lld and %lld", name,
				     (long long)min, (long long)max);
	return 0;
}

void json_add_int(struct json_object *o, const char *key, int64_t v)
{
	json_object_object_add(o, key, json_object_new_int64(v));
}

void json_add_double(struct json_object *o, const char *key, double v)
{
	json_object_object_add(o, key, json_object_new_double(v));
}

void json_add_bool(struct json_object *o, const char *key, bool v)
{
	json_object_object_add(o, key, json_object_new_boolean(v));
}

void json_add_str(struct json_object *o, const char *key, const char *s)
{
	json_object_object_add(o, key, json_object_new_string(s));
}
