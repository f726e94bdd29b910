/* dispatch.h - the commands the control socket serves, and one request
 * line's way to one of them. Requests are objects {"cmd": NAME, ...args};
 * replies are {"ok": true, ...} or {"ok": false, "error": MESSAGE}.
 * docs/control-api.md lists the commands. */
#ifndef FRAMESHIFT_VMM_CONTROL_DISPATCH_H
#define FRAMESHIFT_VMM_CONTROL_DISPATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/command.h"

#define CONTROL_MAX_LINE 4096   /* longer requests get an error reply */

/* Serve a table of commands (ended by a NULL name), each handler getting
 * priv. Tables are served in the order they were registered, which is also
 * the order an unknown command's error lists them in. -1 with a logged
 * message if a name is taken or there is no room. Registration happens
 * while no server runs (set-up and tear-down), so the server reads the
 * tables without a lock. */
int control_register(const struct control_cmd *cmds, void *priv);
void control_unregister(const struct control_cmd *cmds);

/* Handle one request line and return the reply (malloc'd, no newline);
 * *failed (if not NULL) says whether it is an error reply. Commands that
 * move frames send progress lines to progress_fd first when the request asks
 * for them; -1: nowhere. The server and the tests both go through here. */
char *control_handle_line(const char *line, size_t len, int progress_fd, bool *failed);

#endif
