/* control.c - `balloon` and `balloon-stats` on the control socket: set the
 * guest's memory target (virsh setmem), read what the balloon did, the
 * guest's statistics and the host's side (docs/control-api.md). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/parse.h"
#include "balloon/balloon.h"
#include "balloon/control.h"
#include "vmm/device.h"
#include "lib/log.h"
#include "lib/clock.h"
#include "vmm/vm.h"

#define STATS_WAIT_MAX_MS 10000

struct balloon *balloon_of_vm(struct vm *vm)
{
	(void)vm; /* one VM per process: the registry holds its devices */
	for (struct device *d = device_first(); d; d = d->next)
		if (!strcmp(d->name, BALLOON_DEVICE_NAME))
			return d->priv;
	return NULL;
}

static void add_int(struct json_object *o, const char *key, int64_t v)
{
	json_object_object_add(o, key, json_object_new_int64(v));
}

static void add_double(struct json_object *o, const char *key, double v)
{
	json_object_object_add(o, key, json_object_new_double(v));
}

static int fail(char *err, size_t errlen, const char *msg)
{
	snprintf(err, errlen, "%s", msg);
	return -1;
}

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

	add_int(o, "frames_isolated", c->frames_isolated);
	add_int(o, "hugepages_returned", (int64_t)c->frames_reclaimed);
	add_int(o, "hugepages_restored", (int64_t)c->frames_restored);
	add_int(o, "frames_touched", (int64_t)c->frames_touched);
	add_int(o, "frames_pending", c->frames_pending);
	add_int(o, "frames_reported", (int64_t)c->frames_reported);
	add_int(o, "ballooned_kib", (int64_t)(c->ballooned_pages * 4));
	add_int(o, "returned_kib", (int64_t)(returned * 4));
	add_int(o, "stranded_kib", (int64_t)(c->stranded_pages * 4));
	add_double(o, "returned_share", c->ballooned_pages ? (double)returned / (double)c->ballooned_pages : 0);
	add_double(o, "reclaim_us_avg", c->frames_reclaimed ? c->reclaim_seconds / (double)c->frames_reclaimed * 1e6 : 0);
	add_double(o, "reclaim_us_max", c->reclaim_max * 1e6);
	add_double(o, "restore_us_avg", c->frames_restored ? c->restore_seconds / (double)c->frames_restored * 1e6 : 0);
	add_double(o, "restore_us_max", c->restore_max * 1e6);
	add_int(o, "reclaim_busy", (int64_t)c->reclaim_busy);
	add_int(o, "reclaim_retries", (int64_t)c->reclaim_retries);
	add_int(o, "reclaim_failed", (int64_t)c->reclaim_failed);
	add_int(o, "restore_failed", (int64_t)c->restore_failed);
	return o;
}

static struct json_object *requests_json(const struct balloon_status *s)
{
	const struct balloon_counters *c = &s->c;
	struct json_object *o = json_object_new_object();

	add_int(o, "inflate", (int64_t)c->inflate_requests);
	add_int(o, "deflate", (int64_t)c->deflate_requests);
	add_int(o, "stats", (int64_t)c->stats_updates);
	add_int(o, "report", (int64_t)c->report_requests);
	add_int(o, "pages_inflated", (int64_t)c->pages_inflated);
	add_int(o, "pages_deflated", (int64_t)c->pages_deflated);
	add_int(o, "report_kib", (int64_t)(c->report_bytes >> 10));
	add_int(o, "report_partial_kib", (int64_t)(c->report_partial_bytes >> 10));
	add_int(o, "report_kept_poison", (int64_t)c->report_kept_poison);
	return o;
}

static struct json_object *errors_json(const struct balloon_status *s)
{
	const struct balloon_counters *c = &s->c;
	struct json_object *o = json_object_new_object();
	struct json_object *t = json_object_new_object(), *q = json_object_new_object();
	uint64_t total = c->guest_errors;

	add_int(o, "pfn_out_of_range", (int64_t)c->pfn_out_of_range);
	add_int(o, "pfn_duplicate", (int64_t)c->pfn_duplicate);
	add_int(o, "pfn_already_ballooned", (int64_t)c->pfn_already_ballooned);
	add_int(o, "pfn_not_ballooned", (int64_t)c->pfn_not_ballooned);
	add_int(o, "bad_buffers", (int64_t)c->bad_buffers);
	add_int(o, "stats_extra_buffers", (int64_t)c->stats_extra_buffers);
	add_int(o, "stats_unknown_tags", (int64_t)c->stats_unknown_tags);
	add_int(o, "config_errors", (int64_t)c->config_errors);
	for (unsigned e = 0; e < VMMIO_ERR_NR; e++) {
		add_int(t, virtio_mmio_error_name(e), (int64_t)s->transport_errors[e]);
		total += s->transport_errors[e];
	}
	for (unsigned e = VQ_OK + 1; e < VQ_ERR_NR; e++)
		add_int(q, vq_error_key(e), (int64_t)s->queue_errors[e]);
	json_object_object_add(o, "transport", t);
	json_object_object_add(o, "queue", q);
	add_int(o, "total", (int64_t)total);
	return o;
}

