/* control.h - the JSON control socket: one request per line, one reply per line.
 * Requests are objects {"cmd": NAME, ...args}; replies are {"ok": true, ...} or
 * {"ok": false, "error": MESSAGE}. docs/control-api.md lists the commands. */
#ifndef FRAMESHIFT_VMM_CONTROL_H
#define FRAMESHIFT_VMM_CONTROL_H

#include <stddef.h>

struct vm;

#define CONTROL_MAX_LINE 4096   /* longer requests get an error reply */
#define CONTROL_MAX_CLIENTS 8

/* Bind PATH (mode 0600) and serve it from a thread. -1 with message on error. */
int control_start(struct vm *vm, const char *path, char *err, size_t errlen);
void control_stop(struct vm *vm);

/* Handle one request line and return the reply (malloc'd, no newline). The
 * server and the unit tests both go through here. */
char *control_handle_line(struct vm *vm, const char *line, size_t len);

#endif
