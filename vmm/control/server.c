/* server.c - the control socket behind `frameshift run --api-socket`.
 *
 * One thread polls the listening socket, an eventfd that control_stop() uses to
 * wake it, and up to CONTROL_MAX_CLIENTS connections. Each connection sends one
 * JSON object per line and gets one JSON object per line back, in order
 * (dispatch.c answers each line). Bad requests get {"ok":false,"error":...}
 * and never take the server down. Connections are non-blocking and each has
 * a deadline, so a slow or silent client costs the others nothing: it is
 * dropped. docs/control-api.md describes the protocol. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/log.h"
#include "vmm/control/dispatch.h"
#include "vmm/control/reply.h"
#include "vmm/control/server.h"
#include "vmm/sandbox.h"

/* What the server waits for from a client. Each wait has its own deadline
 * (struct control_timeouts), counted from its start and not moved by
 * progress, so a client that trickles bytes either way is dropped as surely
 * as one that stops. */
enum client_wait { WAIT_IDLE, WAIT_REQUEST, WAIT_REPLY };

static const char *const wait_names[] = {
	[WAIT_IDLE] = "no request", [WAIT_REQUEST] = "no whole request",
	[WAIT_REPLY] = "its reply not taken",
};

struct control_client {
	int fd;               /* -1: slot unused */
	size_t len;           /* bytes buffered in buf */
	bool discarding;      /* dropping the rest of an oversized line */
	enum client_wait wait;
	int64_t deadline;     /* now_ms() past which the client is dropped */
	int64_t last_io;      /* now_ms() of its last byte either way */
	char *out;            /* a reply line not all taken yet; NULL: none */
	size_t out_len, out_sent;
	char buf[CONTROL_MAX_LINE + 1]; /* a full line plus its newline */
};

struct control_server {
	char *path;
	int unlink_fd;        /* removes the socket at exit (sandbox_unlink_later) */
	int listen_fd;
	int wake_fd;
	pthread_t thread;
	struct control_timeouts timeouts;
	/* only the server thread touches these */
	uint64_t requests;
	uint64_t errors;
	unsigned nclients;
	struct control_client clients[CONTROL_MAX_CLIENTS];
};

