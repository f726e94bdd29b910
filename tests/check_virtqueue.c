/* check_virtqueue.c - the split virtqueue and the virtio-mmio transport
 * without KVM: rings built by hand in a plain buffer that stands for guest
 * RAM, driven the way a (good or bad) driver would. Every malformed input is
 * refused with its own error, and leaves guest memory as it was. */
#include <check.h>
#include <libfdt.h>
#include <stdlib.h>
#include <string.h>

#include "virtio/mmio.h"
#include "virtio/virtqueue.h"
#include "tests/unit.h"

#define RAM_SIZE (1u << 20)
#define NUM 8
#define DESC 0x1000
#define AVAIL 0x2000
#define USED 0x3000
#define BUF 0x10000

static uint8_t *ram, *snap;
static struct vq_flat_mem flat;
static struct vq_mem mem;
static struct virtqueue vq;
static struct vq_buf bufs[VIRTQ_DEV_MAX_SIZE];
static struct vq_chain chain;
static uint16_t drv_avail; /* the driver's avail->idx */

static void setup(void)
{
	ram = calloc(1, RAM_SIZE);
	snap = malloc(RAM_SIZE);
	ck_assert_ptr_nonnull(ram);
	ck_assert_ptr_nonnull(snap);
	flat = (struct vq_flat_mem){ ram, RAM_SIZE };
	vq_mem_flat(&mem, &flat);
	memset(&vq, 0, sizeof(vq));
	vq_reset(&vq, &mem);
	vq.num = NUM;
	vq.desc_gpa = DESC;
	vq.avail_gpa = AVAIL;
	vq.used_gpa = USED;
	ck_assert_int_eq(vq_enable(&vq, 256), VQ_OK);
	chain = (struct vq_chain){ .buf = bufs, .cap = VIRTQ_DEV_MAX_SIZE };
	drv_avail = 0;
	/* something recognisable in the buffers */
	for (unsigned i = BUF; i < RAM_SIZE; i++)
		ram[i] = (uint8_t)(i * 7);
}

static void teardown(void)
{
	free(ram);
	free(snap);
}

static struct virtq_desc *desc(unsigned i)
{
	return (struct virtq_desc *)(ram + DESC) + i;
}

static void set_desc(unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	*desc(i) = (struct virtq_desc){ addr, len, flags, next };
}

static uint16_t *avail16(unsigned off)
{
	return (uint16_t *)(ram + AVAIL + off);
}

static uint16_t *used16(unsigned off)
{
	return (uint16_t *)(ram + USED + off);
}

/* Make head available and publish avail->idx. */
static void make_avail(uint16_t head)
{
	*avail16(VIRTQ_AVAIL_RING(drv_avail % NUM)) = head;
	*avail16(VIRTQ_AVAIL_IDX) = ++drv_avail;
}

static void take_snapshot(void)
{
	memcpy(snap, ram, RAM_SIZE);
}

static void assert_unchanged(void)
{
	ck_assert_msg(memcmp(snap, ram, RAM_SIZE) == 0, "guest memory changed");
}

/* A bad chain: pop fails with e, the queue is broken, memory is unchanged,
 * and the queue stays broken. */
static void expect_pop_error(enum vq_error e)
{
	take_snapshot();
	ck_assert_int_eq(vq_pop(&vq, &chain), -1);
	ck_assert(vq.broken);
	ck_assert_int_eq(vq.error, e);
	ck_assert_uint_eq(vq.errors[e], 1);
	assert_unchanged();
	ck_assert_int_eq(vq_pop(&vq, &chain), -1);
	ck_assert_int_eq(vq_push(&vq, 0, 0), -1);
	assert_unchanged();
}

START_TEST(pop_and_push)
{
	set_desc(0, BUF, 100, VIRTQ_DESC_F_NEXT, 3);
	set_desc(3, BUF + 0x1000, 50, VIRTQ_DESC_F_NEXT, 5);
	set_desc(5, BUF + 0x2000, 4096, VIRTQ_DESC_F_WRITE, 0);
	make_avail(0);
	ck_assert_int_eq(vq_pop(&vq, &chain), 1);
	ck_assert_uint_eq(chain.head, 0);
	ck_assert_uint_eq(chain.n, 3);
	ck_assert_uint_eq(chain.nout, 2);
	ck_assert_uint_eq(chain.out_bytes, 150);
	ck_assert_uint_eq(chain.in_bytes, 4096);
	ck_assert_uint_eq(bufs[2].gpa, BUF + 0x2000);
	ck_assert(bufs[2].write);
	ck_assert_int_eq(vq_pop(&vq, &chain), 0);
	ck_assert_int_eq(vq_push(&vq, 0, 17), 0);
	ck_assert_uint_eq(*used16(VIRTQ_USED_IDX), 1);
	ck_assert_uint_eq(((struct virtq_used_elem *)(ram + USED + VIRTQ_USED_RING(0)))->id, 0);
	ck_assert_uint_eq(((struct virtq_used_elem *)(ram + USED + VIRTQ_USED_RING(0)))->len, 17);
	ck_assert(vq_should_signal(&vq));
	*avail16(VIRTQ_AVAIL_FLAGS) = VIRTQ_AVAIL_F_NO_INTERRUPT;
	ck_assert(!vq_should_signal(&vq));
	ck_assert_uint_eq(vq.popped, 1);
	ck_assert_uint_eq(vq.pushed, 1);
}
END_TEST

