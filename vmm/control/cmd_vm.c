/* cmd_vm.c - the VM as a whole on the control socket: info, numastat and map
 * (what guest memory looks like), pause, resume and quit (its run state).
 * Also registers the VM's command groups (commands.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "mm/frame.h"
#include "mm/guest_mem.h"
#include "mm/policy.h"
#include "mm/pool.h"
#include "vmm/control/commands.h"
#include "vmm/control/dispatch.h"
#include "vmm/control/reply.h"
#include "vmm/control/server.h"
#include "vmm/device.h"
#include "vmm/vm.h"

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

/* Pool counters change under the frame table lock, like the frames they back. */
static struct json_object *pools_json(struct guest_mem *gm)
{
	struct json_object *arr = json_object_new_array();

	pthread_mutex_lock(&gm->ft.lock);
	for (unsigned n = 0; n < gm->nnodes; n++) {
		const struct pool *p = &gm->pools[n];
		struct json_object *o = json_object_new_object();

		json_add_int(o, "node", p->node);
		json_add_int(o, "host_node", p->host_node);
		json_add_str(o, "backing", pool_backing_name(p->backing));
		json_add_int(o, "capacity", p->capacity);
		json_add_int(o, "populated", p->npopulated);
		json_add_int(o, "lazy", p->nlazy);
		json_add_int(o, "free", p->nfree);
		json_add_int(o, "pages_returned", (int64_t)p->pages_returned);
		json_add_int(o, "populate_failures", (int64_t)p->populate_failures);
		json_object_array_add(arr, o);
	}
	pthread_mutex_unlock(&gm->ft.lock);
	return arr;
}

/* How a remapped frame is made usable before the guest touches it. */
static struct json_object *prefault_json(const struct vm *vm)
{
	struct json_object *o = json_object_new_object();

	json_add_bool(o, "populate_write", vm->migrator.populate_write);
	json_add_str(o, "kvm_pre_fault_memory", vm->kvm_pre_fault_memory ? "not used" : "unavailable");
	return o;
}

static int cmd_info(struct control_req *r)
{
	struct vm *vm = r->priv;
	struct guest_mem *gm = &vm->mem;
	struct numa_policy pol;
	char policy[128];

	pthread_mutex_lock(&gm->ft.lock); /* numatune replaces it under this lock */
	pol = gm->policy;
	pthread_mutex_unlock(&gm->ft.lock);
	numa_policy_format(&pol, policy, sizeof(policy));
	json_add_int(r->reply, "memory_bytes", (int64_t)gm->size);
	json_add_int(r->reply, "frame_size", FRAME_SIZE);
	json_add_int(r->reply, "frames", guest_mem_nframes(gm));
	json_add_int(r->reply, "vcpus", vm->ncpus);
	json_add_str(r->reply, "state", vm_state_name(vm_state(vm)));
	reply_add_nodes(r->reply, gm);
	json_add_str(r->reply, "policy", policy);
	json_object_object_add(r->reply, "pools", pools_json(gm));
	json_object_object_add(r->reply, "prefault", prefault_json(vm));

	if (vm->control) {
		struct json_object *c = json_object_new_object();
		struct control_stats st;

		control_server_stats(vm->control, &st);
		json_add_int(c, "requests", (int64_t)st.requests);
		json_add_int(c, "errors", (int64_t)st.errors);
		json_add_int(c, "clients", st.clients);
		json_object_object_add(r->reply, "control", c);
	}
	return 0;
}

/* Each device's own threads and the host node they run on. */
static struct json_object *devices_json(void)
{
	struct json_object *a = json_object_new_array();

	for (struct device *d = device_first(); d; d = d->next) {
		struct json_object *o, *threads;
		struct device_io io = { .node = -1 };

		if (!d->io_placement || !d->priv)
			continue;
		d->io_placement(d, &io);
		o = json_object_new_object();
		threads = json_object_new_array();
		json_add_str(o, "device", io.id);
		json_add_str(o, "type", d->name);
		json_add_int(o, "host_node", io.node);
		for (unsigned k = 0; k < io.nthreads; k++)
			json_object_array_add(threads, json_object_new_string(io.threads[k]));
		json_object_object_add(o, "threads", threads);
		json_object_array_add(a, o);
	}
	return a;
}

