/* check_virtqueue.c - the split virtqueue without KVM or a transport: rings
 * built by hand in a plain buffer that stands for guest RAM, driven the way
 * a (good or bad) driver would. Every malformed input is refused with its
 * own error, and leaves guest memory as it was. check_mmio.c tests the
 * transport over it. */
#include <check.h>
#include <string.h>

#include "lib/util.h"
#include "virtio/virtqueue.h"
#include "tests/virtio_driver.h"
#include "tests/unit.h"

#define RAM_SIZE (1u << 20)
#define NUM 8
#define DESC 0x1000
#define AVAIL (DESC + VDRV_AVAIL_OFF)
#define USED (DESC + VDRV_USED_OFF)
#define BUF 0x10000

static struct vdrv_ram guest;
static struct vdrv_queue drv;
static struct virtqueue vq;
static struct vq_buf bufs[VIRTQ_DEV_MAX_SIZE];
static struct vq_chain chain;

/* A fresh queue q with these rings, made ready if vq_enable allows. */
static enum vq_error enable(struct virtqueue *q, uint16_t num, uint64_t desc, uint64_t avail, uint64_t used)
{
	memset(q, 0, sizeof(*q));
	vq_reset(q, &guest.mem);
	q->num = num;
	q->desc_gpa = desc;
	q->avail_gpa = avail;
	q->used_gpa = used;
	return vq_enable(q, 256);
}

static void setup(void)
{
	/* something recognisable in the buffers */
	ck_assert_int_eq(vdrv_ram_init(&guest, RAM_SIZE, BUF), 0);
	vdrv_queue_at(&drv, guest.bytes, 0, NUM, DESC);
	ck_assert_int_eq(enable(&vq, NUM, DESC, AVAIL, USED), VQ_OK);
	chain = (struct vq_chain){ .buf = bufs, .cap = VIRTQ_DEV_MAX_SIZE };
}

static void teardown(void)
{
	vdrv_ram_destroy(&guest);
}

/* A bad chain: pop fails with e, the queue is broken, memory is unchanged,
 * and the queue stays broken. */
static void expect_pop_error(enum vq_error e)
{
	vdrv_ram_snapshot(&guest);
	ck_assert_int_eq(vq_pop(&vq, &chain), -1);
	ck_assert(vq.broken);
	ck_assert_int_eq(vq.error, e);
	ck_assert_uint_eq(vq.errors[e], 1);
	ck_assert(vdrv_ram_unchanged(&guest));
	ck_assert_int_eq(vq_pop(&vq, &chain), -1);
	ck_assert_int_eq(vq_push(&vq, 0, 0), -1);
	ck_assert(vdrv_ram_unchanged(&guest));
}

START_TEST(pop_and_push)
{
	vdrv_set_desc(&drv, 0, BUF, 100, VIRTQ_DESC_F_NEXT, 3);
	vdrv_set_desc(&drv, 3, BUF + 0x1000, 50, VIRTQ_DESC_F_NEXT, 5);
	vdrv_set_desc(&drv, 5, BUF + 0x2000, 4096, VIRTQ_DESC_F_WRITE, 0);
	vdrv_publish(&drv, 0);
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
	ck_assert_uint_eq(*vdrv_used16(&drv, VIRTQ_USED_IDX), 1);
	ck_assert_uint_eq(((struct virtq_used_elem *)(guest.bytes + USED + VIRTQ_USED_RING(0)))->id, 0);
	ck_assert_uint_eq(((struct virtq_used_elem *)(guest.bytes + USED + VIRTQ_USED_RING(0)))->len, 17);
	ck_assert(vq_should_signal(&vq));
	*vdrv_avail16(&drv, VIRTQ_AVAIL_FLAGS) = VIRTQ_AVAIL_F_NO_INTERRUPT;
	ck_assert(!vq_should_signal(&vq));
	ck_assert_uint_eq(vq.popped, 1);
	ck_assert_uint_eq(vq.pushed, 1);
}
END_TEST

START_TEST(indices_wrap)
{
	/* the 16-bit indices wrap: start just below 65536 */
	vq.last_avail = vq.avail_idx = vq.used_idx = 65534;
	drv.avail_idx = 65534;
	*vdrv_avail16(&drv, VIRTQ_AVAIL_IDX) = drv.avail_idx;
	for (unsigned i = 0; i < 5; i++) {
		vdrv_set_desc(&drv, i, BUF, 8, 0, 0);
		vdrv_publish(&drv, (uint16_t)i);
		ck_assert_int_eq(vq_pop(&vq, &chain), 1);
		ck_assert_uint_eq(chain.head, i);
		ck_assert_int_eq(vq_push(&vq, (uint16_t)i, 0), 0);
	}
	ck_assert_uint_eq(*vdrv_used16(&drv, VIRTQ_USED_IDX), 3);
	ck_assert(!vq.broken);
}
END_TEST