START_TEST(indices_wrap)
{
	/* the 16-bit indices wrap: start just below 65536 */
	vq.last_avail = vq.avail_idx = vq.used_idx = 65534;
	drv_avail = 65534;
	*avail16(VIRTQ_AVAIL_IDX) = drv_avail;
	for (unsigned i = 0; i < 5; i++) {
		set_desc(i, BUF, 8, 0, 0);
		make_avail((uint16_t)i);
		ck_assert_int_eq(vq_pop(&vq, &chain), 1);
		ck_assert_uint_eq(chain.head, i);
		ck_assert_int_eq(vq_push(&vq, (uint16_t)i, 0), 0);
	}
	ck_assert_uint_eq(*used16(VIRTQ_USED_IDX), 3);
	ck_assert(!vq.broken);
}
END_TEST

START_TEST(event_idx)
{
	vq.event_idx = true;
	/* empty: the device asks to be told about slot 0 */
	*used16(VIRTQ_USED_AVAIL_EVENT(NUM)) = 0xffff;
	ck_assert_int_eq(vq_pop(&vq, &chain), 0);
	ck_assert_uint_eq(*used16(VIRTQ_USED_AVAIL_EVENT(NUM)), 0);
	set_desc(0, BUF, 8, 0, 0);
	set_desc(1, BUF, 8, 0, 0);
	make_avail(0);
	make_avail(1);
	ck_assert_int_eq(vq_pop(&vq, &chain), 1);
	ck_assert_int_eq(vq_pop(&vq, &chain), 1);
	ck_assert_int_eq(vq_pop(&vq, &chain), 0);
	ck_assert_uint_eq(*used16(VIRTQ_USED_AVAIL_EVENT(NUM)), 2);
	/* the driver wants an interrupt once used->idx passes used_event = 1 */
	*avail16(VIRTQ_AVAIL_USED_EVENT(NUM)) = 1;
	ck_assert_int_eq(vq_push(&vq, 0, 0), 0);
	ck_assert(vq_should_signal(&vq)); /* first one always */
	ck_assert_int_eq(vq_push(&vq, 1, 0), 0);
	ck_assert(vq_should_signal(&vq)); /* 1 -> 2 crosses used_event 1 */
	*avail16(VIRTQ_AVAIL_USED_EVENT(NUM)) = 10;
	set_desc(2, BUF, 8, 0, 0);
	make_avail(2);
	ck_assert_int_eq(vq_pop(&vq, &chain), 1);
	ck_assert_int_eq(vq_push(&vq, 2, 0), 0);
	ck_assert(!vq_should_signal(&vq)); /* 2 -> 3 does not reach 10 */
}
END_TEST

START_TEST(avail_idx_runs_ahead)
{
	set_desc(0, BUF, 8, 0, 0);
	*avail16(VIRTQ_AVAIL_IDX) = NUM + 1;
	expect_pop_error(VQ_ERR_AVAIL_IDX);
}
END_TEST

START_TEST(head_out_of_range)
{
	make_avail(NUM);
	expect_pop_error(VQ_ERR_HEAD);
}
END_TEST

START_TEST(head_already_in_flight)
{
	set_desc(2, BUF, 8, 0, 0);
	make_avail(2);
	ck_assert_int_eq(vq_pop(&vq, &chain), 1);
	make_avail(2); /* again, before the device used it */
	expect_pop_error(VQ_ERR_HEAD);
}
END_TEST

START_TEST(next_out_of_range)
{
	set_desc(0, BUF, 8, VIRTQ_DESC_F_NEXT, NUM);
	make_avail(0);
	expect_pop_error(VQ_ERR_NEXT);
}
END_TEST

