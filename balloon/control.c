/* control.c - `balloon` and `balloon-stats` on the control socket: set the
 * guest's memory target (virsh setmem), read what the balloon did, the
 * guest's statistics and the host's side (docs/control-api.md). The
 * commands' table is registered by balloon/device.c, with the balloon as
 * each request's priv. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "lib/clock.h"
#include "lib/command.h"
#include "lib/log.h"
#include "lib/parse.h"
#include "balloon/balloon.h"
#include "balloon/control.h"

#define STATS_WAIT_MAX_MS 10000

static struct json_object *features_json(uint64_t f)
{
	struct json_object *a = json_object_new_array();

	for (unsigned bit = 0; bit < 64; bit++) {
		const char *name = balloon_feature_name(bit);

		if (f & (1ULL << bit))
			json_object_array_add(a, json_object_new_string(name ? name : "unknown"));
	}
	return a;
}

/* The host's side: what the host got back and what is stranded. */
static struct json_object *host_json(const struct balloon_status *s)
{
	const struct balloon_counters *c = &s->c;
	struct json_object *o = json_object_new_object();
	uint64_t returned = (uint64_t)c->frames_isolated * BALLOON_PAGES_PER_FRAME;

	json_add_int(o, "frames_isolated", c->frames_isolated);
	json_add_int(o, "hugepages_returned", (int64_t)c->hugepages_returned);
	json_add_int(o, "hugepages_restored", (int64_t)c->frames_restored);
	json_add_int(o, "frames_touched", (int64_t)c->frames_touched);
	json_add_int(o, "frames_pending", c->frames_pending);
	json_add_int(o, "frames_reported", (int64_t)c->frames_reported);
	json_add_int(o, "ballooned_kib", (int64_t)(c->ballooned_pages * 4));
	json_add_int(o, "returned_kib", (int64_t)(returned * 4));
	json_add_int(o, "stranded_kib", (int64_t)(c->stranded_pages * 4));
	json_add_double(o, "returned_share", c->ballooned_pages ? (double)returned / (double)c->ballooned_pages : 0);
	json_add_double(o, "reclaim_us_avg", c->frames_reclaimed ? c->reclaim_seconds / (double)c->frames_reclaimed * 1e6 : 0);
	json_add_double(o, "reclaim_us_max", c->reclaim_max * 1e6);
	json_add_double(o, "restore_us_avg", c->frames_restored ? c->restore_seconds / (double)c->frames_restored * 1e6 : 0);
	json_add_double(o, "restore_us_max", c->restore_max * 1e6);
	json_add_int(o, "reclaim_busy", (int64_t)c->reclaim_busy);
	json_add_int(o, "reclaim_retries", (int64_t)c->reclaim_retries);
	json_add_int(o, "reclaim_failed", (int64_t)c->reclaim_failed);
	json_add_int(o, "restore_failed", (int64_t)c->restore_failed);
	return o;
}

static struct json_object *requests_json(const struct balloon_status *s)
{
	const struct balloon_counters *c = &s->c;
	struct json_object *o = json_object_new_object();

	json_add_int(o, "inflate", (int64_t)c->inflate_requests);
	json_add_int(o, "deflate", (int64_t)c->deflate_requests);
	json_add_int(o, "stats", (int64_t)c->stats_updates);
	json_add_int(o, "report", (int64_t)c->report_requests);
	json_add_int(o, "pages_inflated", (int64_t)c->pages_inflated);
	json_add_int(o, "pages_deflated", (int64_t)c->pages_deflated);
	json_add_int(o, "report_kib", (int64_t)(c->report_bytes >> 10));
	json_add_int(o, "report_partial_kib", (int64_t)(c->report_partial_bytes >> 10));
	json_add_int(o, "report_kept_poison", (int64_t)c->report_kept_poison);
	json_add_int(o, "budget_cuts", (int64_t)s->budget_cuts);
	return o;
}

static struct json_object *errors_json(const struct balloon_status *s)
{
	const struct balloon_counters *c = &s->c;
	struct json_object *o = json_object_new_object();
	struct json_object *t = json_object_new_object(), *q = json_object_new_object();
	uint64_t total = c->guest_errors;

