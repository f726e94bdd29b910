/* control.c - `nets` on the control socket: per --net its tap, MAC, what the
 * driver negotiated, packets both ways and the driver's errors by kind
 * (docs/control-api.md). */
#include <stdio.h>

#include "net/control.h"

static struct json_object *net_json(struct net *n)
{
	struct json_object *o = json_object_new_object();
	struct json_object *p = json_object_new_object(), *e = json_object_new_object();
	struct net_status s;
	char mac[18];

	net_get_status(n, &s);
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", s.mac[0], s.mac[1], s.mac[2], s.mac[3],
		 s.mac[4], s.mac[5]);
	json_add_str(o, "tap", s.tap);
	json_add_str(o, "mac", mac);
	json_add_int(o, "mmio_base", (int64_t)s.t.base);
	virtio_mmio_status_json(o, &s.t, net_feature_name);
	json_add_int(p, "tx_packets", (int64_t)s.c.tx_packets);
	json_add_int(p, "tx_bytes", (int64_t)s.c.tx_bytes);
	json_add_int(p, "tx_dropped", (int64_t)s.c.tx_dropped);
	json_add_int(p, "rx_packets", (int64_t)s.c.rx_packets);
	json_add_int(p, "rx_bytes", (int64_t)s.c.rx_bytes);
	json_add_int(p, "rx_waits", (int64_t)s.c.rx_waits);
	json_object_object_add(o, "packets", p);
	json_add_int(e, "total", (int64_t)(s.c.guest_errors + virtio_mmio_status_errors(&s.t)));
	json_add_int(e, "tx_bad_buffer", (int64_t)s.c.tx_bad_buffer);
	json_add_int(e, "tx_bad_header", (int64_t)s.c.tx_bad_header);
	json_add_int(e, "tx_bad_size", (int64_t)s.c.tx_bad_size);
	json_add_int(e, "rx_bad_buffer", (int64_t)s.c.rx_bad_buffer);
	json_add_int(e, "rx_too_small", (int64_t)s.c.rx_too_small);
	json_add_int(e, "config_errors", (int64_t)s.c.config_errors);
	json_add_int(e, "budget_cuts", (int64_t)s.t.budget_cuts);
	json_object_object_add(o, "errors", e);
	json_object_object_add(o, "migration", virtio_holds_json(&s.c.migration));
	return o;
}

static int cmd_nets(struct control_req *r)
{
	struct net_set *set = r->priv;
	struct json_object *a = json_object_new_array();

	for (unsigned i = 0; i < set->n; i++)
		json_object_array_add(a, net_json(set->dev[i]));
	json_object_object_add(r->reply, "nets", a);
	return 0;
}

const struct control_cmd net_commands[] = {
	{ "nets", NULL, cmd_nets },
	{ NULL, NULL, NULL },
};