START_TEST(descriptor_loop)
{
	set_desc(0, BUF, 8, VIRTQ_DESC_F_NEXT, 1);
	set_desc(1, BUF, 8, VIRTQ_DESC_F_NEXT, 2);
	set_desc(2, BUF, 8, VIRTQ_DESC_F_NEXT, 0);
	make_avail(0);
	expect_pop_error(VQ_ERR_LOOP);
}
END_TEST

START_TEST(descriptor_self_loop)
{
	set_desc(4, BUF, 8, VIRTQ_DESC_F_NEXT, 4);
	make_avail(4);
	expect_pop_error(VQ_ERR_LOOP);
}
END_TEST

START_TEST(chain_longer_than_queue)
{
	/* every descriptor used once, and the last points back into the chain:
	 * NUM + 1 descriptors would be needed */
	for (unsigned i = 0; i < NUM; i++)
		set_desc(i, BUF, 8, VIRTQ_DESC_F_NEXT, (uint16_t)((i + 1) % NUM));
	make_avail(0);
	expect_pop_error(VQ_ERR_LOOP);
}
END_TEST

START_TEST(chain_of_queue_size_is_fine)
{
	for (unsigned i = 0; i < NUM; i++)
		set_desc(i, BUF + i * 8, 8, i + 1 < NUM ? VIRTQ_DESC_F_NEXT : 0, (uint16_t)(i + 1));
	make_avail(0);
	ck_assert_int_eq(vq_pop(&vq, &chain), 1);
	ck_assert_uint_eq(chain.n, NUM);
}
END_TEST

START_TEST(zero_length_buffer)
{
	set_desc(0, BUF, 8, VIRTQ_DESC_F_NEXT, 1);
	set_desc(1, BUF, 0, 0, 0);
	make_avail(0);
	expect_pop_error(VQ_ERR_ZERO_LEN);
}
END_TEST

START_TEST(buffer_outside_ram)
{
	set_desc(0, RAM_SIZE - 8, 16, 0, 0);
	make_avail(0);
	expect_pop_error(VQ_ERR_BUF_ADDR);
}
END_TEST

START_TEST(buffer_address_wraps)
{
	set_desc(0, UINT64_MAX - 7, 16, 0, 0);
	make_avail(0);
	expect_pop_error(VQ_ERR_BUF_ADDR);
}
END_TEST

START_TEST(buffer_far_outside_ram)
{
	set_desc(0, 0xC0000000ULL, 8, 0, 0); /* the MMIO window, not RAM */
	make_avail(0);
	expect_pop_error(VQ_ERR_BUF_ADDR);
}
END_TEST

START_TEST(indirect_not_negotiated)
{
	set_desc(0, BUF, 32, VIRTQ_DESC_F_INDIRECT, 0);
	make_avail(0);
	expect_pop_error(VQ_ERR_INDIRECT);
}
END_TEST