	json_add_int(o, "pfn_out_of_range", (int64_t)c->pfn_out_of_range);
	json_add_int(o, "pfn_duplicate", (int64_t)c->pfn_duplicate);
	json_add_int(o, "pfn_already_ballooned", (int64_t)c->pfn_already_ballooned);
	json_add_int(o, "pfn_not_ballooned", (int64_t)c->pfn_not_ballooned);
	json_add_int(o, "bad_buffers", (int64_t)c->bad_buffers);
	json_add_int(o, "oversized_requests", (int64_t)c->oversized_requests);
	json_add_int(o, "stats_extra_buffers", (int64_t)c->stats_extra_buffers);
	json_add_int(o, "stats_unknown_tags", (int64_t)c->stats_unknown_tags);
	json_add_int(o, "config_errors", (int64_t)c->config_errors);
	for (unsigned e = 0; e < VMMIO_ERR_NR; e++) {
		json_add_int(t, virtio_mmio_error_name(e), (int64_t)s->transport_errors[e]);
		total += s->transport_errors[e];
	}
	for (unsigned e = VQ_OK + 1; e < VQ_ERR_NR; e++)
		json_add_int(q, vq_error_key(e), (int64_t)s->queue_errors[e]);
	json_object_object_add(o, "transport", t);
	json_object_object_add(o, "queue", q);
	json_add_int(o, "total", (int64_t)total);
	return o;
}

static struct json_object *guest_stats_json(const struct balloon_guest_stats *st)
{
	struct json_object *o = json_object_new_object();

	for (unsigned tag = 0; tag < VIRTIO_BALLOON_S_NR; tag++)
		if (st->have & (1u << tag))
			json_add_int(o, balloon_stat_name(tag), (int64_t)st->val[tag]);
	return o;
}

static const char *driver_state(const struct balloon_status *s)
{
	if (s->needs_reset)
		return "needs-reset";
	if (s->status & VIRTIO_STATUS_FAILED)
		return "failed";
	if (s->driver_ok)
		return "ok";
	return s->status ? "initialising" : "absent";
}

static void add_status(struct json_object *r, const struct balloon_status *s, uint64_t since)
{
	struct json_object *ev = json_object_new_array();

	json_add_int(r, "memory_bytes", (int64_t)s->ram_bytes);
	json_add_int(r, "target_bytes", (int64_t)(s->ram_bytes - ((uint64_t)s->num_pages << VIRTIO_BALLOON_PFN_SHIFT)));
	json_add_int(r, "target_pages", s->num_pages);
	json_add_int(r, "actual_pages", s->actual);
	json_add_int(r, "actual_bytes", (int64_t)((uint64_t)s->actual << VIRTIO_BALLOON_PFN_SHIFT));
	json_add_int(r, "guest_memory_bytes",
		(int64_t)(s->ram_bytes - ((uint64_t)s->actual << VIRTIO_BALLOON_PFN_SHIFT)));
	json_add_str(r, "driver", driver_state(s));
	if (s->needs_reset)
		json_add_str(r, "needs_reset_reason", s->needs_reset_why);
	json_object_object_add(r, "features", features_json(s->features));
	json_add_int(r, "queues", s->nqueues);
	if (s->features & VIRTIO_BIT(VIRTIO_BALLOON_F_PAGE_POISON))
		json_add_int(r, "poison_val", s->poison_val);
	json_add_int(r, "event_seq", (int64_t)s->event_seq);
	for (unsigned i = 0; i < s->nevents; i++) {
		const struct balloon_event *e = &s->events[i];
		struct json_object *o;

		if (e->seq <= since)
			continue;
		o = json_object_new_object();
		json_add_int(o, "seq", (int64_t)e->seq);
		json_add_double(o, "time_s", e->time);
		json_add_int(o, "actual_pages", e->actual);
		json_add_int(o, "target_pages", e->num_pages);
		json_object_array_add(ev, o);
	}
	json_object_object_add(r, "events", ev);
	json_object_object_add(r, "host", host_json(s));
	json_object_object_add(r, "requests", requests_json(s));
	json_object_object_add(r, "errors", errors_json(s));
}

