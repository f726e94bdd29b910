/* check_control.c - the control protocol without KVM: requests straight into
 * control_handle_line(), the socket server end to end, and the ctl client
 * against that server. The VM is built by hand around real guest memory (two
 * simulated nodes on shmem, so no hugepages are needed). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <json-c/json.h>

#include "mm/guest_mem.h"
#include "mm/policy.h"
#include "vmm/control/commands.h"
#include "vmm/control/dispatch.h"
#include "vmm/control/server.h"
#include "vmm/ctl.h"
#include "vmm/vm.h"
#include "tests/control_cmds.h"
#include "tests/unit.h"

#define GUEST_SIZE (16ULL << 20)
#define NFRAMES (GUEST_SIZE / FRAME_SIZE)

static struct vm vm;
static char tmpdir[64];
static char sock_path[128];

static void setup(void)
{
	struct guest_mem_config cfg = {
		.size = GUEST_SIZE, .backing = POOL_SHMEM, .sim_nodes = 2, .pool_reserve = 1,
		.tiers = { .sim_slow = 1 }, /* --sim-nodes 2:1: node 1 is slow memory */
	};
	char err[512] = "";

	ck_assert_int_eq(numa_policy_parse("interleave:0,1", &cfg.policy, err, sizeof(err)), 0);
	memset(&vm, 0, sizeof(vm));
	vm.ncpus = 0; /* no vCPU threads: pause and resume need none */
	pthread_mutex_init(&vm.lock, NULL);
	pthread_cond_init(&vm.cond, NULL);
	ck_assert_msg(guest_mem_init(&vm.mem, &cfg, err, sizeof(err)) == 0, "guest_mem_init: %s", err);
	ck_assert_int_eq(control_register_vm(&vm), 0);

	strcpy(tmpdir, "/tmp/check_control.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(sock_path, sizeof(sock_path), "%s/api.sock", tmpdir);
}

static void teardown(void)
{
	control_stop(&vm.control);
	control_unregister_vm();
	unlink(sock_path);
	rmdir(tmpdir);
	guest_mem_destroy(&vm.mem);
}

/* ---- control_handle_line ---- */

/* Send one line; the reply must be a JSON object with a boolean "ok". */
static struct json_object *request_len(const char *line, size_t len)
{
	char *reply = control_handle_line(line, len, -1, NULL);
	struct json_object *r, *ok;

	ck_assert_ptr_nonnull(reply);
	ck_assert_ptr_null(strchr(reply, '\n'));
	r = json_tokener_parse(reply);
	ck_assert_msg(json_object_is_type(r, json_type_object), "reply not an object: %s", reply);
	ck_assert_msg(json_object_object_get_ex(r, "ok", &ok) &&
		      json_object_is_type(ok, json_type_boolean), "no ok in %s", reply);
	free(reply);
	return r;
}

static struct json_object *request(const char *line)
{
	return request_len(line, strlen(line));
}

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	ck_assert_msg(json_object_object_get_ex(o, key, &v), "no \"%s\" in %s", key,
		      json_object_to_json_string(o));
	return v;
}

static int64_t get_int(struct json_object *o, const char *key)
{
	struct json_object *v = get(o, key);

	ck_assert_msg(json_object_is_type(v, json_type_int), "\"%s\" is not an int", key);
	return json_object_get_int64(v);
}

static const char *get_str(struct json_object *o, const char *key)
{
	return json_object_get_string(get(o, key));
}

static struct json_object *expect_ok(const char *line)
{
	struct json_object *r = request(line);

	ck_assert_msg(json_object_get_boolean(get(r, "ok")), "%s -> %s", line,
		      json_object_to_json_string(r));
	return r;
}

static void expect_error_len(const char *line, size_t len, const char *msg)
{
	struct json_object *r = request_len(line, len);

	ck_assert_msg(!json_object_get_boolean(get(r, "ok")), "%.80s accepted", line);
	ck_assert_msg(strstr(get_str(r, "error"), msg), "error \"%s\" lacks \"%s\"",
		      get_str(r, "error"), msg);
	json_object_put(r);
}

