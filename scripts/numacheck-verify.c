/* numacheck-verify.c - `numacheck verify PID SOCK [--map ERE] [--counts N,N,...]`:
 * the kernel's view of where frameshift PID keeps guest RAM (numacheck
 * where) against frameshift's own, its map and numastat replies on its
 * control socket SOCK (docs/control-api.md), frame for frame and per node.
 *
 * The checks: the two maps are equal frame for frame, where a frame
 * frameshift books ballooned ('B') stands for one the kernel shows without a
 * page ('-'); per node, move_pages' count = numa_maps' = numastat's frames;
 * frameshift's nodes are real ("simulated": false); move_pages placed every
 * frame on a node; with --map, the kernel's map matches the POSIX ERE; with
 * --counts, the kernel's per-node counts are exactly N,N,...
 *
 * One line out:
 *   map=<kernel, per frame> move_pages=N,.. numa_maps=N,.. numastat=N,.. ok
 * or, on a mismatch, the same words, fs_map=<frameshift's map> and
 * "MISMATCH: what; what; ...". Exit status 0 when every check holds, 1 on a
 * mismatch or an error (an error that leaves nothing to compare is a
 * message on stderr).
 *
 * The size of guest RAM comes from frameshift (numastat's frames and
 * frame_size), the place of every frame from the kernel. Pausing the guest
 * while it looks is the caller's: numacheck only reads, so an error here
 * never leaves a VM paused. */
#ifndef _GNU_SOURCE /* the automake build defines it */
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <json-c/json.h>

#include "scripts/numacheck.h"

#define REPLY_TIMEOUT_S 120 /* a slow, emulated L1 answers late */

/* What went wrong, "; "-separated, in the order checked. */
struct problems {
	FILE *f;
	char *text;
	size_t len;
	int n;
};

