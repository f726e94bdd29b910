/* fuzz_net.c - virtio-net (net/) behind its virtio-mmio transport, driven by
 * a driver that does anything, with a "tap" (a datagram socket pair) that
 * sends anything: what tests/check_net.c does by the book, this does from
 * the input.
 *
 * Guest RAM is a 1 MiB buffer, made once with the device. Each input
 * negotiates a feature set, sets up both queues (64 entries) and sets
 * DRIVER_OK, then runs a script: transmit chains of up to 4 descriptors of
 * any address, length and direction, the header's bytes from the input;
 * bursts of them under one notification; receive chains likewise; frames of
 * any length from the tap; raw register writes and reads; config accesses;
 * ring rewrites. Then a reset.
 *
 * Properties: nothing crashes or escapes guest RAM (ASan); every frame that
 * reaches the tap is 14 to NET_FRAME_MAX bytes; no guest access pops more than
 * VIRTIO_MMIO_BUDGET transmit chains; the top 256 KiB of RAM, which no
 * descriptor the harness writes names, is never written unless the input
 * rewrote a ring. */
#include <stdbool.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/net.h"
#include "tests/fuzz/fuzz.h"
#include "tests/virtio_driver.h"

#define RAM_SIZE (1u << 20)
#define CANARY (768u << 10)
#define RX_RINGS 0x1000
#define TX_RINGS 0x4000
#define HDRS 0x10000 /* transmit headers, 64 bytes a slot */
#define QNUM 64
#define MAX_OPS 48

static struct vdrv_ram guest;
static struct vdrv_queue rxq, txq;
static struct net *n;
static struct virtio_mmio *t;
static int peer;
static uint8_t canary[RAM_SIZE - CANARY];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct net_spec spec;
	char err[256];
	int sv[2];

	(void)argc;
	(void)argv;
	if (net_spec_parse("tap=fuzz", 0, &spec, err, sizeof(err)) < 0 ||
	    socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv) < 0 ||
	    vdrv_ram_init(&guest, RAM_SIZE, CANARY) < 0)
		abort();
	peer = sv[1];
	n = net_create(&spec, sv[0], 0xC0005000ULL, &guest.mem, NULL, err, sizeof(err));
	if (!n) {
		fprintf(stderr, "fuzz_net: %s\n", err);
		abort();
	}
	t = net_transport(n);
	memcpy(canary, guest.bytes + CANARY, sizeof(canary));
	return 0;
}

static void start(uint8_t fbits)
{
	uint64_t f = VIRTIO_BIT(VIRTIO_F_VERSION_1);

	if (fbits & 1)
		f |= VIRTIO_BIT(VIRTIO_NET_F_MAC);
	if (fbits & 2)
		f |= VIRTIO_BIT(VIRTIO_NET_F_STATUS);
	if (fbits & 4)
		f |= VIRTIO_BIT(VIRTIO_RING_F_EVENT_IDX);
	vdrv_negotiate(t, f);
	vdrv_queue_start(t, &rxq, guest.bytes, VIRTIO_NET_RXQ, QNUM, RX_RINGS);
	vdrv_queue_start(t, &txq, guest.bytes, VIRTIO_NET_TXQ, QNUM, TX_RINGS);
	vdrv_driver_ok(t);
}

/* A chain of 1..4 descriptors on q, published: the first, for a transmit,
 * usually a header (bytes from the input) and the frame right after it. */
static void chain(struct fuzz_in *in, struct vdrv_queue *q, bool tx)
{
	unsigned slot = q->avail_idx % (QNUM / 4), nseg = 1 + (unsigned)fuzz_take(in, 1) % 4;
	uint16_t first = (uint16_t)(slot * 4);

	for (unsigned i = 0; i < nseg; i++) {
		uint8_t how = (uint8_t)fuzz_take(in, 1);
		uint64_t gpa = fuzz_take(in, 3) % CANARY;
		uint32_t len = (uint32_t)fuzz_take(in, 2) % 0x900;

		if (tx && i == 0 && how & 1) {
			gpa = HDRS + slot * 64;
			len = (uint32_t)(sizeof(struct virtio_net_hdr) + fuzz_take(in, 2) % (NET_FRAME_MAX + 8));
			memcpy(guest.bytes + gpa, &(uint64_t){ how & 2 ? fuzz_take(in, 8) : 0 }, 8);
			memset(guest.bytes + gpa + 8, 0, 4);
		}
		if (gpa + len > CANARY)
			len = (uint32_t)(CANARY - gpa);
		vdrv_set_desc(q, (uint16_t)(first + i), gpa, len,
			      (how & 4 ? VIRTQ_DESC_F_WRITE : 0) | (i + 1 < nseg ? VIRTQ_DESC_F_NEXT : 0),
			      (uint16_t)(first + i + 1));
	}
	vdrv_publish(q, first);
}