START_TEST(event_idx)
{
	vq.event_idx = true;
	/* empty: the device asks to be told about slot 0 */
	*vdrv_used16(&drv, VIRTQ_USED_AVAIL_EVENT(NUM)) = 0xffff;
	ck_assert_int_eq(vq_pop(&vq, &chain), 0);
	ck_assert_uint_eq(*vdrv_used16(&drv, VIRTQ_USED_AVAIL_EVENT(NUM)), 0);
	vdrv_set_desc(&drv, 0, BUF, 8, 0, 0);
	vdrv_set_desc(&drv, 1, BUF, 8, 0, 0);
	vdrv_publish(&drv, 0);
	vdrv_publish(&drv, 1);
	ck_assert_int_eq(vq_pop(&vq, &chain), 1);
	ck_assert_int_eq(vq_pop(&vq, &chain), 1);
	ck_assert_int_eq(vq_pop(&vq, &chain), 0);
	ck_assert_uint_eq(*vdrv_used16(&drv, VIRTQ_USED_AVAIL_EVENT(NUM)), 2);
	/* the driver wants an interrupt once used->idx passes used_event = 1 */
	*vdrv_avail16(&drv, VIRTQ_AVAIL_USED_EVENT(NUM)) = 1;
	ck_assert_int_eq(vq_push(&vq, 0, 0), 0);
	ck_assert(vq_should_signal(&vq)); /* first one always */
	ck_assert_int_eq(vq_push(&vq, 1, 0), 0);
	ck_assert(vq_should_signal(&vq)); /* 1 -> 2 crosses used_event 1 */
	*vdrv_avail16(&drv, VIRTQ_AVAIL_USED_EVENT(NUM)) = 10;
	vdrv_set_desc(&drv, 2, BUF, 8, 0, 0);
	vdrv_publish(&drv, 2);
	ck_assert_int_eq(vq_pop(&vq, &chain), 1);
	ck_assert_int_eq(vq_push(&vq, 2, 0), 0);
	ck_assert(!vq_should_signal(&vq)); /* 2 -> 3 does not reach 10 */
}
END_TEST

START_TEST(avail_idx_runs_ahead)
{
	vdrv_set_desc(&drv, 0, BUF, 8, 0, 0);
	*vdrv_avail16(&drv, VIRTQ_AVAIL_IDX) = NUM + 1;
	expect_pop_error(VQ_ERR_AVAIL_IDX);
}
END_TEST

START_TEST(head_already_in_flight)
{
	vdrv_set_desc(&drv, 2, BUF, 8, 0, 0);
	vdrv_publish(&drv, 2);
	ck_assert_int_eq(vq_pop(&vq, &chain), 1);
	vdrv_publish(&drv, 2); /* again, before the device used it */
	expect_pop_error(VQ_ERR_HEAD);
}
END_TEST

START_TEST(chain_longer_than_queue)
{
	/* every descriptor used once, and the last points back into the chain:
	 * NUM + 1 descriptors would be needed */
	for (unsigned i = 0; i < NUM; i++)
		vdrv_set_desc(&drv, i, BUF, 8, VIRTQ_DESC_F_NEXT, (uint16_t)((i + 1) % NUM));
	vdrv_publish(&drv, 0);
	expect_pop_error(VQ_ERR_LOOP);
}
END_TEST

START_TEST(chain_of_queue_size_is_fine)
{
	for (unsigned i = 0; i < NUM; i++)
		vdrv_set_desc(&drv, i, BUF + i * 8, 8, i + 1 < NUM ? VIRTQ_DESC_F_NEXT : 0, (uint16_t)(i + 1));
	vdrv_publish(&drv, 0);
	ck_assert_int_eq(vq_pop(&vq, &chain), 1);
	ck_assert_uint_eq(chain.n, NUM);
}
END_TEST

/* Chains that each break one rule: the descriptors the driver writes, the
 * head it makes available, and the error the pop fails with. */
static const struct bad_chain {
	unsigned ndesc;
	struct {
		uint16_t i;
		struct virtq_desc d;
	} desc[3];
	uint16_t head;
	enum vq_error error;
} bad_chains[] = {
	/* a head out of range, no descriptor needed */
	{ 0, { { 0 } }, NUM, VQ_ERR_HEAD },
	{ 1, { { 0, { BUF, 8, VIRTQ_DESC_F_NEXT, NUM } } }, 0, VQ_ERR_NEXT },
	/* a loop, and a descriptor that is its own next */
	{ 3, { { 0, { BUF, 8, VIRTQ_DESC_F_NEXT, 1 } }, { 1, { BUF, 8, VIRTQ_DESC_F_NEXT, 2 } },
	       { 2, { BUF, 8, VIRTQ_DESC_F_NEXT, 0 } } }, 0, VQ_ERR_LOOP },
	{ 1, { { 4, { BUF, 8, VIRTQ_DESC_F_NEXT, 4 } } }, 4, VQ_ERR_LOOP },
	{ 2, { { 0, { BUF, 8, VIRTQ_DESC_F_NEXT, 1 } }, { 1, { BUF, 0, 0, 0 } } }, 0, VQ_ERR_ZERO_LEN },
	/* buffers past the end of RAM, wrapping around, in the MMIO window */
	{ 1, { { 0, { RAM_SIZE - 8, 16, 0, 0 } } }, 0, VQ_ERR_BUF_ADDR },
	{ 1, { { 0, { UINT64_MAX - 7, 16, 0, 0 } } }, 0, VQ_ERR_BUF_ADDR },
	{ 1, { { 0, { 0xC0000000ULL, 8, 0, 0 } } }, 0, VQ_ERR_BUF_ADDR },
	{ 1, { { 0, { BUF, 32, VIRTQ_DESC_F_INDIRECT, 0 } } }, 0, VQ_ERR_INDIRECT },
	/* a device-readable buffer after a device-writable one */
	{ 2, { { 0, { BUF, 8, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1 } }, { 1, { BUF, 8, 0, 0 } } }, 0,
	  VQ_ERR_ORDER },
};

