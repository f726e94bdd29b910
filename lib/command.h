/* command.h - a control command as the part that owns it declares it: its
 * name, the arguments it takes (name and JSON type) and its handler, which
 * reads the request and fills the reply. The control server (vmm/control/)
 * takes tables of these by registration and knows none itself; each folder
 * declares its own here, below every folder (docs/control-api.md). */
#ifndef FRAMESHIFT_LIB_COMMAND_H
#define FRAMESHIFT_LIB_COMMAND_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

/* One request as a handler gets it. */
struct control_req {
	void *priv;                /* what the command's table was registered with */
	struct json_object *args;  /* the request object, checked against the table */
	struct json_object *reply; /* {"ok":true} to add results to */
	int progress_fd;           /* where progress lines go; -1: nowhere */
	char err[256];             /* the message of an error reply */
};

struct control_arg {
	const char *name;
	enum json_type type;       /* a string argument also takes an integer */
};

struct control_cmd {
	const char *name;               /* NULL ends a table */
	const struct control_arg *args; /* optional arguments, NULL-name terminated; NULL: none */
	int (*run)(struct control_req *r); /* 0, or -1 with r->err set */
};

/* Set the error reply's message; returns -1. */
int control_error(struct control_req *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* An optional integer argument in [min, max]; def when absent. The type was
 * already checked against the command's argument table. */
int control_arg_int(struct control_req *r, const char *name, int64_t def,
		    int64_t min, int64_t max, int64_t *out);

/* Members of a reply object (ours, not json-c's). */
void json_add_int(struct json_object *o, const char *key, int64_t v);
void json_add_double(struct json_object *o, const char *key, double v);
void json_add_bool(struct json_object *o, const char *key, bool v);
void json_add_str(struct json_object *o, const char *key, const char *s);

#endif
