/* reply.h - replies on the wire: one line of JSON each, error replies,
 * progress lines, and the pair of members every reply about memory carries. */
#ifndef FRAMESHIFT_VMM_CONTROL_REPLY_H
#define FRAMESHIFT_VMM_CONTROL_REPLY_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/command.h"

struct guest_mem;

/* o as one line of JSON without its newline (malloc'd; NULL if out of memory). */
char *reply_string(struct json_object *o);
/* {"ok":false,"error":msg} */
struct json_object *reply_error(const char *msg);
/* Send reply plus a newline in one go, so a reader never sees half a line
 * followed by a stall. Frees reply; -1 if it could not be sent. */
int send_line(int fd, char *reply, int flags);

/* Whether the request asked for progress lines ("progress": true) and can
 * get them; {"progress": {"done": N, "total": M}}, from which a client draws
 * a bar. */
bool reply_wants_progress(const struct control_req *r);
void reply_progress(struct control_req *r, uint32_t done, uint32_t total);

/* "nodes" and "simulated": every reply about memory says whether the nodes
 * are real, so nobody reads a simulated split as a statement about host NUMA
 * placement. */
void reply_add_nodes(struct json_object *o, const struct guest_mem *gm);

#endif