START_TEST(readable_after_writable)
{
	set_desc(0, BUF, 8, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	set_desc(1, BUF, 8, 0, 0);
	make_avail(0);
	expect_pop_error(VQ_ERR_ORDER);
}
END_TEST

START_TEST(push_of_unknown_head)
{
	take_snapshot();
	ck_assert_int_eq(vq_push(&vq, 3, 0), -1);
	ck_assert_int_eq(vq.error, VQ_ERR_USED);
	assert_unchanged();
}
END_TEST

/* QueueReady checks: size, alignment, placement. */
static enum vq_error enable_with(uint16_t num, uint64_t d, uint64_t a, uint64_t u)
{
	struct virtqueue q;

	memset(&q, 0, sizeof(q));
	vq_reset(&q, &mem);
	q.num = num;
	q.desc_gpa = d;
	q.avail_gpa = a;
	q.used_gpa = u;
	take_snapshot();
	enum vq_error e = vq_enable(&q, 256);
	assert_unchanged();
	ck_assert(q.ready == (e == VQ_OK));
	return e;
}

START_TEST(queue_setup_checks)
{
	ck_assert_int_eq(enable_with(8, DESC, AVAIL, USED), VQ_OK);
	ck_assert_int_eq(enable_with(6, DESC, AVAIL, USED), VQ_ERR_SIZE);
	ck_assert_int_eq(enable_with(0, DESC, AVAIL, USED), VQ_ERR_SIZE);
	ck_assert_int_eq(enable_with(512, DESC, AVAIL, USED), VQ_ERR_SIZE); /* above the maximum */
	ck_assert_int_eq(enable_with(8, DESC + 8, AVAIL, USED), VQ_ERR_ALIGN);
	ck_assert_int_eq(enable_with(8, DESC, AVAIL + 1, USED), VQ_ERR_ALIGN);
	ck_assert_int_eq(enable_with(8, DESC, AVAIL, USED + 2), VQ_ERR_ALIGN);
	ck_assert_int_eq(enable_with(8, RAM_SIZE, AVAIL, USED), VQ_ERR_RING_ADDR);
	ck_assert_int_eq(enable_with(8, DESC, RAM_SIZE - 4, USED), VQ_ERR_RING_ADDR);
	ck_assert_int_eq(enable_with(8, DESC, AVAIL, RAM_SIZE - 64), VQ_ERR_RING_ADDR);
	ck_assert_int_eq(enable_with(8, DESC, AVAIL, 0xfffffffffffffff0ULL), VQ_ERR_RING_ADDR);
}
END_TEST

START_TEST(descriptor_read_once)
{
	/* the chain the device works on is its copy, whatever the driver
	 * writes to the table after the pop */
	set_desc(0, BUF, 64, 0, 0);
	make_avail(0);
	ck_assert_int_eq(vq_pop(&vq, &chain), 1);
	set_desc(0, RAM_SIZE * 4, 64, 0, 0);
	ck_assert_uint_eq(bufs[0].gpa, BUF);
	ck_assert_uint_eq(bufs[0].len, 64);
}
END_TEST

/* ---- the transport ---- */

#define T_BASE 0xC0000000ULL

static struct virtio_mmio t;
static unsigned notified[4], driver_oks, resets;
static uint8_t cfg[8];

static unsigned fake_num_queues(struct virtio_mmio *tr, uint64_t f)
{
	return 2;
}

static void fake_cfg_read(struct virtio_mmio *tr, uint32_t off, uint8_t *data, uint32_t len)
{
	memcpy(data, cfg + off, len);
}

static void fake_cfg_write(struct virtio_mmio *tr, uint32_t off, const uint8_t *data, uint32_t len)
{
	memcpy(cfg + off, data, len);
}

static void fake_notify(struct virtio_mmio *tr, unsigned q)
{
	struct vq_chain c = { .buf = bufs, .cap = VIRTQ_DEV_MAX_SIZE };

	notified[q]++;
	while (virtio_mmio_pop(tr, q, &c) > 0)
		virtio_mmio_push(tr, q, c.head, 0);
}

static void fake_driver_ok(struct virtio_mmio *tr)
{
	driver_oks++;
}

static void fake_reset(struct virtio_mmio *tr)
{
	resets++;
}

static const struct virtio_device_ops fake_ops = {
	.name = "fake",
	.device_id = 42,
	.features = 1ULL << 3,
	.queue_num_max = 64,
	.config_size = sizeof(cfg),
	.num_queues = fake_num_queues,
	.config_read = fake_cfg_read,
	.config_write = fake_cfg_write,
	.driver_ok = fake_driver_ok,
	.notify = fake_notify,
	.reset = fake_reset,
};

static uint32_t rd(uint32_t off)
{
	uint32_t v = 0xdeadbeef;

	virtio_mmio_access(&t, off, (uint8_t *)&v, 4, false);
	return v;
}

static void wr(uint32_t off, uint32_t v)
{
	virtio_mmio_access(&t, off, (uint8_t *)&v, 4, true);
}

static void tsetup(void)
{
	setup();
	memset(notified, 0, sizeof(notified));
	driver_oks = resets = 0;
	memset(cfg, 0, sizeof(cfg));
	virtio_mmio_init(&t, &fake_ops, NULL, T_BASE, &mem);
}

static void tteardown(void)
{
	virtio_mmio_destroy(&t);
	teardown();
}

static void negotiate(uint64_t f)
{
	wr(VIRTIO_MMIO_REG_STATUS, 0);
	wr(VIRTIO_MMIO_REG_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(VIRTIO_MMIO_REG_DRIVER_FEATURES_SEL, 0);
	wr(VIRTIO_MMIO_REG_DRIVER_FEATURES, (uint32_t)f);
	wr(VIRTIO_MMIO_REG_DRIVER_FEATURES_SEL, 1);
	wr(VIRTIO_MMIO_REG_DRIVER_FEATURES, (uint32_t)(f >> 32));
	wr(VIRTIO_MMIO_REG_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
}

static void queue(unsigned q, uint32_t num, uint64_t d, uint64_t a, uint64_t u)
{
	wr(VIRTIO_MMIO_REG_QUEUE_SEL, q);
	wr(VIRTIO_MMIO_REG_QUEUE_NUM, num);
	wr(VIRTIO_MMIO_REG_QUEUE_DESC_LOW, (uint32_t)d);
	wr(VIRTIO_MMIO_REG_QUEUE_DESC_HIGH, (uint32_t)(d >> 32));
	wr(VIRTIO_MMIO_REG_QUEUE_DRIVER_LOW, (uint32_t)a);
	wr(VIRTIO_MMIO_REG_QUEUE_DRIVER_HIGH, (uint32_t)(a >> 32));
	wr(VIRTIO_MMIO_REG_QUEUE_DEVICE_LOW, (uint32_t)u);
	wr(VIRTIO_MMIO_REG_QUEUE_DEVICE_HIGH, (uint32_t)(u >> 32));
	wr(VIRTIO_MMIO_REG_QUEUE_READY, 1);
}

static void driver_ok(void)
{
	wr(VIRTIO_MMIO_REG_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
	   VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
}

#define V1 VIRTIO_BIT(VIRTIO_F_VERSION_1)

START_TEST(identity_and_features)
{
	ck_assert_uint_eq(rd(VIRTIO_MMIO_REG_MAGIC), 0x74726976);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_REG_VERSION), 2);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_REG_DEVICE_ID), 42);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_REG_VENDOR_ID), VIRTIO_MMIO_VENDOR);
	wr(VIRTIO_MMIO_REG_DEVICE_FEATURES_SEL, 0);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_REG_DEVICE_FEATURES), (1u << 3) | (1u << VIRTIO_RING_F_EVENT_IDX));
	wr(VIRTIO_MMIO_REG_DEVICE_FEATURES_SEL, 1);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_REG_DEVICE_FEATURES), 1); /* VERSION_1 */
	wr(VIRTIO_MMIO_REG_DEVICE_FEATURES_SEL, 2);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_REG_DEVICE_FEATURES), 0);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_REG_SHM_LEN_LOW), 0xffffffff); /* no shared memory */
	negotiate(V1 | (1u << 3));
	ck_assert(rd(VIRTIO_MMIO_REG_STATUS) & VIRTIO_STATUS_FEATURES_OK);
	ck_assert_uint_eq(t.features, V1 | (1u << 3));
	wr(VIRTIO_MMIO_REG_DRIVER_FEATURES, 0); /* too late */
	ck_assert_uint_eq(t.errors[VMMIO_ERR_LATE_FEATURES], 1);
	ck_assert_uint_eq(t.features, V1 | (1u << 3));
}
END_TEST

