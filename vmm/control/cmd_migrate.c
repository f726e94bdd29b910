/* cmd_migrate.c - moving frames on the control socket: migrate (frames,
 * a guest-physical range or a node's frames, to a node), numatune (a new
 * policy, and the moves it asks for), stats (what the migrator did) and
 * copy-baseline (the copy alone, what migration throughput is measured
 * against). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/parse.h"
#include "lib/util.h"
#include "mm/copy.h"
#include "mm/frame.h"
#include "mm/guest_mem.h"
#include "mm/migrate.h"
#include "mm/policy.h"
#include "vmm/control/commands.h"
#include "vmm/control/reply.h"
#include "vmm/device.h"
#include "vmm/vm.h"

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
	struct vm *vm = r->priv;
	struct guest_mem *gm = &vm->mem;
	uint32_t nframes = guest_mem_nframes(gm);
	struct json_object *v;
	int64_t node, count;

	if (json_object_object_get_ex(r->args, "frames", &v)) {
		int ret;

		fs->seen = calloc(nframes, 1);
		if (!fs->seen)
			return control_error(r, "out of memory");
		ret = parse_range_list(json_object_get_string(v), nframes, add_frames, fs);
		free(fs->seen);
		fs->seen = NULL;
		if (ret < 0)
			return control_error(r, "bad \"frames\" list (want e.g. 0-3,7; frames < %u)", nframes);
		if (fs->repeated)
			return control_error(r, "frame %u is listed twice", fs->repeat);
		return 0;
	}
	if (json_object_object_get_ex(r->args, "gpa", &v)) {
		char buf[64];
		char *dash;
		uint64_t start, end, first = FS_NOT_RAM, last = FS_NOT_RAM;

		snprintf(buf, sizeof(buf), "%s", json_object_get_string(v));
		dash = strchr(buf, '-');
		if (!dash)
			return control_error(r, "bad \"gpa\" range (want START-END, e.g. 0x0-0x400000)");
		*dash = '\0';
		/* both ends in RAM (either side of the MMIO hole); the frames
		 * between them are every RAM frame the range covers */
		if (parse_u64(buf, &start) == 0 && parse_u64(dash + 1, &end) == 0 && start < end) {
			first = guest_mem_gpa_offset(gm, start, 1);
			last = guest_mem_gpa_offset(gm, end - 1, 1);
		}
		if (first == FS_NOT_RAM || last == FS_NOT_RAM)
			return control_error(r, "bad \"gpa\" range '%s' (want START-END inside the %llu MiB of guest RAM%s)",
					     json_object_get_string(v), (unsigned long long)(gm->size >> 20),
					     gm->size > FS_LOW_RAM_MAX ? ", whose ends are not in the hole 0xc0000000-0x100000000" : "");
		add_frames((uint32_t)(first >> FRAME_SHIFT), (uint32_t)(last >> FRAME_SHIFT), fs);
		return 0;
	}
	if (json_object_object_get_ex(r->args, "from_node", &v)) {
		if (control_arg_int(r, "from_node", 0, 0, gm->nnodes - 1, &node) < 0 ||
		    control_arg_int(r, "count", nframes, 1, nframes, &count) < 0)
			return -1;
		pthread_mutex_lock(&gm->ft.lock);
		for (struct frame *f = frame_list_first(&gm->ft, &gm->ft.node_list[node]);
		     f && fs->n < count; f = frame_list_next(&gm->ft, f))
			fs->idx[fs->n++] = frame_index(&gm->ft, f);
		pthread_mutex_unlock(&gm->ft.lock);
		return 0;
	}
	return control_error(r, "say which frames: \"frames\", \"gpa\" or \"from_node\"");
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
		return control_error(r, "\"mode\" must be \"sync\" or \"async\"");
	return 0;
}

