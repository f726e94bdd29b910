/* check_blk.c - virtio-blk without KVM: guest RAM a plain buffer, the image a
 * temporary file, the test the driver (tests/virtio_driver.h) through the
 * MMIO registers. Good requests must reach the image (read back with pread,
 * written with pwrite); every bad one must be answered as 5.2.6.1 says,
 * counted by its kind, and leave the image and the guest's other memory as
 * they were. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blk/blk.h"
#include "blk/control.h"
#include "tests/virtio_driver.h"
#include "tests/unit.h"

#define RAM_SIZE (4u << 20)
#define RINGS 0x1000
#define HDR 0x10000
#define HDR2 0x10800
#define STATUS 0x11000
#define DATA 0x100000 /* .. 0x300000 */
#define QNUM 256
#define T_BASE 0xC0001000ULL
#define IMG_SECTORS 4096 /* 2 MiB */
#define IMG_BYTES (IMG_SECTORS * 512)

static struct vdrv_ram guest;
static struct vdrv_queue drv;
static struct blk *b;
static struct virtio_mmio *t;
static char img[] = "/tmp/check_blk.XXXXXX";
static int img_fd;
static uint8_t *img_copy; /* what the image should hold */
static uint16_t next_desc;

struct seg {
	uint64_t gpa;
	uint32_t len;
	bool write; /* device-writable */
};

static uint8_t pattern(uint64_t off)
{
	return (uint8_t)(off * 7 + (off >> 9) + 1);
}

static void make_disk(bool readonly, const char *serial)
{
	struct blk_spec spec = { .readonly = readonly, .node = -1 };
	char err[256];

	img_fd = mkstemp(img);
	ck_assert_int_ge(img_fd, 0);
	img_copy = malloc(IMG_BYTES);
	for (uint64_t i = 0; i < IMG_BYTES; i++)
		img_copy[i] = pattern(i);
	ck_assert_int_eq(pwrite(img_fd, img_copy, IMG_BYTES, 0), IMG_BYTES);
	snprintf(spec.path, sizeof(spec.path), "%s", img);
	snprintf(spec.serial, sizeof(spec.serial), "%s", serial);
	ck_assert_int_eq(vdrv_ram_init(&guest, RAM_SIZE, DATA), 0);
	b = blk_create(&spec, T_BASE, &guest.mem, NULL, err, sizeof(err));
	ck_assert_msg(b, "%s", err);
	t = blk_transport(b);
}

static void start(uint64_t features)
{
	ck_assert(vdrv_negotiate(t, features | VIRTIO_BIT(VIRTIO_F_VERSION_1)));
	vdrv_queue_start(t, &drv, guest.bytes, 0, QNUM, RINGS);
	vdrv_driver_ok(t);
	next_desc = 0;
}

static void setup_rw(void)
{
	make_disk(false, "disk-serial-1");
	start(VIRTIO_BIT(VIRTIO_BLK_F_FLUSH) | VIRTIO_BIT(VIRTIO_BLK_F_DISCARD) |
	      VIRTIO_BIT(VIRTIO_BLK_F_WRITE_ZEROES) | VIRTIO_BIT(VIRTIO_BLK_F_SEG_MAX) |
	      VIRTIO_BIT(VIRTIO_BLK_F_SIZE_MAX));
}

static void setup_ro(void)
{
	make_disk(true, "");
	start(VIRTIO_BIT(VIRTIO_BLK_F_RO));
}

static void teardown(void)
{
	blk_destroy(b);
	vdrv_ram_destroy(&guest);
	close(img_fd);
	unlink(img);
	strcpy(img, "/tmp/check_blk.XXXXXX");
	free(img_copy);
}

