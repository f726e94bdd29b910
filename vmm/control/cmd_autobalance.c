/* cmd_autobalance.c - `autobalance` on the control socket: turn the
 * balancer of --autobalance on or off, and what it saw and did
 * (mm/autobalance.c, docs/autobalance.md). */
#include <string.h>

#include "mm/autobalance.h"
#include "vmm/control/commands.h"
#include "vmm/control/reply.h"
#include "vmm/vm.h"

/* autobalance on | off | status (the default) */
static int cmd_autobalance(struct control_req *r)
{
	struct vm *vm = r->priv;
	struct autobalance *ab = &vm->balance;
	struct json_object *v;
	const char *action = "status";
	struct autobalance_stats st;

	if (json_object_object_get_ex(r->args, "action", &v))
		action = json_object_get_string(v);
	if (!vm->cfg || !vm->cfg->autobalance)
		return control_error(r, "autobalance needs frameshift run --autobalance (it samples writes "
				     "with KVM dirty rings from the start)");
	if (!strcmp(action, "on") || !strcmp(action, "off"))
		autobalance_set_enabled(ab, action[1] == 'n');
	else if (strcmp(action, "status"))
		return control_error(r, "autobalance takes on, off or status");
	pthread_mutex_lock(&ab->lock);
	st = ab->stats;
	json_add_bool(r->reply, "enabled", ab->enabled);
	json_add_double(r->reply, "rate_mib_s", ab->rate_mib_s);
	json_add_int(r->reply, "threshold_pct", ab->threshold_pct);
	json_add_int(r->reply, "confirm_windows", ab->confirm);
	json_add_int(r->reply, "cooldown_windows", ab->cooldown);
	pthread_mutex_unlock(&ab->lock);
	reply_add_nodes(r->reply, &vm->mem);
	json_add_int(r->reply, "windows", (int64_t)st.windows);
	json_add_int(r->reply, "samples", (int64_t)st.samples);
	{
		struct json_object *per = json_object_new_array();

		for (unsigned n = 0; n < vm->mem.nnodes; n++)
			json_object_array_add(per, json_object_new_int64((int64_t)st.node_samples[n]));
		json_object_object_add(r->reply, "samples_per_node", per);
	}
	json_add_int(r->reply, "considered", (int64_t)st.considered);
	json_add_int(r->reply, "moved", (int64_t)st.moved);
	json_add_int(r->reply, "failed", (int64_t)st.failed);
	json_add_int(r->reply, "shared", (int64_t)st.shared);
	json_add_int(r->reply, "unconfirmed", (int64_t)st.unconfirmed);
	json_add_int(r->reply, "held_back", (int64_t)st.held_back);
	json_add_int(r->reply, "cooldown", (int64_t)st.cooldown);
	json_add_int(r->reply, "rate_limited", (int64_t)st.rate_limited);
	json_add_int(r->reply, "ballooned", (int64_t)st.ballooned);
	return 0;
}

static const struct control_arg autobalance_args[] = {
	{ "action", json_type_string },
	{ NULL, 0 },
};

const struct control_cmd autobalance_commands[] = {
	{ "autobalance", autobalance_args, cmd_autobalance },
	{ NULL, NULL, NULL },
};
