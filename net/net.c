/* net.c - virtio-net on a tap (see net.h): --net parsing, the tap, the
 * device model, transmit on the vCPU, receive on the device's thread. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/cpus.h"
#include "lib/log.h"
#include "lib/parse.h"
#include "net/net.h"

#define HDR_LEN sizeof(struct virtio_net_hdr)

struct net {
	struct virtio_mmio t;
	struct net_spec spec;
	struct vq_mem_probe probe;
	int tap_fd;
	int kick_fd;              /* the driver added receive buffers */
	int stop_fd;
	pthread_t rx_thread;
	bool rx_started;
	struct vq_buf chain[NET_QUEUE_SIZE];
	struct vq_buf rx_chain[NET_QUEUE_SIZE]; /* the receive thread's */
	uint8_t tx_buf[HDR_LEN + NET_FRAME_MAX];
	struct net_counters c;    /* t.lock */
};

static void guest_error(struct net *n, uint64_t *counter, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void guest_error(struct net *n, uint64_t *counter, const char *fmt, ...)
{
	char prefix[64];
	va_list ap;

	n->c.guest_errors++;
	snprintf(prefix, sizeof(prefix), "virtio-net@0x%llx: guest error: ", (unsigned long long)n->t.base);
	va_start(ap, fmt);
	vlog_limited(counter, prefix, fmt, ap);
	va_end(ap);
}

/* ---- --net and the tap ---- */

static int parse_mac(const char *s, size_t len, uint8_t mac[6])
{
	unsigned v[6];
	char buf[18], end;

	if (len != 17)
		return -1;
	memcpy(buf, s, 17);
	buf[17] = '\0';
	if (sscanf(buf, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &end) != 6)
		return -1;
	for (unsigned i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	/* a station address: not multicast (nor broadcast) */
	return mac[0] & 1 ? -1 : 0;
}

int net_spec_parse(const char *s, unsigned index, struct net_spec *spec, char *err, size_t errlen)
{
	const char *p = s;

	memset(spec, 0, sizeof(*spec));
	spec->node = -1;
	spec->index = index;
	memcpy(spec->mac, (uint8_t[]){ 0x52, 0x54, 0x00, 0x12, 0x34, (uint8_t)(0x56 + index) }, 6);
	while (*p) {
		size_t len = strcspn(p, ",");

		if (len > 4 && !strncmp(p, "tap=", 4)) {
			if (len - 4 >= IFNAMSIZ) {
				snprintf(err, errlen, "--net: tap name '%.*s' is longer than %d bytes", (int)(len - 4),
					 p + 4, IFNAMSIZ - 1);
				return -1;
			}
			memcpy(spec->tap, p + 4, len - 4);
		} else if (len > 4 && !strncmp(p, "mac=", 4)) {
			if (parse_mac(p + 4, len - 4, spec->mac) < 0) {
				snprintf(err, errlen, "--net: bad mac '%.*s' (want e.g. 52:54:00:12:34:56, not multicast)",
					 (int)(len - 4), p + 4);
				return -1;
			}
		} else if (len > 5 && !strncmp(p, "node=", 5)) {
			unsigned node;

			if (parse_uint_field(p + 5, len - 5, 0, HOST_NODE_MAX, &node) < 0) {
				snprintf(err, errlen, "--net: bad node '%.*s' (want a host node number)", (int)(len - 5),
					 p + 5);
				return -1;
			}
			spec->node = (int)node;
		} else {
			snprintf(err, errlen, "--net '%s': want tap=NAME[,mac=M][,node=N]", s);
			return -1;
		}
		p += len;
		if (*p == ',' && !*++p) {
			snprintf(err, errlen, "--net '%s': a trailing comma", s);
			return -1;
		}
	}
	if (!spec->tap[0]) {
		snprintf(err, errlen, "--net '%s': no tap=NAME", s);
		return -1;
	}
	return 0;
}

int net_tap_open(const char *name, char *err, size_t errlen)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "--net tap=%s: /dev/net/tun: %s", name, strerror(errno));
		return -1;
	}
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		snprintf(err, errlen, "--net tap=%s: TUNSETIFF: %s", name, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* ---- transmit (vCPU, t.lock held) ---- */

/* Copy chain c into tx_buf; its length, or 0 (counted) when it is no frame
 * we may send. */
static size_t tx_copy(struct net *n, const struct vq_chain *c)
{
	const struct virtio_net_hdr *h = (const void *)n->tx_buf;
	size_t len = 0;

	if (c->nout != c->n) {
		guest_error(n, &n->c.tx_bad_buffer, "transmit chain with a device-writable buffer");
		return 0;
	}
	if (c->out_bytes < HDR_LEN + NET_FRAME_MIN || c->out_bytes > HDR_LEN + NET_FRAME_MAX) {
		guest_error(n, &n->c.tx_bad_size, "transmit of %llu bytes (a header and %u to %u bytes of frame)",
			    (unsigned long long)c->out_bytes, NET_FRAME_MIN, NET_FRAME_MAX);
		return 0;
	}
	for (unsigned i = 0; i < c->n; i++) {
		const void *src = n->t.mem.translate(n->t.mem.arg, c->buf[i].gpa, c->buf[i].len);

		if (!src)
			return 0; /* vq_pop checked it lies in RAM */
		memcpy(n->tx_buf + len, src, c->buf[i].len);
		len += c->buf[i].len;
	}
	if (h->flags || h->gso_type != VIRTIO_NET_HDR_GSO_NONE) {
		guest_error(n, &n->c.tx_bad_header, "transmit header asks for flags 0x%x, gso_type %u (not offered)",
			    h->flags, h->gso_type);
		return 0;
	}
	return len;
}

static void serve_tx(struct net *n)
{
	struct vq_chain c = { .buf = n->chain, .cap = NET_QUEUE_SIZE };
	bool pushed = false;

	while (virtio_mmio_pop(&n->t, VIRTIO_NET_TXQ, &c) > 0) {
		size_t len = tx_copy(n, &c);

		if (len) {
			ssize_t w = write(n->tap_fd, n->tx_buf + HDR_LEN, len - HDR_LEN);

			if (w == (ssize_t)(len - HDR_LEN)) {
				n->c.tx_packets++;
				n->c.tx_bytes += (uint64_t)w;
			} else {
				n->c.tx_dropped++;
			}
		}
		if (virtio_mmio_push(&n->t, VIRTIO_NET_TXQ, c.head, 0) < 0)
			break;
		pushed = true;
	}
	if (pushed)
		virtio_mmio_signal_used(&n->t, VIRTIO_NET_TXQ);
}

/* ---- receive (the device's thread) ---- */

/* Hand frame[0, len) to the driver (t.lock held): true when done with it
 * (delivered, or dropped and counted), false when there is no receive
 * buffer: the thread keeps it. */
static bool rx_deliver(struct net *n, const uint8_t *frame, size_t len)
{
	struct virtqueue *vq = &n->t.vq[VIRTIO_NET_RXQ];
	struct vq_chain c = { .buf = n->rx_chain, .cap = NET_QUEUE_SIZE };
	struct virtio_net_hdr h = { .gso_type = VIRTIO_NET_HDR_GSO_NONE, .num_buffers = 1 };
	const uint8_t *src[2] = { (const uint8_t *)&h, frame };
	size_t left[2] = { HDR_LEN, len }, total = HDR_LEN + len;
	uint32_t written = 0;
	int ret;

	if (!virtio_mmio_running(&n->t) || !vq->ready)
		return false;
	ret = vq_pop(vq, &c);
	if (ret < 0) {
		char why[96];

		snprintf(why, sizeof(why), "queue %u: %s", VIRTIO_NET_RXQ, vq_error_name(vq->error));
		virtio_mmio_needs_reset(&n->t, VMMIO_ERR_QUEUE_BROKEN, why);
		return false;
	}
	if (!ret)
		return false;
	if (c.nout) {
		guest_error(n, &n->c.rx_bad_buffer, "receive chain with a device-readable buffer: frame dropped");
	} else if (c.in_bytes < total) {
		guest_error(n, &n->c.rx_too_small, "receive chain of %llu bytes for a %zu-byte frame: dropped",
			    (unsigned long long)c.in_bytes, total);
	} else {
		double start = now_monotonic();
		bool held = false;

		/* header, then frame, across the chain's buffers */
		for (unsigned i = 0, part = 0; i < c.n && part < 2; i++) {
			uint8_t *dst = n->t.mem.translate(n->t.mem.arg, c.buf[i].gpa, c.buf[i].len);
			size_t room = c.buf[i].len;

			if (!dst)
				break; /* vq_pop checked it lies in RAM */
			if (n->probe.migrating && n->probe.migrating(n->probe.arg, c.buf[i].gpa, c.buf[i].len))
				held = true;
			while (room && part < 2) {
				size_t k = left[part] < room ? left[part] : room;

				/* may wait on a migration entry, as a vCPU's write would */
				memcpy(dst, src[part], k);
				dst += k;
				room -= k;
				src[part] += k;
				left[part] -= k;
				written += (uint32_t)k;
				if (!left[part])
					part++;
			}
		}
		n->c.rx_packets++;
		n->c.rx_bytes += len;
		if (held)
			vq_holds_note(&n->c.migration, start);
	}
	if (virtio_mmio_push(&n->t, VIRTIO_NET_RXQ, c.head, written == total ? written : 0) == 0)
		virtio_mmio_signal_used(&n->t, VIRTIO_NET_RXQ);
	return true;
}

static void *rx_thread(void *arg)
{
	struct net *n = arg;
	uint8_t frame[NET_FRAME_MAX];
	ssize_t len = 0; /* > 0: a frame waits for a receive buffer */

	for (;;) {
		struct pollfd p[3] = {
			{ n->stop_fd, POLLIN, 0 },
			{ n->kick_fd, POLLIN, 0 },
			{ len > 0 ? -1 : n->tap_fd, POLLIN, 0 }, /* no reading ahead of the driver */
		};
		eventfd_t v;

		if (poll(p, 3, -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents)
			break;
		if (p[1].revents)
			eventfd_read(n->kick_fd, &v);
		for (;;) {
			bool done;

			if (len <= 0) {
				/* longer frames than the MTU allows are cut: dropped below */
				len = read(n->tap_fd, frame, sizeof(frame));
				if (len <= 0)
					break;
			}
			pthread_mutex_lock(&n->t.lock);
			done = rx_deliver(n, frame, (size_t)len);
			if (!done)
				n->c.rx_waits++;
			pthread_mutex_unlock(&n->t.lock);
			if (!done)
				break;
			len = 0;
		}
	}
	return NULL;
}

/* ---- the transport's callbacks (t.lock held) ---- */

static struct net *to_net(struct virtio_mmio *t)
{
	return t->priv;
}

static unsigned net_num_queues(struct virtio_mmio *t, uint64_t f)
{
	return 2;
}

static void net_config_read(struct virtio_mmio *t, uint32_t off, uint8_t *data, uint32_t len)
{
	uint8_t cfg[VIRTIO_NET_CFG_SIZE] = { 0 };
	uint16_t status = VIRTIO_NET_S_LINK_UP;

	memcpy(cfg + VIRTIO_NET_CFG_MAC, to_net(t)->spec.mac, 6);
	memcpy(cfg + VIRTIO_NET_CFG_STATUS, &status, 2);
	memcpy(data, cfg + off, len);
}

static void net_config_write(struct virtio_mmio *t, uint32_t off, const uint8_t *data, uint32_t len)
{
	/* the MAC is writable only with CTRL_MAC_ADDR, not offered */
	guest_error(to_net(t), &to_net(t)->c.config_errors, "write to read-only config bytes %u-%u", off,
		    off + len - 1);
}

static void net_notify(struct virtio_mmio *t, unsigned q)
{
	if (q == VIRTIO_NET_TXQ)
		serve_tx(to_net(t));
	else
		eventfd_write(to_net(t)->kick_fd, 1); /* buffers for a waiting frame */
}

static void net_driver_ok(struct virtio_mmio *t)
{
	net_notify(t, VIRTIO_NET_RXQ);
	net_notify(t, VIRTIO_NET_TXQ);
}

static const struct virtio_device_ops net_ops = {
	.name = "virtio-net",
	.device_id = VIRTIO_ID_NET,
	.features = VIRTIO_BIT(VIRTIO_NET_F_MAC) | VIRTIO_BIT(VIRTIO_NET_F_STATUS),
	.queue_num_max = NET_QUEUE_SIZE,
	.config_size = VIRTIO_NET_CFG_SIZE,
	.num_queues = net_num_queues,
	.config_read = net_config_read,
	.config_write = net_config_write,
	.driver_ok = net_driver_ok,
	.notify = net_notify,
};

const char *net_feature_name(unsigned bit)
{
	switch (bit) {
	case VIRTIO_NET_F_MAC: return "MAC";
	case VIRTIO_NET_F_STATUS: return "STATUS";
	case VIRTIO_F_VERSION_1: return "VERSION_1";
	case VIRTIO_RING_F_EVENT_IDX: return "RING_EVENT_IDX";
	}
	return NULL;
}

/* ---- life ---- */

static void rx_thread_name(const struct net *n, char name[NET_THREAD_NAME])
{
	snprintf(name, NET_THREAD_NAME, "net%u-rx", n->spec.index);
}

struct net *net_create(const struct net_spec *spec, int tap_fd, uint64_t base, const struct vq_mem *mem,
		       const struct vq_mem_probe *probe, char *err, size_t errlen)
{
	struct net *n = calloc(1, sizeof(*n));
	pthread_attr_t attr;
	char name[NET_THREAD_NAME];
	int ret;

	if (!n) {
		close(tap_fd);
		snprintf(err, errlen, "virtio-net: out of memory");
		return NULL;
	}
	n->spec = *spec;
	if (probe)
		n->probe = *probe;
	n->tap_fd = tap_fd;
	n->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	n->stop_fd = eventfd(0, EFD_CLOEXEC);
	virtio_mmio_init(&n->t, &net_ops, n, base, mem);
	if (n->kick_fd < 0 || n->stop_fd < 0) {
		snprintf(err, errlen, "virtio-net: eventfd: %s", strerror(errno));
		net_destroy(n);
		return NULL;
	}
	if (node_thread_attr(&attr, spec->node) < 0) {
		snprintf(err, errlen, "virtio-net: host node %d has no CPUs for its thread", spec->node);
		net_destroy(n);
		return NULL;
	}
	ret = pthread_create(&n->rx_thread, &attr, rx_thread, n);
	pthread_attr_destroy(&attr);
	if (ret) {
		snprintf(err, errlen, "virtio-net: cannot start its thread: %s", strerror(ret));
		net_destroy(n);
		return NULL;
	}
	n->rx_started = true;
	rx_thread_name(n, name);
	pthread_setname_np(n->rx_thread, name);
	return n;
}

void net_stop(struct net *n)
{
	if (n->rx_started) {
		eventfd_write(n->stop_fd, 1);
		pthread_join(n->rx_thread, NULL);
		n->rx_started = false;
	}
}

void net_destroy(struct net *n)
{
	if (!n)
		return;
	net_stop(n);
	close(n->tap_fd);
	if (n->kick_fd >= 0)
		close(n->kick_fd);
	if (n->stop_fd >= 0)
		close(n->stop_fd);
	virtio_mmio_destroy(&n->t);
	free(n);
}

struct virtio_mmio *net_transport(struct net *n)
{
	return &n->t;
}

void net_get_status(struct net *n, struct net_status *s)
{
	struct virtio_mmio *t = &n->t;

	memset(s, 0, sizeof(*s));
	pthread_mutex_lock(&t->lock);
	memcpy(s->tap, n->spec.tap, sizeof(s->tap));
	s->node = n->spec.node;
	rx_thread_name(n, s->thread);
	memcpy(s->mac, n->spec.mac, 6);
	s->c = n->c;
	virtio_mmio_get_status(t, &s->t);
	pthread_mutex_unlock(&t->lock);
}