static int set_target(struct control_req *r, struct balloon *b, struct json_object *v)
{
	struct balloon_status s;
	uint64_t bytes;

	balloon_get_status(b, &s);
	if (parse_size(json_object_get_string(v), &bytes) < 0)
		return control_error(r, "bad \"set\" size (want e.g. 192M)");
	if (bytes == 0 || bytes > s.ram_bytes || bytes % VIRTIO_BALLOON_PAGE_SIZE)
		return control_error(r, "\"set\" must be a multiple of 4 KiB between 4K and the %llu MiB of guest RAM",
				     (unsigned long long)(s.ram_bytes >> 20));
	if (balloon_set_target(b, bytes) < 0)
		return control_error(r, "cannot set the balloon target");
	return 0;
}

/* balloon-stats [wait_ms]: ask the guest for fresh statistics, wait up to
 * wait_ms for them. */
static int cmd_balloon_stats(struct control_req *r)
{
	struct balloon *b = r->priv;
	struct balloon_status s;
	int64_t wait_ms;

	if (control_arg_int(r, "wait_ms", 0, 0, STATS_WAIT_MAX_MS, &wait_ms) < 0)
		return -1;
	uint64_t seq = balloon_request_stats(b);
	bool fresh = wait_ms ? balloon_wait_stats(b, seq, (unsigned)wait_ms) : false;

	balloon_get_status(b, &s);
	json_object_object_add(r->reply, "guest", guest_stats_json(&s.stats));
	json_add_int(r->reply, "guest_updates", (int64_t)s.stats.seq);
	if (s.stats.time > 0)
		json_add_double(r->reply, "guest_age_s", now_monotonic() - s.stats.time);
	json_add_bool(r->reply, "fresh", fresh);
	json_add_str(r->reply, "driver", driver_state(&s));
	json_add_int(r->reply, "actual_pages", s.actual);
	json_add_int(r->reply, "target_pages", s.num_pages);
	json_object_object_add(r->reply, "host", host_json(&s));
	return 0;
}

/* balloon [set SIZE] [since SEQ]: set the target, then the balloon's state
 * with the events after SEQ. `ctl S balloon set 192M` and `ctl S balloon
 * stats` send an action and a value: the words virsh users expect, mapped
 * onto set and onto balloon-stats. */
static int cmd_balloon(struct control_req *r)
{
	struct balloon *b = r->priv;
	struct balloon_status s;
	struct json_object *v;
	int64_t since = 0;

	if (json_object_object_get_ex(r->args, "action", &v)) {
		const char *action = json_object_get_string(v);

		if (!strcmp(action, "stats"))
			return cmd_balloon_stats(r);
		if (strcmp(action, "set"))
			return control_error(r, "balloon takes set SIZE or stats");
		if (!json_object_object_get_ex(r->args, "value", &v))
			return control_error(r, "balloon set needs a size, e.g. balloon set 192M");
		json_object_object_add(r->args, "set", json_object_new_string(json_object_get_string(v)));
	} else if (json_object_object_get_ex(r->args, "value", NULL)) {
		return control_error(r, "a value needs an action: balloon set SIZE");
	}
	if (json_object_object_get_ex(r->args, "set", &v) && set_target(r, b, v) < 0)
		return -1;
	if (json_object_object_get_ex(r->args, "since", &v))
		since = json_object_get_int64(v);
	balloon_get_status(b, &s);
	add_status(r->reply, &s, since < 0 ? 0 : (uint64_t)since);
	return 0;
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

const struct control_cmd balloon_commands[] = {
	{ "balloon", balloon_args, cmd_balloon },
	{ "balloon-stats", balloon_stats_args, cmd_balloon_stats },
	{ NULL, NULL, NULL },
};

void balloon_log_summary(struct balloon *b)
{
	struct balloon_status s;
	uint64_t errors = 0;

	balloon_get_status(b, &s);
	if (!s.status && !s.c.inflate_requests && !s.num_pages)
		return; /* the guest never used it */
	errors = s.c.guest_errors;
	for (unsigned e = 0; e < VMMIO_ERR_NR; e++)
		errors += s.transport_errors[e];
	log_info("virtio-balloon: %" PRIu64 " pages inflated, %" PRIu64 " deflated; %" PRIu64
		 " hugepages returned to the host, %" PRIu64 " restored, %" PRIu64
		 " touched; %u frames isolated, %" PRIu64 " KiB stranded at exit; %" PRIu64 " guest errors",
		 s.c.pages_inflated, s.c.pages_deflated, s.c.hugepages_returned, s.c.frames_restored,
		 s.c.frames_touched, s.c.frames_isolated, s.c.stranded_pages * 4, errors);
}