static void expect_error(const char *line, const char *msg)
{
	expect_error_len(line, strlen(line), msg);
}

START_TEST(test_info)
{
	struct json_object *r = expect_ok("{\"cmd\":\"info\"}");
	struct json_object *pools = get(r, "pools");

	ck_assert_int_eq(get_int(r, "memory_bytes"), GUEST_SIZE);
	ck_assert_int_eq(get_int(r, "frame_size"), FRAME_SIZE);
	ck_assert_int_eq(get_int(r, "frames"), NFRAMES);
	ck_assert_int_eq(get_int(r, "vcpus"), 0);
	ck_assert_int_eq(get_int(r, "nodes"), 2);
	ck_assert(json_object_get_boolean(get(r, "simulated")));
	ck_assert_str_eq(get_str(r, "state"), "running");
	ck_assert_str_eq(get_str(r, "policy"), "interleave:0,1");
	ck_assert_int_eq(json_object_array_length(pools), 2);
	for (unsigned n = 0; n < 2; n++) {
		struct json_object *p = json_object_array_get_idx(pools, n);
		const struct pool *pool = &vm.mem.pools[n];

		ck_assert_int_eq(get_int(p, "node"), n);
		ck_assert_int_eq(get_int(p, "host_node"), pool->host_node);
		ck_assert_str_eq(get_str(p, "backing"), "shmem");
		ck_assert_int_eq(get_int(p, "capacity"), pool->capacity);
		ck_assert_int_eq(get_int(p, "populated"), pool->npopulated);
		ck_assert_int_eq(get_int(p, "free"), pool->nfree);
		ck_assert_int_eq(get_int(p, "pages_returned"), 0);
		/* every frame of the node is mapped from it, plus the spare */
		ck_assert_int_ge(get_int(p, "populated"), NFRAMES / 2);
	}
	/* no server: no connection counters */
	ck_assert(!json_object_object_get_ex(r, "control", NULL));
	json_object_put(r);
}
END_TEST

START_TEST(test_numastat)
{
	struct json_object *r = expect_ok("{\"cmd\":\"numastat\"}");
	struct json_object *nodes = get(r, "per_node"), *states = get(r, "states");
	int64_t sum = 0;

	ck_assert(json_object_get_boolean(get(r, "simulated")));
	ck_assert_int_eq(get_int(r, "frames"), NFRAMES);
	ck_assert_int_eq(json_object_array_length(nodes), 2);
	for (unsigned n = 0; n < 2; n++) {
		struct json_object *o = json_object_array_get_idx(nodes, n);

		ck_assert_int_eq(get_int(o, "node"), n);
		/* interleave:0,1 splits the frames evenly */
		ck_assert_int_eq(get_int(o, "frames"), NFRAMES / 2);
		ck_assert_int_eq(get_int(o, "mib"), GUEST_SIZE / 2 >> 20);
		ck_assert_int_eq(get_int(o, "tier"), n);
		ck_assert(!json_object_get_boolean(get(o, "drained")));
	}
	ck_assert_int_eq(get_int(r, "tiers"), 2);
	ck_assert_str_eq(get_str(r, "tiers_from"), "simulated");
	ck_assert_int_eq(get_int(get(r, "total"), "frames"), NFRAMES);
	ck_assert_int_eq(get_int(get(r, "total"), "mib"), GUEST_SIZE >> 20);
	ck_assert_int_eq(json_object_object_length(states), FRAME_NR_STATES);
	for (unsigned st = 0; st < FRAME_NR_STATES; st++)
		sum += get_int(states, frame_state_name(st));
	ck_assert_int_eq(sum, NFRAMES);
	ck_assert_int_eq(get_int(states, "mapped"), NFRAMES);
	ck_assert_int_eq(get_int(states, "ballooned"), 0);
	json_object_put(r);
}
END_TEST

