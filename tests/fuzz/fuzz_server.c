/* fuzz_server.c - the control socket's connection handling
 * (vmm/control/server.c): clients that connect, send partial lines, junk,
 * pipelined and oversized requests, read slowly or not at all, half-close and
 * vanish, in any order, against one server thread with short deadlines.
 *
 * The input is a script of steps, each an op byte (low nibble: one of
 * NCLIENTS client slots, more than the server's 8; high nibble: what it does)
 * and its operands. The server serves tests/control_cmds.h's commands, as
 * in tests/check_server.c: info, big (here a reply larger than a socket
 * buffer) and sleep (here a few ms).
 *
 * Properties: every whole line a client reads is a JSON object with a
 * boolean "ok", and a client gets no more replies than it sent lines (an
 * over-long line is answered before its end); whenever the script asks, and
 * after every input, a new client's info is answered within a second,
 * whatever the other clients are doing: no client stalls the server. */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/clock.h"
#include "lib/util.h"
#include "vmm/control/dispatch.h"
#include "vmm/control/server.h"
#include "tests/control_cmds.h"
#include "tests/fuzz/fuzz.h"

#define NCLIENTS 10
#define MAX_STEPS 64       /* per input: with MAX_SLEEP_MS, bounds the time one takes */
#define MAX_SLEEP_MS 100
#define BIG_REPLY (256u << 10)

static struct control_server *srv;
static char sock_path[108];

/* A client as the script drives it, and what it has read so far. */
static struct client {
	int fd;            /* -1: none */
	unsigned sent;     /* newlines sent */
	size_t bytes;      /* bytes sent */
	unsigned replies;
	bool ok;           /* the last reply's "ok" */
	size_t len;        /* of a reply line not read to its end yet */
	char line[BIG_REPLY + 256];
} clients[NCLIENTS], probe;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* short deadlines, so inputs reach them */
	struct control_timeouts t = { .request_ms = 20, .reply_ms = 20, .idle_ms = 40 };
	char dir[] = "/tmp/fuzz_server.XXXXXX", err[256];

	(void)argc;
	(void)argv;
	if (!mkdtemp(dir) || control_register(test_control_cmds, &srv) < 0)
		abort();
	snprintf(sock_path, sizeof(sock_path), "%s/api.sock", dir);
	if (control_start_with(&srv, sock_path, &t, err, sizeof(err)) < 0) {
		fprintf(stderr, "fuzz_server: %s\n", err);
		exit(1);
	}
	for (unsigned i = 0; i < NCLIENTS; i++)
		clients[i].fd = -1;
	return 0;
}

static void check_line(struct client *c)
{
	struct json_object *r, *ok;

	c->line[c->len] = '\0';
	r = json_tokener_parse(c->line);
	FUZZ_ASSERT(json_object_is_type(r, json_type_object) &&
		    json_object_object_get_ex(r, "ok", &ok) && json_object_is_type(ok, json_type_boolean),
		    "not a reply: %.200s", c->line);
	c->ok = json_object_get_boolean(ok);
	json_object_put(r);
	c->replies++;
	FUZZ_ASSERT(c->replies <= c->sent + c->bytes / (CONTROL_MAX_LINE + 1),
		    "%u replies to %u lines of %zu bytes", c->replies, c->sent, c->bytes);
	c->len = 0;
}

static void client_close(struct client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->len = 0;
}

/* Read up to max bytes of what is there now, checking each whole line. A
 * dropped client may see its last reply cut short: then it is closed. */
static void client_read(struct client *c, size_t max)
{
	static char buf[64 << 10];

	while (c->fd >= 0 && max) {
		ssize_t n = recv(c->fd, buf, max < sizeof(buf) ? max : sizeof(buf), MSG_DONTWAIT);

		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			client_close(c);
			return;
		}
		max -= (size_t)n;
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == '\n') {
				check_line(c);
				continue;
			}
			FUZZ_ASSERT(c->len < sizeof(c->line) - 1, "a reply line past %zu bytes", c->len);
			c->line[c->len++] = buf[i];
		}
	}
}

