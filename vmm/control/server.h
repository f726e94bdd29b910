/* server.h - the control socket: a unix socket (mode 0600) served from one
 * thread, one request per line and one reply per line (dispatch.h answers
 * them). It knows no command. */
#ifndef FRAMESHIFT_VMM_CONTROL_SERVER_H
#define FRAMESHIFT_VMM_CONTROL_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONTROL_MAX_CLIENTS 8

struct control_server;

/* How long a client may take, in ms, before it is dropped: to send the
 * whole of a request from its first byte, to take the whole of a reply from
 * when it is ready, and to start a request after connecting or after its
 * last reply. When all CONTROL_MAX_CLIENTS slots are taken, a new client
 * takes the slot of the one quiet longest. */
struct control_timeouts {
	unsigned request_ms;
	unsigned reply_ms;
	unsigned idle_ms;
};
#define CONTROL_TIMEOUTS { .request_ms = 5000, .reply_ms = 5000, .idle_ms = 60000 }

/* Bind path and serve it from a thread; *srvp is set before the thread
 * starts. -1 with a message in err on error (*srvp stays NULL). */
/* Can a server listen at path? It fits a unix socket address, its directory
 * exists and is writable, and nothing is there but, at most, a stale socket
 * (a frameshift's that died: nobody accepts), which *stale reports and
 * control_start replaces. 0, or -1 with a message. Allocates nothing. */
int control_check_path(const char *path, bool *stale, char *err, size_t errlen);
int control_start(struct control_server **srvp, const char *path, char *err, size_t errlen);
/* The same with other timeouts than CONTROL_TIMEOUTS (tests). */
int control_start_with(struct control_server **srvp, const char *path,
		       const struct control_timeouts *timeouts, char *err, size_t errlen);
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