START_TEST(bad_chain)
{
	const struct bad_chain *c = &bad_chains[_i];

	for (unsigned i = 0; i < c->ndesc; i++) {
		const struct virtq_desc *d = &c->desc[i].d;

		vdrv_set_desc(&drv, c->desc[i].i, d->addr, d->len, d->flags, d->next);
	}
	vdrv_publish(&drv, c->head);
	expect_pop_error(c->error);
}
END_TEST

START_TEST(push_of_unknown_head)
{
	vdrv_ram_snapshot(&guest);
	ck_assert_int_eq(vq_push(&vq, 3, 0), -1);
	ck_assert_int_eq(vq.error, VQ_ERR_USED);
	ck_assert(vdrv_ram_unchanged(&guest));
}
END_TEST

/* vq_enable's checks of size, alignment and placement, one set-up each:
 * refused or not, RAM stays as it was. */
static const struct ring_setup {
	uint16_t num;
	uint64_t desc, avail, used;
	enum vq_error want;
} ring_setups[] = {
	{ 8, DESC, AVAIL, USED, VQ_OK },
	{ 6, DESC, AVAIL, USED, VQ_ERR_SIZE },
	{ 0, DESC, AVAIL, USED, VQ_ERR_SIZE },
	{ 512, DESC, AVAIL, USED, VQ_ERR_SIZE }, /* above the maximum */
	{ 8, DESC + 8, AVAIL, USED, VQ_ERR_ALIGN },
	{ 8, DESC, AVAIL + 1, USED, VQ_ERR_ALIGN },
	{ 8, DESC, AVAIL, USED + 2, VQ_ERR_ALIGN },
	{ 8, RAM_SIZE, AVAIL, USED, VQ_ERR_RING_ADDR },
	{ 8, DESC, RAM_SIZE - 4, USED, VQ_ERR_RING_ADDR },
	{ 8, DESC, AVAIL, RAM_SIZE - 64, VQ_ERR_RING_ADDR },
	{ 8, DESC, AVAIL, 0xfffffffffffffff0ULL, VQ_ERR_RING_ADDR },
};

START_TEST(queue_setup_checks)
{
	const struct ring_setup *r = &ring_setups[_i];
	struct virtqueue q;

	vdrv_ram_snapshot(&guest);
	ck_assert_int_eq(enable(&q, r->num, r->desc, r->avail, r->used), r->want);
	ck_assert(vdrv_ram_unchanged(&guest));
	ck_assert(q.ready == (r->want == VQ_OK));
}
END_TEST

START_TEST(descriptor_read_once)
{
	/* the chain the device works on is its copy, whatever the driver
	 * writes to the table after the pop */
	vdrv_set_desc(&drv, 0, BUF, 64, 0, 0);
	vdrv_publish(&drv, 0);
	ck_assert_int_eq(vq_pop(&vq, &chain), 1);
	vdrv_set_desc(&drv, 0, RAM_SIZE * 4, 64, 0, 0);
	ck_assert_uint_eq(bufs[0].gpa, BUF);
	ck_assert_uint_eq(bufs[0].len, 64);
}
END_TEST


static Suite *make_suite(void)
{
	Suite *s = suite_create("virtqueue");
	TCase *q = tcase_create("split-ring");
	TCase *bad = tcase_create("malformed");

	tcase_add_checked_fixture(q, setup, teardown);
	tcase_add_test(q, pop_and_push);
	tcase_add_test(q, indices_wrap);
	tcase_add_test(q, event_idx);
	tcase_add_test(q, chain_of_queue_size_is_fine);
	tcase_add_test(q, descriptor_read_once);
	suite_add_tcase(s, q);

	tcase_add_checked_fixture(bad, setup, teardown);
	tcase_add_test(bad, avail_idx_runs_ahead);
	tcase_add_test(bad, head_already_in_flight);
	tcase_add_loop_test(bad, bad_chain, 0, (int)ARRAY_SIZE(bad_chains));
	tcase_add_test(bad, chain_longer_than_queue);
	tcase_add_test(bad, push_of_unknown_head);
	tcase_add_loop_test(bad, queue_setup_checks, 0, (int)ARRAY_SIZE(ring_setups));
	suite_add_tcase(s, bad);
	return s;
}
