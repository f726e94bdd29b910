/* fuzz_blk.c - virtio-blk (blk/) behind its virtio-mmio transport, driven by
 * a driver that does anything: what tests/check_blk.c does by the book, this
 * does from the input.
 *
 * Guest RAM is a 4 MiB buffer; the image a 1 MiB temporary file, both made
 * once. Each input negotiates a feature set, sets up the queue (256 entries)
 * and sets DRIVER_OK, then runs a script: requests of any type and sector,
 * framed over up to 8 descriptors of any address, length and direction (the
 * header and ranges written from the input), bursts of them under one
 * notification, raw register writes and reads, config accesses, rewrites of
 * the rings. After each step the device is waited for. Then a reset.
 *
 * Properties: nothing crashes or escapes guest RAM (ASan); the image never
 * changes size (no write lands past its end); no guest access pops more
 * than VIRTIO_MMIO_BUDGET chains; once the device is idle every chain it
 * popped was answered or the queue stopped; the top megabyte of RAM, which
 * no descriptor the harness writes points at, is never written unless the
 * input rewrote a ring; after the reset nothing is in flight. */
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blk/blk.h"
#include "tests/fuzz/fuzz.h"
#include "tests/virtio_driver.h"

#define RAM_SIZE (4u << 20)
#define CANARY (3u << 20) /* [CANARY, RAM_SIZE): no descriptor of ours points here */
#define RINGS 0x1000
#define HDRS 0x10000      /* request headers and ranges, 256 bytes a slot */
#define QNUM 256 /* 32 chains of MAX_SEGS: a burst of two budgets fits */
#define IMG_BYTES (1u << 20)
#define MAX_OPS 48
#define MAX_SEGS 8
#define START_ACCESSES 24 /* register accesses of start() */

static struct vdrv_ram guest;
static struct vdrv_queue drv;
static struct blk *b;
static struct virtio_mmio *t;
static int img_fd;
static uint8_t canary[RAM_SIZE - CANARY];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct blk_spec spec = { .serial = "fuzz", .node = -1 };
	char path[] = "/tmp/fuzz_blk.XXXXXX", err[256];

	(void)argc;
	(void)argv;
	img_fd = mkstemp(path);
	if (img_fd < 0 || ftruncate(img_fd, IMG_BYTES) < 0 || vdrv_ram_init(&guest, RAM_SIZE, CANARY) < 0)
		abort();
	snprintf(spec.path, sizeof(spec.path), "%s", path);
	b = blk_create(&spec, 0xC0001000ULL, &guest.mem, NULL, err, sizeof(err));
	unlink(path); /* the descriptor keeps it */
	if (!b) {
		fprintf(stderr, "fuzz_blk: %s\n", err);
		abort();
	}
	t = blk_transport(b);
	memcpy(canary, guest.bytes + CANARY, sizeof(canary));
	return 0;
}

