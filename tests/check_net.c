/* check_net.c - virtio-net without KVM or a tap: guest RAM a plain buffer,
 * the "tap" one end of a datagram socket pair (one frame per read or write,
 * as a tap), the test the driver (tests/virtio_driver.h). A good frame must
 * cross each way byte for byte with its header; every bad transmit chain is
 * dropped before the tap and counted; a receive chain that cannot take the
 * frame drops it, counted; a frame with no receive buffer waits for one. */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/net.h"
#include "tests/virtio_driver.h"
#include "tests/unit.h"

#define RAM_SIZE (1u << 20)
#define RX_RINGS 0x1000
#define TX_RINGS 0x4000
#define TXBUF 0x10000
#define RXBUF 0x20000
#define QNUM 64

static struct vdrv_ram guest;
static struct vdrv_queue rxq, txq;
static struct net *n;
static struct virtio_mmio *t;
static int peer; /* the host's side of the "tap" */
static uint64_t moving_gpa, moving_len; /* a "frame being migrated" */

static bool test_migrating(void *arg, uint64_t gpa, uint64_t len)
{
	return gpa < moving_gpa + moving_len && moving_gpa < gpa + len;
}

static void setup(void)
{
	struct net_spec spec;
	struct vq_mem_probe probe = { .migrating = test_migrating };
	char err[256];
	int sv[2];

	moving_gpa = moving_len = 0;
	ck_assert_int_eq(net_spec_parse("tap=t0,mac=52:54:00:aa:bb:cc", 0, &spec, err, sizeof(err)), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv), 0);
	peer = sv[1];
	ck_assert_int_eq(vdrv_ram_init(&guest, RAM_SIZE, RAM_SIZE), 0);
	n = net_create(&spec, sv[0], 0xC0005000ULL, &guest.mem, &probe, err, sizeof(err));
	ck_assert_msg(n, "%s", err);
	t = net_transport(n);
	ck_assert(vdrv_negotiate(t, VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_NET_F_MAC)));
	vdrv_queue_start(t, &rxq, guest.bytes, VIRTIO_NET_RXQ, QNUM, RX_RINGS);
	vdrv_queue_start(t, &txq, guest.bytes, VIRTIO_NET_TXQ, QNUM, TX_RINGS);
	vdrv_driver_ok(t);
}

static void teardown(void)
{
	net_destroy(n);
	close(peer);
	vdrv_ram_destroy(&guest);
}

static struct net_counters counters(void)
{
	struct net_status s;

	net_get_status(n, &s);
	return s.c;
}

/* A frame of len bytes (header first, zeroed) at TXBUF, sent as one buffer
 * with flags. */
static void transmit(unsigned len, uint16_t flags)
{
	memset(guest.bytes + TXBUF, 0, sizeof(struct virtio_net_hdr));
	for (unsigned i = 0; i < len; i++)
		guest.bytes[TXBUF + sizeof(struct virtio_net_hdr) + i] = (uint8_t)(i * 3 + 1);
	vdrv_add_buf(&txq, TXBUF, (uint32_t)(sizeof(struct virtio_net_hdr) + len), flags);
	vdrv_notify(t, &txq);
	ck_assert_uint_eq(vdrv_used_new(&txq), 1); /* every chain comes back */
}

static ssize_t host_read(uint8_t *buf, size_t len)
{
	return recv(peer, buf, len, 0);
}

/* Wait up to 2 s for the device to use a receive buffer; its length. */
static uint32_t received(void)
{
	for (int i = 0; i < 2000; i++) {
		uint16_t idx = *vdrv_used16(&rxq, VIRTQ_USED_IDX);

		if (idx != rxq.used_seen) {
			uint32_t len = *(uint32_t *)(guest.bytes + RX_RINGS + VDRV_USED_OFF +
						      VIRTQ_USED_RING(rxq.used_seen % QNUM) + 4);

			rxq.used_seen++;
			return len;
		}
		usleep(1000);
	}
	ck_abort_msg("no receive buffer used in 2 s");
	return 0;
}

START_TEST(test_config_mac)
{
	uint8_t mac[6] = { 0 };

	for (unsigned i = 0; i < 6; i++)
		virtio_mmio_access(t, 0x100 + VIRTIO_NET_CFG_MAC + i, mac + i, 1, false);
	ck_assert(!memcmp(mac, "\x52\x54\x00\xaa\xbb\xcc", 6));
	ck_assert_uint_eq(vdrv_read(t, VIRTIO_MMIO_REG_DEVICE_ID), VIRTIO_ID_NET);
}
END_TEST