/* Tell a connection we will not serve it why, without blocking on it. */
static void refuse(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void refuse(int fd, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	struct json_object *o = reply_error(msg);
	send_line(fd, reply_string(o), MSG_DONTWAIT);
	json_object_put(o);
	close(fd);
}

/* The socket is 0600 already; this also stops a root-owned frameshift from
 * serving a user who was handed the file descriptor or path some other way. */
static bool peer_allowed(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return false;
	return cred.uid == 0 || cred.uid == geteuid();
}

static void client_close(struct control_server *srv, struct control_client *c)
{
	close(c->fd);
	free(c->out);
	c->fd = -1;
	c->len = 0;
	c->discarding = false;
	c->out = NULL;
	srv->nclients--;
}

static void client_wait(struct control_server *srv, struct control_client *c,
			enum client_wait wait, int64_t now)
{
	const struct control_timeouts *t = &srv->timeouts;

	c->wait = wait;
	c->deadline = now + (wait == WAIT_REPLY ? t->reply_ms :
			     wait == WAIT_REQUEST ? t->request_ms : t->idle_ms);
}

/* A free slot, or else the slot of the client quiet longest, which is
 * closed: a new client is always served, whatever the others do. */
static struct control_client *free_slot(struct control_server *srv)
{
	struct control_client *quiet = &srv->clients[0];

	for (unsigned i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		struct control_client *c = &srv->clients[i];

		if (c->fd < 0)
			return c;
		if (c->last_io < quiet->last_io)
			quiet = c;
	}
	log_debug("control socket: %d clients; closing the one quiet longest", CONTROL_MAX_CLIENTS);
	client_close(srv, quiet);
	return quiet;
}

static void control_accept(struct control_server *srv)
{
	int fd = accept4(srv->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0)
		return; /* the peer gave up already, or nothing to take */
	if (!peer_allowed(fd)) {
		refuse(fd, "permission denied: only uid %u and root may use this socket",
		       (unsigned)geteuid());
		return;
	}

	struct control_client *c = free_slot(srv);
	c->fd = fd;
	c->last_io = now_ms();
	client_wait(srv, c, WAIT_IDLE, c->last_io);
	srv->nclients++;
}

/* Send as much of the reply as the client takes now. -1: it is gone. */
static int client_flush(struct control_client *c, int64_t now)
{
	while (c->out_sent < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_sent, c->out_len - c->out_sent,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? 0 : -1;
		c->out_sent += (size_t)n;
		c->last_io = now;
	}
	free(c->out);
	c->out = NULL;
	return 0;
}

/* Run one request and send its reply as far as the client takes it; the
 * rest goes out as it makes room. The command runs in this thread (progress
 * lines go straight to the socket, and are dropped whole if it is full): the
 * time it takes is not counted against the other clients' deadlines. */
static int client_answer(struct control_server *srv, struct control_client *c,
			 const char *line, size_t len, int64_t *now)
{
	bool failed;
	int64_t start = now_ms();

	srv->requests++; /* before handling, so info counts itself */
	char *reply = control_handle_line(line, len, c->fd, &failed);
	if (failed)
		srv->errors++;
	*now = now_ms();
	for (unsigned i = 0; i < CONTROL_MAX_CLIENTS; i++)
		if (&srv->clients[i] != c)
			srv->clients[i].deadline += *now - start;
	if (!reply)
		return -1;

	size_t n = strlen(reply);
	c->out = realloc(reply, n + 1); /* the NUL becomes the newline */
	if (!c->out) {
		free(reply);
		return -1;
	}
	c->out[n] = '\n';
	c->out_len = n + 1;
	c->out_sent = 0;
	client_wait(srv, c, WAIT_REPLY, *now);
	return client_flush(c, *now);
}

/* Answer the complete lines in the buffer in order, until one's reply waits
 * for the client to take it. A line that fills the buffer without a newline
 * is answered with an error at once and the rest of it is dropped as it
 * arrives, so a client cannot make us buffer without bound. */
static int client_serve(struct control_server *srv, struct control_client *c, int64_t now)
{
	bool answered = false;
	char *nl;

	while (!c->out && (nl = memchr(c->buf, '\n', c->len))) {
		size_t used = (size_t)(nl - c->buf) + 1;

		if (c->discarding)
			c->discarding = false;
		else if (client_answer(srv, c, c->buf, used - 1, &now) < 0)
			return -1;
		c->len -= used;
		memmove(c->buf, c->buf + used, c->len);
		answered = true;
	}
	if (c->discarding)
		c->len = 0;
	if (!c->out && c->len == sizeof(c->buf)) {
		c->discarding = true;
		c->len = 0;
		if (client_answer(srv, c, c->buf, sizeof(c->buf), &now) < 0)
			return -1;
		answered = true;
	}
	if (!c->out) {
		enum client_wait wait = c->len || c->discarding ? WAIT_REQUEST : WAIT_IDLE;

		if (answered || wait != c->wait)
			client_wait(srv, c, wait, now);
	}
	return 0;
}

/* A client's socket is ready: take its request bytes, or while a reply
 * waits, give it more of that (no request is read until it is taken). */
static void client_event(struct control_server *srv, struct control_client *c)
{
	int64_t now = now_ms();

	if (c->out) {
		if (client_flush(c, now) < 0 || (!c->out && client_serve(srv, c, now) < 0))
			client_close(srv, c);
		return;
	}

	ssize_t n = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		client_close(srv, c);
		return;
	}
	c->len += (size_t)n;
	c->last_io = now;
	if (client_serve(srv, c, now) < 0)
		client_close(srv, c);
}