static void image_is_expected(void)
{
	uint8_t *now = malloc(IMG_BYTES);

	ck_assert_int_eq(pread(img_fd, now, IMG_BYTES, 0), IMG_BYTES);
	/* one check per byte would be 2 Mi of Check's marks (a pipe write
	 * each): name the first byte that differs, if one does */
	if (memcmp(now, img_copy, IMG_BYTES))
		for (uint64_t i = 0; i < IMG_BYTES; i++)
			ck_assert_msg(now[i] == img_copy[i], "image byte %llu is 0x%02x, want 0x%02x",
				      (unsigned long long)i, now[i], img_copy[i]);
	free(now);
}

/* Publish one chain; returns its head. */
static uint16_t publish(const struct seg *s, unsigned n)
{
	uint16_t head = next_desc;

	for (unsigned i = 0; i < n; i++) {
		uint16_t d = next_desc++ % QNUM;

		vdrv_set_desc(&drv, d, s[i].gpa, s[i].len,
			      (s[i].write ? VIRTQ_DESC_F_WRITE : 0) | (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0),
			      (uint16_t)(next_desc % QNUM));
	}
	vdrv_publish(&drv, head % QNUM);
	return head % QNUM;
}

static void header(uint64_t gpa, uint32_t type, uint64_t sector)
{
	struct virtio_blk_outhdr h = { type, 0, sector };

	memcpy(guest.bytes + gpa, &h, sizeof(h));
}

/* Notify, wait for the device, and check one buffer came back: its
 * written length into *written; the status byte at STATUS is returned. */
static uint8_t run(uint32_t *written)
{
	unsigned n;
	uint16_t used;

	guest.bytes[STATUS] = 0xee;
	vdrv_notify(t, &drv);
	ck_assert(blk_wait_idle(b, 5000));
	used = drv.used_seen;
	n = vdrv_used_new(&drv);
	ck_assert_uint_eq(n, 1);
	if (written)
		*written = *(uint32_t *)(guest.bytes + RINGS + VDRV_USED_OFF + VIRTQ_USED_RING(used % QNUM) + 4);
	next_desc = 0;
	return guest.bytes[STATUS];
}

/* The standard layout: header, data, status, each its own descriptor. */
static uint8_t request(uint32_t type, uint64_t sector, uint64_t data, uint32_t len, bool data_write,
		       uint32_t *written)
{
	struct seg s[3] = { { HDR, 16, false }, { data, len, data_write }, { STATUS, 1, true } };

	header(HDR, type, sector);
	if (len)
		publish(s, 3);
	else
		publish((struct seg[]){ s[0], s[2] }, 2);
	return run(written);
}

static struct blk_counters counters(void)
{
	struct blk_status s;

	blk_get_status(b, &s);
	return s.c;
}

START_TEST(test_config)
{
	uint64_t cap = 0;
	uint32_t seg_max = 0, size_max = 0;

	virtio_mmio_access(t, 0x100 + VIRTIO_BLK_CFG_CAPACITY, (uint8_t *)&cap, 8, false);
	virtio_mmio_access(t, 0x100 + VIRTIO_BLK_CFG_SEG_MAX, (uint8_t *)&seg_max, 4, false);
	virtio_mmio_access(t, 0x100 + VIRTIO_BLK_CFG_SIZE_MAX, (uint8_t *)&size_max, 4, false);
	ck_assert_uint_eq(cap, IMG_SECTORS);
	ck_assert_uint_eq(seg_max, BLK_SEG_MAX);
	ck_assert_uint_eq(size_max, BLK_SIZE_MAX);
	ck_assert_uint_eq(vdrv_read(t, VIRTIO_MMIO_REG_DEVICE_ID), VIRTIO_ID_BLOCK);
	/* the config is read-only */
	virtio_mmio_access(t, 0x100 + VIRTIO_BLK_CFG_CAPACITY, (uint8_t *)&seg_max, 4, true);
	ck_assert_uint_eq(counters().config_errors, 1);
}
END_TEST