/* Every frame the tap got: a size a tap takes. */
static void drain_tap(void)
{
	uint8_t buf[4096];
	ssize_t got;

	while ((got = recv(peer, buf, sizeof(buf), 0)) >= 0)
		FUZZ_ASSERT(got >= NET_FRAME_MIN && got <= NET_FRAME_MAX, "a %zd-byte frame reached the tap", got);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	bool rings_rewritten = false;

	start((uint8_t)fuzz_take(&in, 1));
	for (unsigned op = 0; op < MAX_OPS && in.n; op++) {
		uint64_t before = t->vq[VIRTIO_NET_TXQ].popped;
		unsigned accesses = 1;

		switch (fuzz_take(&in, 1) % 8) {
		case 0:
			chain(&in, &txq, true);
			vdrv_notify(t, &txq);
			break;
		case 1: { /* up to two budgets under one notification */
			unsigned k = 1 + (unsigned)fuzz_take(&in, 1) % (2 * VIRTIO_MMIO_BUDGET);

			for (unsigned i = 0; i < k; i++)
				chain(&in, &txq, true);
			vdrv_notify(t, &txq);
			break;
		}
		case 2:
			chain(&in, &rxq, false);
			vdrv_notify(t, &rxq);
			break;
		case 3: { /* a frame from the tap, any length */
			uint8_t frame[2048];
			size_t len = fuzz_take(&in, 2) % sizeof(frame);

			memset(frame, (int)fuzz_take(&in, 1), len);
			send(peer, frame, len, 0);
			usleep(100); /* the receive thread's turn */
			accesses = 0;
			break;
		}
		case 4:
			vdrv_write(t, (uint32_t)fuzz_take(&in, 2) % 0x100 & ~3u, (uint32_t)fuzz_take(&in, 4));
			break;
		case 5:
			vdrv_read(t, (uint32_t)fuzz_take(&in, 2) % VIRTIO_MMIO_WINDOW & ~3u);
			break;
		case 6: { /* config, any offset and width */
			uint8_t buf[8] = { 0 };

			virtio_mmio_access(t, 0x100 + (uint32_t)fuzz_take(&in, 1) % 0x10, buf,
					   1u << (fuzz_take(&in, 1) % 4), fuzz_take(&in, 1) & 1);
			break;
		}
		case 7: { /* the driver rewrites 8 bytes of its rings */
			uint64_t gpa = RX_RINGS + fuzz_take(&in, 2) % (TX_RINGS + VDRV_RINGS_SIZE - RX_RINGS);

			memcpy(guest.bytes + gpa, &(uint64_t){ fuzz_take(&in, 8) }, 8);
			rings_rewritten = true;
			accesses = 0;
			break;
		}
		}
		FUZZ_ASSERT(t->vq[VIRTIO_NET_TXQ].popped - before <= accesses * VIRTIO_MMIO_BUDGET,
			    "%llu transmit chains popped in %u accesses",
			    (unsigned long long)(t->vq[VIRTIO_NET_TXQ].popped - before), accesses);
		drain_tap();
	}
	vdrv_write(t, VIRTIO_MMIO_REG_STATUS, 0);
	usleep(200); /* a frame the thread holds finds the device reset */
	drain_tap();
	if (!rings_rewritten)
		FUZZ_ASSERT(!memcmp(guest.bytes + CANARY, canary, sizeof(canary)),
			    "the device wrote guest memory no descriptor named");
	else
		memcpy(guest.bytes + CANARY, canary, sizeof(canary));
	return 0;
}
