/* control.c - the JSON control socket behind `frameshift run --api-socket`.
 *
 * One thread polls the listening socket, an eventfd that control_stop() uses to
 * wake it, and up to CONTROL_MAX_CLIENTS connections. Each connection sends one
 * JSON object per line and gets one JSON object per line back, in order. Bad
 * requests get {"ok":false,"error":...} and never take the server down.
 * docs/control-api.md describes the protocol. */
#include <errno.h>
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

#include <json-c/json.h>

#include "lib/util.h"
#include "lib/parse.h"
#include "mm/frame.h"
#include "mm/guest_mem.h"
#include "mm/policy.h"
#include "mm/pool.h"
#include "mm/copy.h"
#include "balloon/control.h"
#include "vmm/control.h"
#include "lib/log.h"
#include "vmm/vm.h"

#define CONTROL_SEND_TIMEOUT_S 5 /* a client that stops reading is dropped */

struct control_client {
	int fd;               /* -1: slot unused */
	size_t len;           /* bytes buffered in buf */
	bool discarding;      /* dropping the rest of an oversized line */
	char buf[CONTROL_MAX_LINE + 1]; /* a full line plus its newline */
};

struct control_server {
	struct vm *vm;
	char *path;
	dev_t dev;            /* what we bound, so we only ever unlink our own socket */
	ino_t ino;
	int listen_fd;
	int wake_fd;
	pthread_t thread;
	/* only the server thread touches these */
	uint64_t requests;
	uint64_t errors;
	unsigned nclients;
	struct control_client clients[CONTROL_MAX_CLIENTS];
};

/* ---- requests ---- */

struct control_req {
	struct vm *vm;
	int progress_fd;           /* where progress lines go; -1: nowhere */
	struct json_object *args;  /* the request object */
	struct json_object *reply; /* {"ok":true} to add results to */
	char err[256];
};

struct control_arg {
	const char *name;
	enum json_type type;
};

struct control_cmd {
	const char *name;
	const struct control_arg *args; /* optional arguments, NULL-name terminated */
	int (*run)(struct control_req *r);
};