START_TEST(test_write_read)
{
	uint32_t written;

	for (uint32_t i = 0; i < 8192; i++)
		guest.bytes[DATA + i] = (uint8_t)(i * 13 + 5);
	ck_assert_uint_eq(request(VIRTIO_BLK_T_OUT, 100, DATA, 8192, false, &written), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(written, 1);
	memcpy(img_copy + 100 * 512, guest.bytes + DATA, 8192);
	image_is_expected();
	memset(guest.bytes + DATA + 0x10000, 0, 8192);
	ck_assert_uint_eq(request(VIRTIO_BLK_T_IN, 100, DATA + 0x10000, 8192, true, &written), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(written, 8193);
	ck_assert(!memcmp(guest.bytes + DATA + 0x10000, img_copy + 100 * 512, 8192));
	/* the last sector is in range */
	ck_assert_uint_eq(request(VIRTIO_BLK_T_IN, IMG_SECTORS - 1, DATA, 512, true, NULL), VIRTIO_BLK_S_OK);
	ck_assert(!memcmp(guest.bytes + DATA, img_copy + IMG_BYTES - 512, 512));
	ck_assert_uint_eq(counters().bytes_written, 8192);
	ck_assert_uint_eq(counters().bytes_read, 8192 + 512);
	ck_assert_uint_eq(counters().guest_errors, 0);
}
END_TEST

/* 2.7.4: the driver frames a request as it likes. Header split over two
 * descriptors, data and status in one writable buffer. */
START_TEST(test_any_layout)
{
	struct seg s[3] = { { HDR, 5, false }, { HDR2, 11, false }, { DATA, 1025, true } };
	struct virtio_blk_outhdr h = { VIRTIO_BLK_T_IN, 0, 7 };
	uint32_t written = 0;
	uint16_t used;

	memcpy(guest.bytes + HDR, &h, 5);
	memcpy(guest.bytes + HDR2, (uint8_t *)&h + 5, 11);
	guest.bytes[DATA + 1024] = 0xee;
	publish(s, 3);
	vdrv_notify(t, &drv);
	ck_assert(blk_wait_idle(b, 5000));
	used = drv.used_seen;
	ck_assert_uint_eq(vdrv_used_new(&drv), 1);
	written = *(uint32_t *)(guest.bytes + RINGS + VDRV_USED_OFF + VIRTQ_USED_RING(used % QNUM) + 4);
	ck_assert_uint_eq(guest.bytes[DATA + 1024], VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(written, 1025);
	ck_assert(!memcmp(guest.bytes + DATA, img_copy + 7 * 512, 1024));
}
END_TEST

START_TEST(test_flush_get_id)
{
	uint32_t written;

	ck_assert_uint_eq(request(VIRTIO_BLK_T_FLUSH, 0, 0, 0, false, &written), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(counters().flushes, 1);
	memset(guest.bytes + DATA, 0xaa, 64);
	ck_assert_uint_eq(request(VIRTIO_BLK_T_GET_ID, 0, DATA, 64, true, &written), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(written, VIRTIO_BLK_ID_BYTES + 1);
	ck_assert(!memcmp(guest.bytes + DATA, "disk-serial-1\0\0\0\0\0\0\0", VIRTIO_BLK_ID_BYTES));
	ck_assert_uint_eq(guest.bytes[DATA + VIRTIO_BLK_ID_BYTES], 0xaa); /* nothing past 20 bytes */
}
END_TEST

START_TEST(test_discard_write_zeroes)
{
	struct virtio_blk_discard_write_zeroes g[2] = { { 8, 16, 0 }, { 64, 8, 0 } };

	memcpy(guest.bytes + DATA, g, sizeof(g));
	ck_assert_uint_eq(request(VIRTIO_BLK_T_WRITE_ZEROES, 0, DATA, sizeof(g), false, NULL), VIRTIO_BLK_S_OK);
	memset(img_copy + 8 * 512, 0, 16 * 512);
	memset(img_copy + 64 * 512, 0, 8 * 512);
	image_is_expected();
	g[0] = (struct virtio_blk_discard_write_zeroes){ 200, 8, VIRTIO_BLK_WZ_F_UNMAP };
	memcpy(guest.bytes + DATA, g, sizeof(g[0]));
	ck_assert_uint_eq(request(VIRTIO_BLK_T_WRITE_ZEROES, 0, DATA, sizeof(g[0]), false, NULL), VIRTIO_BLK_S_OK);
	memset(img_copy + 200 * 512, 0, 8 * 512);
	image_is_expected();
	/* a discarded range reads as anything; the rest of the image stays */
	g[0] = (struct virtio_blk_discard_write_zeroes){ 1024, 64, 0 };
	memcpy(guest.bytes + DATA, g, sizeof(g[0]));
	ck_assert_uint_eq(request(VIRTIO_BLK_T_DISCARD, 0, DATA, sizeof(g[0]), false, NULL), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(counters().discards, 1);
	ck_assert_uint_eq(counters().write_zeroes, 2);
}
END_TEST

/* Every bad request: its answer, its counter, and the image untouched. */
START_TEST(test_bad_requests)
{
	struct virtio_blk_discard_write_zeroes g = { 0, 8, VIRTIO_BLK_WZ_F_UNMAP };
	struct blk_counters c;
	uint32_t written;

	/* past the end: one sector over, a wrapping sector number */
	ck_assert_uint_eq(request(VIRTIO_BLK_T_IN, IMG_SECTORS, DATA, 512, true, NULL), VIRTIO_BLK_S_IOERR);
	ck_assert_uint_eq(request(VIRTIO_BLK_T_OUT, IMG_SECTORS - 1, DATA, 1024, false, NULL), VIRTIO_BLK_S_IOERR);
	ck_assert_uint_eq(request(VIRTIO_BLK_T_IN, UINT64_MAX - 1, DATA, 1024, true, NULL), VIRTIO_BLK_S_IOERR);
	ck_assert_uint_eq(counters().out_of_range, 3);
	/* not whole sectors; data in the wrong direction */
	ck_assert_uint_eq(request(VIRTIO_BLK_T_OUT, 0, DATA, 100, false, NULL), VIRTIO_BLK_S_IOERR);
	ck_assert_uint_eq(request(VIRTIO_BLK_T_IN, 0, DATA, 512, false, NULL), VIRTIO_BLK_S_IOERR);
	ck_assert_uint_eq(request(VIRTIO_BLK_T_OUT, 0, DATA, 512, true, NULL), VIRTIO_BLK_S_IOERR);
	ck_assert_uint_eq(request(VIRTIO_BLK_T_FLUSH, 0, DATA, 512, false, NULL), VIRTIO_BLK_S_IOERR);
	ck_assert_uint_eq(counters().bad_layout, 4);
	/* a header too short */
	publish((struct seg[]){ { HDR, 8, false }, { STATUS, 1, true } }, 2);
	ck_assert_uint_eq(run(NULL), VIRTIO_BLK_S_IOERR);
	ck_assert_uint_eq(counters().bad_layout, 5);
	/* unknown type; discard flags it may not have */
	ck_assert_uint_eq(request(99, 0, 0, 0, false, NULL), VIRTIO_BLK_S_UNSUPP);
	memcpy(guest.bytes + DATA, &g, sizeof(g));
	ck_assert_uint_eq(request(VIRTIO_BLK_T_DISCARD, 0, DATA, sizeof(g), false, NULL), VIRTIO_BLK_S_UNSUPP);
	/* ranges: not a whole number of them, too many, too long */
	ck_assert_uint_eq(request(VIRTIO_BLK_T_WRITE_ZEROES, 0, DATA, 15, false, NULL), VIRTIO_BLK_S_IOERR);
	ck_assert_uint_eq(request(VIRTIO_BLK_T_WRITE_ZEROES, 0, DATA, 16 * (BLK_RANGES_MAX + 1), false, NULL),
			  VIRTIO_BLK_S_IOERR);
	g = (struct virtio_blk_discard_write_zeroes){ 0, BLK_RANGE_SECTORS_MAX + 1, 0 };
	memcpy(guest.bytes + DATA, &g, sizeof(g));
	ck_assert_uint_eq(request(VIRTIO_BLK_T_WRITE_ZEROES, 0, DATA, sizeof(g), false, NULL), VIRTIO_BLK_S_IOERR);
	/* a segment above size_max */
	ck_assert_uint_eq(request(VIRTIO_BLK_T_IN, 0, DATA, BLK_SIZE_MAX + 512, true, NULL), VIRTIO_BLK_S_IOERR);
	c = counters();
	ck_assert_uint_eq(c.unsupported, 2);
	ck_assert_uint_eq(c.too_many_segments, 1);
	ck_assert_uint_eq(c.segment_too_large, 2);
	ck_assert_uint_eq(c.bad_layout, 6);
	/* no writable status byte: returned, nothing written, counted */
	header(HDR, VIRTIO_BLK_T_OUT, 0);
	vdrv_ram_snapshot(&guest);
	publish((struct seg[]){ { HDR, 16, false }, { DATA, 512, false }, { STATUS, 1, false } }, 3);
	vdrv_notify(t, &drv);
	ck_assert(blk_wait_idle(b, 5000));
	ck_assert_uint_eq(vdrv_used_new(&drv), 1);
	written = *(uint32_t *)(guest.bytes + RINGS + VDRV_USED_OFF + VIRTQ_USED_RING((uint16_t)(drv.used_seen - 1) % QNUM) + 4);
	ck_assert_uint_eq(written, 0);
	ck_assert_uint_eq(counters().no_status, 1);
	next_desc = 0;
	ck_assert_uint_eq(counters().writes, 0);
	ck_assert_uint_eq(counters().reads, 0);
	image_is_expected();
	/* the device still serves good requests */
	ck_assert_uint_eq(request(VIRTIO_BLK_T_IN, 0, DATA, 512, true, NULL), VIRTIO_BLK_S_OK);
}
END_TEST

/* More data segments than seg_max: refused, nothing read or written. */
START_TEST(test_seg_max)
{
	struct seg s[BLK_SEG_MAX + 3];
	unsigned n = 0;

	header(HDR, VIRTIO_BLK_T_IN, 0);
	s[n++] = (struct seg){ HDR, 16, false };
	for (unsigned i = 0; i < BLK_SEG_MAX + 1; i++)
		s[n++] = (struct seg){ DATA + i * 512, 512, true };
	s[n++] = (struct seg){ STATUS, 1, true };
	publish(s, n);
	ck_assert_uint_eq(run(NULL), VIRTIO_BLK_S_IOERR);
	ck_assert_uint_eq(counters().too_many_segments, 1);
	/* exactly seg_max is fine */
	n = 0;
	s[n++] = (struct seg){ HDR, 16, false };
	for (unsigned i = 0; i < BLK_SEG_MAX; i++)
		s[n++] = (struct seg){ DATA + i * 512, 512, true };
	s[n++] = (struct seg){ STATUS, 1, true };
	publish(s, n);
	ck_assert_uint_eq(run(NULL), VIRTIO_BLK_S_OK);
	ck_assert(!memcmp(guest.bytes + DATA, img_copy, BLK_SEG_MAX * 512));
}
END_TEST

START_TEST(test_readonly)
{
	struct virtio_blk_discard_write_zeroes g = { 0, 8, 0 };
	uint64_t f;

	vdrv_write(t, VIRTIO_MMIO_REG_DEVICE_FEATURES_SEL, 0);
	f = vdrv_read(t, VIRTIO_MMIO_REG_DEVICE_FEATURES);
	ck_assert(f & VIRTIO_BIT(VIRTIO_BLK_F_RO));
	ck_assert(!(f & VIRTIO_BIT(VIRTIO_BLK_F_DISCARD)));
	ck_assert_uint_eq(request(VIRTIO_BLK_T_OUT, 0, DATA, 512, false, NULL), VIRTIO_BLK_S_IOERR);
	ck_assert_uint_eq(counters().readonly_writes, 1);
	memcpy(guest.bytes + DATA, &g, sizeof(g));
	ck_assert_uint_eq(request(VIRTIO_BLK_T_WRITE_ZEROES, 0, DATA, sizeof(g), false, NULL), VIRTIO_BLK_S_UNSUPP);
	ck_assert_uint_eq(request(VIRTIO_BLK_T_DISCARD, 0, DATA, sizeof(g), false, NULL), VIRTIO_BLK_S_UNSUPP);
	image_is_expected();
	ck_assert_uint_eq(request(VIRTIO_BLK_T_IN, 8, DATA, 4096, true, NULL), VIRTIO_BLK_S_OK);
	ck_assert(!memcmp(guest.bytes + DATA, img_copy + 8 * 512, 4096));
}
END_TEST

/* Many requests at once: each answered once, all data right, whatever order
 * they complete in; more than one notification's budget still all served. */
START_TEST(test_many_in_flight)
{
	const unsigned n = 48;

	for (unsigned i = 0; i < n; i++) {
		uint64_t hdr = HDR + i * 16, st = STATUS + i;

		header(hdr, VIRTIO_BLK_T_IN, i * 8);
		guest.bytes[st] = 0xee;
		publish((struct seg[]){ { hdr, 16, false }, { DATA + i * 4096, 4096, true }, { st, 1, true } }, 3);
	}
	for (unsigned k = 0; k < 4; k++) { /* the budget is 16 a notification */
		vdrv_notify(t, &drv);
		ck_assert(blk_wait_idle(b, 5000));
	}
	ck_assert_uint_eq(vdrv_used_new(&drv), n);
	for (unsigned i = 0; i < n; i++) {
		ck_assert_uint_eq(guest.bytes[STATUS + i], VIRTIO_BLK_S_OK);
		ck_assert(!memcmp(guest.bytes + DATA + i * 4096, img_copy + i * 4096, 4096));
	}
	ck_assert_uint_eq(counters().reads, n);
}
END_TEST

/* With EVENT_IDX a driver notifies only when the device asked: when one
 * notification's budget ends exactly where the driver's chains do, the
 * device must still ask for a kick on the next one (avail_event = 16), or
 * a driver waiting on its used ring and adding one chain at a time never
 * notifies again. */
START_TEST(test_budget_end_asks_for_kick)
{
	uint16_t *avail_event = (uint16_t *)(guest.bytes + RINGS + VDRV_USED_OFF + VIRTQ_USED_AVAIL_EVENT(QNUM));

	start(VIRTIO_BIT(VIRTIO_RING_F_EVENT_IDX));
	for (unsigned i = 0; i < VIRTIO_MMIO_BUDGET; i++) {
		header(HDR + i * 16, VIRTIO_BLK_T_IN, i);
		publish((struct seg[]){ { HDR + i * 16, 16, false }, { DATA + i * 512, 512, true },
					{ STATUS + i, 1, true } }, 3);
	}
	vdrv_notify(t, &drv);
	ck_assert(blk_wait_idle(b, 5000));
	ck_assert_uint_eq(vdrv_used_new(&drv), VIRTIO_MMIO_BUDGET);
	ck_assert_uint_eq(*avail_event, VIRTIO_MMIO_BUDGET);
}
END_TEST

/* A reset with requests queued: none is answered after it, the device works
 * after a new start. */
START_TEST(test_reset_in_flight)
{
	for (unsigned i = 0; i < 16; i++) {
		header(HDR + i * 16, VIRTIO_BLK_T_IN, 0);
		publish((struct seg[]){ { HDR + i * 16, 16, false }, { DATA + i * 0x20000, 0x20000, true },
					{ STATUS + i, 1, true } }, 3);
	}
	vdrv_notify(t, &drv);
	vdrv_write(t, VIRTIO_MMIO_REG_STATUS, 0);
	ck_assert(blk_wait_idle(b, 5000));
	vdrv_ram_snapshot(&guest);
	usleep(20000);
	ck_assert(vdrv_ram_unchanged(&guest)); /* nothing written after the reset */
	start(VIRTIO_BIT(VIRTIO_BLK_F_FLUSH));
	ck_assert_uint_eq(request(VIRTIO_BLK_T_IN, 0, DATA, 512, true, NULL), VIRTIO_BLK_S_OK);
}
END_TEST

START_TEST(test_spec_parse)
{
	struct blk_spec s;
	char err[256];

	ck_assert_int_eq(blk_spec_parse("a.img", 0, &s, err, sizeof(err)), 0);
	ck_assert_str_eq(s.path, "a.img");
	ck_assert(!s.readonly);
	ck_assert_int_eq(s.node, -1); /* not bound unless asked: the VMM picks */
	ck_assert_int_eq(blk_spec_parse("a.img,node=1,readonly", 2, &s, err, sizeof(err)), 0);
	ck_assert_int_eq(s.node, 1);
	ck_assert_uint_eq(s.index, 2);
	ck_assert(s.readonly);
	ck_assert_int_eq(blk_spec_parse("a.img,node=", 0, &s, err, sizeof(err)), -1);
	ck_assert_int_eq(blk_spec_parse("a.img,node=-1", 0, &s, err, sizeof(err)), -1);
	ck_assert_int_eq(blk_spec_parse("a.img,node=1x", 0, &s, err, sizeof(err)), -1);
	ck_assert_int_eq(blk_spec_parse("a.img,node=1024", 0, &s, err, sizeof(err)), -1);
	ck_assert_int_eq(blk_spec_parse("/x/b.img,readonly,serial=ABC-1", 0, &s, err, sizeof(err)), 0);
	ck_assert_str_eq(s.path, "/x/b.img");
	ck_assert(s.readonly);
	ck_assert_str_eq(s.serial, "ABC-1");
	ck_assert_int_eq(blk_spec_parse("", 0, &s, err, sizeof(err)), -1);
	ck_assert_int_eq(blk_spec_parse(",readonly", 0, &s, err, sizeof(err)), -1);
	ck_assert_int_eq(blk_spec_parse("a.img,rw", 0, &s, err, sizeof(err)), -1);
	ck_assert_int_eq(blk_spec_parse("a.img,serial=123456789012345678901", 0, &s, err, sizeof(err)), -1);
	ck_assert_int_eq(blk_spec_parse("a.img,serial=a b", 0, &s, err, sizeof(err)), -1);
	ck_assert_int_eq(blk_spec_parse("a.img,", 0, &s, err, sizeof(err)), -1);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("blk");
	TCase *rw = tcase_create("rw"), *ro = tcase_create("readonly"), *p = tcase_create("parse");

	tcase_add_checked_fixture(rw, setup_rw, teardown);
	tcase_set_timeout(rw, 30);
	tcase_add_test(rw, test_config);
	tcase_add_test(rw, test_write_read);
	tcase_add_test(rw, test_any_layout);
	tcase_add_test(rw, test_flush_get_id);
	tcase_add_test(rw, test_discard_write_zeroes);
	tcase_add_test(rw, test_bad_requests);
	tcase_add_test(rw, test_seg_max);
	tcase_add_test(rw, test_many_in_flight);
	tcase_add_test(rw, test_reset_in_flight);
	tcase_add_test(rw, test_budget_end_asks_for_kick);
	suite_add_tcase(s, rw);
	tcase_add_checked_fixture(ro, setup_ro, teardown);
	tcase_set_timeout(ro, 30);
	tcase_add_test(ro, test_readonly);
	suite_add_tcase(s, ro);
	tcase_add_test(p, test_spec_parse);
	suite_add_tcase(s, p);
	return s;
}