START_TEST(legacy_driver_refused)
{
	negotiate(1u << 3);
	ck_assert(!(rd(VIRTIO_MMIO_REG_STATUS) & VIRTIO_STATUS_FEATURES_OK));
	ck_assert_uint_eq(t.errors[VMMIO_ERR_FEATURES], 1);
	driver_ok();
	ck_assert(!(rd(VIRTIO_MMIO_REG_STATUS) & VIRTIO_STATUS_DRIVER_OK));
	ck_assert_uint_eq(t.errors[VMMIO_ERR_STATUS], 1);
	ck_assert_uint_eq(driver_oks, 0);
}
END_TEST

START_TEST(unoffered_feature_refused)
{
	negotiate(V1 | (1u << 5));
	ck_assert(!(rd(VIRTIO_MMIO_REG_STATUS) & VIRTIO_STATUS_FEATURES_OK));
	ck_assert_uint_eq(t.errors[VMMIO_ERR_FEATURES], 1);
}
END_TEST

START_TEST(register_access_width)
{
	uint16_t v16 = 0xffff;
	uint32_t v32 = 0xffffffff;

	virtio_mmio_access(&t, VIRTIO_MMIO_REG_MAGIC, (uint8_t *)&v16, 2, false);
	ck_assert_uint_eq(v16, 0);
	virtio_mmio_access(&t, VIRTIO_MMIO_REG_MAGIC + 1, (uint8_t *)&v32, 4, false);
	ck_assert_uint_eq(v32, 0);
	ck_assert_uint_eq(t.errors[VMMIO_ERR_ACCESS], 2);
	wr(VIRTIO_MMIO_REG_MAGIC, 1);
	ck_assert_uint_eq(t.errors[VMMIO_ERR_READ_ONLY], 1);
	ck_assert_uint_eq(rd(0x0e0), 0);
	ck_assert_uint_eq(t.errors[VMMIO_ERR_OFFSET], 1);
	/* config: inside is fine, past the end is not */
	v32 = 0x11223344;
	virtio_mmio_access(&t, VIRTIO_MMIO_REG_CONFIG + 4, (uint8_t *)&v32, 4, true);
	ck_assert_uint_eq(cfg[4], 0x44);
	virtio_mmio_access(&t, VIRTIO_MMIO_REG_CONFIG + 6, (uint8_t *)&v32, 4, false);
	ck_assert_uint_eq(v32, 0);
	virtio_mmio_access(&t, VIRTIO_MMIO_REG_CONFIG + 0xf00, (uint8_t *)&v32, 4, true);
	ck_assert_uint_eq(t.errors[VMMIO_ERR_CONFIG], 2);
}
END_TEST