/* Put frames in each in-between state by hand; the map and numastat must show
 * them. Restored afterwards so guest_mem_destroy sees what it built. */
START_TEST(test_map_states)
{
	static const uint8_t states[] = { FRAME_BALLOONED, FRAME_ISOLATED, FRAME_MIGRATING, FRAME_FREE };
	struct frame *f = vm.mem.ft.frames;
	uint8_t saved[4];
	char want[NFRAMES + 1];

	for (unsigned i = 0; i < NFRAMES; i++)
		want[i] = '0' + f[i].node;
	want[NFRAMES] = '\0';
	struct json_object *r = expect_ok("{\"cmd\":\"map\"}");
	ck_assert_str_eq(get_str(r, "map"), want);
	for (unsigned i = 0; i < NFRAMES; i++) /* interleave:0,1 */
		ck_assert_int_eq(want[i], i % 2 ? '1' : '0');
	ck_assert_int_eq(get_int(r, "first"), 0);
	ck_assert(json_object_get_boolean(get(r, "simulated")));
	ck_assert_str_eq(get_str(get(r, "legend"), "1"), "node 1, tier 1");
	ck_assert_str_eq(get_str(get(r, "legend"), "B"), "ballooned");
	json_object_put(r);

	for (unsigned i = 0; i < 4; i++) {
		saved[i] = f[i + 1].state;
		f[i + 1].state = states[i];
	}
	memcpy(want + 1, "BIM.", 4);
	r = expect_ok("{\"cmd\":\"map\"}");
	ck_assert_str_eq(get_str(r, "map"), want);
	json_object_put(r);

	r = expect_ok("{\"cmd\":\"numastat\"}");
	struct json_object *st = get(r, "states");
	ck_assert_int_eq(get_int(st, "mapped"), NFRAMES - 4);
	ck_assert_int_eq(get_int(st, "ballooned"), 1);
	ck_assert_int_eq(get_int(st, "isolated"), 1);
	ck_assert_int_eq(get_int(st, "migrating"), 1);
	ck_assert_int_eq(get_int(st, "free"), 1);
	/* free and ballooned frames hold no page on any node */
	ck_assert_int_eq(get_int(get(r, "total"), "frames"), NFRAMES - 2);
	json_object_put(r);

	for (unsigned i = 0; i < 4; i++)
		f[i + 1].state = saved[i];
}
END_TEST

START_TEST(test_map_range)
{
	struct json_object *r = expect_ok("{\"cmd\":\"map\",\"first\":2,\"count\":3}");

	ck_assert_int_eq(get_int(r, "first"), 2);
	ck_assert_str_eq(get_str(r, "map"), "010");
	json_object_put(r);

	/* a count past the end is cut to the end */
	r = expect_ok("{\"cmd\":\"map\",\"first\":7,\"count\":100}");
	ck_assert_str_eq(get_str(r, "map"), "1");
	json_object_put(r);

	expect_error("{\"cmd\":\"map\",\"first\":8}", "\"first\" must be between 0 and 7");
	expect_error("{\"cmd\":\"map\",\"first\":-1}", "\"first\" must be between");
	expect_error("{\"cmd\":\"map\",\"count\":0}", "\"count\" must be between");
	expect_error("{\"cmd\":\"map\",\"first\":\"2\"}", "\"first\" must be of type int");
	expect_error("{\"cmd\":\"map\",\"first\":1.5}", "must be of type int");
	expect_error("{\"cmd\":\"map\",\"frist\":1}", "unknown argument \"frist\"");
}
END_TEST

/* `ctl --nodeset 1` sends an integer; a string argument takes it as "1".
 * numatune checks its mode before it moves anything, so no migrator is needed. */