static void start(uint8_t fbits)
{
	static const unsigned bits[] = {
		VIRTIO_BLK_F_SIZE_MAX, VIRTIO_BLK_F_SEG_MAX, VIRTIO_BLK_F_FLUSH, VIRTIO_BLK_F_DISCARD,
		VIRTIO_BLK_F_WRITE_ZEROES, VIRTIO_RING_F_EVENT_IDX, VIRTIO_BLK_F_RO,
	};
	uint64_t f = VIRTIO_BIT(VIRTIO_F_VERSION_1);

	for (unsigned i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		if (fbits & (1u << i))
			f |= VIRTIO_BIT(bits[i]);
	vdrv_negotiate(t, f); /* RO is not offered: FEATURES_OK may be refused */
	vdrv_queue_start(t, &drv, guest.bytes, 0, QNUM, RINGS);
	vdrv_driver_ok(t);
}

/* A guest address below CANARY, mostly near the header area or a few
 * sectors into the data, and a length, mostly small. */
static void take_buf(struct fuzz_in *in, uint64_t *gpa, uint32_t *len)
{
	*gpa = fuzz_take(in, 3) % CANARY;
	*len = (uint32_t)fuzz_take(in, 2) % 0x3000;
	if (fuzz_take(in, 1) % 8 == 0)
		*len = (uint32_t)fuzz_take(in, 3) % (CANARY / 4); /* now and then a large one */
	if (*gpa + *len > CANARY)
		*len = (uint32_t)(CANARY - *gpa);
}

/* One request, made available (not notified): a header of any type and
 * sector (often near the end), ranges, and up to MAX_SEGS descriptors. */
static void request(struct fuzz_in *in)
{
	static const uint32_t types[] = {
		VIRTIO_BLK_T_IN, VIRTIO_BLK_T_OUT, VIRTIO_BLK_T_FLUSH, VIRTIO_BLK_T_GET_ID,
		VIRTIO_BLK_T_DISCARD, VIRTIO_BLK_T_WRITE_ZEROES,
	};
	unsigned slot = drv.avail_idx % QNUM, nseg = 1 + (unsigned)fuzz_take(in, 1) % MAX_SEGS;
	uint64_t hdr = HDRS + slot * 256;
	uint8_t sel = (uint8_t)fuzz_take(in, 1);
	struct virtio_blk_outhdr h = {
		.type = sel < 240 ? types[sel % 6] : (uint32_t)fuzz_take(in, 4),
		.sector = fuzz_take(in, 1) & 1 ? IMG_BYTES / 512 - fuzz_take(in, 1) % 16 : fuzz_take(in, 8),
	};
	uint16_t first;

	memcpy(guest.bytes + hdr, &h, sizeof(h));
	for (unsigned i = 0; i < 14; i++) /* ranges after it: any bytes */
		memcpy(guest.bytes + hdr + 16 + i * 8, &(uint64_t){ fuzz_take(in, 8) }, 8);
	/* descriptors slot * MAX_SEGS..: past 32 chains they wrap around: fine,
	 * the device sees whatever the table says when it pops */
	first = (uint16_t)((slot * MAX_SEGS) % QNUM);
	for (unsigned i = 0; i < nseg; i++) {
		uint16_t d = (uint16_t)((first + i) % QNUM);
		uint8_t how = (uint8_t)fuzz_take(in, 1);
		uint64_t gpa;
		uint32_t len;

		take_buf(in, &gpa, &len);
		if (i == 0 && how & 1) {
			gpa = hdr; /* usually a whole header first */
			len = 16 + (how & 2 ? 16 * (unsigned)(fuzz_take(in, 1) % 8) : 0);
		}
		vdrv_set_desc(&drv, d, gpa, len, (how & 4 ? VIRTQ_DESC_F_WRITE : 0) | (i + 1 < nseg ? VIRTQ_DESC_F_NEXT : 0),
			      (uint16_t)((d + 1) % QNUM));
	}
	vdrv_publish(&drv, first);
}

static uint64_t popped(void)
{
	return t->vq[0].popped;
}

static off_t image_size(void)
{
	struct stat st;

	if (fstat(img_fd, &st) < 0)
		abort();
	return st.st_size;
}

/* The device idle: every popped chain answered, or the queue stopped. */
static void settle(void)
{
	struct blk_status s;

	FUZZ_ASSERT(blk_wait_idle(b, 10000), "requests still in flight after 10 s");
	blk_get_status(b, &s);
	FUZZ_ASSERT(s.inflight == 0, "%u in flight", s.inflight);
	FUZZ_ASSERT(t->vq[0].inflight == 0 || t->vq[0].broken || !t->vq[0].ready,
		    "%u chains popped and never pushed", t->vq[0].inflight);
	FUZZ_ASSERT(image_size() == IMG_BYTES, "the image is %lld bytes", (long long)image_size());
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	bool rings_rewritten = false;

	start((uint8_t)fuzz_take(&in, 1));
	for (unsigned op = 0; op < MAX_OPS && in.n; op++) {
		uint64_t before = popped();
		unsigned accesses = 1;

		switch (fuzz_take(&in, 1) % 7) {
		case 0:
			request(&in);
			vdrv_notify(t, &drv);
			break;
		case 1: { /* up to two budgets' worth under one notification */
			unsigned n = 1 + (unsigned)fuzz_take(&in, 1) % (2 * VIRTIO_MMIO_BUDGET);

			for (unsigned i = 0; i < n; i++)
				request(&in);
			vdrv_notify(t, &drv);
			break;
		}
		case 2: /* any register, any value */
			vdrv_write(t, (uint32_t)fuzz_take(&in, 2) % 0x100 & ~3u, (uint32_t)fuzz_take(&in, 4));
			break;
		case 3:
			vdrv_read(t, (uint32_t)fuzz_take(&in, 2) % VIRTIO_MMIO_WINDOW & ~3u);
			break;
		case 4: { /* config, any offset and width */
			uint8_t buf[8] = { 0 };
			uint32_t off = 0x100 + (uint32_t)fuzz_take(&in, 1) % 0x48;

			virtio_mmio_access(t, off, buf, 1u << (fuzz_take(&in, 1) % 4), fuzz_take(&in, 1) & 1);
			break;
		}
		case 5: { /* the driver rewrites 8 bytes of its rings */
			uint64_t gpa = RINGS + fuzz_take(&in, 2) % VDRV_RINGS_SIZE;

			memcpy(guest.bytes + gpa, &(uint64_t){ fuzz_take(&in, 8) }, 8);
			rings_rewritten = true;
			accesses = 0;
			break;
		}
		case 6: /* a reset and a new start: its first access serves
			 * what an earlier one left on the ring (the backlog) */
			start((uint8_t)fuzz_take(&in, 1));
			accesses = START_ACCESSES;
			break;
		}
		FUZZ_ASSERT(popped() - before <= accesses * VIRTIO_MMIO_BUDGET,
			    "%llu chains popped in %u accesses", (unsigned long long)(popped() - before), accesses);
		settle();
	}
	vdrv_write(t, VIRTIO_MMIO_REG_STATUS, 0);
	settle();
	if (!rings_rewritten)
		FUZZ_ASSERT(!memcmp(guest.bytes + CANARY, canary, sizeof(canary)),
			    "the device wrote guest memory no descriptor named");
	else
		memcpy(guest.bytes + CANARY, canary, sizeof(canary));
	return 0;
}
