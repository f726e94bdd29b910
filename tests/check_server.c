/* check_server.c - the control socket's connection handling
 * (vmm/control/server.c): slow, silent and surplus clients cost the others
 * nothing. The server serves tests/control_cmds.h's commands (info, big,
 * sleep); the VM's commands over the socket are tests/check_control.c's. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/clock.h"
#include "vmm/control/dispatch.h"
#include "vmm/control/server.h"
#include "tests/control_cmds.h"
#include "tests/unit.h"

#define BIG_REPLY (8u << 20) /* far past any socket buffer: the server must wait */
#define BIG_REQUEST "{\"cmd\":\"big\",\"bytes\":8388608}\n"

static struct control_server *srv;
static char tmpdir[64];
static char sock_path[128];

static void setup(void)
{
	ck_assert_int_eq(control_register(test_control_cmds, &srv), 0);
	strcpy(tmpdir, "/tmp/check_server.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(sock_path, sizeof(sock_path), "%s/api.sock", tmpdir);
}

static void teardown(void)
{
	control_stop(&srv);
	control_unregister(test_control_cmds);
	unlink(sock_path);
	rmdir(tmpdir);
}

static void start(unsigned request_ms, unsigned reply_ms, unsigned idle_ms)
{
	struct control_timeouts t = { request_ms, reply_ms, idle_ms };
	char err[256] = "";

	ck_assert_msg(control_start_with(&srv, sock_path, &t, err, sizeof(err)) == 0,
		      "control_start_with: %s", err);
}

static int connect_server(void)
{
	int fd = test_control_connect(sock_path);

	ck_assert_msg(fd >= 0, "connect: %s", strerror(errno));
	return fd;
}

static void send_str(int fd, const char *s)
{
	size_t len = strlen(s);

	ck_assert_msg(send(fd, s, len, MSG_NOSIGNAL) == (ssize_t)len, "send: %s", strerror(errno));
}

/* Read one reply line within ms, and no more (peeking for its end); its
 * "ok" must be true. Returns the line's length. */
static size_t read_reply(int fd, int ms)
{
	static char line[BIG_REPLY + 256];
	size_t len = 0;
	int64_t end = now_ms() + ms;

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int64_t left = end - now_ms();

		ck_assert_msg(left > 0 && poll(&pfd, 1, (int)left) == 1, "no reply within %d ms", ms);
		ssize_t n = recv(fd, line + len, sizeof(line) - 1 - len, MSG_PEEK);
		ck_assert_msg(n > 0, "the connection closed before a whole reply");
		char *nl = memchr(line + len, '\n', (size_t)n);
		if (nl)
			n = nl + 1 - (line + len);
		ck_assert_int_eq(read(fd, line + len, (size_t)n), n);
		len += (size_t)n;
		if (nl)
			break;
		ck_assert_uint_lt(len, sizeof(line) - 1);
	}
	line[len] = '\0';
	ck_assert_msg(!strncmp(line, "{\"ok\":true", 10), "not ok: %.200s", line);
	return len;
}

/* The server closes fd within ms: EOF, after whatever it had sent. Returns
 * the bytes read before it. */
static size_t expect_dropped(int fd, int ms)
{
	static char buf[1 << 16];
	size_t total = 0;
	int64_t end = now_ms() + ms;

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int64_t left = end - now_ms();

		ck_assert_msg(left > 0 && poll(&pfd, 1, (int)left) == 1, "not dropped within %d ms", ms);
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			return total;
		total += (size_t)n;
	}
}

/* Whether the server has not closed fd (nothing to read, no EOF). */
static bool still_open(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, 0) == 0;
}

static int64_t info_ms(int fd)
{
	int64_t t0 = now_ms();

	send_str(fd, "{\"cmd\":\"info\"}\n");
	read_reply(fd, 2000);
	return now_ms() - t0;
}

/* A slow reader of a reply too big for its socket, one that takes a few
 * bytes now and then, and 8 idle clients: a new client's info is answered
 * at once (the old server blocked in send() on the slow reader, and refused
 * a 9th client). */
START_TEST(test_slow_and_idle_clients)
{
	int idle[CONTROL_MAX_CLIENTS], slow, fresh;
	char buf[64];

	start(5000, 5000, 60000);
	slow = connect_server();
	send_str(slow, BIG_REQUEST);
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		usleep(20000);
		ck_assert_int_gt(read(slow, buf, sizeof(buf)), 0);
		idle[i] = connect_server();
	}

	fresh = connect_server();
	int64_t ms = info_ms(fresh);
	ck_assert_msg(ms < 100, "info took %lld ms", (long long)ms);
	ck_assert_int_lt(info_ms(fresh), 100);
	close(fresh);

	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++)
		close(idle[i]);
	close(slow);
}
END_TEST

