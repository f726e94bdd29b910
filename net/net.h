/* net.h - virtio-net (device id 1) on a tap device.
 *
 * One receive and one transmit queue, no offloads (a correct device first):
 * features VERSION_1, EVENT_IDX, MAC and STATUS (the link is always up).
 * Every packet carries the 12-byte virtio_net_hdr; frames are at most
 * NET_FRAME_MAX bytes (1500-byte MTU, a VLAN tag, no FCS).
 *
 * Transmit: a notification (on the vCPU, transport lock held) pops at most
 * VIRTIO_MMIO_BUDGET chains; each must be all device-readable, carry a header
 * that asks for no checksum or segmentation (neither is offered) and a frame
 * of 14 to NET_FRAME_MAX bytes; it is copied once into a host buffer and
 * written to the tap. A bad one is dropped and counted, never written.
 *
 * Receive: the device's thread reads a frame from the tap, then under the
 * transport lock takes the next receive chain (all device-writable, room for
 * the header and the frame), copies both in and returns it. With no chain
 * the frame waits in the thread (the tap queues the rest) until the driver
 * adds buffers (its notification wakes the thread); a chain too small gets
 * the frame dropped and counted. The thread's copy into a frame under
 * migration waits on its write-protect entry, as blk's I/O threads do
 * (docs/migration.md).
 *
 * Locking: t.lock over the queues, config and counters; the thread holds it
 * only to hand one frame over. */
#ifndef FRAMESHIFT_NET_NET_H
#define FRAMESHIFT_NET_NET_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "virtio/mmio.h"

#define NET_MAX 2
#define NET_QUEUE_SIZE 256
#define NET_FRAME_MIN 14   /* an Ethernet header */
#define NET_FRAME_MAX 1518 /* 1500 + 14 + a VLAN tag */
#define NET_THREAD_NAME 16 /* a thread name's bytes (comm) */

/* --net tap=NAME[,mac=M][,node=N] */
struct net_spec {
	char tap[IFNAMSIZ];
	uint8_t mac[6];
	int node;       /* host node of the receive thread; -1: not bound (not given) */
	unsigned index; /* the n-th --net: names its thread netN-rx */
};

/* Parse a --net value; the index picks the default MAC (52:54:00:12:34:5X).
 * 0, or -1 with a message in err. */
int net_spec_parse(const char *s, unsigned index, struct net_spec *spec, char *err, size_t errlen);
/* Attach to tap NAME (made if absent and we may): an fd (non-blocking), or
 * -1 with a message. */
int net_tap_open(const char *name, char *err, size_t errlen);

struct net_counters {
	uint64_t tx_packets, tx_bytes, rx_packets, rx_bytes;
	uint64_t tx_dropped;       /* the tap refused a frame (full, down) */
	uint64_t rx_waits;         /* a frame waited for the driver's buffers */
	struct vq_holds migration; /* frames received into a frame being migrated */
	/* driver errors: counted (logged a few times); the packet is dropped */
	uint64_t tx_bad_buffer;    /* a device-writable buffer in a transmit chain */
	uint64_t tx_bad_header;    /* checksum or GSO asked for (not offered) */
	uint64_t tx_bad_size;      /* a frame under 14 or over NET_FRAME_MAX bytes, or no header */
	uint64_t rx_bad_buffer;    /* a device-readable buffer in a receive chain */
	uint64_t rx_too_small;     /* a receive chain without room for the frame */
	uint64_t config_errors;
	uint64_t guest_errors;     /* sum of the above */
};

struct net_status {
	char tap[IFNAMSIZ];
	int node;                  /* host node its receive thread runs on, -1: any */
	char thread[NET_THREAD_NAME]; /* its name */
	uint8_t mac[6];
	struct net_counters c;
	struct virtio_mmio_status t;
};

struct net;

/* A device on tap_fd (which it then owns: a tap, or for tests a datagram
 * socket), its receive thread started (on host node spec->node's CPUs when
 * it is >= 0). probe (may be NULL) counts what meets frames being
 * migrated. NULL with a message in err. */
struct net *net_create(const struct net_spec *spec, int tap_fd, uint64_t base, const struct vq_mem *mem,
		       const struct vq_mem_probe *probe, char *err, size_t errlen);
/* End the receive thread (at the VM's stop, while the migrator still serves
 * its faults); net_destroy does it too, if not done. */
void net_stop(struct net *n);
void net_destroy(struct net *n);
struct virtio_mmio *net_transport(struct net *n);
void net_get_status(struct net *n, struct net_status *s);
const char *net_feature_name(unsigned bit);

#endif