START_TEST(test_string_arg_takes_int)
{
	expect_error("{\"cmd\":\"numatune\",\"nodeset\":1,\"mode\":\"bogus\"}",
		     "\"mode\" must be strict, preferred, interleave or restrictive");
	expect_error("{\"cmd\":\"numatune\",\"nodeset\":true}",
		     "argument \"nodeset\" must be of type string");
	expect_error("{\"cmd\":\"numatune\",\"nodeset\":1.5}",
		     "argument \"nodeset\" must be of type string");
}
END_TEST

START_TEST(test_bad_requests)
{
	expect_error("{\"cmd\":", "invalid JSON");
	expect_error("{cmd: info}", "invalid JSON");
	expect_error("{\"cmd\":\"info\"} trailing", "invalid JSON");
	expect_error("{\"cmd\":\"info\"}{\"cmd\":\"info\"}", "invalid JSON");
	expect_error("[\"info\"]", "must be a JSON object");
	expect_error("42", "must be a JSON object");
	expect_error("\"info\"", "must be a JSON object");
	expect_error("null", "must be a JSON object");
	expect_error("{}", "missing \"cmd\"");
	expect_error("{\"command\":\"info\"}", "missing \"cmd\"");
	expect_error("{\"cmd\":1}", "\"cmd\" must be a string");
	expect_error("{\"cmd\":null}", "\"cmd\" must be a string");
	expect_error("{\"cmd\":[\"info\"]}", "\"cmd\" must be a string");
	expect_error("{\"cmd\":\"reboot\"}", "unknown command \"reboot\" (commands: info, numastat, map");
	expect_error("{\"cmd\":\"INFO\"}", "unknown command");
	expect_error("{\"cmd\":\"info\",\"verbose\":true}", "unknown argument \"verbose\"");
	expect_error("", "empty request");
	expect_error(" \t", "empty request");
	expect_error("\r", "empty request");
	expect_error_len("{\"cmd\":\"info\"}\0junk", 19, "NUL byte");
	expect_error_len("{\"cmd\":\"in\0fo\"}", 15, "NUL byte");
}
END_TEST

/* A request of exactly CONTROL_MAX_LINE bytes is served; one byte more is not. */
static char *padded_request(size_t len)
{
	char *s = malloc(len + 1);

	memset(s, ' ', len);
	memcpy(s, "{\"cmd\":\"info\"", 13);
	s[len - 1] = '}';
	s[len] = '\0';
	return s;
}

START_TEST(test_line_length)
{
	char *s = padded_request(CONTROL_MAX_LINE);

	json_object_put(expect_ok(s));
	free(s);
	s = padded_request(CONTROL_MAX_LINE + 1);
	expect_error(s, "request longer than 4096 bytes");
	free(s);
}
END_TEST

START_TEST(test_crlf)
{
	json_object_put(expect_ok("{\"cmd\":\"info\"}\r"));
}
END_TEST

START_TEST(test_pause_resume_quit)
{
	struct json_object *r = expect_ok("{\"cmd\":\"pause\"}");

	ck_assert_str_eq(get_str(r, "state"), "paused");
	json_object_put(r);
	ck_assert_int_eq(vm.state, VM_PAUSED);
	expect_error("{\"cmd\":\"pause\"}", "cannot pause: the VM is already paused");

	r = expect_ok("{\"cmd\":\"resume\"}");
	ck_assert_str_eq(get_str(r, "state"), "running");
	json_object_put(r);
	expect_error("{\"cmd\":\"resume\"}", "cannot resume: the VM is not paused");

	r = expect_ok("{\"cmd\":\"quit\"}");
	ck_assert_str_eq(get_str(r, "state"), "stopping");
	json_object_put(r);
	ck_assert(vm.exit_set);
	ck_assert_int_eq(vm.exit_status, 0);
	ck_assert_str_eq(vm.exit_reason, "quit requested over the control socket");
	expect_error("{\"cmd\":\"pause\"}", "cannot pause: the VM is stopping");
	expect_error("{\"cmd\":\"resume\"}", "cannot resume: the VM is stopping");
}
END_TEST