START_TEST(queue_size_not_power_of_two)
{
	negotiate(V1);
	take_snapshot();
	queue(0, 12, DESC, AVAIL, USED);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_REG_QUEUE_READY), 0);
	ck_assert(rd(VIRTIO_MMIO_REG_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
	ck_assert_uint_eq(t.errors[VMMIO_ERR_QUEUE_SETUP], 1);
	ck_assert_uint_eq(t.vq[0].errors[VQ_ERR_SIZE], 1);
	assert_unchanged();
	/* a reset clears NEEDS_RESET, and a good set-up works */
	wr(VIRTIO_MMIO_REG_STATUS, 0);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_REG_STATUS), 0);
	ck_assert_uint_eq(resets, 2); /* negotiate()'s and this one */
	negotiate(V1);
	queue(0, 8, DESC, AVAIL, USED);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_REG_QUEUE_READY), 1);
	ck_assert_uint_eq(t.errors[VMMIO_ERR_QUEUE_SETUP], 1); /* counters survive */
}
END_TEST

START_TEST(queue_size_above_max)
{
	negotiate(V1);
	wr(VIRTIO_MMIO_REG_QUEUE_SEL, 0);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_REG_QUEUE_NUM_MAX), 64);
	queue(0, 128, DESC, AVAIL, USED);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_REG_QUEUE_READY), 0);
	ck_assert_uint_eq(t.vq[0].errors[VQ_ERR_SIZE], 1);
	queue(1, 0x10008, DESC, AVAIL, USED); /* does not fit 16 bits */
	ck_assert_uint_eq(t.vq[1].errors[VQ_ERR_SIZE], 1);
}
END_TEST

START_TEST(unaligned_rings)
{
	negotiate(V1);
	take_snapshot();
	queue(0, 8, DESC + 4, AVAIL, USED);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_REG_QUEUE_READY), 0);
	ck_assert(rd(VIRTIO_MMIO_REG_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
	ck_assert_uint_eq(t.vq[0].errors[VQ_ERR_ALIGN], 1);
	queue(1, 8, DESC, AVAIL, USED + 2);
	ck_assert_uint_eq(t.vq[1].errors[VQ_ERR_ALIGN], 1);
	assert_unchanged();
}
END_TEST

START_TEST(ring_outside_ram)
{
	negotiate(V1);
	take_snapshot();
	queue(0, 8, 0x100000000ULL, AVAIL, USED);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_REG_QUEUE_READY), 0);
	ck_assert_uint_eq(t.vq[0].errors[VQ_ERR_RING_ADDR], 1);
	assert_unchanged();
}
END_TEST

START_TEST(queue_that_does_not_exist)
{
	negotiate(V1);
	wr(VIRTIO_MMIO_REG_QUEUE_SEL, 2);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_REG_QUEUE_NUM_MAX), 0);
	queue(2, 8, DESC, AVAIL, USED);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_REG_QUEUE_READY), 0);
	ck_assert_uint_ge(t.errors[VMMIO_ERR_QUEUE_SEL], 1);
	queue(7, 8, DESC, AVAIL, USED);
	ck_assert_uint_ge(t.errors[VMMIO_ERR_QUEUE_SEL], 2);
}
END_TEST

START_TEST(queue_changed_while_ready)
{
	negotiate(V1);
	queue(0, 8, DESC, AVAIL, USED);
	wr(VIRTIO_MMIO_REG_QUEUE_DESC_LOW, 0x8000);
	wr(VIRTIO_MMIO_REG_QUEUE_NUM, 4);
	ck_assert_uint_eq(t.errors[VMMIO_ERR_QUEUE_LIVE], 2);
	ck_assert_uint_eq(t.vq[0].desc_gpa, DESC);
	ck_assert_uint_eq(t.vq[0].num, 8);
}
END_TEST