static void add_result(struct json_object *o, const struct migrate_result *res)
{
	json_add_int(o, "requested", res->requested);
	json_add_int(o, "moved", res->moved);
	json_add_int(o, "skipped", res->skipped);
	json_add_int(o, "failed", res->failed);
	json_add_int(o, "retries", res->retries);
	json_add_int(o, "moved_without_copy", res->nocopy);
	json_add_int(o, "bytes", (int64_t)res->bytes);
	json_add_double(o, "seconds", res->seconds);
	json_add_double(o, "gib_per_s", res->seconds > 0 ? (double)res->bytes / (1 << 30) / res->seconds : 0);
	json_add_int(o, "writes_held", res->writes_held);
	json_add_double(o, "max_hold_us", res->max_hold * 1e6);
}

#define PROGRESS_STEP 64 /* frames between progress lines */

/* Move frames in steps, reporting progress between them when asked. */
static int migrate_with_progress(struct control_req *r, const uint32_t *idx, uint32_t n,
				 unsigned to, enum migrate_mode mode, enum migrate_reason reason,
				 struct migrate_result *total)
{
	struct vm *vm = r->priv;
	bool progress = reply_wants_progress(r);
	uint32_t step = progress ? PROGRESS_STEP : n, done = 0;

	do {
		struct migrate_result part;
		uint32_t k = n - done < step ? n - done : step;

		if (migrate_frames(&vm->migrator, idx + done, k, to, mode, reason, &part) < 0)
			return -1;
		migrate_result_add(total, &part);
		done += k;
		if (progress)
			reply_progress(r, done, n);
	} while (done < n);
	return 0;
}

static int cmd_migrate(struct control_req *r)
{
	struct vm *vm = r->priv;
	struct guest_mem *gm = &vm->mem;
	struct frame_set fs = { .idx = calloc(guest_mem_nframes(gm), sizeof(uint32_t)) };
	struct migrate_result res = { 0 };
	enum migrate_mode mode;
	int64_t to;
	int ret = -1;

	if (!fs.idx)
		return control_error(r, "out of memory");
	if (!json_object_object_get_ex(r->args, "to_node", NULL))
		control_error(r, "missing \"to_node\"");
	else if (control_arg_int(r, "to_node", 0, 0, gm->nnodes - 1, &to) == 0 &&
		 parse_mode(r, &mode) == 0 && select_frames(r, &fs) == 0) {
		if (guest_mem_node_drained(gm, (unsigned)to))
			control_error(r, "node %lld is drained: nothing is placed there until "
				      "ctl undrain --node %lld", (long long)to, (long long)to);
		else if (migrate_with_progress(r, fs.idx, fs.n, (unsigned)to, mode, MR_USER, &res) < 0)
			control_error(r, "bad frame or node");
		else
			ret = 0;
	}
	free(fs.idx);
	if (ret == 0) {
		reply_add_nodes(r->reply, gm);
		json_add_int(r->reply, "to_node", to);
		json_add_str(r->reply, "mode", mode == MIGRATE_SYNC ? "sync" : "async");
		add_result(r->reply, &res);
	}
	return ret;
}

static const char *const numatune_modes[][2] = {
	{ "strict", "bind" }, { "preferred", "preferred" }, { "interleave", "interleave" },
	{ "restrictive", "bind" }, /* as run --domain maps it (docs/domain.md) */
};

/* Move the running guest to match a new policy, frame by frame (what
 * `virsh numatune --live` promises). Frames already on an allowed node stay
 * under strict; interleave and preferred name each frame's node. */