/* ---- the server ---- */

static void start_server(void)
{
	char err[256] = "";

	ck_assert_msg(control_start(&vm.control, sock_path, err, sizeof(err)) == 0, "control_start: %s", err);
	ck_assert_ptr_nonnull(vm.control);
}

static int connect_server(void)
{
	int fd = test_control_connect(sock_path);

	ck_assert_msg(fd >= 0, "connect: %s", strerror(errno));
	return fd;
}

static void send_str(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t n = send(fd, s, len, MSG_NOSIGNAL);

		ck_assert_msg(n > 0, "send: %s", strerror(errno));
		s += n;
		len -= (size_t)n;
	}
}

/* One reply line (without its newline), read a byte at a time so the next
 * line stays in the socket; NULL at EOF. Fails the test after 2 s. */
static struct json_object *read_reply(int fd)
{
	static char line[1 << 16];
	size_t len = 0;

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		ck_assert_msg(poll(&pfd, 1, 2000) == 1, "no reply within 2 s");
		ssize_t n = read(fd, line + len, 1);
		ck_assert_int_ge(n, 0);
		if (n == 0) {
			ck_assert_msg(len == 0, "EOF inside a reply line");
			return NULL;
		}
		if (line[len] == '\n')
			break;
		ck_assert_uint_lt(++len, sizeof(line) - 1);
	}
	line[len] = '\0';
	struct json_object *r = json_tokener_parse(line);
	ck_assert_msg(json_object_is_type(r, json_type_object), "bad reply line: %s", line);
	return r;
}

static void expect_reply(int fd, bool ok, const char *field, const char *text)
{
	struct json_object *r = read_reply(fd);

	ck_assert_ptr_nonnull(r);
	ck_assert_msg(json_object_get_boolean(get(r, "ok")) == ok, "unexpected %s",
		      json_object_to_json_string(r));
	if (field)
		ck_assert_msg(strstr(get_str(r, field), text), "%s lacks %s",
			      json_object_to_json_string(r), text);
	json_object_put(r);
}