static int cmd_numastat(struct control_req *r)
{
	struct vm *vm = r->priv;
	struct guest_mem *gm = &vm->mem;
	uint32_t per_node[MAX_NODES], per_state[FRAME_NR_STATES], degraded[MAX_NODES];
	uint32_t total_degraded, drained;
	uint64_t total = 0;

	pthread_mutex_lock(&gm->ft.lock);
	drained = gm->drained;
	frame_table_count(&gm->ft, per_node, per_state);
	total_degraded = frame_table_count_degraded(&gm->ft, degraded);
	pthread_mutex_unlock(&gm->ft.lock);

	struct json_object *nodes = json_object_new_array();
	for (unsigned n = 0; n < gm->nnodes; n++) {
		struct json_object *o = json_object_new_object();

		json_add_int(o, "node", n);
		json_add_int(o, "host_node", gm->pools[n].host_node);
		json_add_int(o, "frames", per_node[n]);
		json_add_int(o, "mib", (int64_t)(per_node[n] * FRAME_SIZE >> 20));
		json_add_int(o, "degraded", degraded[n]);
		json_add_bool(o, "drained", drained >> n & 1);
		json_add_int(o, "tier", gm->tiers.tier[n]);
		json_object_array_add(nodes, o);
		total += per_node[n];
	}

	struct json_object *states = json_object_new_object();
	for (unsigned s = 0; s < FRAME_NR_STATES; s++)
		json_add_int(states, frame_state_name(s), per_state[s]);

	struct json_object *sum = json_object_new_object();
	json_add_int(sum, "frames", (int64_t)total);
	json_add_int(sum, "mib", (int64_t)(total * FRAME_SIZE >> 20));
	json_add_int(sum, "degraded", total_degraded);

	reply_add_nodes(r->reply, gm);
	json_add_int(r->reply, "frames", guest_mem_nframes(gm));
	json_add_int(r->reply, "frame_size", FRAME_SIZE);
	json_add_int(r->reply, "tiers", gm->tiers.ntiers);
	json_add_str(r->reply, "tiers_from", tier_source_name(gm->tiers.source));
	json_object_object_add(r->reply, "per_node", nodes);
	json_object_object_add(r->reply, "total", sum);
	json_object_object_add(r->reply, "states", states);
	json_object_object_add(r->reply, "devices", devices_json());
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
		snprintf(val, sizeof(val), "node %u, tier %u", n, gm->tiers.tier[n]);
		json_add_str(o, key, val);
	}
	json_add_str(o, "I", "isolated");
	json_add_str(o, "M", "migrating");
	json_add_str(o, "B", "ballooned");
	json_add_str(o, ".", "free");
	return o;
}

static int cmd_map(struct control_req *r)
{
	struct vm *vm = r->priv;
	struct guest_mem *gm = &vm->mem;
	uint32_t nframes = guest_mem_nframes(gm);
	int64_t first, count;

	if (control_arg_int(r, "first", 0, 0, (int64_t)nframes - 1, &first) < 0 ||
	    control_arg_int(r, "count", nframes, 1, INT64_MAX, &count) < 0)
		return -1;
	if (count > nframes - first)
		count = nframes - first;

	char *cells = malloc(count);
	if (!cells)
		return control_error(r, "out of memory");
	pthread_mutex_lock(&gm->ft.lock);
	for (int64_t i = 0; i < count; i++)
		cells[i] = frame_char(&gm->ft.frames[first + i]);
	pthread_mutex_unlock(&gm->ft.lock);

	reply_add_nodes(r->reply, gm);
	json_add_int(r->reply, "frames", nframes);
	json_add_int(r->reply, "frame_size", FRAME_SIZE);
	json_add_int(r->reply, "first", first);
	json_object_object_add(r->reply, "map", json_object_new_string_len(cells, (int)count));
	json_object_object_add(r->reply, "legend", map_legend(gm));
	free(cells);
	return 0;
}

static int run_state_change(struct control_req *r, int (*op)(struct vm *),
			    const char *what, const char *already)
{
	struct vm *vm = r->priv;
	int ret = op(vm);

	if (ret == -EALREADY)
		return control_error(r, "cannot %s: %s", what, already);
	if (ret == -ESHUTDOWN)
		return control_error(r, "cannot %s: the VM is stopping", what);
	if (ret < 0)
		return control_error(r, "cannot %s: %s", what, strerror(-ret));
	json_add_str(r->reply, "state", vm_state_name(vm_state(vm)));
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
	struct vm *vm = r->priv;

	vm_request_exit(vm, 0, "quit requested over the control socket");
	json_add_str(r->reply, "state", vm_state_name(vm_state(vm)));
	return 0;
}

static const struct control_arg map_args[] = {
	{ "first", json_type_int },
	{ "count", json_type_int },
	{ NULL, json_type_null },
};

static const struct control_cmd vm_commands[] = {
	{ "info", NULL, cmd_info },
	{ "numastat", NULL, cmd_numastat },
	{ "map", map_args, cmd_map },
	{ "pause", NULL, cmd_pause },
	{ "resume", NULL, cmd_resume },
	{ "quit", NULL, cmd_quit },
	{ NULL, NULL, NULL },
};

/* In this order: an unknown command's error lists them so. */
static const struct control_cmd *const vm_groups[] = {
	vm_commands, migrate_commands, autobalance_commands, inject_commands, drain_commands,
	tier_commands, domain_commands,
};

int control_register_vm(struct vm *vm)
{
	for (size_t i = 0; i < ARRAY_SIZE(vm_groups); i++)
		if (control_register(vm_groups[i], vm) < 0) {
			control_unregister_vm();
			return -1;
		}
	return 0;
}

void control_unregister_vm(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(vm_groups); i++)
		control_unregister(vm_groups[i]);
}