static int cmd_numatune(struct control_req *r)
{
	struct vm *vm = r->priv;
	struct guest_mem *gm = &vm->mem;
	struct json_object *v;
	const char *mode = "strict", *nodeset;
	struct numa_policy pol, place;
	struct migrate_result total = { 0 };
	uint32_t *idx, n;
	char spec[96], current[96];
	size_t m;
	bool has_mode = json_object_object_get_ex(r->args, "mode", &v);

	if (has_mode)
		mode = json_object_get_string(v);
	pthread_mutex_lock(&gm->ft.lock);
	pol = gm->policy;
	pthread_mutex_unlock(&gm->ft.lock);
	if (json_object_object_get_ex(r->args, "nodeset", &v)) {
		nodeset = json_object_get_string(v);
	} else if (has_mode) { /* a new mode on the nodeset in force */
		numa_policy_format(&pol, current, sizeof(current));
		nodeset = strchr(current, ':') + 1;
	} else { /* virsh numatune without arguments: the policy, nothing moves */
		numa_policy_format(&pol, spec, sizeof(spec));
		goto reply;
	}
	for (m = 0; m < ARRAY_SIZE(numatune_modes); m++)
		if (!strcmp(mode, numatune_modes[m][0]))
			break;
	if (m == ARRAY_SIZE(numatune_modes))
		return control_error(r, "\"mode\" must be strict, preferred, interleave or restrictive");
	snprintf(spec, sizeof(spec), "%s:%.64s", numatune_modes[m][1], nodeset);
	if (numa_policy_parse(spec, &pol, r->err, sizeof(r->err)) < 0 ||
	    numa_policy_check(&pol, gm->nnodes, r->err, sizeof(r->err)) < 0)
		return -1;
	/* frames go to the policy's nodes that are not drained */
	place = pol;
	pthread_mutex_lock(&gm->ft.lock);
	if (numa_policy_exclude(&place, gm->drained) < 0) {
		pthread_mutex_unlock(&gm->ft.lock);
		return control_error(r, "every node of nodeset %s is drained (ctl undrain --node N first)",
				     nodeset);
	}
	pthread_mutex_unlock(&gm->ft.lock);
	idx = calloc(guest_mem_nframes(gm), sizeof(uint32_t));
	if (!idx)
		return control_error(r, "out of memory");
	for (unsigned node = 0; node < gm->nnodes; node++) {
		if (!(place.nodemask & (1u << node)))
			continue;
		pthread_mutex_lock(&gm->ft.lock);
		n = numa_policy_misplaced(&place, &gm->ft, node, idx);
		pthread_mutex_unlock(&gm->ft.lock);
		/* the old policy stays in force if the moves cannot be made */
		if (migrate_with_progress(r, idx, n, node, MIGRATE_SYNC, MR_NUMATUNE, &total) < 0) {
			free(idx);
			return control_error(r, "cannot move frames to node %u", node);
		}
	}
	free(idx);
	pthread_mutex_lock(&gm->ft.lock);
	gm->policy = pol;
	pthread_mutex_unlock(&gm->ft.lock);
	numa_policy_format(&pol, spec, sizeof(spec));
reply:
	reply_add_nodes(r->reply, gm);
	json_add_str(r->reply, "policy", spec);
	add_result(r->reply, &total);
	reply_numatune(r->reply, &pol);
	return 0;
}

/* Per device that does I/O into guest memory, what of it met frames being
 * migrated. */
static struct json_object *device_holds_json(void)
{
	struct json_object *a = json_object_new_array();

	for (struct device *d = device_first(); d; d = d->next) {
		struct json_object *o;
		struct vq_holds h;

		if (!d->migration_holds || !d->priv)
			continue;
		h = d->migration_holds(d);
		o = json_object_new_object();
		json_add_str(o, "name", d->name);
		json_add_int(o, "mmio_base", (int64_t)d->base);
		json_add_int(o, "io_held", (int64_t)h.held);
		json_add_double(o, "longest_hold_us", h.longest * 1e6);
		json_object_array_add(a, o);
	}
	return a;
}

