/* net - a virtio-net driver for the test guest: an ARP responder and a UDP
 * echo that checks every datagram, while the host moves the guest's frames.
 *
 * vCPU 0 finds the first virtio-net device in the device tree, negotiates
 * VERSION_1, MAC and EVENT_IDX, and takes the largest free range of RAM for
 * its rings and 2 KiB buffers (RXN for receiving, TXN for sending). It then
 * serves the network until a byte comes on COM1 (the test's sign that it is
 * done): an ARP request for its address (ip=, default 10.77.0.2) gets a reply;
 * a UDP datagram to port 7777 must carry a 4-byte sequence number and then
 * bytes pattern(seq, i), which it checks, and is echoed back to its sender
 * with addresses and ports swapped (the checksums stay valid). It prints how
 * many it echoed and how many were wrong; any wrong one, or none at all, is
 * FAIL. seconds=N (default 3600) is only a limit. */
#include "guest.h"
#include "tsc.h"
#include "virtio.h"

#define PAGE 4096UL
#define QSIZE 128
#define RXN 64
#define TXN 64
#define BUF 2048
#define HDR sizeof(struct virtio_net_hdr)
#define PORT 7777

static struct vdev dev;
static struct vq rxq, txq;
static uint8_t *rxbuf, *txbuf;
static int rx_slot[QSIZE], tx_slot[QSIZE];
static unsigned tx_free[TXN], ntx_free;
static uint8_t mac[6];
static uint32_t my_ip; /* network order bytes as read */

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint8_t pattern(uint32_t seq, unsigned i)
{
	return (uint8_t)(seq * 31 + i * 7 + 1);
}

static void post_rx(unsigned s)
{
	int head = vq_add(&rxq, &(struct vbuf){ (uintptr_t)(rxbuf + s * BUF), BUF, true }, 1);

	if (head < 0)
		panic("net: receive ring full");
	rx_slot[head] = (int)s;
}

static void reclaim_tx(void)
{
	int head;

	while ((head = vq_used(&txq, NULL)) >= 0)
		tx_free[ntx_free++] = (unsigned)tx_slot[head];
}

/* Send frame[0, len) with a zero header. */
static void send(const uint8_t *frame, unsigned len)
{
	uint8_t *b;
	unsigned s;
	int head;

	while (!ntx_free) {
		reclaim_tx();
		cpu_relax();
	}
	s = tx_free[--ntx_free];
	b = txbuf + s * BUF;
	memset(b, 0, HDR);
	memcpy(b + HDR, frame, len);
	head = vq_add(&txq, &(struct vbuf){ (uintptr_t)b, (uint32_t)(HDR + len), false }, 1);
	if (head < 0)
		panic("net: transmit ring full");
	tx_slot[head] = (int)s;
	vq_kick(&txq);
}

static void swap(uint8_t *a, uint8_t *b, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint8_t t = a[i];

		a[i] = b[i];
		b[i] = t;
	}
}

static uint64_t echoed, bad, arps;

static void handle(uint8_t *f, unsigned len)
{
	uint16_t type;

	if (len < 14)
		return;
	type = be16(f + 12);
	if (type == 0x0806 && len >= 42 && be16(f + 20) == 1 && !memcmp(f + 38, &my_ip, 4)) {
		uint8_t r[42];

		/* an ARP request for us: the reply */
		memcpy(r, f + 6, 6);
		memcpy(r + 6, mac, 6);
		memcpy(r + 12, f + 12, 8); /* ethertype, htype, ptype, hlen, plen */
		r[20] = 0, r[21] = 2;
		memcpy(r + 22, mac, 6);
		memcpy(r + 28, &my_ip, 4);
		memcpy(r + 32, f + 22, 10); /* the asker's MAC and IP */
		send(r, sizeof(r));
		arps++;
		return;
	}
	if (type == 0x0800 && len >= 42 && f[23] == 17 && !memcmp(f + 30, &my_ip, 4)) {
		unsigned ihl = (f[14] & 15) * 4u, udp = 14 + ihl, ulen;
		const uint8_t *d;
		uint32_t seq;

		if (be16(f + udp + 2) != PORT || udp + 8 > len)
			return;
		ulen = be16(f + udp + 4);
		if (ulen < 12 || udp + ulen > len) {
			bad++;
			return;
		}
		d = f + udp + 8;
		seq = (uint32_t)d[0] << 24 | d[1] << 16 | d[2] << 8 | d[3];
		for (unsigned i = 4; i < ulen - 8; i++)
			if (d[i] != pattern(seq, i)) {
				if (bad++ < 4)
					printf("net: datagram %u byte %u is 0x%x, want 0x%x\n", seq, i, d[i], pattern(seq, i));
				return;
			}
		swap(f, f + 6, 6);         /* MACs */
		swap(f + 26, f + 30, 4);   /* IPs */
		swap(f + udp, f + udp + 2, 2); /* ports */
		send(f, len);
		echoed++;
	}
}

