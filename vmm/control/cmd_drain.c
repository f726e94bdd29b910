/* cmd_drain.c - `drain --node N` and `undrain --node N` on the control
 * socket: memory hot-remove of a node (mm/drain.h, docs/tiering.md). */
#include "mm/drain.h"
#include "vmm/control/commands.h"
#include "vmm/control/reply.h"
#include "vmm/vm.h"

static int node_arg(struct control_req *r, int64_t *node)
{
	if (!json_object_object_get_ex(r->args, "node", NULL))
		return control_error(r, "missing \"node\"");
	return control_arg_int(r, "node", 0, 0, MAX_NODES - 1, node);
}

static void add_drained(struct control_req *r, struct guest_mem *gm)
{
	struct json_object *arr = json_object_new_array();

	pthread_mutex_lock(&gm->ft.lock);
	for (unsigned n = 0; n < gm->nnodes; n++)
		if (guest_mem_node_drained(gm, n))
			json_object_array_add(arr, json_object_new_int(n));
	pthread_mutex_unlock(&gm->ft.lock);
	reply_add_nodes(r->reply, gm);
	json_object_object_add(r->reply, "drained", arr);
}

static int cmd_drain(struct control_req *r)
{
	struct vm *vm = r->priv;
	struct drain_result res;
	int64_t node;

	if (node_arg(r, &node) < 0)
		return -1;
	if (drain_node(&vm->migrator, (unsigned)node, &res, r->err, sizeof(r->err)) < 0)
		return -1;
	json_add_int(r->reply, "node", node);
	json_add_int(r->reply, "frames", res.frames);
	json_add_int(r->reply, "moved", res.moves.moved);
	json_add_int(r->reply, "moved_without_copy", res.moves.nocopy);
	json_add_int(r->reply, "failed", res.moves.failed);
	json_add_int(r->reply, "left", res.left);
	json_add_int(r->reply, "pages_returned", res.pages_returned);
	json_add_double(r->reply, "seconds", res.moves.seconds);
	json_add_double(r->reply, "max_hold_us", res.moves.max_hold * 1e6);
	add_drained(r, &vm->mem);
	return 0;
}

static int cmd_undrain(struct control_req *r)
{
	struct vm *vm = r->priv;
	int64_t node;

	if (node_arg(r, &node) < 0)
		return -1;
	if (undrain_node(&vm->migrator, (unsigned)node, r->err, sizeof(r->err)) < 0)
		return -1;
	json_add_int(r->reply, "node", node);
	add_drained(r, &vm->mem);
	return 0;
}

static const struct control_arg node_args[] = {
	{ "node", json_type_int },
	{ NULL, 0 },
};

const struct control_cmd drain_commands[] = {
	{ "drain", node_args, cmd_drain },
	{ "undrain", node_args, cmd_undrain },
	{ NULL, NULL, NULL },
};