START_TEST(test_transmit)
{
	uint8_t buf[2048];

	transmit(60, 0);
	ck_assert_int_eq(host_read(buf, sizeof(buf)), 60);
	for (unsigned i = 0; i < 60; i++)
		ck_assert_uint_eq(buf[i], (uint8_t)(i * 3 + 1));
	transmit(NET_FRAME_MAX, 0);
	ck_assert_int_eq(host_read(buf, sizeof(buf)), NET_FRAME_MAX);
	ck_assert_uint_eq(counters().tx_packets, 2);
}
END_TEST

START_TEST(test_transmit_bad)
{
	uint8_t buf[2048];

	transmit(NET_FRAME_MIN - 1, 0);
	transmit(NET_FRAME_MAX + 1, 0);
	transmit(60, VIRTQ_DESC_F_WRITE);
	guest.bytes[TXBUF] = 1; /* NEEDS_CSUM: not offered */
	vdrv_add_buf(&txq, TXBUF, sizeof(struct virtio_net_hdr) + 60, 0);
	vdrv_notify(t, &txq);
	ck_assert_uint_eq(vdrv_used_new(&txq), 1);
	ck_assert_int_eq(host_read(buf, sizeof(buf)), -1); /* nothing reached the tap */
	ck_assert_uint_eq(counters().tx_bad_size, 2);
	ck_assert_uint_eq(counters().tx_bad_buffer, 1);
	ck_assert_uint_eq(counters().tx_bad_header, 1);
	ck_assert_uint_eq(counters().tx_packets, 0);
	ck_assert_uint_eq(counters().guest_errors, 4);
}
END_TEST