/* When every slot is taken, a new client takes the place of the one quiet
 * longest; the others and the new one are served. */
START_TEST(test_full_table)
{
	int fds[CONTROL_MAX_CLIENTS];

	start(5000, 5000, 60000);
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		fds[i] = connect_server();
		info_ms(fds[i]);
		usleep(2000); /* a different now_ms() each */
	}
	info_ms(fds[0]); /* fds[1] is now the quietest */
	int extra = connect_server();
	send_str(extra, "{\"cmd\":\"info\"}\n");
	read_reply(extra, 2000);
	ck_assert_uint_eq(expect_dropped(fds[1], 1000), 0);
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++)
		if (i != 1)
			info_ms(fds[i]);
	close(extra);
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++)
		close(fds[i]);
}
END_TEST

/* Each deadline holds however a client trickles: a whole request within
 * request_ms of its first byte, a whole reply taken within reply_ms, the
 * next request within idle_ms. A client that keeps to them stays. */
START_TEST(test_deadlines)
{
	static char buf[128 << 10]; /* the reader takes this much at most each time */

	start(300, 300, 300);
	int idle = connect_server();
	int talker = connect_server();
	int sender = connect_server();
	int reader = connect_server();

	send_str(sender, "{");
	send_str(reader, BIG_REQUEST);
	struct pollfd pfd = { .fd = reader, .events = POLLIN };
	ck_assert_int_eq(poll(&pfd, 1, 2000), 1); /* the big command has run */
	size_t taken = 0;
	int64_t t0 = now_ms();
	while (now_ms() - t0 < 1000) {
		usleep(50000);
		if (still_open(sender))
			send(sender, " ", 1, MSG_NOSIGNAL);
		ssize_t n = recv(reader, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0)
			ck_assert_int_eq(errno, EAGAIN);
		taken += n > 0 ? (size_t)n : 0;
		ck_assert_int_lt(info_ms(talker), 100);
	}
	ck_assert_uint_eq(expect_dropped(idle, 100), 0);
	expect_dropped(sender, 100);
	taken += expect_dropped(reader, 500);
	ck_assert_uint_lt(taken, BIG_REPLY);
	info_ms(talker);
	close(idle);
	close(talker);
	close(sender);
	close(reader);
}
END_TEST

/* A command that runs long holds the one thread; the time it takes is not
 * counted against the other clients, and what they sent meanwhile is
 * answered. */
START_TEST(test_long_command)
{
	start(300, 300, 300);
	int waiting = connect_server(), asking = connect_server(), busy = connect_server();

	send_str(busy, "{\"cmd\":\"sleep\",\"ms\":700}\n");
	usleep(400000); /* past the others' idle deadlines, were they counted */
	send_str(asking, "{\"cmd\":\"info\"}\n");
	read_reply(busy, 2000);
	read_reply(asking, 1000);
	ck_assert(still_open(waiting));
	info_ms(waiting);
	close(waiting);
	close(asking);
	close(busy);
}
END_TEST

/* Requests sent together are answered in order, the big one's reply in
 * pieces as the client takes it. */
START_TEST(test_pipelined)
{
	start(5000, 5000, 60000);
	int fd = connect_server();

	send_str(fd, BIG_REQUEST "{\"cmd\":\"info\"}\n{\"cmd\":\"sleep\"}\n");
	ck_assert_uint_gt(read_reply(fd, 5000), BIG_REPLY);
	ck_assert_uint_lt(read_reply(fd, 1000), 100);
	ck_assert_uint_lt(read_reply(fd, 1000), 100);
	ck_assert(still_open(fd));
	close(fd);
}
END_TEST

/* A client that connects the moment the socket's path appears (as scripts'
 * wait_for_socket lets them) is served: the path appears only once the
 * socket listens. Forking the exit-time unlinker between bind and listen
 * refused such clients under load. */
static void *start_in_thread(void *arg)
{
	start(5000, 5000, 60000);
	return arg;
}

START_TEST(test_path_appears_listening)
{
	struct stat st;
	pthread_t t;
	int fd;

	ck_assert_int_eq(pthread_create(&t, NULL, start_in_thread, NULL), 0);
	while (stat(sock_path, &st) < 0)
		;
	fd = test_control_connect(sock_path);
	ck_assert_msg(fd >= 0, "connect as the path appeared: %s", strerror(errno));
	pthread_join(t, NULL);
	info_ms(fd);
	close(fd);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("server");
	TCase *tc = tcase_create("connections");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_slow_and_idle_clients);
	tcase_add_test(tc, test_full_table);
	tcase_add_test(tc, test_deadlines);
	tcase_add_test(tc, test_long_command);
	tcase_add_test(tc, test_pipelined);
	tcase_add_test(tc, test_path_appears_listening);
	suite_add_tcase(s, tc);
	return s;
}