START_TEST(test_server)
{
	struct stat st;

	start_server();
	ck_assert_int_eq(stat(sock_path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_int_eq(st.st_mode & 07777, 0600);

	int fd = connect_server();
	const char two[] = "{\"cmd\":\"info\"}\n{\"cmd\":\"numastat\"}\n";
	send_str(fd, two, sizeof(two) - 1);
	expect_reply(fd, true, "policy", "interleave:0,1");
	expect_reply(fd, true, NULL, NULL);

	/* an oversized line gets one error; the request after it is answered */
	size_t big = 3 * CONTROL_MAX_LINE + 17;
	char *junk = malloc(big);
	memset(junk, 'x', big);
	send_str(fd, junk, big);
	send_str(fd, "\n{\"cmd\":\"map\"}\n", 15);
	expect_reply(fd, false, "error", "request longer than 4096 bytes");
	expect_reply(fd, true, "map", "01010101");
	free(junk);

	/* the longest line allowed, sent in pieces */
	char *max = padded_request(CONTROL_MAX_LINE);
	send_str(fd, max, 100);
	usleep(20000);
	send_str(fd, max + 100, CONTROL_MAX_LINE - 100);
	send_str(fd, "\n", 1);
	expect_reply(fd, true, "state", "running");
	free(max);

	/* bad requests do not cost the connection */
	send_str(fd, "nonsense\n\n{\"cmd\":\"info\"}\n", 25);
	expect_reply(fd, false, "error", "invalid JSON");
	expect_reply(fd, false, "error", "empty request");
	struct json_object *r = read_reply(fd);
	struct json_object *ctl = get(r, "control");
	ck_assert_int_eq(get_int(ctl, "requests"), 8);
	ck_assert_int_eq(get_int(ctl, "errors"), 3);
	ck_assert_int_eq(get_int(ctl, "clients"), 1);
	json_object_put(r);

	close(fd);
	control_stop(&vm.control);
	ck_assert_ptr_null(vm.control);
	ck_assert_int_eq(stat(sock_path, &st), -1);
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

/* A socket file left behind by a dead frameshift is replaced. */
START_TEST(test_server_stale_socket)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	strcpy(addr.sun_path, sock_path);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	close(fd); /* bound, never listened: nobody answers */
	start_server();
	fd = connect_server();
	send_str(fd, "{\"cmd\":\"info\"}\n", 15);
	expect_reply(fd, true, NULL, NULL);
	close(fd);
}
END_TEST

/* Anything else at the path is left alone. */
START_TEST(test_server_refuses_path)
{
	struct vm other = { 0 };
	char err[256] = "";
	struct stat st;
	int fd = open(sock_path, O_CREAT | O_WRONLY, 0644);

	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(control_start(&other.control, sock_path, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "exists and is not a socket"), "%s", err);
	ck_assert_int_eq(stat(sock_path, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_ptr_null(other.control);
	unlink(sock_path);

	/* a live server's socket is not stolen */
	start_server();
	ck_assert_int_eq(control_start(&other.control, sock_path, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "in use by another process"), "%s", err);
	fd = connect_server();
	send_str(fd, "{\"cmd\":\"info\"}\n", 15);
	expect_reply(fd, true, NULL, NULL);
	close(fd);

	char longpath[200];
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = '\0';
	ck_assert_int_eq(control_start(&other.control, longpath, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "want a path of 1 to 107 bytes"), "%s", err);
}
END_TEST

/* ---- the ctl client against the server ---- */

static char ctl_out[1 << 16], ctl_err[4096];

static void slurp(int fd, char *buf, size_t size)
{
	ssize_t n = pread(fd, buf, size - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	close(fd);
}

/* Run ctl_main(argv) with stdout and stderr captured. */
static int run_ctl(const char **args)
{
	char *argv[16] = { "ctl" };
	int argc = 1;
	char out_path[128], err_path[128];

	for (; args[argc - 1]; argc++)
		argv[argc] = (char *)args[argc - 1];
	snprintf(out_path, sizeof(out_path), "%s/out", tmpdir);
	snprintf(err_path, sizeof(err_path), "%s/err", tmpdir);
	int out = open(out_path, O_CREAT | O_TRUNC | O_RDWR, 0600);
	int err = open(err_path, O_CREAT | O_TRUNC | O_RDWR, 0600);
	int saved_out = dup(1), saved_err = dup(2);

	fflush(stdout);
	fflush(stderr);
	dup2(out, 1);
	dup2(err, 2);
	int status = ctl_main(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(saved_out);
	close(saved_err);
	slurp(out, ctl_out, sizeof(ctl_out));
	slurp(err, ctl_err, sizeof(ctl_err));
	unlink(out_path);
	unlink(err_path);
	return status;
}

#define CTL(want, ...)                                                               \
	do {                                                                         \
		const char *args_[] = { __VA_ARGS__, NULL };                         \
		int got_ = run_ctl(args_);                                           \
		ck_assert_msg(got_ == (want), "ctl exited %d, not %d\nout: %s\nerr: %s", \
			      got_, (want), ctl_out, ctl_err);                       \
	} while (0)

#define OUT_HAS(s) ck_assert_msg(strstr(ctl_out, s), "stdout lacks \"%s\":\n%s", s, ctl_out)
#define ERR_HAS(s) ck_assert_msg(strstr(ctl_err, s), "stderr lacks \"%s\":\n%s", s, ctl_err)

START_TEST(test_ctl_views)
{
	start_server();

	CTL(0, sock_path, "info");
	OUT_HAS("memory:  16 MiB in 8 frames of 2 MiB");
	OUT_HAS("nodes:   2 (simulated), policy interleave:0,1");
	OUT_HAS("shmem");
	OUT_HAS("nodes are simulated");
	ck_assert_str_eq(ctl_err, "");

	CTL(0, sock_path, "numastat");
	OUT_HAS("Node 0       Node 1        Total");
	OUT_HAS("Frames                4            4            8");
	OUT_HAS("MiB                8.00         8.00        16.00");
	OUT_HAS("mapped 8");
	OUT_HAS("nodes are simulated");

	/* not a tty: no colour escapes */
	CTL(0, sock_path, "map");
	OUT_HAS("0x00000000  01010101\n");
	OUT_HAS("0 node 0");
	OUT_HAS("B ballooned");
	OUT_HAS("nodes are simulated");
	ck_assert_ptr_null(strchr(ctl_out, '\033'));

	CTL(0, sock_path, "map", "--first", "2", "--count=3");
	OUT_HAS("0x00400000  010\n");

	CTL(0, "--json", sock_path, "info");
	struct json_object *r = json_tokener_parse(ctl_out);
	ck_assert_msg(json_object_is_type(r, json_type_object), "not JSON: %s", ctl_out);
	ck_assert_int_eq(get_int(r, "frames"), NFRAMES);
	json_object_put(r);

	CTL(0, sock_path, "pause");
	OUT_HAS("VM paused");
	CTL(1, sock_path, "pause");
	ERR_HAS("frameshift ctl: pause: cannot pause: the VM is already paused");
	CTL(0, sock_path, "resume", "--json");
	OUT_HAS("\"state\": \"running\"");
}
END_TEST

START_TEST(test_ctl_errors)
{
	start_server();

	/* arguments are passed through; the server judges them */
	CTL(1, sock_path, "map", "--first", "x");
	ERR_HAS("frameshift ctl: map: argument \"first\" must be of type int");
	CTL(1, sock_path, "map", "--to-node", "1");
	ERR_HAS("unknown argument \"to_node\"");
	CTL(1, sock_path, "frobnicate");
	ERR_HAS("unknown command \"frobnicate\"");
	CTL(1, sock_path, "numatune", "--nodeset", "1", "--mode", "bogus");
	ERR_HAS("frameshift ctl: numatune: \"mode\" must be strict");
	CTL(1, "--json", sock_path, "frobnicate");
	OUT_HAS("\"ok\": false");

	CTL(1, "/nonexistent/api.sock", "info");
	ERR_HAS("cannot connect to /nonexistent/api.sock: No such file or directory "
		"(is frameshift running with --api-socket?)");

	CTL(64, sock_path);
	ERR_HAS("usage: frameshift ctl");
	CTL(64, sock_path, "map", "--first");
	ERR_HAS("--first needs a value");
	/* one bare word is the command's action; the server says map takes none */
	CTL(1, sock_path, "map", "2");
	ERR_HAS("unknown argument \"action\"");
	CTL(64, sock_path, "autobalance", "on", "now", "please");
	ERR_HAS("unexpected argument 'please'");
	CTL(64, "--bogus", sock_path, "info");
	ERR_HAS("unknown option '--bogus'");
	CTL(64, sock_path, "info", "--cmd", "quit");
	CTL(0, "--help");
	OUT_HAS("usage: frameshift ctl");
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("control");
	TCase *tc = tcase_create("requests");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_info);
	tcase_add_test(tc, test_numastat);
	tcase_add_test(tc, test_map_states);
	tcase_add_test(tc, test_map_range);
	tcase_add_test(tc, test_string_arg_takes_int);
	tcase_add_test(tc, test_bad_requests);
	tcase_add_test(tc, test_line_length);
	tcase_add_test(tc, test_crlf);
	tcase_add_test(tc, test_pause_resume_quit);
	suite_add_tcase(s, tc);

	tc = tcase_create("server");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_server);
	tcase_add_test(tc, test_server_stale_socket);
	tcase_add_test(tc, test_server_refuses_path);
	tcase_add_test(tc, test_ctl_views);
	tcase_add_test(tc, test_ctl_errors);
	suite_add_tcase(s, tc);
	return s;
}