static void client_send(struct client *c, const char *s, size_t len)
{
	if (c->fd < 0)
		return;
	ssize_t n = send(c->fd, s, len, MSG_DONTWAIT | MSG_NOSIGNAL);

	for (ssize_t i = 0; i < n; i++)
		c->sent += s[i] == '\n';
	c->bytes += n > 0 ? (size_t)n : 0;
}

static const char *const requests[] = {
	"{\"cmd\":\"info\"}\n", "{\"cmd\":\"big\",\"bytes\":262144}\n", "{\"cmd\":\"sleep\",\"ms\":3}\n",
	"{\"cmd\":\"info\"}\r\n{\"cmd\":\"info\"}\n", "nonsense\n", "\n", "{\"cmd\":\"nope\"}\n",
	"{\"cmd\":\"sleep\",\"ms\":-1}\n",
};

static int connect_server(void)
{
	int fd = test_control_connect(sock_path);

	FUZZ_ASSERT(fd >= 0, "connect: %s", strerror(errno));
	return fd;
}

/* A new client's info is answered within a second. */
static void check_alive(void)
{
	struct client *c = &probe;
	int64_t end = now_ms() + 1000;

	c->fd = connect_server();
	c->sent = c->replies = 0;
	c->bytes = 0;
	client_send(c, requests[0], strlen(requests[0]));
	while (c->fd >= 0 && !c->replies) {
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
		int64_t left = end - now_ms();
		int ready = left > 0 ? poll(&pfd, 1, (int)left) : 0;

		/* libFuzzer's -timeout timer is a SIGALRM every few seconds; the
		 * deadline above still holds across it */
		if (ready < 0 && errno == EINTR)
			continue;
		FUZZ_ASSERT(ready == 1, "no reply to info within 1 s");
		client_read(c, sizeof(c->line));
	}
	FUZZ_ASSERT(c->replies == 1, "the server closed a new client before its info reply");
	FUZZ_ASSERT(c->ok, "a new client's info failed: %.200s", c->line);
	client_close(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	static char junk[CONTROL_MAX_LINE + 2];
	unsigned slept = 0;

	for (unsigned step = 0; in.n && step < MAX_STEPS; step++) {
		unsigned op = (unsigned)fuzz_take(&in, 1);
		struct client *c = &clients[(op & 15) % NCLIENTS];
		size_t n;

		switch (op >> 4) {
		case 0: /* connect */
			if (c->fd < 0) {
				c->fd = connect_server();
				c->sent = c->replies = 0;
				c->bytes = 0;
			}
			break;
		case 1: /* raw bytes from the input: partial lines, junk */
			n = fuzz_take(&in, 1) % 64 + 1;
			n = n < in.n ? n : in.n;
			client_send(c, (const char *)in.p, n);
			in.p += n;
			in.n -= n;
			break;
		case 2: /* a request line, or lines */
			n = fuzz_take(&in, 1) % ARRAY_SIZE(requests);
			client_send(c, requests[n], strlen(requests[n]));
			break;
		case 3: /* an over-long line, with or without its end */
			memset(junk, 'x', sizeof(junk));
			n = fuzz_take(&in, 1) & 1 ? sizeof(junk) : sizeof(junk) - 1;
			junk[n - 1] = n == sizeof(junk) ? '\n' : 'x';
			client_send(c, junk, n);
			break;
		case 4: /* read a little */
			client_read(c, fuzz_take(&in, 1) * 16 + 1);
			break;
		case 5: /* read all there is */
			client_read(c, sizeof(c->line));
			break;
		case 6: /* half-close: no more requests, replies still come */
			if (c->fd >= 0)
				shutdown(c->fd, SHUT_WR);
			break;
		case 7: /* vanish */
			client_close(c);
			break;
		case 8: /* let deadlines pass */
			n = fuzz_take(&in, 1) % 50;
			if (slept + n <= MAX_SLEEP_MS) {
				usleep((useconds_t)n * 1000);
				slept += n;
			}
			break;
		case 9: /* a new client asks */
			check_alive();
			break;
		default: /* every client reads what is there */
			for (unsigned i = 0; i < NCLIENTS; i++)
				client_read(&clients[i], sizeof(clients[i].line));
			break;
		}
		FUZZ_LOG("step %u: op 0x%02x\n", step, op);
	}
	for (unsigned i = 0; i < NCLIENTS; i++)
		client_close(&clients[i]);
	check_alive();
	return 0;
}