START_TEST(queue_ready_before_features_ok)
{
	wr(VIRTIO_MMIO_REG_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	queue(0, 8, DESC, AVAIL, USED);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_REG_QUEUE_READY), 0);
	ck_assert(rd(VIRTIO_MMIO_REG_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
}
END_TEST

START_TEST(notify_before_driver_ok)
{
	negotiate(V1);
	queue(0, 8, DESC, AVAIL, USED);
	set_desc(0, BUF, 8, 0, 0);
	make_avail(0);
	take_snapshot();
	wr(VIRTIO_MMIO_REG_QUEUE_NOTIFY, 0);
	ck_assert_uint_eq(t.errors[VMMIO_ERR_NOTIFY_EARLY], 1);
	ck_assert_uint_eq(notified[0], 0);
	assert_unchanged(); /* nothing consumed, nothing used */
	ck_assert(!(rd(VIRTIO_MMIO_REG_STATUS) & VIRTIO_STATUS_NEEDS_RESET));
	driver_ok();
	ck_assert_uint_eq(driver_oks, 1);
	wr(VIRTIO_MMIO_REG_QUEUE_NOTIFY, 0);
	ck_assert_uint_eq(notified[0], 1);
	ck_assert_uint_eq(*used16(VIRTQ_USED_IDX), 1);
}
END_TEST

START_TEST(notify_bad_queue)
{
	negotiate(V1);
	queue(0, 8, DESC, AVAIL, USED);
	driver_ok();
	wr(VIRTIO_MMIO_REG_QUEUE_NOTIFY, 1); /* exists, not ready */
	wr(VIRTIO_MMIO_REG_QUEUE_NOTIFY, 5); /* does not exist */
	ck_assert_uint_eq(t.errors[VMMIO_ERR_NOTIFY_QUEUE], 2);
	ck_assert_uint_eq(notified[0] + notified[1], 0);
}
END_TEST

START_TEST(broken_queue_needs_reset)
{
	negotiate(V1);
	queue(0, 8, DESC, AVAIL, USED);
	driver_ok();
	set_desc(0, BUF, 8, VIRTQ_DESC_F_NEXT, 0); /* a loop */
	make_avail(0);
	take_snapshot();
	wr(VIRTIO_MMIO_REG_QUEUE_NOTIFY, 0);
	assert_unchanged();
	ck_assert(rd(VIRTIO_MMIO_REG_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
	ck_assert(rd(VIRTIO_MMIO_REG_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_CONFIG);
	ck_assert_uint_eq(t.errors[VMMIO_ERR_QUEUE_BROKEN], 1);
	ck_assert_uint_eq(t.vq[0].errors[VQ_ERR_LOOP], 1);
	ck_assert_str_eq(t.needs_reset_why, "queue 0: descriptor chain longer than the queue (a loop)");
	/* the device stays stopped: later notifications are refused */
	wr(VIRTIO_MMIO_REG_QUEUE_NOTIFY, 0);
	ck_assert_uint_eq(notified[0], 1);
	ck_assert_uint_eq(t.errors[VMMIO_ERR_NOTIFY_STOPPED], 1);
	/* the driver's status writes do not clear NEEDS_RESET */
	driver_ok();
	ck_assert(rd(VIRTIO_MMIO_REG_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
	wr(VIRTIO_MMIO_REG_INTERRUPT_ACK, VIRTIO_MMIO_INT_CONFIG);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_REG_INTERRUPT_STATUS), 0);
}
END_TEST

START_TEST(status_bits_cannot_be_cleared)
{
	negotiate(V1);
	driver_ok();
	wr(VIRTIO_MMIO_REG_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	ck_assert_uint_eq(t.errors[VMMIO_ERR_STATUS], 1);
	ck_assert(rd(VIRTIO_MMIO_REG_STATUS) & VIRTIO_STATUS_DRIVER_OK);
}
END_TEST

static int irqs;
static void count_irq(struct virtio_mmio *tr, void *arg)
{
	irqs++;
}

START_TEST(config_change_and_interrupts)
{
	t.irq.raise = count_irq;
	irqs = 0;
	negotiate(V1);
	queue(0, 8, DESC, AVAIL, USED);
	driver_ok();
	pthread_mutex_lock(&t.lock);
	virtio_mmio_config_changed(&t);
	pthread_mutex_unlock(&t.lock);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_REG_CONFIG_GENERATION), 1);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_REG_INTERRUPT_STATUS), VIRTIO_MMIO_INT_CONFIG);
	ck_assert_int_eq(irqs, 1);
	set_desc(0, BUF, 8, 0, 0);
	make_avail(0);
	wr(VIRTIO_MMIO_REG_QUEUE_NOTIFY, 0);
	pthread_mutex_lock(&t.lock);
	virtio_mmio_signal_used(&t, 0);
	pthread_mutex_unlock(&t.lock);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_REG_INTERRUPT_STATUS), VIRTIO_MMIO_INT_CONFIG | VIRTIO_MMIO_INT_VRING);
	ck_assert_int_eq(irqs, 2);
	wr(VIRTIO_MMIO_REG_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING | VIRTIO_MMIO_INT_CONFIG);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_REG_INTERRUPT_STATUS), 0);
}
END_TEST