static void problem(struct problems *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(struct problems *p, const char *fmt, ...)
{
	va_list ap;

	fputs(p->n++ ? "; " : "", p->f);
	va_start(ap, fmt);
	vfprintf(p->f, fmt, ap);
	va_end(ap);
}

static int fs_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = REPLY_TIMEOUT_S };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		die("socket path too long: %s", path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("cannot reach frameshift at %s: %s", path, strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/* Send {"cmd":CMD} and parse the one-line reply: the reply object when it
 * says ok, else NULL with why in err. */
static struct json_object *fs_request(int fd, const char *cmd, char *err, size_t errlen)
{
	struct json_object *reply, *v;
	char req[64], *line = NULL;
	size_t len = 0, cap = 0;
	int n = snprintf(req, sizeof(req), "{\"cmd\":\"%s\"}\n", cmd);

	if (write(fd, req, n) != n) {
		snprintf(err, errlen, "cannot send the request: %s", strerror(errno));
		return NULL;
	}
	/* one request in flight, so the reply is all there is to read */
	while (!len || line[len - 1] != '\n') {
		ssize_t got;

		if (cap - len < 4096 && !(line = realloc(line, cap += 65536)))
			die("out of memory");
		got = read(fd, line + len, cap - len - 1);
		if (got <= 0) {
			free(line);
			snprintf(err, errlen, "%s", got ? "no reply in time" : "the connection closed");
			return NULL;
		}
		len += got;
	}
	line[len] = 0;
	reply = json_tokener_parse(line);
	free(line);
	if (!json_object_is_type(reply, json_type_object)) {
		json_object_put(reply);
		snprintf(err, errlen, "a reply that is not a JSON object");
		return NULL;
	}
	if (json_object_object_get_ex(reply, "ok", &v) && json_object_get_boolean(v))
		return reply;
	snprintf(err, errlen, "%s", json_object_object_get_ex(reply, "error", &v) ?
		 json_object_get_string(v) : "the reply is not ok");
	json_object_put(reply);
	return NULL;
}

static long long get_int(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : -1;
}

/* numastat's per_node[].frames as "N0,N1,...", or NULL */
static char *numastat_counts(struct json_object *numastat)
{
	long counts[MAXNODES];
	struct json_object *per_node;
	size_t n;

	if (!json_object_object_get_ex(numastat, "per_node", &per_node) ||
	    !json_object_is_type(per_node, json_type_array))
		return NULL;
	n = json_object_array_length(per_node);
	if (n > MAXNODES)
		n = MAXNODES;
	for (size_t i = 0; i < n; i++)
		counts[i] = get_int(json_object_array_get_idx(per_node, i), "frames");
	return format_counts(counts, (int)n);
}

static bool is_false(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_boolean) &&
	       !json_object_get_boolean(v);
}

int cmd_verify(pid_t pid, const char *sock, int argc, char **argv)
{
	const char *ere = NULL, *want = NULL;
	struct problems p = { 0 };
	struct json_object *reply, *v;
	char err[512];
	struct kernel_view kv;
	char *mp, *nm, *fnum = NULL, *fmap = NULL;
	long long frames, frame_size;
	regex_t re;
	int fd;

	for (int i = 0; i < argc; i += 2) {
		if (i + 1 < argc && !strcmp(argv[i], "--map"))
			ere = argv[i + 1];
		else if (i + 1 < argc && !strcmp(argv[i], "--counts"))
			want = argv[i + 1];
		else
			die("verify: unknown argument '%s' (--map ERE, --counts N,N,...)", argv[i]);
	}
	if (ere && regcomp(&re, ere, REG_EXTENDED | REG_NOSUB))
		die("verify: bad ERE '%s'", ere);
	fd = fs_connect(sock);
	if (!(reply = fs_request(fd, "numastat", err, sizeof(err))))
		die("frameshift's numastat: %s", err);
	frames = get_int(reply, "frames");
	frame_size = get_int(reply, "frame_size");
	json_object_put(reply);
	if (frames <= 0 || frame_size != (long long)FRAME)
		die("frameshift's numastat: %lld frames of %lld bytes", frames, frame_size);

	/* the kernel first: its read of each frame may restore a ballooned one,
	 * and frameshift's map must show that */
	kernel_where(pid, (unsigned long)frames * FRAME, &kv);
	mp = format_counts(kv.move_pages, kv.nodes);
	nm = format_counts(kv.numa_maps, kv.nodes);
	if (!(p.f = open_memstream(&p.text, &p.len)))
		die("out of memory");
	if ((reply = fs_request(fd, "map", err, sizeof(err)))) {
		if (json_object_object_get_ex(reply, "map", &v))
			fmap = strdup(json_object_get_string(v));
		for (char *c = fmap; c && *c; c++)
			if (*c == 'B')
				*c = '-';
		json_object_put(reply);
	} else {
		problem(&p, "ctl map failed: %s", err);
	}
	if ((reply = fs_request(fd, "numastat", err, sizeof(err)))) {
		fnum = numastat_counts(reply);
		if (!is_false(reply, "simulated"))
			problem(&p, "frameshift says its nodes are simulated");
		json_object_put(reply);
	} else {
		problem(&p, "ctl numastat failed: %s", err);
	}
	close(fd);

	if (kv.errors) {
		unsigned long i = 0;

		while (kv.status[i] >= 0 && kv.status[i] < MAXNODES)
			i++;
		problem(&p, "%d frames gave move_pages errors (frame %lu: %s)", kv.errors, i,
			kv.status[i] < 0 ? strerror(-kv.status[i]) : "node out of range");
	}
	if (!fmap || strcmp(kv.map, fmap))
		problem(&p, "move_pages map differs from frameshift's map");
	if (strcmp(mp, nm))
		problem(&p, "move_pages counts %s != numa_maps counts %s", mp, nm);
	if (!fnum || strcmp(mp, fnum))
		problem(&p, "kernel counts %s != frameshift numastat %s", mp, fnum ? fnum : "?");
	if (ere && regexec(&re, kv.map, 0, NULL, 0))
		problem(&p, "map does not match /%s/", ere);
	if (want && strcmp(mp, want))
		problem(&p, "per-node counts %s, expected %s", mp, want);
	if (fclose(p.f))
		die("out of memory");

	printf("map=%s move_pages=%s numa_maps=%s numastat=%s", kv.map, mp, nm, fnum ? fnum : "?");
	if (p.n)
		printf(" fs_map=%s MISMATCH: %s\n", fmap ? fmap : "?", p.text);
	else
		printf(" ok\n");

	if (ere)
		regfree(&re);
	free(p.text);
	free(fmap);
	free(fnum);
	free(mp);
	free(nm);
	free(kv.map);
	free(kv.status);
	return p.n ? 1 : 0;
}