int program_main(struct guest_env *env, unsigned cpu)
{
	uint64_t seconds = env_arg_u64(env, "seconds", 3600), tsc_ms, deadline;
	const char *ip = env_arg(env, "ip");
	uint64_t wanted = VIRTIO_BIT(VIRTIO_NET_F_MAC) | VIRTIO_BIT(VIRTIO_RING_F_EVENT_IDX);
	const struct mem_range *best = NULL;
	uint64_t ring = (virtio_queue_mem(QSIZE) + PAGE - 1) & ~(PAGE - 1), need = 2 * ring + (RXN + TXN) * BUF;
	uintptr_t base;
	uint8_t *p;
	unsigned a = 10, b = 77, c = 0, d = 2;

	if (cpu != 0)
		return GUEST_PASS;
	if (ip) {
		const char *s = ip;
		unsigned v[4] = { 0 };

		for (unsigned k = 0; k < 4; k++, s++) {
			while (*s >= '0' && *s <= '9')
				v[k] = v[k] * 10 + (unsigned)(*s++ - '0');
			if (k < 3 && *s != '.')
				panic("net: ip=%s is no IPv4 address", ip);
		}
		a = v[0], b = v[1], c = v[2], d = v[3];
	}
	my_ip = a | b << 8 | c << 16 | d << 24; /* the bytes in wire order */
	tsc_ms = tsc_khz(env);
	deadline = rdtsc() + seconds * 1000 * tsc_ms;
	base = virtio_find(env, VIRTIO_ID_NET, 0);
	if (!base)
		panic("net: no virtio-net device in the device tree");
	for (unsigned i = 0; i < env->nfree; i++)
		if (!best || env->free[i].size > best->size)
			best = &env->free[i];
	if (!best || best->size < need)
		panic("net: no %lu KiB of free memory", (unsigned long)(need >> 10));
	p = (uint8_t *)best->start;
	memset(p, 0, 2 * ring);
	if (virtio_start(&dev, base, VIRTIO_ID_NET, wanted) < 0)
		panic("net: device start failed");
	if (virtio_setup_queue(&dev, &rxq, VIRTIO_NET_RXQ, QSIZE, p) < 0 ||
	    virtio_setup_queue(&dev, &txq, VIRTIO_NET_TXQ, QSIZE, p + ring) < 0)
		panic("net: queue set-up failed");
	rxbuf = p + 2 * ring;
	txbuf = rxbuf + RXN * BUF;
	for (unsigned i = 0; i < 6; i++) {
		uint32_t w = virtio_config32(&dev, VIRTIO_NET_CFG_MAC + (i & ~3u));

		mac[i] = (uint8_t)(w >> (8 * (i & 3)));
	}
	virtio_driver_ok(&dev);
	for (unsigned s = 0; s < RXN; s++)
		post_rx(s);
	vq_kick(&rxq);
	for (unsigned s = 0; s < TXN; s++)
		tx_free[ntx_free++] = s;
	printf("net: %u.%u.%u.%u at %02x:%02x:%02x:%02x:%02x:%02x, echoing UDP port %u\n", a, b, c, d, mac[0],
	       mac[1], mac[2], mac[3], mac[4], mac[5], PORT);
	for (uint64_t n = 0;; n++) {
		uint32_t len;
		int head = vq_used(&rxq, &len);

		if (head >= 0) {
			unsigned s = (unsigned)rx_slot[head];

			if (len > HDR)
				handle(rxbuf + s * BUF + HDR, len - HDR);
			post_rx(s);
			vq_kick(&rxq);
			continue;
		}
		reclaim_tx();
		if (n % 1024 == 0 && (console_input() || rdtsc() > deadline))
			break;
		cpu_relax();
	}
	printf("net: %lu datagrams echoed, %lu wrong, %lu ARP replies\n", (unsigned long)echoed,
	       (unsigned long)bad, (unsigned long)arps);
	if (bad || !echoed) {
		printf("net: FAIL\n");
		return GUEST_FAIL;
	}
	printf("net: PASS\n");
	return GUEST_PASS;
}
