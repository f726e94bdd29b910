/* ctl.c - `frameshift ctl SOCKET COMMAND [--NAME VALUE]...`: send one request
 * to a running frameshift's control socket and show the reply.
 *
 * The client knows nothing about most commands: every --NAME VALUE becomes a
 * request field, so a new server command needs no client change. It only knows
 * how to draw the replies of the commands people read (info, numastat, map);
 * anything else is printed as JSON. `--get KEY.PATH` prints single values of
 * the reply, so scripts never parse JSON themselves. */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/clock.h"
#include "lib/escape.h"
#include "lib/parse.h"
#include "vmm/cli.h"
#include "vmm/ctl.h"

#define CTL_TIMEOUT_MS 30000
#define CTL_MAX_REPLY (16u << 20) /* a map line for a 32 TiB guest */
#define EXIT_NO_PATH 2            /* a --get path is not in the reply */

struct ctl_opts {
	bool json;
	bool color;
	const char *socket;
	const char *cmd;
	struct json_object *req;
	const char **gets; /* --get paths, in the order given */
	int ngets;
	unsigned wait_s;   /* --wait: how long a VM that is starting may take to listen */
};

static void ctl_usage(FILE *out)
{
	fputs("usage: frameshift ctl [--json | --get KEY.PATH...] [--wait SECONDS] [--no-color] SOCKET COMMAND [--NAME VALUE]...\n"
	      "\n"
	      "Send COMMAND to the frameshift serving SOCKET (run --api-socket SOCKET).\n"
	      "Commands: info, numastat, map [--first N] [--count N], pause, resume, quit,\n"
	      "migrate, numatune, stats, copy-baseline, autobalance on|off|status, inject,\n"
	      "balloon [set SIZE | stats], balloon-stats, drain --node N, undrain --node N,\n"
	      "tier [status|on|off | demote --cold-for 30s], and virsh's dommemstat,\n"
	      "setmem SIZE, numatune [--mode M] [--nodeset S], dumpxml (docs/control-api.md).\n"
	      "Each --NAME VALUE becomes a request field: --to-node 1 sends \"to_node\": 1\n"
	      "(an integer when VALUE is one, else a string); a bare word after COMMAND\n"
	      "is its \"action\", a second one its \"value\".\n"
	      "\n"
	      "  --json          print the reply as JSON\n"
	      "  --get KEY.PATH  print only this value of the reply: object keys and array\n"
	      "                  indices joined by dots (per_node.1.frames); a string bare,\n"
	      "                  anything else as JSON. Repeat it for one value per line.\n"
	      "  --wait SECONDS  wait up to SECONDS for SOCKET to accept (a VM that is\n"
	      "                  still starting), instead of failing at once\n"
	      "  --no-color      no colours in the map (NO_COLOR also turns them off)\n"
	      "\n"
	      "Exit status: 0 ok, 1 the command failed, 2 a --get path is not in the\n"
	      "reply, 64 usage error.\n"
	      "docs/control-api.md describes every command.\n", out);
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("frameshift ctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'frameshift ctl --help'.\n", stderr);
	return EXIT_USAGE;
}

/* Integers (decimal, or hex with 0x) go as JSON integers, the rest as strings. */
static struct json_object *arg_value(const char *s)
{
	bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	char *end;

	errno = 0;
	long long v = strtoll(s, &end, hex ? 16 : 10);
	if (*s && !*end && !errno)
		return json_object_new_int64(v);
	return json_object_new_string(s);
}

/* "--to-node 1" or "--to-node=1" -> "to_node": 1. Returns how many argv
 * entries it used, or -1 after a usage message. */
