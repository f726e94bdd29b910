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

#endif
