/* control.c - `disks` on the control socket: per --disk its image, what the
 * driver negotiated, the requests served, the guest's errors by kind and the
 * I/O that waited on frames being migrated (docs/control-api.md). */
#include "blk/control.h"

static struct json_object *requests_json(const struct blk_counters *c)
{
	struct json_object *o = json_object_new_object();

	json_add_int(o, "read", (int64_t)c->reads);
	json_add_int(o, "write", (int64_t)c->writes);
	json_add_int(o, "flush", (int64_t)c->flushes);
	json_add_int(o, "get_id", (int64_t)c->get_ids);
	json_add_int(o, "discard", (int64_t)c->discards);
	json_add_int(o, "write_zeroes", (int64_t)c->write_zeroes);
	json_add_int(o, "bytes_read", (int64_t)c->bytes_read);
	json_add_int(o, "bytes_written", (int64_t)c->bytes_written);
	json_add_int(o, "io_errors", (int64_t)c->io_errors);
	json_add_int(o, "out_of_order", (int64_t)c->out_of_order);
	json_add_int(o, "dropped_by_reset", (int64_t)c->dropped_by_reset);
	return o;
}

static struct json_object *errors_json(const struct blk_status *s)
{
	const struct blk_counters *c = &s->c;
	struct json_object *o = json_object_new_object();

	json_add_int(o, "total", (int64_t)(c->guest_errors + virtio_mmio_status_errors(&s->t)));
	json_add_int(o, "bad_layout", (int64_t)c->bad_layout);
	json_add_int(o, "no_status", (int64_t)c->no_status);
	json_add_int(o, "out_of_range", (int64_t)c->out_of_range);
	json_add_int(o, "readonly_writes", (int64_t)c->readonly_writes);
	json_add_int(o, "unsupported", (int64_t)c->unsupported);
	json_add_int(o, "too_many_segments", (int64_t)c->too_many_segments);
	json_add_int(o, "segment_too_large", (int64_t)c->segment_too_large);
	json_add_int(o, "config_errors", (int64_t)c->config_errors);
	json_add_int(o, "ballooned_buffers", (int64_t)c->ballooned_buffers);
	json_add_int(o, "budget_cuts", (int64_t)s->t.budget_cuts);
	return o;
}

static struct json_object *disk_json(struct blk *b)
{
	struct json_object *o = json_object_new_object();
	struct blk_status s;

	blk_get_status(b, &s);
	json_add_str(o, "path", s.path);
	json_add_str(o, "serial", s.serial);
	json_add_bool(o, "readonly", s.readonly);
	json_add_int(o, "sectors", (int64_t)s.capacity);
	json_add_int(o, "mmio_base", (int64_t)s.t.base);
	virtio_mmio_status_json(o, &s.t, blk_feature_name);
	json_add_int(o, "inflight", s.inflight);
	json_add_int(o, "inflight_max", s.inflight_max);
	json_object_object_add(o, "requests", requests_json(&s.c));
	json_object_object_add(o, "errors", errors_json(&s));
	json_object_object_add(o, "migration", virtio_holds_json(&s.c.migration));
	return o;
}

static int cmd_disks(struct control_req *r)
{
	struct blk_set *set = r->priv;
	struct json_object *a = json_object_new_array();

	for (unsigned i = 0; i < set->n; i++)
		json_object_array_add(a, disk_json(set->disk[i]));
	json_object_object_add(r->reply, "disks", a);
	return 0;
}

const struct control_cmd blk_commands[] = {
	{ "disks", NULL, cmd_disks },
	{ NULL, NULL, NULL },
};