static struct json_object *guest_stats_json(const struct balloon_guest_stats *st)
{
	struct json_object *o = json_object_new_object();

	for (unsigned tag = 0; tag < VIRTIO_BALLOON_S_NR; tag++)
		if (st->have & (1u << tag))
			add_int(o, balloon_stat_name(tag), (int64_t)st->val[tag]);
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

	add_int(r, "memory_bytes", (int64_t)s->ram_bytes);
	add_int(r, "target_bytes", (int64_t)(s->ram_bytes - ((uint64_t)s->num_pages << VIRTIO_BALLOON_PFN_SHIFT)));
	add_int(r, "target_pages", s->num_pages);
	add_int(r, "actual_pages", s->actual);
	add_int(r, "actual_bytes", (int64_t)((uint64_t)s->actual << VIRTIO_BALLOON_PFN_SHIFT));
	add_int(r, "guest_memory_bytes",
		(int64_t)(s->ram_bytes - ((uint64_t)s->actual << VIRTIO_BALLOON_PFN_SHIFT)));
	json_object_object_add(r, "driver", json_object_new_string(driver_state(s)));
	if (s->needs_reset)
		json_object_object_add(r, "needs_reset_reason", json_object_new_string(s->needs_reset_why));
	json_object_object_add(r, "features", features_json(s->features));
	add_int(r, "queues", s->nqueues);
	if (s->features & VIRTIO_BIT(VIRTIO_BALLOON_F_PAGE_POISON))
		add_int(r, "poison_val", s->poison_val);
	add_int(r, "event_seq", (int64_t)s->event_seq);
	for (unsigned i = 0; i < s->nevents; i++) {
		const struct balloon_event *e = &s->events[i];
		struct json_object *o;

		if (e->seq <= since)
			continue;
		o = json_object_new_object();
		add_int(o, "seq", (int64_t)e->seq);
		add_double(o, "time_s", e->time);
		add_int(o, "actual_pages", e->actual);
		add_int(o, "target_pages", e->num_pages);
		json_object_array_add(ev, o);
	}
	json_object_object_add(r, "events", ev);
	json_object_object_add(r, "host", host_json(s));
	json_object_object_add(r, "requests", requests_json(s));
	json_object_object_add(r, "errors", errors_json(s));
}

static int cmd_set(struct balloon *b, struct json_object *v, char *err, size_t errlen)
{
	struct balloon_status s;
	uint64_t bytes;

	balloon_get_status(b, &s);
	if (parse_size(json_object_get_string(v), &bytes) < 0)
		return fail(err, errlen, "bad \"set\" size (want e.g. 192M)");
	if (bytes == 0 || bytes > s.ram_bytes || bytes % VIRTIO_BALLOON_PAGE_SIZE) {
		snprintf(err, errlen, "\"set\" must be a multiple of 4 KiB between 4K and the %llu MiB of guest RAM",
			 (unsigned long long)(s.ram_bytes >> 20));
		return -1;
	}
	return balloon_set_target(b, bytes) < 0 ? fail(err, errlen, "cannot set the balloon target") : 0;
}

int balloon_control(struct balloon *b, const char *cmd, struct json_object *args,
		    struct json_object *reply, char *err, size_t errlen)
{
	struct balloon_status s;
	struct json_object *v;
	int64_t since = 0, wait_ms = 0;

	if (!strcmp(cmd, "balloon")) {
		if (json_object_object_get_ex(args, "set", &v) && cmd_set(b, v, err, errlen) < 0)
			return -1;
		if (json_object_object_get_ex(args, "since", &v))
			since = json_object_get_int64(v);
		balloon_get_status(b, &s);
		add_status(reply, &s, since < 0 ? 0 : (uint64_t)since);
		return 0;
	}
	if (strcmp(cmd, "balloon-stats"))
		return fail(err, errlen, "unknown balloon command");
	if (json_object_object_get_ex(args, "wait_ms", &v)) {
		wait_ms = json_object_get_int64(v);
		if (wait_ms < 0 || wait_ms > STATS_WAIT_MAX_MS) {
			snprintf(err, errlen, "\"wait_ms\" must be between 0 and %d", STATS_WAIT_MAX_MS);
			return -1;
		}
	}
	uint64_t seq = balloon_request_stats(b);
	bool fresh = wait_ms ? balloon_wait_stats(b, seq, (unsigned)wait_ms) : false;

	balloon_get_status(b, &s);
	json_object_object_add(reply, "guest", guest_stats_json(&s.stats));
	add_int(reply, "guest_updates", (int64_t)s.stats.seq);
	if (s.stats.time > 0)
		add_double(reply, "guest_age_s", now_monotonic() - s.stats.time);
	json_object_object_add(reply, "fresh", json_object_new_boolean(fresh));
	json_object_object_add(reply, "driver", json_object_new_string(driver_state(&s)));
	add_int(reply, "actual_pages", s.actual);
	add_int(reply, "target_pages", s.num_pages);
	json_object_object_add(reply, "host", host_json(&s));
	return 0;
}

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
		 s.c.pages_inflated, s.c.pages_deflated, s.c.frames_reclaimed, s.c.frames_restored,
		 s.c.frames_touched, s.c.frames_isolated, s.c.stranded_pages * 4, errors);
}