START_TEST(reset_forgets_driver_state)
{
	negotiate(V1 | VIRTIO_BIT(VIRTIO_RING_F_EVENT_IDX));
	queue(0, 8, DESC, AVAIL, USED);
	driver_ok();
	ck_assert(t.vq[0].event_idx);
	wr(VIRTIO_MMIO_REG_STATUS, 0);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_REG_STATUS), 0);
	wr(VIRTIO_MMIO_REG_QUEUE_SEL, 0);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_REG_QUEUE_READY), 0);
	ck_assert_uint_eq(t.features, 0);
	ck_assert_uint_eq(resets, 2); /* negotiate()'s and this one */
}
END_TEST

START_TEST(fdt_node)
{
	char buf[1024];
	const fdt64_t *reg;
	int node, len;

	ck_assert_int_eq(fdt_create(buf, sizeof(buf)), 0);
	ck_assert_int_eq(fdt_finish_reservemap(buf), 0);
	ck_assert_int_eq(fdt_begin_node(buf, ""), 0);
	ck_assert_int_eq(virtio_mmio_fdt_node(buf, T_BASE, 0x1000), 0);
	ck_assert_int_eq(fdt_end_node(buf), 0);
	ck_assert_int_eq(fdt_finish(buf), 0);
	node = fdt_path_offset(buf, "/virtio_mmio@c0000000");
	ck_assert_int_ge(node, 0);
	ck_assert_int_eq(fdt_node_check_compatible(buf, node, "virtio,mmio"), 0);
	reg = fdt_getprop(buf, node, "reg", &len);
	ck_assert_int_eq(len, 16);
	ck_assert_uint_eq(fdt64_to_cpu(reg[0]), T_BASE);
	ck_assert_uint_eq(fdt64_to_cpu(reg[1]), 0x1000);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("virtqueue");
	TCase *q = tcase_create("split-ring");
	TCase *bad = tcase_create("malformed");
	TCase *tr = tcase_create("mmio");

	tcase_add_checked_fixture(q, setup, teardown);
	tcase_add_test(q, pop_and_push);
	tcase_add_test(q, indices_wrap);
	tcase_add_test(q, event_idx);
	tcase_add_test(q, chain_of_queue_size_is_fine);
	tcase_add_test(q, descriptor_read_once);
	suite_add_tcase(s, q);

	tcase_add_checked_fixture(bad, setup, teardown);
	tcase_add_test(bad, avail_idx_runs_ahead);
	tcase_add_test(bad, head_out_of_range);
	tcase_add_test(bad, head_already_in_flight);
	tcase_add_test(bad, next_out_of_range);
	tcase_add_test(bad, descriptor_loop);
	tcase_add_test(bad, descriptor_self_loop);
	tcase_add_test(bad, chain_longer_than_queue);
	tcase_add_test(bad, zero_length_buffer);
	tcase_add_test(bad, buffer_outside_ram);
	tcase_add_test(bad, buffer_address_wraps);
	tcase_add_test(bad, buffer_far_outside_ram);
	tcase_add_test(bad, indirect_not_negotiated);
	tcase_add_test(bad, readable_after_writable);
	tcase_add_test(bad, push_of_unknown_head);
	tcase_add_test(bad, queue_setup_checks);
	suite_add_tcase(s, bad);

	tcase_add_checked_fixture(tr, tsetup, tteardown);
	tcase_add_test(tr, identity_and_features);
	tcase_add_test(tr, legacy_driver_refused);
	tcase_add_test(tr, unoffered_feature_refused);
	tcase_add_test(tr, register_access_width);
	tcase_add_test(tr, queue_size_not_power_of_two);
	tcase_add_test(tr, queue_size_above_max);
	tcase_add_test(tr, unaligned_rings);
	tcase_add_test(tr, ring_outside_ram);
	tcase_add_test(tr, queue_that_does_not_exist);
	tcase_add_test(tr, queue_changed_while_ready);
	tcase_add_test(tr, queue_ready_before_features_ok);
	tcase_add_test(tr, notify_before_driver_ok);
	tcase_add_test(tr, notify_bad_queue);
	tcase_add_test(tr, broken_queue_needs_reset);
	tcase_add_test(tr, status_bits_cannot_be_cleared);
	tcase_add_test(tr, config_change_and_interrupts);
	tcase_add_test(tr, reset_forgets_driver_state);
	tcase_add_test(tr, fdt_node);
	suite_add_tcase(s, tr);
	return s;
}