static int add_arg(struct ctl_opts *o, int argc, char **argv)
{
	char key[64];
	const char *name = argv[0] + 2, *value, *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	int used = 1;

	if (!len || len >= sizeof(key))
		return usage_error("bad argument name in '%s'", argv[0]), -1;
	if (eq) {
		value = eq + 1;
	} else if (argc > 1) {
		value = argv[1];
		used = 2;
	} else {
		return usage_error("%s needs a value", argv[0]), -1;
	}
	for (size_t i = 0; i < len; i++)
		key[i] = name[i] == '-' ? '_' : name[i];
	key[len] = '\0';
	if (!strcmp(key, "cmd"))
		return usage_error("'%s' is reserved: the command is given by name", argv[0]), -1;
	json_object_object_add(o->req, key, arg_value(value));
	return used;
}

/* Returns -1 to go on, else an exit status. Client options may come anywhere;
 * other --NAME options after COMMAND are request arguments. */
static int parse_args(struct ctl_opts *o, int argc, char **argv)
{
	bool no_color = false;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--json")) {
			o->json = true;
		} else if (!strcmp(a, "--get") || !strncmp(a, "--get=", 6)) {
			const char *path = a[5] ? a + 6 : i + 1 < argc ? argv[++i] : NULL;

			if (!path || !*path)
				return usage_error("--get needs a KEY.PATH");
			o->gets[o->ngets++] = path;
		} else if (!strcmp(a, "--wait")) {
			if (i + 1 >= argc || parse_uint(argv[++i], 1, 3600, &o->wait_s) < 0)
				return usage_error("--wait needs SECONDS (1 to 3600)");
		} else if (!strcmp(a, "--no-color")) {
			no_color = true;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			ctl_usage(stdout);
			return 0;
		} else if (o->cmd && !strncmp(a, "--", 2)) {
			int used = add_arg(o, argc - i, argv + i);
			if (used < 0)
				return EXIT_USAGE;
			i += used - 1;
		} else if (a[0] == '-') {
			return usage_error("unknown option '%s'", a);
		} else if (!o->socket) {
			o->socket = a;
		} else if (!o->cmd) {
			o->cmd = a;
			json_object_object_add(o->req, "cmd", json_object_new_string(a));
		} else if (!json_object_object_get_ex(o->req, "action", NULL)) {
			/* `ctl S autobalance on`: a bare word is the command's action, */
			json_object_object_add(o->req, "action", json_object_new_string(a));
		} else if (!json_object_object_get_ex(o->req, "value", NULL)) {
			/* and a second one its value: `ctl S balloon set 192M` */
			json_object_object_add(o->req, "value", json_object_new_string(a));
		} else {
			return usage_error("unexpected argument '%s' (command arguments are --NAME VALUE)", a);
		}
	}
	if (!o->cmd) {
		ctl_usage(stderr);
		return EXIT_USAGE;
	}
	if (o->json && o->ngets)
		return usage_error("--get and --json exclude each other");
	const char *nc = getenv("NO_COLOR"); /* https://no-color.org: set and not empty */
	o->color = !no_color && !(nc && *nc) && isatty(STDOUT_FILENO);
	return -1;
}

/* ---- talking to the server ---- */

/* Connect; with wait_s, a socket that does not exist yet or does not accept
 * yet (a VM still setting up) is tried again until wait_s have passed. */
static int ctl_connect(const char *path, unsigned wait_s)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int64_t deadline = now_ms() + (int64_t)wait_s * 1000;
	int fd;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "frameshift ctl: %s: socket path too long\n", path);
		return -1;
	}
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "frameshift ctl: socket: %s\n", strerror(errno));
		return -1;
	}
	while (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		if ((errno == ENOENT || errno == ECONNREFUSED) && now_ms() < deadline) {
			usleep(50000);
			continue;
		}
		fprintf(stderr, "frameshift ctl: cannot connect to %s: %s (%s)\n", path, strerror(errno),
			wait_s ? "after waiting --wait seconds" : "is frameshift running with --api-socket?");
		close(fd);
		return -1;
	}
	return fd;
}

