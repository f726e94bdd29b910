/* server.h - the control socket: a unix socket (mode 0600) served from one
 * thread, one request per line and one reply per line (dispatch.h answers
 * them). It knows no command. */
#ifndef FRAMESHIFT_VMM_CONTROL_SERVER_H
#define FRAMESHIFT_VMM_CONTROL_SERVER_H

#include <stddef.h>
#include <stdint.h>

#define CONTROL_MAX_CLIENTS 8

struct control_server;

/* Bind path and serve it from a thread; *srvp is set before the thread
 * starts. -1 with a message in err on error (*srvp stays NULL). */
int control_start(struct control_server **srvp, const char *path, char *err, size_t errlen);
/* Stop the thread, close every connection, remove the socket; *srvp = NULL.
 * Nothing to do when *srvp is NULL. */
void control_stop(struct control_server **srvp);

struct control_stats {
	uint64_t requests;    /* lines answered, this one included */
	uint64_t errors;      /* of them, error replies */
	unsigned clients;     /* connections open */
};

/* Only from the server's thread, i.e. from a command handler. */
void control_server_stats(const struct control_server *srv, struct control_stats *st);

#endif