static int cmd_stats(struct control_req *r)
{
	struct vm *vm = r->priv;
	struct migrator *m = &vm->migrator;
	struct guest_mem *gm = &vm->mem;
	struct json_object *reasons = json_object_new_object();
	struct json_object *nodes = json_object_new_array();
	struct json_object *faults = json_object_new_object();
	uint32_t degraded[MAX_NODES], frames_degraded;

	pthread_mutex_lock(&gm->ft.lock);
	frames_degraded = frame_table_count_degraded(&gm->ft, degraded);
	pthread_mutex_unlock(&gm->ft.lock);
	pthread_mutex_lock(&m->lock);
	for (int i = 0; i < MR_NR_REASONS; i++) {
		const struct migrate_counters *c = &m->stats.reason[i];
		struct json_object *o = json_object_new_object();

		json_add_int(o, "requested", (int64_t)c->requested);
		json_add_int(o, "moved", (int64_t)c->moved);
		json_add_int(o, "skipped", (int64_t)c->skipped);
		json_add_int(o, "failed", (int64_t)c->failed);
		json_add_int(o, "bytes", (int64_t)c->bytes);
		json_object_object_add(reasons, migrate_reason_name(i), o);
	}
	for (unsigned n = 0; n < gm->nnodes; n++) {
		struct json_object *o = json_object_new_object();

		json_add_int(o, "node", n);
		json_add_int(o, "migrated_in", (int64_t)m->stats.node_in[n]);
		json_add_int(o, "migrated_out", (int64_t)m->stats.node_out[n]);
		json_object_array_add(nodes, o);
	}
	for (int s = 0; s < MSTEP_NR; s++)
		json_add_int(faults, migrate_step_name(s), (int64_t)m->stats.faults_injected[s]);
	json_add_int(r->reply, "putbacks", (int64_t)m->stats.putbacks);
	json_add_int(r->reply, "writes_held", (int64_t)m->stats.writes_held);
	json_add_int(r->reply, "moved_without_copy", (int64_t)m->stats.nocopy);
	json_add_int(r->reply, "frames_reclaimed", (int64_t)m->stats.reclaimed);
	json_add_int(r->reply, "frames_restored", (int64_t)m->stats.restored);
	json_add_int(r->reply, "restored_on_touch", (int64_t)m->stats.touch_restored);
	json_add_int(r->reply, "restore_failures", (int64_t)m->stats.restore_failures);
	json_add_int(r->reply, "restored_degraded", (int64_t)m->stats.degraded);
	json_add_int(r->reply, "frames_degraded", frames_degraded);
	json_add_int(r->reply, "stale_events", (int64_t)m->stats.stale_events);
	json_add_double(r->reply, "max_hold_us", m->stats.max_hold * 1e6);
	pthread_mutex_unlock(&m->lock);
	reply_add_nodes(r->reply, gm);
	json_add_str(r->reply, "copy", copy_engine_method()->name);
	json_add_int(r->reply, "copy_threads", m->copy_threads);
	json_object_object_add(r->reply, "migrate", reasons);
	json_object_object_add(r->reply, "per_node", nodes);
	json_object_object_add(r->reply, "faults_injected", faults);
	json_object_object_add(r->reply, "devices", device_holds_json());
	return 0;
}

/* Same bytes, same pools, same copy routine, no migration entry or remap:
 * what migration throughput is measured against (scripts/bench-migrate). */
static int cmd_copy_baseline(struct control_req *r)
{
	struct vm *vm = r->priv;
	int64_t to;
	double secs;
	uint64_t bytes;

	if (control_arg_int(r, "to_node", 0, 0, vm->mem.nnodes - 1, &to) < 0)
		return -1;
	bytes = migrate_copy_baseline(&vm->migrator, (unsigned)to, &secs);
	if (!bytes)
		return control_error(r, "nothing to copy: no frame off node %lld, or no free page there",
				     (long long)to);
	json_add_int(r->reply, "bytes", (int64_t)bytes);
	json_add_double(r->reply, "seconds", secs);
	json_add_double(r->reply, "gib_per_s", (double)bytes / (1 << 30) / secs);
	json_add_str(r->reply, "copy", copy_engine_method()->name);
	return 0;
}

static const struct control_arg copy_baseline_args[] = {
	{ "to_node", json_type_int },
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

const struct control_cmd migrate_commands[] = {
	{ "migrate", migrate_args, cmd_migrate },
	{ "numatune", numatune_args, cmd_numatune },
	{ "stats", NULL, cmd_stats },
	{ "copy-baseline", copy_baseline_args, cmd_copy_baseline },
	{ NULL, NULL, NULL },
};
