/* cmd_inject.c - fault injection for soak runs on the control socket: fail
 * a migration step's n-th call from now and/or each call with a probability;
 * "action": "off" clears everything (scripts/soak, docs/reliability.md). */
#include <string.h>

#include "mm/migrate.h"
#include "vmm/control/commands.h"
#include "vmm/vm.h"

static int cmd_inject(struct control_req *r)
{
	struct vm *vm = r->priv;
	struct migrator *m = &vm->migrator;
	struct json_object *v, *steps = json_object_new_object();
	int64_t nth, permille;
	int step = -1;

	if (json_object_object_get_ex(r->args, "step", &v) &&
	    (step = migrate_step_parse(json_object_get_string(v))) < 0) {
		json_object_put(steps);
		return control_error(r, "\"step\" must be isolate, target, unmap, copy or remap");
	}
	if (control_arg_int(r, "nth", 0, 0, 1000000, &nth) < 0 ||
	    control_arg_int(r, "permille", 0, 0, 1000, &permille) < 0) {
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

		json_add_int(o, "nth", m->inject.fail_nth[i]);
		json_add_int(o, "permille", m->inject.fail_permille[i]);
		json_add_int(o, "injected", (int64_t)m->stats.faults_injected[i]);
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

const struct control_cmd inject_commands[] = {
	{ "inject", inject_args, cmd_inject },
	{ NULL, NULL, NULL },
};
