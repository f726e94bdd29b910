/* dispatch.c - the registered command tables, and a request line's way to
 * its command: length and NUL checks, strict JSON parsing, the command's
 * lookup and its argument check, then its handler (see dispatch.h). It
 * names no command: each part registers its own (kvmtool's kvm-ipc does the
 * same with its handlers). */
#include <stdio.h>
#include <string.h>

#include "lib/log.h"
#include "vmm/control/dispatch.h"
#include "vmm/control/reply.h"

/* the VM's groups (commands.h: 6) and one per device kind (balloon, disks,
 * nets), with room to grow */
#define CONTROL_MAX_TABLES 16

static struct {
	const struct control_cmd *cmds;
	void *priv;
} tables[CONTROL_MAX_TABLES];
static unsigned ntables;

/* The command called name, and the priv its table was registered with. */
static const struct control_cmd *find_cmd(const char *name, void **priv)
{
	for (unsigned t = 0; t < ntables; t++)
		for (const struct control_cmd *c = tables[t].cmds; c->name; c++)
			if (!strcmp(c->name, name)) {
				*priv = tables[t].priv;
				return c;
			}
	return NULL;
}

int control_register(const struct control_cmd *cmds, void *priv)
{
	void *other;

	for (const struct control_cmd *c = cmds; c->name; c++)
		if (find_cmd(c->name, &other)) {
			log_info("control socket: command \"%s\" registered twice", c->name);
			return -1;
		}
	if (ntables == CONTROL_MAX_TABLES) {
		log_info("control socket: more than %d command tables", CONTROL_MAX_TABLES);
		return -1;
	}
	tables[ntables].cmds = cmds;
	tables[ntables++].priv = priv;
	return 0;
}

void control_unregister(const struct control_cmd *cmds)
{
	for (unsigned t = 0; t < ntables; t++)
		if (tables[t].cmds == cmds) {
			memmove(&tables[t], &tables[t + 1], (ntables - t - 1) * sizeof(tables[0]));
			ntables--;
			return;
		}
}

static int unknown_command(struct control_req *r, const char *name)
{
	char list[256] = "";
	size_t off = 0;

	for (unsigned t = 0; t < ntables; t++)
		for (const struct control_cmd *c = tables[t].cmds; c->name && off < sizeof(list); c++)
			off += snprintf(list + off, sizeof(list) - off, "%s%s", off ? ", " : "", c->name);
	return control_error(r, "unknown command \"%.64s\" (commands: %s)", name, list);
}

static const struct control_arg *find_arg(const struct control_cmd *cmd, const char *name)
{
	for (const struct control_arg *a = cmd->args; a && a->name; a++)
		if (!strcmp(a->name, name))
			return a;
	return NULL;
}

/* Reject unknown or mistyped arguments so a typo never silently does the
 * default thing. */
static int check_args(struct control_req *r, const struct control_cmd *cmd)
{
	json_object_object_foreach(r->args, key, val) {
		if (!strcmp(key, "cmd") || !strcmp(key, "progress"))
			continue;
		const struct control_arg *a = find_arg(cmd, key);
		if (!a)
			return control_error(r, "unknown argument \"%.64s\"", key);
		/* a string argument may look like a number ("frames": 31) */
		if (!json_object_is_type(val, a->type) &&
		    !(a->type == json_type_string && json_object_is_type(val, json_type_int)))
			return control_error(r, "argument \"%s\" must be of type %s",
					     key, json_type_to_name(a->type));
	}
	return 0;
}

static bool blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return false;
	return true;
}

/* Parse one line; the caller has checked it is short and has no NUL. */
static int parse_request(struct control_req *r, const char *line, size_t len)
{
	char buf[CONTROL_MAX_LINE + 1];
	struct json_tokener *tok = json_tokener_new();

	if (!tok)
		return control_error(r, "out of memory");
	memcpy(buf, line, len);
	buf[len] = '\0';
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	/* Passing the NUL too ends the input, so a bare number or literal is
	 * complete rather than "continue". */
	r->args = json_tokener_parse_ex(tok, buf, (int)len + 1);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	json_tokener_free(tok);
	if (jerr != json_tokener_success)
		return control_error(r, "invalid JSON: %s", json_tokener_error_desc(jerr));
	if (!json_object_is_type(r->args, json_type_object)) /* NULL is JSON null */
		return control_error(r, "the request must be a JSON object");
	return 0;
}

static int handle_request(struct control_req *r, const char *line, size_t len)
{
	struct json_object *name;
	const struct control_cmd *cmd;

	if (len > CONTROL_MAX_LINE)
		return control_error(r, "request longer than %d bytes", CONTROL_MAX_LINE);
	if (memchr(line, '\0', len))
		return control_error(r, "request contains a NUL byte");
	if (len && line[len - 1] == '\r') /* tolerate CRLF clients */
		len--;
	if (blank(line, len))
		return control_error(r, "empty request");
	if (parse_request(r, line, len) < 0)
		return -1;
	if (!json_object_object_get_ex(r->args, "cmd", &name))
		return control_error(r, "missing \"cmd\"");
	if (!json_object_is_type(name, json_type_string))
		return control_error(r, "\"cmd\" must be a string");
	cmd = find_cmd(json_object_get_string(name), &r->priv);
	if (!cmd)
		return unknown_command(r, json_object_get_string(name));
	if (check_args(r, cmd) < 0)
		return -1;
	return cmd->run(r);
}

char *control_handle_line(const char *line, size_t len, int progress_fd, bool *failed)
{
	struct control_req r = { .progress_fd = progress_fd, .reply = json_object_new_object() };
	bool fail;

	json_add_bool(r.reply, "ok", true);
	fail = handle_request(&r, line, len) < 0;
	if (fail) {
		json_object_put(r.reply);
		r.reply = reply_error(r.err);
	}
	if (failed)
		*failed = fail;

	char *s = reply_string(r.reply);
	json_object_put(r.reply);
	json_object_put(r.args);
	return s;
}