/* Drop the clients past their deadline; ms until the next one, -1: none. */
static int expire_clients(struct control_server *srv)
{
	int64_t now = now_ms(), next = -1;

	for (unsigned i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		struct control_client *c = &srv->clients[i];

		if (c->fd < 0)
			continue;
		if (now >= c->deadline) {
			log_debug("control socket: client dropped: %s in time", wait_names[c->wait]);
			client_close(srv, c);
		} else if (next < 0 || c->deadline - now < next) {
			next = c->deadline - now;
		}
	}
	return next > INT_MAX ? INT_MAX : (int)next;
}

static void *control_thread(void *arg)
{
	struct control_server *srv = arg;
	struct pollfd pfd[2 + CONTROL_MAX_CLIENTS];

	for (;;) {
		int timeout = expire_clients(srv);

		pfd[0] = (struct pollfd){ .fd = srv->wake_fd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = srv->listen_fd, .events = POLLIN };
		for (unsigned i = 0; i < CONTROL_MAX_CLIENTS; i++) {
			const struct control_client *c = &srv->clients[i];

			pfd[2 + i] = (struct pollfd){ .fd = c->fd, .events = c->out ? POLLOUT : POLLIN };
		}

		if (poll(pfd, 2 + CONTROL_MAX_CLIENTS, timeout) < 0) {
			if (errno == EINTR)
				continue;
			log_info("control socket: poll: %s", strerror(errno));
			break;
		}
		if (pfd[0].revents)
			break;
		for (unsigned i = 0; i < CONTROL_MAX_CLIENTS; i++)
			if (pfd[2 + i].revents && srv->clients[i].fd >= 0)
				client_event(srv, &srv->clients[i]);
		if (pfd[1].revents & POLLIN)
			control_accept(srv);
	}
	return NULL;
}

int control_check_path(const char *path, bool *stale, char *err, size_t errlen)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char dir[sizeof(addr.sun_path)];
	const char *slash = strrchr(path, '/');
	struct stat st;

	*stale = false;
	if (!*path || strlen(path) >= sizeof(addr.sun_path)) {
		snprintf(err, errlen, "--api-socket '%s': want a path of 1 to %zu bytes", path,
			 sizeof(addr.sun_path) - 1);
		return -1;
	}
	strcpy(addr.sun_path, path);
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) + 1 : 1, slash ? path : ".");
	const char *bad_dir = stat(dir, &st) < 0 ? "does not exist" :
			      !S_ISDIR(st.st_mode) ? "is not a directory" :
			      access(dir, W_OK | X_OK) < 0 ? "is not writable" : NULL;
	if (bad_dir) {
		snprintf(err, errlen, "--api-socket %s: its directory %s %s", path, dir, bad_dir);
		return -1;
	}
	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "--api-socket %s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "--api-socket %s: exists and is not a socket; not replacing it", path);
		return -1;
	}

	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(err, errlen, "--api-socket: socket: %s", strerror(errno));
		return -1;
	}
	int ret = connect(fd, (const struct sockaddr *)&addr, sizeof(addr));
	int cerr = errno;
	close(fd);
	if (ret == 0 || cerr == EAGAIN) {
		snprintf(err, errlen, "--api-socket %s: in use by another process", path);
		return -1;
	}
	if (cerr != ECONNREFUSED) {
		snprintf(err, errlen, "--api-socket %s: cannot check the old socket: %s", path, strerror(cerr));
		return -1;
	}
	*stale = true;
	return 0;
}

static void server_free(struct control_server *srv)
{
	for (unsigned i = 0; i < CONTROL_MAX_CLIENTS; i++)
		if (srv->clients[i].fd >= 0)
			client_close(srv, &srv->clients[i]);
	if (srv->listen_fd >= 0)
		close(srv->listen_fd);
	if (srv->wake_fd >= 0)
		close(srv->wake_fd);
	if (srv->unlink_fd >= 0)
		sandbox_unlink_now(srv->unlink_fd);
	free(srv->path);
	free(srv);
}

