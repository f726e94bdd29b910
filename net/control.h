/* control.h - the network devices' part of the control socket
 * (docs/control-api.md, "nets"). net/device.c registers the table with a
 * struct net_set as its priv. */
#ifndef FRAMESHIFT_NET_CONTROL_H
#define FRAMESHIFT_NET_CONTROL_H

#include "lib/command.h"
#include "net/net.h"

struct net_set {
	unsigned n;
	struct net *dev[NET_MAX];
};

/* "nets": every --net, its packets and the driver's errors. */
extern const struct control_cmd net_commands[];

#endif