static int req_error(struct control_req *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int req_error(struct control_req *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	return -1;
}

static void add_int(struct json_object *o, const char *key, int64_t v)
{
	json_object_object_add(o, key, json_object_new_int64(v));
}

static void add_str(struct json_object *o, const char *key, const char *s)
{
	json_object_object_add(o, key, json_object_new_string(s));
}

static void add_bool(struct json_object *o, const char *key, bool v)
{
	json_object_object_add(o, key, json_object_new_boolean(v));
}

static const char *vm_state_name(enum vm_run_state s)
{
	switch (s) {
	case VM_RUNNING: return "running";
	case VM_PAUSED: return "paused";
	case VM_STOPPING: return "stopping";
	}
	return "unknown";
}

static enum vm_run_state vm_state(struct vm *vm)
{
	pthread_mutex_lock(&vm->lock);
	enum vm_run_state s = vm->state;
	pthread_mutex_unlock(&vm->lock);
	return s;
}

/* Every reply about memory says whether the nodes are real, so nobody reads
 * a simulated split as a statement about host NUMA placement. */
static void add_nodes(struct json_object *o, const struct guest_mem *gm)
{
	add_int(o, "nodes", gm->nnodes);
	add_bool(o, "simulated", gm->simulated);
}

/* Pool counters change under the frame table lock, like the frames they back. */
static struct json_object *pools_json(struct guest_mem *gm)
{
	struct json_object *arr = json_object_new_array();

	pthread_mutex_lock(&gm->ft.lock);
	for (unsigned n = 0; n < gm->nnodes; n++) {
		const struct pool *p = &gm->pools[n];
		struct json_object *o = json_object_new_object();

		add_int(o, "node", p->node);
		add_int(o, "host_node", p->host_node);
		add_str(o, "backing", pool_backing_name(p->backing));
		add_int(o, "capacity", p->capacity);
		add_int(o, "populated", p->npopulated);
		add_int(o, "free", p->nfree);
		add_int(o, "pages_returned", (int64_t)p->pages_returned);
		add_int(o, "populate_failures", (int64_t)p->populate_failures);
		json_object_array_add(arr, o);
	}
	pthread_mutex_unlock(&gm->ft.lock);
	return arr;
}

static int cmd_info(struct control_req *r)
{
	struct vm *vm = r->vm;
	struct guest_mem *gm = &vm->mem;
	struct numa_policy pol;
	char policy[128];

	pthread_mutex_lock(&gm->ft.lock); /* numatune replaces it under this lock */
	pol = gm->policy;
	pthread_mutex_unlock(&gm->ft.lock);
	numa_policy_format(&pol, policy, sizeof(policy));
	add_int(r->reply, "memory_bytes", (int64_t)gm->size);
	add_int(r->reply, "frame_size", FRAME_SIZE);
	add_int(r->reply, "frames", guest_mem_nframes(gm));
	add_int(r->reply, "vcpus", vm->ncpus);
	add_str(r->reply, "state", vm_state_name(vm_state(vm)));
	add_nodes(r->reply, gm);
	add_str(r->reply, "policy", policy);
	json_object_object_add(r->reply, "pools", pools_json(gm));

	struct control_server *srv = vm->control;
	if (srv) {
		struct json_object *c = json_object_new_object();

		add_int(c, "requests", (int64_t)srv->requests);
		add_int(c, "errors", (int64_t)srv->errors);
		add_int(c, "clients", srv->nclients);
		json_object_object_add(r->reply, "control", c);
	}
	return 0;
}

static int cmd_numastat(struct control_req *r)
{
	struct guest_mem *gm = &r->vm->mem;
	uint32_t per_node[MAX_NODES], per_state[FRAME_NR_STATES];
	uint64_t total = 0;

	pthread_mutex_lock(&gm->ft.lock);
	frame_table_count(&gm->ft, per_node, per_state);
	pthread_mutex_unlock(&gm->ft.lock);

	struct json_object *nodes = json_object_new_array();
	for (unsigned n = 0; n < gm->nnodes; n++) {
		struct json_object *o = json_object_new_object();

		add_int(o, "node", n);
		add_int(o, "host_node", gm->pools[n].host_node);
		add_int(o, "frames", per_node[n]);
		add_int(o, "mib", (int64_t)(per_node[n] * FRAME_SIZE >> 20));
		json_object_array_add(nodes, o);
		total += per_node[n];
	}

	struct json_object *states = json_object_new_object();
	for (unsigned s = 0; s < FRAME_NR_STATES; s++)
		add_int(states, frame_state_name(s), per_state[s]);

	struct json_object *sum = json_object_new_object();
	add_int(sum, "frames", (int64_t)total);
	add_int(sum, "mib", (int64_t)(total * FRAME_SIZE >> 20));

	add_nodes(r->reply, gm);
	add_int(r->reply, "frames", guest_mem_nframes(gm));
	add_int(r->reply, "frame_size", FRAME_SIZE);
	json_object_object_add(r->reply, "per_node", nodes);
	json_object_object_add(r->reply, "total", sum);
	json_object_object_add(r->reply, "states", states);
	return 0;
}

/* Map cells: the node for a mapped frame, a capital letter for a frame in the
 * middle of something, '.' for one not placed yet. */
static const char node_chars[] = "0123456789abcdef";
_Static_assert(sizeof(node_chars) - 1 >= MAX_NODES, "a map character per node");

static char frame_char(const struct frame *f)
{
	switch (f->state) {
	case FRAME_MAPPED: return node_chars[f->node];
	case FRAME_ISOLATED: return 'I';
	case FRAME_MIGRATING: return 'M';
	case FRAME_BALLOONED: return 'B';
	default: return '.';
	}
}

static struct json_object *map_legend(const struct guest_mem *gm)
{
	struct json_object *o = json_object_new_object();
	char key[2] = "", val[32];

	for (unsigned n = 0; n < gm->nnodes; n++) {
		key[0] = node_chars[n];
		snprintf(val, sizeof(val), "node %u", n);
		add_str(o, key, val);
	}
	add_str(o, "I", "isolated");
	add_str(o, "M", "migrating");
	add_str(o, "B", "ballooned");
	add_str(o, ".", "free");
	return o;
}

/* An optional integer argument in [min, max]; def when absent. The type was
 * already checked against the command's argument table. */
static int arg_int(struct control_req *r, const char *name, int64_t def,
		   int64_t min, int64_t max, int64_t *out)
{
	struct json_object *v;

	*out = def;
	if (!json_object_object_get_ex(r->args, name, &v))
		return 0;
	*out = json_object_get_int64(v);
	if (*out < min || *out > max)
		return req_error(r, "\"%s\" must be between %lld and %lld", name,
				 (long long)min, (long long)max);
	return 0;
}

static int cmd_map(struct control_req *r)
{
	struct guest_mem *gm = &r->vm->mem;
	uint32_t nframes = guest_mem_nframes(gm);
	int64_t first, count;

	if (arg_int(r, "first", 0, 0, (int64_t)nframes - 1, &first) < 0 ||
	    arg_int(r, "count", nframes, 1, INT64_MAX, &count) < 0)
		return -1;
	if (count > nframes - first)
		count = nframes - first;

	char *cells = malloc(count);
	if (!cells)
		return req_error(r, "out of memory");
	pthread_mutex_lock(&gm->ft.lock);
	for (int64_t i = 0; i < count; i++)
		cells[i] = frame_char(&gm->ft.frames[first + i]);
	pthread_mutex_unlock(&gm->ft.lock);

	add_nodes(r->reply, gm);
	add_int(r->reply, "frames", nframes);
	add_int(r->reply, "frame_size", FRAME_SIZE);
	add_int(r->reply, "first", first);
	json_object_object_add(r->reply, "map", json_object_new_string_len(cells, (int)count));
	json_object_object_add(r->reply, "legend", map_legend(gm));
	free(cells);
	return 0;
}

static int run_state_change(struct control_req *r, int (*op)(struct vm *),
			    const char *what, const char *already)
{
	int ret = op(r->vm);

	if (ret == -EALREADY)
		return req_error(r, "cannot %s: %s", what, already);
	if (ret == -ESHUTDOWN)
		return req_error(r, "cannot %s: the VM is stopping", what);
	if (ret < 0)
		return req_error(r, "cannot %s: %s", what, strerror(-ret));
	add_str(r->reply, "state", vm_state_name(vm_state(r->vm)));
	return 0;
}

static int cmd_pause(struct control_req *r)
{
	return run_state_change(r, vm_pause, "pause", "the VM is already paused");
}

static int cmd_resume(struct control_req *r)
{
	return run_state_change(r, vm_resume, "resume", "the VM is not paused");
}

static int cmd_quit(struct control_req *r)
{
	vm_request_exit(r->vm, 0, "quit requested over the control socket");
	add_str(r->reply, "state", vm_state_name(vm_state(r->vm)));
	return 0;
}

/* ---- migration ---- */

struct frame_set {
	uint32_t *idx;   /* room for every frame once */
	uint32_t n;
	uint8_t *seen;   /* per frame, when a list is parsed */
	bool repeated;   /* the list names a frame twice: the first such */
	uint32_t repeat;
};

static void add_frames(uint32_t lo, uint32_t hi, void *arg)
{
	struct frame_set *fs = arg;

	for (uint32_t i = lo; i <= hi; i++) {
		/* each frame at most once, so idx can never overflow */
		if (fs->seen && fs->seen[i]) {
			if (!fs->repeated)
				fs->repeat = i;
			fs->repeated = true;
			continue;
		}
		if (fs->seen)
			fs->seen[i] = 1;
		fs->idx[fs->n++] = i;
	}
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	*out = strtoull(s, &end, 0);
	return *end ? -1 : 0;
}

/* Which frames a migrate request names: --frames LIST, --gpa START-END or
 * --from-node N [--count K]. fs->idx holds room for every frame. */
static int select_frames(struct control_req *r, struct frame_set *fs)
{
	struct guest_mem *gm = &r->vm->mem;
	uint32_t nframes = guest_mem_nframes(gm);
	struct json_object *v;
	int64_t node, count;

	if (json_object_object_get_ex(r->args, "frames", &v)) {
		int ret;

		fs->seen = calloc(nframes, 1);
		if (!fs->seen)
			return req_error(r, "out of memory");
		ret = parse_range_list(json_object_get_string(v), nframes, add_frames, fs);
		free(fs->seen);
		fs->seen = NULL;
		if (ret < 0)
			return req_error(r, "bad \"frames\" list (want e.g. 0-3,7; frames < %u)", nframes);
		if (fs->repeated)
			return req_error(r, "frame %u is listed twice", fs->repeat);
		return 0;
	}
	if (json_object_object_get_ex(r->args, "gpa", &v)) {
		char buf[64];
		char *dash;
		uint64_t start, end;

		snprintf(buf, sizeof(buf), "%s", json_object_get_string(v));
		dash = strchr(buf, '-');
		if (!dash)
			return req_error(r, "bad \"gpa\" range (want START-END, e.g. 0x0-0x400000)");
		*dash = '\0';
		if (parse_u64(buf, &start) < 0 || parse_u64(dash + 1, &end) < 0 || start >= end ||
		    end > gm->size)
			return req_error(r, "bad \"gpa\" range '%s' (want START-END inside the %llu MiB of guest RAM)",
					 json_object_get_string(v), (unsigned long long)(gm->size >> 20));
		add_frames((uint32_t)(start >> FRAME_SHIFT), (uint32_t)((end - 1) >> FRAME_SHIFT), fs);
		return 0;
	}
	if (json_object_object_get_ex(r->args, "from_node", &v)) {
		if (arg_int(r, "from_node", 0, 0, gm->nnodes - 1, &node) < 0 ||
		    arg_int(r, "count", nframes, 1, nframes, &count) < 0)
			return -1;
		pthread_mutex_lock(&gm->ft.lock);
		for (struct frame *f = frame_list_first(&gm->ft, &gm->ft.node_list[node]);
		     f && fs->n < count; f = frame_list_next(&gm->ft, f))
			fs->idx[fs->n++] = frame_index(&gm->ft, f);
		pthread_mutex_unlock(&gm->ft.lock);
		return 0;
	}
	return req_error(r, "say which frames: \"frames\", \"gpa\" or \"from_node\"");
}

static int parse_mode(struct control_req *r, enum migrate_mode *mode)
{
	struct json_object *v;
	const char *s;

	*mode = MIGRATE_SYNC;
	if (!json_object_object_get_ex(r->args, "mode", &v))
		return 0;
	s = json_object_get_string(v);
	if (!strcmp(s, "async"))
		*mode = MIGRATE_ASYNC;
	else if (strcmp(s, "sync"))
		return req_error(r, "\"mode\" must be \"sync\" or \"async\"");
	return 0;
}

static void add_result(struct json_object *o, const struct migrate_result *res)
{
	add_int(o, "requested", res->requested);
	add_int(o, "moved", res->moved);
	add_int(o, "skipped", res->skipped);
	add_int(o, "failed", res->failed);
	add_int(o, "retries", res->retries);
	add_int(o, "moved_without_copy", res->nocopy);
	add_int(o, "bytes", (int64_t)res->bytes);
	json_object_object_add(o, "seconds", json_object_new_double(res->seconds));
	json_object_object_add(o, "gib_per_s", json_object_new_double(
		res->seconds > 0 ? (double)res->bytes / (1 << 30) / res->seconds : 0));
	add_int(o, "writes_held", res->writes_held);
	json_object_object_add(o, "max_hold_us", json_object_new_double(res->max_hold * 1e6));
}

static int send_line(int fd, char *reply, int flags);
static char *reply_string(struct json_object *o);

static bool wants_progress(struct control_req *r)
{
	struct json_object *v;

	return r->progress_fd >= 0 && json_object_object_get_ex(r->args, "progress", &v) &&
	       json_object_get_boolean(v);
}

/* {"progress": {"done": N, "total": M}}: the client draws a bar from these. */
static void send_progress(struct control_req *r, uint32_t done, uint32_t total)
{
	struct json_object *o = json_object_new_object(), *p = json_object_new_object();

	add_int(p, "done", done);
	add_int(p, "total", total);
	json_object_object_add(o, "progress", p);
	send_line(r->progress_fd, reply_string(o), 0);
	json_object_put(o);
}

static void result_add(struct migrate_result *sum, const struct migrate_result *part)
{
	sum->requested += part->requested;
	sum->moved += part->moved;
	sum->skipped += part->skipped;
	sum->failed += part->failed;
	sum->retries += part->retries;
	sum->nocopy += part->nocopy;
	sum->bytes += part->bytes;
	sum->seconds += part->seconds;
	sum->writes_held += part->writes_held;
	if (part->max_hold > sum->max_hold)
		sum->max_hold = part->max_hold;
}

#define PROGRESS_STEP 64 /* frames between progress lines */

/* Move frames in steps, reporting progress between them when asked. */
static int migrate_with_progress(struct control_req *r, const uint32_t *idx, uint32_t n,
				 unsigned to, enum migrate_mode mode, enum migrate_reason reason,
				 struct migrate_result *total)
{
	bool progress = wants_progress(r);
	uint32_t step = progress ? PROGRESS_STEP : n, done = 0;

	do {
		struct migrate_result part;
		uint32_t k = n - done < step ? n - done : step;

		if (migrate_frames(&r->vm->migrator, idx + done, k, to, mode, reason, &part) < 0)
			return -1;
		result_add(total, &part);
		done += k;
		if (progress)
			send_progress(r, done, n);
	} while (done < n);
	return 0;
}

static int cmd_migrate(struct control_req *r)
{
	struct guest_mem *gm = &r->vm->mem;
	struct frame_set fs = { .idx = calloc(guest_mem_nframes(gm), sizeof(uint32_t)) };
	struct migrate_result res = { 0 };
	enum migrate_mode mode;
	int64_t to;
	int ret = -1;

	if (!fs.idx)
		return req_error(r, "out of memory");
	if (!json_object_object_get_ex(r->args, "to_node", NULL))
		req_error(r, "missing \"to_node\"");
	else if (arg_int(r, "to_node", 0, 0, gm->nnodes - 1, &to) == 0 &&
		 parse_mode(r, &mode) == 0 && select_frames(r, &fs) == 0) {
		if (migrate_with_progress(r, fs.idx, fs.n, (unsigned)to, mode, MR_USER, &res) < 0)
			req_error(r, "bad frame or node");
		else
			ret = 0;
	}
	free(fs.idx);
	if (ret == 0) {
		add_nodes(r->reply, gm);
		add_int(r->reply, "to_node", to);
		add_str(r->reply, "mode", mode == MIGRATE_SYNC ? "sync" : "async");
		add_result(r->reply, &res);
	}
	return ret;
}

static const char *const numatune_modes[][2] = {
	{ "strict", "bind" }, { "preferred", "preferred" }, { "interleave", "interleave" },
};

/* Move the running guest to match a new policy, frame by frame (what
 * `virsh numatune --live` promises). Frames already on an allowed node stay
 * under strict; interleave and preferred name each frame's node. */
static int cmd_numatune(struct control_req *r)
{
	struct guest_mem *gm = &r->vm->mem;
	uint32_t nframes = guest_mem_nframes(gm);
	struct json_object *v;
	const char *mode = "strict", *nodeset;
	struct numa_policy pol;
	struct migrate_result total = { 0 };
	struct frame_set fs = { 0 };
	char spec[96];
	size_t m;

	if (!json_object_object_get_ex(r->args, "nodeset", &v))
		return req_error(r, "missing \"nodeset\"");
	nodeset = json_object_get_string(v);
	if (json_object_object_get_ex(r->args, "mode", &v))
		mode = json_object_get_string(v);
	for (m = 0; m < ARRAY_SIZE(numatune_modes); m++)
		if (!strcmp(mode, numatune_modes[m][0]))
			break;
	if (m == ARRAY_SIZE(numatune_modes))
		return req_error(r, "\"mode\" must be strict, preferred or interleave");
	snprintf(spec, sizeof(spec), "%s:%.64s", numatune_modes[m][1], nodeset);
	if (numa_policy_parse(spec, &pol, r->err, sizeof(r->err)) < 0 ||
	    numa_policy_check(&pol, gm->nnodes, r->err, sizeof(r->err)) < 0)
		return -1;
	fs.idx = calloc(nframes, sizeof(uint32_t));
	if (!fs.idx)
		return req_error(r, "out of memory");
	for (unsigned node = 0; node < gm->nnodes; node++) {
		if (!(pol.nodemask & (1u << node)))
			continue;
		pthread_mutex_lock(&gm->ft.lock);
		fs.n = numa_policy_misplaced(&pol, &gm->ft, node, fs.idx);
		pthread_mutex_unlock(&gm->ft.lock);
		/* the old policy stays in force if the moves cannot be made */
		if (migrate_with_progress(r, fs.idx, fs.n, node, MIGRATE_SYNC, MR_NUMATUNE, &total) < 0) {
			free(fs.idx);
			return req_error(r, "cannot move frames to node %u", node);
		}
	}
	free(fs.idx);
	pthread_mutex_lock(&gm->ft.lock);
	gm->policy = pol;
	pthread_mutex_unlock(&gm->ft.lock);
	numa_policy_format(&pol, spec, sizeof(spec));
	add_nodes(r->reply, gm);
	add_str(r->reply, "policy", spec);
	add_result(r->reply, &total);
	return 0;
}

static int cmd_stats(struct control_req *r)
{
	struct migrator *m = &r->vm->migrator;
	struct guest_mem *gm = &r->vm->mem;
	struct json_object *reasons = json_object_new_object();
	struct json_object *nodes = json_object_new_array();
	struct json_object *faults = json_object_new_object();

	pthread_mutex_lock(&m->lock);
	for (int i = 0; i < MR_NR_REASONS; i++) {
		const struct migrate_counters *c = &m->stats.reason[i];
		struct json_object *o = json_object_new_object();

		add_int(o, "requested", (int64_t)c->requested);
		add_int(o, "moved", (int64_t)c->moved);
		add_int(o, "skipped", (int64_t)c->skipped);
		add_int(o, "failed", (int64_t)c->failed);
		add_int(o, "bytes", (int64_t)c->bytes);
		json_object_object_add(reasons, migrate_reason_name(i), o);
	}
	for (unsigned n = 0; n < gm->nnodes; n++) {
		struct json_object *o = json_object_new_object();

		add_int(o, "node", n);
		add_int(o, "migrated_in", (int64_t)m->stats.node_in[n]);
		add_int(o, "migrated_out", (int64_t)m->stats.node_out[n]);
		json_object_array_add(nodes, o);
	}
	for (int s = 0; s < MSTEP_NR; s++)
		add_int(faults, migrate_step_name(s), (int64_t)m->stats.faults_injected[s]);
	add_int(r->reply, "putbacks", (int64_t)m->stats.putbacks);
	add_int(r->reply, "writes_held", (int64_t)m->stats.writes_held);
	add_int(r->reply, "moved_without_copy", (int64_t)m->stats.nocopy);
	add_int(r->reply, "frames_reclaimed", (int64_t)m->stats.reclaimed);
	add_int(r->reply, "frames_restored", (int64_t)m->stats.restored);
	add_int(r->reply, "restored_on_touch", (int64_t)m->stats.touch_restored);
	add_int(r->reply, "restore_failures", (int64_t)m->stats.restore_failures);
	json_object_object_add(r->reply, "max_hold_us", json_object_new_double(m->stats.max_hold * 1e6));
	pthread_mutex_unlock(&m->lock);
	add_nodes(r->reply, gm);
	add_str(r->reply, "copy", copy_nt_impl());
	add_int(r->reply, "copy_threads", m->copy_threads);
	json_object_object_add(r->reply, "migrate", reasons);
	json_object_object_add(r->reply, "per_node", nodes);
	json_object_object_add(r->reply, "faults_injected", faults);
	return 0;
}

/* Same bytes, same pools, same copy routine, no migration entry or remap:
 * what migration throughput is measured against (scripts/bench-migrate). */
static int cmd_copy_baseline(struct control_req *r)
{
	int64_t to;
	double secs;
	uint64_t bytes;

	if (arg_int(r, "to_node", 0, 0, r->vm->mem.nnodes - 1, &to) < 0)
		return -1;
	bytes = migrate_copy_baseline(&r->vm->migrator, (unsigned)to, &secs);
	if (!bytes)
		return req_error(r, "nothing to copy: no frame off node %lld, or no free page there",
				 (long long)to);
	add_int(r->reply, "bytes", (int64_t)bytes);
	json_object_object_add(r->reply, "seconds", json_object_new_double(secs));
	json_object_object_add(r->reply, "gib_per_s",
			       json_object_new_double((double)bytes / (1 << 30) / secs));
	add_str(r->reply, "copy", copy_nt_impl());
	return 0;
}

static const struct control_arg copy_baseline_args[] = {
	{ "to_node", json_type_int },
	{ NULL, 0 },
};

/* Fault injection for soak runs: fail a migration step's n-th call from now
 * and/or each call with a probability; "action": "off" clears everything. */
static int cmd_inject(struct control_req *r)
{
	struct migrator *m = &r->vm->migrator;
	struct json_object *v, *steps = json_object_new_object();
	int64_t nth, permille;
	int step = -1;

	if (json_object_object_get_ex(r->args, "step", &v) &&
	    (step = migrate_step_parse(json_object_get_string(v))) < 0) {
		json_object_put(steps);
		return req_error(r, "\"step\" must be isolate, target, unmap, copy or remap");
	}
	if (arg_int(r, "nth", 0, 0, 1000000, &nth) < 0 || arg_int(r, "permille", 0, 0, 1000, &permille) < 0) {
		json_object_put(steps);
		return -1;
	}
	pthread_mutex_lock(&m->lock);
	if (json_object_object_get_ex(r->args, "action", &v) && !strcmp(json_object_get_string(v), "off")) {
		memset(m->inject.fail_nth, 0, sizeof(m->inject.fail_nth));
		memset(m->inject.fail_permille, 0, sizeof(m->inject.fail_permille));
	} else if (step >= 0) {
		m->inject.fail_nth[step] = (uint32_t)nth;
		m->inject.fail_permille[step] = (uint32_t)permille;
	}
	for (int i = 0; i < MSTEP_NR; i++) {
		struct json_object *o = json_object_new_object();

		add_int(o, "nth", m->inject.fail_nth[i]);
		add_int(o, "permille", m->inject.fail_permille[i]);
		add_int(o, "injected", (int64_t)m->stats.faults_injected[i]);
		json_object_object_add(steps, migrate_step_name(i), o);
	}
	pthread_mutex_unlock(&m->lock);
	json_object_object_add(r->reply, "inject", steps);
	return 0;
}

static const struct control_arg inject_args[] = {
	{ "action", json_type_string },
	{ "step", json_type_string },
	{ "nth", json_type_int },
	{ "permille", json_type_int },
	{ NULL, 0 },
};

/* autobalance on | off | status (the default) */
static int cmd_autobalance(struct control_req *r)
{
	struct autobalance *ab = &r->vm->balance;
	struct json_object *v;
	const char *action = "status";
	struct autobalance_stats st;

	if (json_object_object_get_ex(r->args, "action", &v))
		action = json_object_get_string(v);
	if (!r->vm->cfg || !r->vm->cfg->autobalance)
		return req_error(r, "autobalance needs frameshift run --autobalance (it samples writes "
				 "with KVM dirty rings from the start)");
	if (!strcmp(action, "on") || !strcmp(action, "off"))
		autobalance_set_enabled(ab, action[1] == 'n');
	else if (strcmp(action, "status"))
		return req_error(r, "autobalance takes on, off or status");
	pthread_mutex_lock(&ab->lock);
	st = ab->stats;
	add_bool(r->reply, "enabled", ab->enabled);
	json_object_object_add(r->reply, "rate_mib_s", json_object_new_double(ab->rate_mib_s));
	add_int(r->reply, "threshold_pct", ab->threshold_pct);
	add_int(r->reply, "confirm_windows", ab->confirm);
	add_int(r->reply, "cooldown_windows", ab->cooldown);
	pthread_mutex_unlock(&ab->lock);
	add_nodes(r->reply, &r->vm->mem);
	add_int(r->reply, "windows", (int64_t)st.windows);
	add_int(r->reply, "samples", (int64_t)st.samples);
	{
		struct json_object *per = json_object_new_array();

		for (unsigned n = 0; n < r->vm->mem.nnodes; n++)
			json_object_array_add(per, json_object_new_int64((int64_t)st.node_samples[n]));
		json_object_object_add(r->reply, "samples_per_node", per);
	}
	add_int(r->reply, "considered", (int64_t)st.considered);
	add_int(r->reply, "moved", (int64_t)st.moved);
	add_int(r->reply, "failed", (int64_t)st.failed);
	add_int(r->reply, "shared", (int64_t)st.shared);
	add_int(r->reply, "unconfirmed", (int64_t)st.unconfirmed);
	add_int(r->reply, "held_back", (int64_t)st.held_back);
	add_int(r->reply, "cooldown", (int64_t)st.cooldown);
	add_int(r->reply, "rate_limited", (int64_t)st.rate_limited);
	add_int(r->reply, "ballooned", (int64_t)st.ballooned);
	return 0;
}

static const struct control_arg autobalance_args[] = {
	{ "action", json_type_string },
	{ NULL, 0 },
};

static const struct control_arg migrate_args[] = {
	{ "frames", json_type_string },
	{ "gpa", json_type_string },
	{ "from_node", json_type_int },
	{ "count", json_type_int },
	{ "to_node", json_type_int },
	{ "mode", json_type_string },
	{ NULL, 0 },
};

static const struct control_arg numatune_args[] = {
	{ "nodeset", json_type_string },
	{ "mode", json_type_string },
	{ NULL, 0 },
};

static const struct control_arg map_args[] = {
	{ "first", json_type_int },
	{ "count", json_type_int },
	{ NULL, json_type_null },
};

/* ---- balloon: balloon/control.c does the work (docs/control-api.md) ---- */
static int cmd_balloon(struct control_req *r)
{
	struct balloon *b = balloon_of_vm(r->vm);
	struct json_object *cmd = NULL, *action, *value;
	const char *name;

	if (!b)
		return req_error(r, "this VM has no balloon device");
	json_object_object_get_ex(r->args, "cmd", &cmd);
	name = json_object_get_string(cmd);
	/* `ctl S balloon set 192M` and `ctl S balloon stats`: the words the issue
	 * and virsh users expect, mapped onto the two commands */
	if (json_object_object_get_ex(r->args, "action", &action)) {
		const char *a = json_object_get_string(action);

		if (!strcmp(name, "balloon") && !strcmp(a, "stats")) {
			name = "balloon-stats";
		} else if (!strcmp(name, "balloon") && !strcmp(a, "set")) {
			if (!json_object_object_get_ex(r->args, "value", &value))
				return req_error(r, "balloon set needs a size, e.g. balloon set 192M");
			json_object_object_add(r->args, "set",
					       json_object_new_string(json_object_get_string(value)));
		} else {
			return req_error(r, "balloon takes set SIZE or stats");
		}
	} else if (json_object_object_get_ex(r->args, "value", NULL)) {
		return req_error(r, "a value needs an action: balloon set SIZE");
	}
	return balloon_control(b, name, r->args, r->reply, r->err, sizeof(r->err));
}

static const struct control_arg balloon_args[] = {
	{ "set", json_type_string },
	{ "since", json_type_int },
	{ "action", json_type_string },
	{ "value", json_type_string },
	{ "wait_ms", json_type_int },     /* with the stats action */
	{ NULL, 0 },
};

static const struct control_arg balloon_stats_args[] = {
	{ "wait_ms", json_type_int },
	{ NULL, 0 },
};

static const struct control_cmd commands[] = {
	{ "info", NULL, cmd_info },
	{ "numastat", NULL, cmd_numastat },
	{ "map", map_args, cmd_map },
	{ "pause", NULL, cmd_pause },
	{ "resume", NULL, cmd_resume },
	{ "quit", NULL, cmd_quit },
	{ "migrate", migrate_args, cmd_migrate },
	{ "numatune", numatune_args, cmd_numatune },
	{ "stats", NULL, cmd_stats },
	{ "copy-baseline", copy_baseline_args, cmd_copy_baseline },
	{ "autobalance", autobalance_args, cmd_autobalance },
	{ "inject", inject_args, cmd_inject },
	{ "balloon", balloon_args, cmd_balloon },             /* balloon/ */
	{ "balloon-stats", balloon_stats_args, cmd_balloon }, /* balloon/ */
};

#define NR_COMMANDS ARRAY_SIZE(commands)

static int unknown_command(struct control_req *r, const char *name)
{
	char list[256] = "";
	size_t off = 0;

	for (size_t i = 0; i < NR_COMMANDS && off < sizeof(list); i++)
		off += snprintf(list + off, sizeof(list) - off, "%s%s",
				i ? ", " : "", commands[i].name);
	return req_error(r, "unknown command \"%.64s\" (commands: %s)", name, list);
}

static const struct control_arg *find_arg(const struct control_cmd *cmd, const char *name)
{
	for (const struct control_arg *a = cmd->args; a && a->name; a++)
		if (!strcmp(a->name, name))
			return a;
	return NULL;
}

/* Reject unknown or mistyped arguments so a typo never silently does the
 * default thing. */
static int check_args(struct control_req *r, const struct control_cmd *cmd)
{
	json_object_object_foreach(r->args, key, val) {
		if (!strcmp(key, "cmd") || !strcmp(key, "progress"))
			continue;
		const struct control_arg *a = find_arg(cmd, key);
		if (!a)
			return req_error(r, "unknown argument \"%.64s\"", key);
		/* a string argument may look like a number ("frames": 31) */
		if (!json_object_is_type(val, a->type) &&
		    !(a->type == json_type_string && json_object_is_type(val, json_type_int)))
			return req_error(r, "argument \"%s\" must be of type %s",
					 key, json_type_to_name(a->type));
	}
	return 0;
}

static bool blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return false;
	return true;
}