static int send_request(int fd, const struct ctl_opts *o)
{
	const char *req = json_object_to_json_string_ext(o->req, JSON_C_TO_STRING_PLAIN);
	size_t len = strlen(req);
	char *line = malloc(len + 1);

	if (!line)
		return -1;
	memcpy(line, req, len);
	line[len++] = '\n';
	for (size_t off = 0; off < len;) {
		ssize_t n = send(fd, line + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) {
			/* the server refused us and closed: its reason may be
			 * waiting to be read, so the caller reads on */
			free(line);
			return 0;
		}
		if (n < 0) {
			fprintf(stderr, "frameshift ctl: sending to %s: %s\n", o->socket, strerror(errno));
			free(line);
			return -1;
		}
		off += n;
	}
	free(line);
	return 0;
}

/* Grow buf for more input; false after a message. */
static bool grow(char **buf, size_t *cap, const char *path)
{
	char *bigger;

	if (*cap >= CTL_MAX_REPLY) {
		fprintf(stderr, "frameshift ctl: reply from %s too long\n", path);
		return false;
	}
	*cap = *cap ? *cap * 2 : 4096;
	bigger = realloc(*buf, *cap);
	if (!bigger) {
		fprintf(stderr, "frameshift ctl: out of memory\n");
		return false;
	}
	*buf = bigger;
	return true;
}

/* Lines from the server; bytes after one line wait for the next call. */
struct line_reader {
	char *buf;
	size_t len, cap;
};

/* Wait at most CTL_TIMEOUT_MS for the next line (progress lines reset the
 * clock, so a long migration does not time out). Returns it (malloc'd,
 * newline stripped) or NULL after a message. */
static char *read_line(struct line_reader *lr, int fd, const char *path)
{
	long long deadline = now_ms() + CTL_TIMEOUT_MS;
	char *nl, *line;

	while (!(nl = lr->len ? memchr(lr->buf, '\n', lr->len) : NULL)) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		long long left = deadline - now_ms();

		if (lr->len == lr->cap && !grow(&lr->buf, &lr->cap, path))
			return NULL;
		int ret = left > 0 ? poll(&pfd, 1, (int)left) : 0;
		if (ret == 0) {
			fprintf(stderr, "frameshift ctl: no reply from %s within %d s\n",
				path, CTL_TIMEOUT_MS / 1000);
			return NULL;
		}
		ssize_t n = ret < 0 ? -1 : read(fd, lr->buf + lr->len, lr->cap - lr->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "frameshift ctl: %s closed the connection without a reply%s%s\n",
				path, n ? ": " : "", n ? strerror(errno) : "");
			return NULL;
		}
		lr->len += (size_t)n;
	}
	*nl = '\0';
	line = strdup(lr->buf);
	lr->len -= (size_t)(nl + 1 - lr->buf);
	memmove(lr->buf, nl + 1, lr->len);
	if (!line)
		fprintf(stderr, "frameshift ctl: out of memory\n");
	return line;
}

/* A {"progress": {"done", "total"}} line: redraw the bar on stderr. */
static bool show_progress(const char *line)
{
	struct json_object *r = json_tokener_parse(line), *p, *v;
	long long done = 0, total = 0;
	int width = 40, fill;

	if (!json_object_is_type(r, json_type_object) || !json_object_object_get_ex(r, "progress", &p)) {
		json_object_put(r);
		return false;
	}
	if (json_object_object_get_ex(p, "done", &v))
		done = json_object_get_int64(v);
	if (json_object_object_get_ex(p, "total", &v))
		total = json_object_get_int64(v);
	fill = total > 0 ? (int)(done * width / total) : width;
	fprintf(stderr, "\r[%.*s%*s] %lld/%lld frames", fill,
		"########################################", width - fill, "", done, total);
	json_object_put(r);
	return true;
}

/* One step of a --get path into an array: a plain decimal index in range. */
static bool array_step(struct json_object *a, const char *part, struct json_object **v)
{
	char *end;
	unsigned long idx;

	if (*part < '0' || *part > '9')
		return false;
	errno = 0;
	idx = strtoul(part, &end, 10);
	if (*end || errno || idx >= json_object_array_length(a))
		return false;
	*v = json_object_array_get_idx(a, idx);
	return true;
}