static int server_listen(struct control_server *srv, const struct sockaddr_un *addr,
			 char *err, size_t errlen)
{
	struct stat st;

	srv->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (srv->listen_fd < 0) {
		snprintf(err, errlen, "--api-socket: socket: %s", strerror(errno));
		return -1;
	}
	/* bind() creates the file with 0777 & ~umask: no window where it is wider */
	mode_t old = umask(0177);
	int ret = bind(srv->listen_fd, (const struct sockaddr *)addr, sizeof(*addr));
	int berr = errno;
	umask(old);
	if (ret < 0) {
		snprintf(err, errlen, "--api-socket %s: cannot bind: %s", srv->path, strerror(berr));
		return -1;
	}
	/* at once: a client may connect as soon as it sees the path */
	if (listen(srv->listen_fd, CONTROL_MAX_CLIENTS) < 0) {
		snprintf(err, errlen, "--api-socket %s: cannot listen: %s", srv->path, strerror(errno));
		return -1;
	}
	if (lstat(srv->path, &st) < 0) {
		snprintf(err, errlen, "--api-socket %s: %s", srv->path, strerror(errno));
		return -1;
	}
	/* under the sandbox only a process outside it can remove a path; it
	 * checks the socket is still ours: the path may be replaced meanwhile */
	srv->unlink_fd = sandbox_unlink_later(srv->path, st.st_dev, st.st_ino, err, errlen);
	if (srv->unlink_fd < 0)
		return -1;
	return 0;
}

/* The control thread takes no signals: they belong to the main and vCPU
 * threads, and poll() need not cope with EINTR storms. */
static int server_spawn(struct control_server *srv)
{
	sigset_t all, old;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int ret = pthread_create(&srv->thread, NULL, control_thread, srv);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret == 0)
		pthread_setname_np(srv->thread, "fs-control");
	return -ret;
}

int control_start_with(struct control_server **srvp, const char *path,
		       const struct control_timeouts *timeouts, char *err, size_t errlen)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct control_server *srv;
	int ret;

	bool stale;

	if (control_check_path(path, &stale, err, errlen) < 0)
		return -1;
	strcpy(addr.sun_path, path);
	if (stale && unlink(path) < 0 && errno != ENOENT) {
		snprintf(err, errlen, "--api-socket %s: cannot remove the stale socket: %s", path, strerror(errno));
		return -1;
	}

	srv = calloc(1, sizeof(*srv));
	if (!srv || !(srv->path = strdup(path))) {
		free(srv);
		snprintf(err, errlen, "--api-socket: out of memory");
		return -1;
	}
	srv->timeouts = *timeouts;
	srv->listen_fd = srv->wake_fd = srv->unlink_fd = -1;
	for (unsigned i = 0; i < CONTROL_MAX_CLIENTS; i++)
		srv->clients[i].fd = -1;

	if (server_listen(srv, &addr, err, errlen) < 0)
		goto fail;
	srv->wake_fd = eventfd(0, EFD_CLOEXEC);
	if (srv->wake_fd < 0) {
		snprintf(err, errlen, "--api-socket: eventfd: %s", strerror(errno));
		goto fail;
	}
	*srvp = srv; /* before the thread: its first request may read the counters */
	ret = server_spawn(srv);
	if (ret < 0) {
		*srvp = NULL;
		snprintf(err, errlen, "--api-socket: cannot start the control thread: %s", strerror(-ret));
		goto fail;
	}
	return 0;
fail:
	server_free(srv);
	return -1;
}

int control_start(struct control_server **srvp, const char *path, char *err, size_t errlen)
{
	static const struct control_timeouts timeouts = CONTROL_TIMEOUTS;

	return control_start_with(srvp, path, &timeouts, err, errlen);
}

void control_stop(struct control_server **srvp)
{
	struct control_server *srv = *srvp;
	uint64_t one = 1;

	if (!srv)
		return;
	if (write(srv->wake_fd, &one, sizeof(one)) != sizeof(one))
		log_info("control socket: cannot wake the server: %s", strerror(errno));
	pthread_join(srv->thread, NULL);
	*srvp = NULL;
	server_free(srv);
}

void control_server_stats(const struct control_server *srv, struct control_stats *st)
{
	st->requests = srv->requests;
	st->errors = srv->errors;
	st->clients = srv->nclients;
}