/* Parse one line; the caller has checked it is short and has no NUL. */
static int parse_request(struct control_req *r, const char *line, size_t len)
{
	char buf[CONTROL_MAX_LINE + 1];
	struct json_tokener *tok = json_tokener_new();

	if (!tok)
		return req_error(r, "out of memory");
	memcpy(buf, line, len);
	buf[len] = '\0';
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	/* Passing the NUL too ends the input, so a bare number or literal is
	 * complete rather than "continue". */
	r->args = json_tokener_parse_ex(tok, buf, (int)len + 1);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	json_tokener_free(tok);
	if (jerr != json_tokener_success)
		return req_error(r, "invalid JSON: %s", json_tokener_error_desc(jerr));
	if (!json_object_is_type(r->args, json_type_object)) /* NULL is JSON null */
		return req_error(r, "the request must be a JSON object");
	return 0;
}

static int handle_request(struct control_req *r, const char *line, size_t len)
{
	struct json_object *name;

	if (len > CONTROL_MAX_LINE)
		return req_error(r, "request longer than %d bytes", CONTROL_MAX_LINE);
	if (memchr(line, '\0', len))
		return req_error(r, "request contains a NUL byte");
	if (len && line[len - 1] == '\r') /* tolerate CRLF clients */
		len--;
	if (blank(line, len))
		return req_error(r, "empty request");
	if (parse_request(r, line, len) < 0)
		return -1;
	if (!json_object_object_get_ex(r->args, "cmd", &name))
		return req_error(r, "missing \"cmd\"");
	if (!json_object_is_type(name, json_type_string))
		return req_error(r, "\"cmd\" must be a string");

	const char *cmd_name = json_object_get_string(name);
	for (size_t i = 0; i < NR_COMMANDS; i++) {
		if (strcmp(commands[i].name, cmd_name))
			continue;
		if (check_args(r, &commands[i]) < 0)
			return -1;
		return commands[i].run(r);
	}
	return unknown_command(r, cmd_name);
}

