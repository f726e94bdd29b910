/* cmd_tier.c - `tier` on the control socket: the tiering policy of
 * --tiering (mm/tier_policy.h, docs/tiering.md): status, on, off, and
 * `demote --cold-for 30s`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mm/tier_policy.h"
#include "vmm/control/commands.h"
#include "vmm/control/reply.h"
#include "vmm/vm.h"

#define TIER_PERIOD_S 1 /* one heat period a second (vmm/vm.c's balance period) */

/* "30s", "2m" or 30 (seconds) -> periods; -1 if bad */
static long parse_cold_for(struct json_object *v)
{
	const char *s = json_object_get_string(v);
	char *end;
	long n;

	if (json_object_is_type(v, json_type_int))
		n = (long)json_object_get_int64(v), end = (char *)"";
	else if (*s < '0' || *s > '9')
		return -1;
	else
		n = strtol(s, &end, 10);
	if (!strcmp(end, "m"))
		n *= 60;
	else if (*end && strcmp(end, "s"))
		return -1;
	return n >= 0 && n <= HEAT_MAX_AGE * TIER_PERIOD_S ? n / TIER_PERIOD_S : -1;
}

static void add_status(struct control_req *r, struct vm *vm)
{
	struct tiering *t = &vm->tiering;
	struct guest_mem *gm = &vm->mem;
	uint32_t hist[MAX_NODES][HEAT_BUCKETS];
	struct json_object *nodes = json_object_new_array();
	struct tiering_stats st;
	struct heat_stats hs;

	tiering_histogram(t, hist);
	for (unsigned n = 0; n < gm->nnodes; n++) {
		struct json_object *o = json_object_new_object(), *h = json_object_new_object();

		json_add_int(o, "node", n);
		json_add_int(o, "tier", gm->tiers.tier[n]);
		for (unsigned b = 0; b < HEAT_BUCKETS; b++)
			json_add_int(h, heat_bucket_name(b), hist[n][b]);
		json_object_object_add(o, "age_periods", h);
		json_object_array_add(nodes, o);
	}
	pthread_mutex_lock(&t->heat.lock);
	hs = t->heat.stats;
	pthread_mutex_unlock(&t->heat.lock);
	pthread_mutex_lock(&t->lock);
	st = t->stats;
	json_add_bool(r->reply, "enabled", t->enabled);
	json_add_double(r->reply, "promote_rate_mib_s", t->promote_rate_mib_s);
	json_add_int(r->reply, "cold_periods", t->cold_periods);
	json_add_int(r->reply, "promote_confirm", t->promote_confirm);
	json_add_int(r->reply, "hold_periods", t->hold_periods);
	json_add_int(r->reply, "low_frames", t->low_frames);
	json_add_bool(r->reply, "read_sampling", t->m->minor_faults);
	json_add_int(r->reply, "sample_frames", t->sample_frames);
	json_add_int(r->reply, "write_sample_ms", t->write_sample_ms);
	pthread_mutex_unlock(&t->lock);
	reply_add_nodes(r->reply, gm);
	json_add_int(r->reply, "tiers", gm->tiers.ntiers);
	json_add_int(r->reply, "periods", (int64_t)st.periods);
	json_add_int(r->reply, "write_samples", (int64_t)hs.writes);
	json_add_int(r->reply, "read_samples", (int64_t)hs.reads);
	json_add_int(r->reply, "demoted", (int64_t)st.demoted);
	json_add_int(r->reply, "promoted", (int64_t)st.promoted);
	json_add_int(r->reply, "failed", (int64_t)st.failed);
	json_add_int(r->reply, "watermark_hits", (int64_t)st.watermark_hits);
	json_add_int(r->reply, "rate_limited", (int64_t)st.rate_limited);
	json_add_int(r->reply, "held", (int64_t)st.held);
	json_add_int(r->reply, "no_room", (int64_t)st.no_room);
	json_object_object_add(r->reply, "per_node", nodes);
}

/* tier status (the default) | on | off | demote --cold-for T */
static int cmd_tier(struct control_req *r)
{
	struct vm *vm = r->priv;
	struct json_object *v;
	const char *action = "status";
	uint32_t demoted = 0, left = 0;
	bool demote = false;

	if (json_object_object_get_ex(r->args, "action", &v))
		action = json_object_get_string(v);
	if (!vm->cfg || !vm->cfg->tiering)
		return control_error(r, "tier needs frameshift run --tiering (it samples access heat "
				     "from the start)");
	if (!strcmp(action, "on") || !strcmp(action, "off")) {
		tiering_set_enabled(&vm->tiering, action[1] == 'n');
	} else if (!strcmp(action, "demote")) {
		long periods;

		if (!json_object_object_get_ex(r->args, "cold_for", &v))
			return control_error(r, "tier demote needs --cold-for TIME (e.g. 30s)");
		periods = parse_cold_for(v);
		if (periods < 0)
			return control_error(r, "bad \"cold_for\" (want seconds, e.g. 30s, 2m or 30; at most %ds)",
					     HEAT_MAX_AGE * TIER_PERIOD_S);
		demoted = tier_demote_cold(&vm->tiering, (unsigned)periods, &left);
		demote = true;
	} else if (strcmp(action, "status")) {
		return control_error(r, "tier takes status, on, off or demote --cold-for TIME");
	}
	add_status(r, vm);
	if (demote) {
		json_add_int(r->reply, "demoted_now", demoted);
		json_add_int(r->reply, "cold_left", left);
	}
	return 0;
}

static const struct control_arg tier_args[] = {
	{ "action", json_type_string },
	{ "cold_for", json_type_string },
	{ NULL, 0 },
};

const struct control_cmd tier_commands[] = {
	{ "tier", tier_args, cmd_tier },
	{ NULL, NULL, NULL },
};