bool ctl_path_get(struct json_object *reply, const char *path, struct json_object **value)
{
	char *copy = strdup(path), *rest = copy, *part;
	struct json_object *v = reply;
	bool found = copy && *path;

	while (found && (part = strsep(&rest, "."))) {
		if (json_object_is_type(v, json_type_object))
			found = *part && json_object_object_get_ex(v, part, &v);
		else if (json_object_is_type(v, json_type_array))
			found = array_step(v, part, &v);
		else /* a number, string, bool or null has nothing inside */
			found = false;
	}
	free(copy);
	if (found)
		*value = v;
	return found;
}

/* Every --get value, one per line; none at all if one path is missing, so a
 * script never reads values out of place. */
static int show_gets(struct json_object *r, const struct ctl_opts *o)
{
	struct json_object *v;
	int status = 0;

	for (int i = 0; i < o->ngets; i++)
		if (!ctl_path_get(r, o->gets[i], &v)) {
			fprintf(stderr, "frameshift ctl: %s: the reply has no '%s'\n", o->cmd, o->gets[i]);
			status = EXIT_NO_PATH;
		}
	for (int i = 0; !status && i < o->ngets; i++) {
		ctl_path_get(r, o->gets[i], &v);
		ctl_put_value(json_object_is_type(v, json_type_string) ? json_object_get_string(v) :
			  json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
							 JSON_C_TO_STRING_NOSLASHESCAPE));
	}
	return status;
}

static int handle_reply(const char *line, const struct ctl_opts *o)
{
	struct json_object *r = json_tokener_parse(line), *ok;
	int status = 1;

	if (!json_object_is_type(r, json_type_object) || !json_object_object_get_ex(r, "ok", &ok) ||
	    !json_object_is_type(ok, json_type_boolean)) {
		char *e = escape_controls(line, false);

		fprintf(stderr, "frameshift ctl: malformed reply from %s: %.200s\n", o->socket, e ? e : "?");
		free(e);
	} else if (json_object_get_boolean(ok) && o->ngets) {
		status = show_gets(r, o);
	} else if (json_object_get_boolean(ok)) {
		ctl_show_reply(r, o->cmd, o->json, o->color);
		status = 0;
	} else if (o->json) {
		ctl_show_json(r);
	} else {
		struct json_object *msg = NULL;
		char *e;

		json_object_object_get_ex(r, "error", &msg);
		e = escape_controls(msg ? json_object_get_string(msg) : "?", false);

		fprintf(stderr, "frameshift ctl: %s: %s\n", o->cmd, e ? e : "?");
		free(e);
	}
	json_object_put(r);
	return status;
}

int ctl_main(int argc, char **argv)
{
	struct ctl_opts o = { .req = json_object_new_object(), .gets = calloc(argc, sizeof(char *)) };
	struct line_reader lr = { 0 };
	char *reply = NULL;
	bool progress, shown = false;
	int status = 1, fd = -1;

	if (!o.req || !o.gets) {
		fprintf(stderr, "frameshift ctl: out of memory\n");
		goto out;
	}
	status = parse_args(&o, argc, argv);
	if (status >= 0)
		goto out;
	status = 1;
	/* a bar on the terminal for long moves; never in --json output */
	progress = !o.json && isatty(STDERR_FILENO);
	if (progress)
		json_object_object_add(o.req, "progress", json_object_new_boolean(1));
	fd = ctl_connect(o.socket, o.wait_s);
	if (fd < 0 || send_request(fd, &o) < 0)
		goto out;
	while ((reply = read_line(&lr, fd, o.socket)) && show_progress(reply)) {
		shown = true;
		free(reply);
	}
	if (shown)
		fputc('\n', stderr);
	if (reply)
		status = handle_reply(reply, &o);
	if (fflush(stdout) == EOF) {
		fprintf(stderr, "frameshift ctl: writing output: %s\n", strerror(errno));
		status = 1;
	}
out:
	if (fd >= 0)
		close(fd);
	free(reply);
	free(lr.buf);
	free(o.gets);
	json_object_put(o.req);
	return status;
}