static struct json_object *error_reply(const char *msg)
{
	struct json_object *o = json_object_new_object();

	add_bool(o, "ok", false);
	add_str(o, "error", msg);
	return o;
}

static char *reply_string(struct json_object *o)
{
	return strdup(json_object_to_json_string_ext(o,
			JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* Handle one request; long commands send progress lines to progress_fd
 * first when the request asks for them ("progress": true). */
static char *control_handle_line_fd(struct vm *vm, const char *line, size_t len, int progress_fd)
{
	struct control_req r = { .vm = vm, .progress_fd = progress_fd,
				 .reply = json_object_new_object() };

	if (vm->control) /* before handling, so info counts itself */
		vm->control->requests++;
	add_bool(r.reply, "ok", true);
	if (handle_request(&r, line, len) < 0) {
		json_object_put(r.reply);
		r.reply = error_reply(r.err);
		if (vm->control)
			vm->control->errors++;
	}

	char *s = reply_string(r.reply);
	json_object_put(r.reply);
	json_object_put(r.args);
	return s;
}

char *control_handle_line(struct vm *vm, const char *line, size_t len)
{
	return control_handle_line_fd(vm, line, len, -1);
}

/* ---- the server ---- */

static int send_all(int fd, const char *s, size_t len, int flags)
{
	while (len) {
		ssize_t n = send(fd, s, len, flags | MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		s += n;
		len -= n;
	}
	return 0;
}

/* Send reply plus newline in one go, so a reader never sees half a line
 * followed by a stall. Frees reply. */
static int send_line(int fd, char *reply, int flags)
{
	if (!reply)
		return -1;
	size_t len = strlen(reply);
	char *line = realloc(reply, len + 2);
	if (!line) {
		free(reply);
		return -1;
	}
	line[len] = '\n';
	int ret = send_all(fd, line, len + 1, flags);
	free(line);
	return ret;
}

/* Tell a connection we will not serve it why, without blocking on it. */
static void refuse(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void refuse(int fd, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	struct json_object *o = error_reply(msg);
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
	c->fd = -1;
	c->len = 0;
	c->discarding = false;
	srv->nclients--;
}

static void control_accept(struct control_server *srv)
{
	int fd = accept4(srv->listen_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return; /* the peer gave up already, or nothing to take */
	if (!peer_allowed(fd)) {
		refuse(fd, "permission denied: only uid %u and root may use this socket",
		       (unsigned)geteuid());
		return;
	}

	struct control_client *c = NULL;
	for (unsigned i = 0; i < CONTROL_MAX_CLIENTS && !c; i++)
		if (srv->clients[i].fd < 0)
			c = &srv->clients[i];
	if (!c) {
		refuse(fd, "too many control connections (at most %d)", CONTROL_MAX_CLIENTS);
		return;
	}

	struct timeval tv = { .tv_sec = CONTROL_SEND_TIMEOUT_S };
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	c->fd = fd;
	c->len = 0;
	c->discarding = false;
	srv->nclients++;
}

static int client_reply(struct control_server *srv, struct control_client *c,
			const char *line, size_t len)
{
	return send_line(c->fd, control_handle_line_fd(srv->vm, line, len, c->fd), 0);
}

/* Answer every complete line in the buffer. A line that fills the buffer
 * without a newline is answered with an error at once and the rest of it is
 * dropped as it arrives, so a client cannot make us buffer without bound. */
static int client_drain(struct control_server *srv, struct control_client *c)
{
	char *start = c->buf, *end = c->buf + c->len, *nl;

	while ((nl = memchr(start, '\n', end - start))) {
		if (c->discarding)
			c->discarding = false;
		else if (client_reply(srv, c, start, nl - start) < 0)
			return -1;
		start = nl + 1;
	}

	c->len = c->discarding ? 0 : end - start;
	memmove(c->buf, start, c->len);
	if (c->len == sizeof(c->buf)) {
		c->discarding = true;
		c->len = 0;
		return client_reply(srv, c, c->buf, sizeof(c->buf));
	}
	return 0;
}

static void client_read(struct control_server *srv, struct control_client *c)
{
	ssize_t n = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		client_close(srv, c);
		return;
	}
	c->len += n;
	if (client_drain(srv, c) < 0)
		client_close(srv, c);
}

static void *control_thread(void *arg)
{
	struct control_server *srv = arg;
	struct pollfd pfd[2 + CONTROL_MAX_CLIENTS];

	for (;;) {
		pfd[0] = (struct pollfd){ .fd = srv->wake_fd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = srv->listen_fd, .events = POLLIN };
		for (unsigned i = 0; i < CONTROL_MAX_CLIENTS; i++)
			pfd[2 + i] = (struct pollfd){ .fd = srv->clients[i].fd, .events = POLLIN };

		if (poll(pfd, 2 + CONTROL_MAX_CLIENTS, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_info("control socket: poll: %s", strerror(errno));
			break;
		}
		if (pfd[0].revents)
			break;
		for (unsigned i = 0; i < CONTROL_MAX_CLIENTS; i++)
			if (pfd[2 + i].revents)
				client_read(srv, &srv->clients[i]);
		if (pfd[1].revents & POLLIN)
			control_accept(srv);
	}
	return NULL;
}

/* A socket file left by a frameshift that died is replaced; anything else at
 * the path - a live socket, a regular file - is left alone. */
static int clear_stale_socket(const struct sockaddr_un *addr, char *err, size_t errlen)
{
	const char *path = addr->sun_path;
	struct stat st;

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
	int ret = connect(fd, (const struct sockaddr *)addr, sizeof(*addr));
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
	if (unlink(path) < 0 && errno != ENOENT) {
		snprintf(err, errlen, "--api-socket %s: cannot remove the stale socket: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static void server_free(struct control_server *srv)
{
	struct stat st;

	for (unsigned i = 0; i < CONTROL_MAX_CLIENTS; i++)
		if (srv->clients[i].fd >= 0)
			close(srv->clients[i].fd);
	if (srv->listen_fd >= 0)
		close(srv->listen_fd);
	if (srv->wake_fd >= 0)
		close(srv->wake_fd);
	/* only our own socket: the path may have been replaced meanwhile */
	if (srv->ino && lstat(srv->path, &st) == 0 &&
	    st.st_dev == srv->dev && st.st_ino == srv->ino)
		unlink(srv->path);
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
	if (lstat(srv->path, &st) < 0) {
		snprintf(err, errlen, "--api-socket %s: %s", srv->path, strerror(errno));
		return -1;
	}
	srv->dev = st.st_dev;
	srv->ino = st.st_ino;
	if (listen(srv->listen_fd, CONTROL_MAX_CLIENTS) < 0) {
		snprintf(err, errlen, "--api-socket %s: cannot listen: %s", srv->path, strerror(errno));
		return -1;
	}
	return 0;
}

/* The control thread takes no signals: they belong to the main and vCPU
 * threads, and poll() need not cope with EINTR storms. */
static int server_spawn(struct control_server *srv)
{
	sigset_t all, old;

	sigfillset(&all);
	sigdelset(&all, SIGSYS); /* a forbidden syscall here still gets the sandbox's message */
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int ret = pthread_create(&srv->thread, NULL, control_thread, srv);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret == 0)
		pthread_setname_np(srv->thread, "fs-control");
	return -ret;
}

int control_start(struct vm *vm, const char *path, char *err, size_t errlen)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct control_server *srv;
	int ret;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		snprintf(err, errlen, "--api-socket %s: path too long (at most %zu bytes)",
			 path, sizeof(addr.sun_path) - 1);
		return -1;
	}
	strcpy(addr.sun_path, path);
	if (clear_stale_socket(&addr, err, errlen) < 0)
		return -1;

	srv = calloc(1, sizeof(*srv));
	if (!srv || !(srv->path = strdup(path))) {
		free(srv);
		snprintf(err, errlen, "--api-socket: out of memory");
		return -1;
	}
	srv->vm = vm;
	srv->listen_fd = srv->wake_fd = -1;
	for (unsigned i = 0; i < CONTROL_MAX_CLIENTS; i++)
		srv->clients[i].fd = -1;

	if (server_listen(srv, &addr, err, errlen) < 0)
		goto fail;
	srv->wake_fd = eventfd(0, EFD_CLOEXEC);
	if (srv->wake_fd < 0) {
		snprintf(err, errlen, "--api-socket: eventfd: %s", strerror(errno));
		goto fail;
	}
	vm->control = srv; /* before the thread: requests count into it */
	ret = server_spawn(srv);
	if (ret < 0) {
		vm->control = NULL;
		snprintf(err, errlen, "--api-socket: cannot start the control thread: %s", strerror(-ret));
		goto fail;
	}
	return 0;
fail:
	server_free(srv);
	return -1;
}

void control_stop(struct vm *vm)
{
	struct control_server *srv = vm->control;
	uint64_t one = 1;

	if (!srv)
		return;
	if (write(srv->wake_fd, &one, sizeof(one)) != sizeof(one))
		log_info("control socket: cannot wake the server: %s", strerror(errno));
	pthread_join(srv->thread, NULL);
	vm->control = NULL;
	server_free(srv);
}