START_TEST(test_receive)
{
	uint8_t frame[100];
	const struct virtio_net_hdr *h = (const void *)(guest.bytes + RXBUF);

	for (unsigned i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)(i ^ 0x5a);
	/* the frame waits until there is a buffer */
	ck_assert_int_eq(send(peer, frame, sizeof(frame), 0), (ssize_t)sizeof(frame));
	usleep(20000);
	ck_assert_uint_eq(*vdrv_used16(&rxq, VIRTQ_USED_IDX), 0);
	/* split over two buffers: 8 bytes, then the rest */
	vdrv_set_desc(&rxq, 0, RXBUF, 8, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	vdrv_set_desc(&rxq, 1, RXBUF + 8, 1024, VIRTQ_DESC_F_WRITE, 0);
	vdrv_publish(&rxq, 0);
	vdrv_notify(t, &rxq);
	ck_assert_uint_eq(received(), sizeof(struct virtio_net_hdr) + sizeof(frame));
	ck_assert_uint_eq(h->num_buffers, 1);
	ck_assert_uint_eq(h->gso_type, VIRTIO_NET_HDR_GSO_NONE);
	ck_assert(!memcmp(guest.bytes + RXBUF + sizeof(*h), frame, sizeof(frame)));
	ck_assert_uint_eq(counters().rx_packets, 1);
	ck_assert_uint_eq(counters().rx_waits, 1);
	ck_assert_uint_eq(counters().migration.held, 0);
}
END_TEST

/* A frame received into a buffer whose guest frame is being migrated is
 * counted (ctl nets migration.held, ctl stats devices[].io_held). */
START_TEST(test_receive_into_migrating_frame)
{
	uint8_t frame[64] = { 1 };

	moving_gpa = RXBUF + 8;
	moving_len = 4096;
	vdrv_set_desc(&rxq, 0, RXBUF, 8, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	vdrv_set_desc(&rxq, 1, RXBUF + 8, 1024, VIRTQ_DESC_F_WRITE, 0);
	vdrv_publish(&rxq, 0);
	vdrv_notify(t, &rxq);
	ck_assert_int_eq(send(peer, frame, sizeof(frame), 0), (ssize_t)sizeof(frame));
	ck_assert_uint_eq(received(), sizeof(struct virtio_net_hdr) + sizeof(frame));
	ck_assert_uint_eq(counters().migration.held, 1);
}
END_TEST

START_TEST(test_receive_bad)
{
	uint8_t frame[200] = { 1 };

	/* a chain too small for the frame: dropped, counted, returned empty */
	vdrv_add_buf(&rxq, RXBUF, 100, VIRTQ_DESC_F_WRITE);
	vdrv_notify(t, &rxq);
	ck_assert_int_eq(send(peer, frame, sizeof(frame), 0), (ssize_t)sizeof(frame));
	ck_assert_uint_eq(received(), 0);
	ck_assert_uint_eq(counters().rx_too_small, 1);
	/* a device-readable buffer: dropped, counted */
	vdrv_add_buf(&rxq, RXBUF, 2048, 0);
	vdrv_notify(t, &rxq);
	ck_assert_int_eq(send(peer, frame, sizeof(frame), 0), (ssize_t)sizeof(frame));
	ck_assert_uint_eq(received(), 0);
	ck_assert_uint_eq(counters().rx_bad_buffer, 1);
	ck_assert_uint_eq(counters().rx_packets, 0);
	/* and the next good one still arrives */
	vdrv_add_buf(&rxq, RXBUF, 2048, VIRTQ_DESC_F_WRITE);
	vdrv_notify(t, &rxq);
	ck_assert_int_eq(send(peer, frame, sizeof(frame), 0), (ssize_t)sizeof(frame));
	ck_assert_uint_eq(received(), sizeof(struct virtio_net_hdr) + sizeof(frame));
}
END_TEST

START_TEST(test_spec_parse)
{
	struct net_spec s;
	char err[256];

	ck_assert_int_eq(net_spec_parse("tap=tap0", 1, &s, err, sizeof(err)), 0);
	ck_assert_str_eq(s.tap, "tap0");
	ck_assert(!memcmp(s.mac, "\x52\x54\x00\x12\x34\x57", 6));
	ck_assert_int_eq(s.node, -1);
	ck_assert_uint_eq(s.index, 1);
	ck_assert_int_eq(net_spec_parse("tap=t,node=3", 0, &s, err, sizeof(err)), 0);
	ck_assert_int_eq(s.node, 3);
	ck_assert_int_eq(net_spec_parse("tap=t,node=", 0, &s, err, sizeof(err)), -1);
	ck_assert_int_eq(net_spec_parse("tap=t,node=x", 0, &s, err, sizeof(err)), -1);
	ck_assert_int_eq(net_spec_parse("tap=t,node=99999", 0, &s, err, sizeof(err)), -1);
	ck_assert_int_eq(net_spec_parse("mac=02:00:00:00:00:01,tap=x", 0, &s, err, sizeof(err)), 0);
	ck_assert(!memcmp(s.mac, "\x02\x00\x00\x00\x00\x01", 6));
	ck_assert_int_eq(net_spec_parse("", 0, &s, err, sizeof(err)), -1);
	ck_assert_int_eq(net_spec_parse("tap0", 0, &s, err, sizeof(err)), -1);
	ck_assert_int_eq(net_spec_parse("tap=a,mac=01:00:00:00:00:01", 0, &s, err, sizeof(err)), -1); /* multicast */
	ck_assert_int_eq(net_spec_parse("tap=a,mac=52:54:00:12:34", 0, &s, err, sizeof(err)), -1);
	ck_assert_int_eq(net_spec_parse("tap=a,mac=52:54:00:12:34:5g", 0, &s, err, sizeof(err)), -1);
	ck_assert_int_eq(net_spec_parse("tap=0123456789abcdef", 0, &s, err, sizeof(err)), -1);
	ck_assert_int_eq(net_spec_parse("tap=a,", 0, &s, err, sizeof(err)), -1);
	ck_assert_int_eq(net_spec_parse("mac=52:54:00:12:34:56", 0, &s, err, sizeof(err)), -1);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("net");
	TCase *d = tcase_create("device"), *p = tcase_create("parse");

	tcase_add_checked_fixture(d, setup, teardown);
	tcase_add_test(d, test_config_mac);
	tcase_add_test(d, test_transmit);
	tcase_add_test(d, test_transmit_bad);
	tcase_add_test(d, test_receive);
	tcase_add_test(d, test_receive_into_migrating_frame);
	tcase_add_test(d, test_receive_bad);
	suite_add_tcase(s, d);
	tcase_add_test(p, test_spec_parse);
	suite_add_tcase(s, p);
	return s;
}
