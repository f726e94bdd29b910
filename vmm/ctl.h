/* ctl.h - `frameshift ctl SOCKET COMMAND [ARGS]`, the control-socket client. */
#ifndef FRAMESHIFT_VMM_CTL_H
#define FRAMESHIFT_VMM_CTL_H

#include <stdbool.h>

struct json_object;

/* argv[0] is "ctl". Returns the process exit status. */
int ctl_main(int argc, char **argv);

/* `ctl --get PATH`: the value at PATH in a reply, PATH being object keys and
 * array indices joined by dots ("per_node.1.frames"). False when there is
 * none; a JSON null found there is *value == NULL. */
bool ctl_path_get(struct json_object *reply, const char *path, struct json_object **value);

/* How `ctl map` draws a map reply on stdout: 64 frames a row, a row that
 * repeats the one above counted on it instead of drawn again. */
void ctl_show_map(struct json_object *reply, bool color);

/* ctl_views.c: show reply r of command cmd: its "text" (virsh's words) or its
 * drawn view, as JSON with json or for a command with neither. */
void ctl_show_reply(struct json_object *r, const char *cmd, bool json, bool color);
/* r as pretty JSON, control characters escaped. */
void ctl_show_json(struct json_object *r);
/* s on a line, escaped for people when stdout is a terminal: a script
 * reading a pipe gets the value as it is. */
void ctl_put_value(const char *s);

#endif
