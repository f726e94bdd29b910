/* check_balloon_device.c - virtio-balloon without KVM, the device: bad
 * rings; queues, features, config, stats, reporting; bounded work; control
 * requests. The guest, balloon and driver are tests/balloon_fixture.h's; the
 * host side and bad PFNs are tests/check_balloon.c's. */
#include <check.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "balloon/balloon.h"
#include "balloon/control.h"
#include "vmm/control/dispatch.h"
#include "lib/clock.h"
#include "lib/util.h"
#include "tests/balloon_fixture.h"
#include "tests/unit.h"

/* ---- bad rings: the device needs a reset and touches nothing ---- */

static void expect_needs_reset(uint64_t h, enum vq_error e)
{
	struct balloon_status s;

	ck_assert(vdrv_read(t, VIRTIO_MMIO_REG_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
	ck_assert(vdrv_read(t, VIRTIO_MMIO_REG_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_CONFIG);
	ck_assert_uint_eq(ram_hash(), h);
	status(&s);
	ck_assert_uint_eq(s.c.pages_inflated, 0);
	ck_assert_uint_eq(s.c.frames_isolated, 0);
	ck_assert_uint_ge(s.queue_errors[e], 1);
	for (uint32_t f = 1; f < NFRAMES; f++)
		ck_assert_uint_eq(gm.ft.frames[f].state, FRAME_MAPPED);
}

/* A request for the whole of frame 2, chained through descriptors the
 * test sets up by hand. */
#define WHOLE_FRAME_ARRAY (ARRAYS + 0x100000)

static uint64_t whole_frame_array(void)
{
	for (unsigned i = 0; i < PPF; i++)
		((uint32_t *)hva(WHOLE_FRAME_ARRAY))[i] = 2 * PPF + i;
	return WHOLE_FRAME_ARRAY;
}

/* Rings that each break one rule on the inflate queue: descriptors 0 and 1
 * (most over that request), then head 0 made available or avail->idx run
 * ahead, and the error. */
static const struct bad_ring {
	unsigned ndesc;
	struct virtq_desc desc[2];
	uint16_t avail_idx; /* 0: publish head 0 */
	enum vq_error error;
} bad_rings[] = {
	/* a loop of two */
	{ 2, { { WHOLE_FRAME_ARRAY, 1024, VIRTQ_DESC_F_NEXT, 1 },
	       { WHOLE_FRAME_ARRAY + 1024, 1024, VIRTQ_DESC_F_NEXT, 0 } }, 0, VQ_ERR_LOOP },
	{ 2, { { WHOLE_FRAME_ARRAY, 2048, VIRTQ_DESC_F_NEXT, 1 }, { WHOLE_FRAME_ARRAY + 2048, 0, 0, 0 } }, 0,
	  VQ_ERR_ZERO_LEN },
	/* the buffer runs past the end of RAM */
	{ 1, { { NFRAMES * FRAME_SIZE - 8, 16, 0, 0 } }, 0, VQ_ERR_BUF_ADDR },
	{ 1, { { WHOLE_FRAME_ARRAY, 2048, 0, 0 } }, QNUM + 1, VQ_ERR_AVAIL_IDX },
	{ 1, { { WHOLE_FRAME_ARRAY, 2048, VIRTQ_DESC_F_INDIRECT, 0 } }, 0, VQ_ERR_INDIRECT },
};

static void run_bad_ring(const struct bad_ring *r)
{
	uint64_t h;

	start(ALL_FEATURES);
	whole_frame_array();
	h = ram_hash();
	for (unsigned i = 0; i < r->ndesc; i++)
		vdrv_set_desc(&q_infl, i, r->desc[i].addr, r->desc[i].len, r->desc[i].flags, r->desc[i].next);
	if (r->avail_idx)
		*vdrv_avail16(&q_infl, VIRTQ_AVAIL_IDX) = r->avail_idx;
	else
		vdrv_publish(&q_infl, 0);
	vdrv_notify(t, &q_infl);
	ck_assert_uint_eq(vdrv_used_new(&q_infl), 0);
	expect_needs_reset(h, r->error);
}

START_TEST(bad_ring)
{
	run_bad_ring(&bad_rings[_i]);
}
END_TEST

/* A guest with RAM above 4 GiB (balloon_tcase_high_ram): a buffer in the
 * MMIO hole, or reaching into it from either side, or past high RAM's end,
 * is refused like one past the end of RAM. */
static const struct bad_ring hole_rings[] = {
	{ 1, { { FS_LOW_RAM_MAX, 16, 0, 0 } }, 0, VQ_ERR_BUF_ADDR },
	{ 1, { { FS_LOW_RAM_MAX - 8, 16, 0, 0 } }, 0, VQ_ERR_BUF_ADDR },
	{ 1, { { FS_HIGH_RAM_BASE - 8, 16, 0, 0 } }, 0, VQ_ERR_BUF_ADDR },
	{ 1, { { FS_HIGH_RAM_BASE + (HIGH_RAM_FRAMES - 1536) * FRAME_SIZE - 8, 16, 0, 0 } }, 0,
	  VQ_ERR_BUF_ADDR },
};

START_TEST(bad_ring_in_the_hole)
{
	run_bad_ring(&hole_rings[_i]);
}
END_TEST

START_TEST(ring_chain_longer_than_queue)
{
	uint64_t arr = whole_frame_array(), h;

	start(ALL_FEATURES);
	h = ram_hash();
	for (unsigned i = 0; i < QNUM; i++)
		vdrv_set_desc(&q_infl, i, arr + i * 128, 128, VIRTQ_DESC_F_NEXT, (uint16_t)((i + 1) % QNUM));
	vdrv_publish(&q_infl, 0);
	vdrv_notify(t, &q_infl);
	expect_needs_reset(h, VQ_ERR_LOOP);
}
END_TEST

START_TEST(ring_head_and_next_out_of_range)
{
	uint64_t arr = whole_frame_array(), h;

	start(ALL_FEATURES);
	h = ram_hash();
	vdrv_set_desc(&q_infl, 0, arr, 2048, VIRTQ_DESC_F_NEXT, QNUM + 3);
	vdrv_publish(&q_infl, 0);
	vdrv_notify(t, &q_infl);
	expect_needs_reset(h, VQ_ERR_NEXT);
	/* and on the deflate queue of a fresh device, a head out of range */
	start(ALL_FEATURES);
	vdrv_publish(&q_defl, QNUM);
	vdrv_notify(t, &q_defl);
	expect_needs_reset(h, VQ_ERR_HEAD);
}
END_TEST

START_TEST(ring_unaligned)
{
	uint64_t h = ram_hash();

	ck_assert(vdrv_negotiate(t, ALL_FEATURES));
	/* descriptors need 16 */
	vdrv_set_queue(t, 0, QNUM, RING(0) + 8, RING(0) + 8 + VDRV_AVAIL_OFF, RING(0) + 8 + VDRV_USED_OFF);
	vdrv_write(t, VIRTIO_MMIO_REG_QUEUE_SEL, 0);
	ck_assert_uint_eq(vdrv_read(t, VIRTIO_MMIO_REG_QUEUE_READY), 0);
	ck_assert(vdrv_read(t, VIRTIO_MMIO_REG_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
	ck_assert_uint_eq(ram_hash(), h);
	ck_assert_uint_eq(t->vq[0].errors[VQ_ERR_ALIGN], 1);
}
END_TEST

START_TEST(ring_in_ballooned_memory)
{
	struct balloon_status s;

	/* inflate and deflate first, the stats queue set up late, its rings
	 * in the frame the host has just taken */
	ck_assert(vdrv_negotiate(t, F(VIRTIO_F_VERSION_1) | F(VIRTIO_BALLOON_F_STATS_VQ)));
	start_queue(&q_infl, 0);
	start_queue(&q_defl, 1);
	vdrv_driver_ok(t);
	send_range(&q_infl, 14 * PPF, PPF);
	ck_assert_uint_eq(gm.ft.frames[14].state, FRAME_BALLOONED);
	vdrv_queue_at(&q_stats, gm.hva, 2, QNUM, 14 * FRAME_SIZE);
	vdrv_queue_program(t, &q_stats);
	vdrv_write(t, VIRTIO_MMIO_REG_QUEUE_SEL, 2);
	ck_assert_uint_eq(vdrv_read(t, VIRTIO_MMIO_REG_QUEUE_READY), 0);
	ck_assert_uint_eq(t->vq[2].errors[VQ_ERR_RING_ADDR], 1);
	ck_assert(vdrv_read(t, VIRTIO_MMIO_REG_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
	/* the device did not fault the frame back in to look */
	ck_assert_uint_eq(gm.ft.frames[14].state, FRAME_BALLOONED);
	status(&s);
	ck_assert_uint_eq(mig.stats.touch_restored, 0);
	ck_assert_uint_eq(s.c.frames_isolated, 1);
}
END_TEST

START_TEST(queue_size_not_power_of_two)
{
	uint64_t h = ram_hash();

	ck_assert(vdrv_negotiate(t, ALL_FEATURES));
	vdrv_set_queue(t, 0, 12, RING(0), RING(0) + VDRV_AVAIL_OFF, RING(0) + VDRV_USED_OFF);
	vdrv_write(t, VIRTIO_MMIO_REG_QUEUE_SEL, 0);
	ck_assert_uint_eq(vdrv_read(t, VIRTIO_MMIO_REG_QUEUE_READY), 0);
	ck_assert(vdrv_read(t, VIRTIO_MMIO_REG_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
	ck_assert_uint_eq(t->vq[0].errors[VQ_ERR_SIZE], 1);
	ck_assert_uint_eq(ram_hash(), h);
}
END_TEST

START_TEST(notify_before_driver_ok)
{
	struct balloon_status s;
	uint64_t arr = whole_frame_array(), h;

	ck_assert(vdrv_negotiate(t, ALL_FEATURES));
	start_queue(&q_infl, 0);
	start_queue(&q_defl, 1);
	h = ram_hash();
	/* the whole frame, in two requests of the most a request may carry */
	vdrv_add_buf(&q_infl, arr, PPF * 2, 0);
	vdrv_add_buf(&q_infl, arr + PPF * 2, PPF * 2, 0);
	vdrv_notify(t, &q_infl);
	ck_assert_uint_eq(vdrv_used_new(&q_infl), 0);
	ck_assert_uint_eq(ram_hash(), h);
	ck_assert_uint_eq(gm.ft.frames[2].state, FRAME_MAPPED);
	status(&s);
	ck_assert_uint_eq(s.transport_errors[VMMIO_ERR_NOTIFY_EARLY], 1);
	ck_assert_uint_eq(s.c.pages_inflated, 0);
	/* once DRIVER_OK is set, the waiting requests are served */
	vdrv_driver_ok(t);
	ck_assert_uint_eq(vdrv_used_new(&q_infl), 2);
	ck_assert_uint_eq(gm.ft.frames[2].state, FRAME_BALLOONED);
}
END_TEST

/* ---- queues, features, config, stats, reporting ---- */

START_TEST(queue_numbering_follows_features)
{
	struct balloon_status s;
	uint64_t f = F(VIRTIO_F_VERSION_1) | F(VIRTIO_BALLOON_F_REPORTING);

	/* no stats queue: reporting is queue 2 */
	start(f);
	ck_assert_uint_eq(q_rep.index, 2);
	vdrv_write(t, VIRTIO_MMIO_REG_QUEUE_SEL, 3);
	ck_assert_uint_eq(vdrv_read(t, VIRTIO_MMIO_REG_QUEUE_NUM_MAX), 0);
	vdrv_add_buf(&q_rep, 3 * FRAME_SIZE, FRAME_SIZE, VIRTQ_DESC_F_WRITE);
	vdrv_notify(t, &q_rep);
	ck_assert_uint_eq(vdrv_used_new(&q_rep), 1);
	ck_assert_uint_eq(gm.ft.frames[3].state, FRAME_BALLOONED);
	status(&s);
	ck_assert_uint_eq(s.nqueues, 3);
	ck_assert_uint_eq(s.c.frames_reported, 1);
	ck_assert_uint_eq(s.c.ballooned_pages, 0);
	/* all four: reporting is queue 3 */
	start(ALL_FEATURES);
	ck_assert_uint_eq(q_stats.index, 2);
	ck_assert_uint_eq(q_rep.index, 3);
	/* only the two: queue 2 does not exist */
	start(F(VIRTIO_F_VERSION_1));
	vdrv_write(t, VIRTIO_MMIO_REG_QUEUE_SEL, 2);
	ck_assert_uint_eq(vdrv_read(t, VIRTIO_MMIO_REG_QUEUE_NUM_MAX), 0);
}
END_TEST

START_TEST(free_page_reporting)
{
	struct balloon_status s;
	uint64_t start_gpa = 5 * FRAME_SIZE - 4096; /* a page of frame 4, frames 5 and 6, half of 7 */

	start(ALL_FEATURES);
	vdrv_add_buf(&q_rep, start_gpa, (uint32_t)(2 * FRAME_SIZE + 4096 + FRAME_SIZE / 2), VIRTQ_DESC_F_WRITE);
	vdrv_notify(t, &q_rep);
	ck_assert_uint_eq(vdrv_used_new(&q_rep), 1);
	ck_assert_uint_eq(gm.ft.frames[4].state, FRAME_MAPPED);
	ck_assert_uint_eq(gm.ft.frames[5].state, FRAME_BALLOONED);
	ck_assert_uint_eq(gm.ft.frames[6].state, FRAME_BALLOONED);
	ck_assert_uint_eq(gm.ft.frames[7].state, FRAME_MAPPED);
	ck_assert(page_is_pattern(5 * PPF - 1));
	ck_assert(page_is_pattern(7 * PPF + 256));
	status(&s);
	ck_assert_uint_eq(s.c.frames_reported, 2);
	ck_assert_uint_eq(s.c.report_partial_bytes, 4096 + FRAME_SIZE / 2);
	/* reported memory is the guest's again after the ack: a touch brings
	 * it back zeroed */
	ck_assert_uint_eq(*(volatile uint64_t *)guest_mem_frame_hva(&gm, 6), 0);
	ck_assert_uint_eq(gm.ft.frames[6].state, FRAME_MAPPED);
	status(&s);
	ck_assert_uint_eq(s.c.frames_touched, 1);
	ck_assert_uint_eq(s.c.frames_isolated, 1);
	/* a device-readable buffer is not a report */
	vdrv_add_buf(&q_rep, 8 * FRAME_SIZE, FRAME_SIZE, 0);
	vdrv_notify(t, &q_rep);
	ck_assert_uint_eq(gm.ft.frames[8].state, FRAME_MAPPED);
	status(&s);
	ck_assert_uint_eq(s.c.bad_buffers, 1);
}
END_TEST

START_TEST(page_poison_keeps_reported_pages)
{
	struct balloon_status s;
	uint64_t f = ALL_FEATURES | F(VIRTIO_BALLOON_F_PAGE_POISON);
	uint32_t poison = 0xaa;

	ck_assert(vdrv_negotiate(t, f));
	virtio_mmio_access(t, VIRTIO_MMIO_REG_CONFIG + VIRTIO_BALLOON_CFG_POISON_VAL, (uint8_t *)&poison, 4, true);
	start_queues(f);
	vdrv_driver_ok(t);
	vdrv_add_buf(&q_rep, 9 * FRAME_SIZE, FRAME_SIZE, VIRTQ_DESC_F_WRITE);
	vdrv_notify(t, &q_rep);
	ck_assert_uint_eq(vdrv_used_new(&q_rep), 1);
	/* a fresh page would read 0, not the poison: the frame stays */
	ck_assert_uint_eq(gm.ft.frames[9].state, FRAME_MAPPED);
	ck_assert(page_is_pattern(9 * PPF + 3));
	status(&s);
	ck_assert_uint_eq(s.c.report_kept_poison, 1);
	ck_assert_uint_eq(s.poison_val, 0xaa);
	/* poison_val may not change once DRIVER_OK is set */
	poison = 0;
	virtio_mmio_access(t, VIRTIO_MMIO_REG_CONFIG + VIRTIO_BALLOON_CFG_POISON_VAL, (uint8_t *)&poison, 4, true);
	status(&s);
	ck_assert_uint_eq(s.poison_val, 0xaa);
	ck_assert_uint_eq(s.c.config_errors, 1);
	/* inflated frames still go back: the driver rewrites deflated pages */
	send_range(&q_infl, 10 * PPF, PPF);
	ck_assert_uint_eq(gm.ft.frames[10].state, FRAME_BALLOONED);
	/* with poison 0 (a fresh page matches it) reported frames go too */
	ck_assert(vdrv_negotiate(t, f));
	poison = 0;
	virtio_mmio_access(t, VIRTIO_MMIO_REG_CONFIG + VIRTIO_BALLOON_CFG_POISON_VAL, (uint8_t *)&poison, 4, true);
	start_queues(f);
	vdrv_driver_ok(t);
	vdrv_add_buf(&q_rep, 9 * FRAME_SIZE, FRAME_SIZE, VIRTQ_DESC_F_WRITE);
	vdrv_notify(t, &q_rep);
	ck_assert_uint_eq(gm.ft.frames[9].state, FRAME_BALLOONED);
}
END_TEST

START_TEST(config_target_and_actual)
{
	struct balloon_status s;
	uint32_t v, gen;

	start(ALL_FEATURES);
	gen = vdrv_read(t, VIRTIO_MMIO_REG_CONFIG_GENERATION);
	ck_assert_int_eq(balloon_set_target(b, 24 << 20), 0); /* 8 of 32 MiB ballooned */
	ck_assert_uint_eq(vdrv_read(t, VIRTIO_MMIO_REG_CONFIG_GENERATION), gen + 1);
	ck_assert(vdrv_read(t, VIRTIO_MMIO_REG_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_CONFIG);
	ck_assert_uint_eq(vdrv_read(t, VIRTIO_MMIO_REG_CONFIG + VIRTIO_BALLOON_CFG_NUM_PAGES), 2048);
	ck_assert_int_eq(balloon_set_target(b, 0), -EINVAL);
	ck_assert_int_eq(balloon_set_target(b, 33 << 20), -EINVAL);
	ck_assert_int_eq(balloon_set_target(b, (24 << 20) + 1), -EINVAL);
	/* the driver reports actual: an event */
	vdrv_write(t, VIRTIO_MMIO_REG_CONFIG + VIRTIO_BALLOON_CFG_ACTUAL, 2048);
	status(&s);
	ck_assert_uint_eq(s.actual, 2048);
	ck_assert_uint_eq(s.c.actual_changes, 1);
	ck_assert_uint_eq(s.nevents, 2);
	ck_assert_uint_eq(s.events[1].actual, 2048);
	ck_assert_uint_eq(s.events[1].num_pages, 2048);
	/* num_pages is the device's */
	vdrv_write(t, VIRTIO_MMIO_REG_CONFIG + VIRTIO_BALLOON_CFG_NUM_PAGES, 1);
	ck_assert_uint_eq(vdrv_read(t, VIRTIO_MMIO_REG_CONFIG + VIRTIO_BALLOON_CFG_NUM_PAGES), 2048);
	/* byte access to actual works */
	v = 0x01;
	virtio_mmio_access(t, VIRTIO_MMIO_REG_CONFIG + VIRTIO_BALLOON_CFG_ACTUAL, (uint8_t *)&v, 1, true);
	status(&s);
	ck_assert_uint_eq(s.actual, 2048 + 1);
	ck_assert_uint_eq(s.c.config_errors, 1);
	/* more pages than the guest has (8192): refused, counted, not kept */
	vdrv_write(t, VIRTIO_MMIO_REG_CONFIG + VIRTIO_BALLOON_CFG_ACTUAL, 8193);
	v = 0xff;
	virtio_mmio_access(t, VIRTIO_MMIO_REG_CONFIG + VIRTIO_BALLOON_CFG_ACTUAL + 3, (uint8_t *)&v, 1, true);
	status(&s);
	ck_assert_uint_eq(s.actual, 2048 + 1);
	ck_assert_uint_eq(vdrv_read(t, VIRTIO_MMIO_REG_CONFIG + VIRTIO_BALLOON_CFG_ACTUAL), 2048 + 1);
	ck_assert_uint_eq(s.c.config_errors, 3);
	ck_assert_uint_eq(s.c.actual_changes, 2);
	vdrv_write(t, VIRTIO_MMIO_REG_CONFIG + VIRTIO_BALLOON_CFG_ACTUAL, 8192);
	status(&s);
	ck_assert_uint_eq(s.actual, 8192);
}
END_TEST

static void stats_buffer(uint64_t gpa, const struct virtio_balloon_stat *st, unsigned n)
{
	memcpy(hva(gpa), st, n * sizeof(*st));
	vdrv_add_buf(&q_stats, gpa, n * sizeof(*st), 0);
}

START_TEST(statistics)
{
	struct virtio_balloon_stat st[] = {
		{ VIRTIO_BALLOON_S_MEMFREE, 1000 }, { VIRTIO_BALLOON_S_MEMTOT, 5000 },
		{ 77, 1 }, { VIRTIO_BALLOON_S_MAJFLT, 3 },
	};
	struct balloon_status s;
	uint64_t seq;

	ck_assert(vdrv_negotiate(t, ALL_FEATURES));
	start_queues(ALL_FEATURES);
	stats_buffer(ARRAYS, st, 4); /* primed before DRIVER_OK */
	vdrv_driver_ok(t);
	status(&s);
	ck_assert_uint_eq(s.stats.seq, 1);
	ck_assert_uint_eq(s.stats.val[VIRTIO_BALLOON_S_MEMFREE], 1000);
	ck_assert_uint_eq(s.stats.val[VIRTIO_BALLOON_S_MAJFLT], 3);
	ck_assert_uint_eq(s.stats.have, (1u << VIRTIO_BALLOON_S_MEMFREE) | (1u << VIRTIO_BALLOON_S_MEMTOT) |
					(1u << VIRTIO_BALLOON_S_MAJFLT));
	ck_assert_uint_eq(s.c.stats_unknown_tags, 1);
	ck_assert_uint_eq(vdrv_used_new(&q_stats), 0); /* held by the device */
	/* the host asks: the buffer comes back, the driver answers */
	seq = balloon_request_stats(b);
	ck_assert_uint_eq(vdrv_used_new(&q_stats), 1);
	ck_assert(!balloon_wait_stats(b, seq, 10));
	st[0].val = 2000;
	stats_buffer(ARRAYS + 0x100, st, 4);
	vdrv_notify(t, &q_stats);
	ck_assert(balloon_wait_stats(b, seq, 10));
	status(&s);
	ck_assert_uint_eq(s.stats.val[VIRTIO_BALLOON_S_MEMFREE], 2000);
	/* a second buffer while one is held: the old one goes back */
	stats_buffer(ARRAYS + 0x200, st, 4);
	vdrv_notify(t, &q_stats);
	ck_assert_uint_eq(vdrv_used_new(&q_stats), 1);
	status(&s);
	ck_assert_uint_eq(s.c.stats_extra_buffers, 1);
	ck_assert_uint_eq(s.stats.seq, 3);
}
END_TEST

/* ---- bounded work: caps and budgets (issue 13, finding 1) ---- */

#define BIG_ARRAY (ARRAYS + 0x100000) /* in frame 0, room for 512 PFNs or stats */

/* Requests past their caps, whose every byte would be worth acting on (PFNs
 * of frame 12, statistics, whole free frames): refused unread. Descriptors
 * 0..ndesc-1, each len bytes, one after the other from the payload. */
static const struct oversized {
	unsigned queue;        /* 0 inflate, 1 deflate, 2 stats, 3 reporting */
	unsigned ndesc;
	uint32_t len;
} oversized[] = {
	{ 0, 1, (BALLOON_PFNS_MAX + 1) * 4 },
	{ 0, 2, (BALLOON_PFNS_MAX / 2 + 1) * 4 }, /* each small, the request not */
	{ 1, 1, (BALLOON_PFNS_MAX + 1) * 4 },
	{ 2, 1, (BALLOON_STATS_MAX + 1) * sizeof(struct virtio_balloon_stat) },
	{ 3, 5, (NFRAMES - 1) * FRAME_SIZE }, /* 5 x 30 MiB of free frames */
};

START_TEST(oversized_request_refused)
{
	const struct oversized *r = &oversized[_i];
	struct vdrv_queue *q = (struct vdrv_queue *[]){ &q_infl, &q_defl, &q_stats, &q_rep }[r->queue];
	struct virtio_balloon_stat *st = (struct virtio_balloon_stat *)hva(BIG_ARRAY);
	uint32_t *pfns = (uint32_t *)hva(BIG_ARRAY);
	uint64_t payload = r->queue == 3 ? FRAME_SIZE : BIG_ARRAY, h;
	struct balloon_status s;

	start(ALL_FEATURES);
	for (unsigned i = 0; i < PPF; i++)
		pfns[i] = 12 * PPF + i;
	if (r->queue == 2)
		for (unsigned i = 0; i <= BALLOON_STATS_MAX; i++)
			st[i] = (struct virtio_balloon_stat){ VIRTIO_BALLOON_S_MEMFREE, 1234 };
	h = ram_hash();
	for (unsigned i = 0; i < r->ndesc; i++)
		vdrv_set_desc(q, i, r->queue == 3 ? payload : payload + (uint64_t)i * r->len, r->len,
			      (r->queue == 3 ? VIRTQ_DESC_F_WRITE : 0) | (i + 1 < r->ndesc ? VIRTQ_DESC_F_NEXT : 0),
			      (uint16_t)(i + 1));
	vdrv_publish(q, 0);
	vdrv_notify(t, q);
	ck_assert_uint_eq(vdrv_used_new(q), r->queue == 2 ? 0 : 1); /* stats: held, as any */
	ck_assert_uint_eq(ram_hash(), h);
	for (uint32_t f = 1; f < NFRAMES; f++)
		ck_assert_uint_eq(gm.ft.frames[f].state, FRAME_MAPPED);
	status(&s);
	ck_assert_uint_eq(s.c.oversized_requests, 1);
	ck_assert_uint_eq(s.c.guest_errors, 1);
	ck_assert_uint_eq(s.c.pages_inflated + s.c.pages_deflated + s.c.frames_reported, 0);
	ck_assert_uint_eq(s.stats.seq + s.stats.have, 0);
	ck_assert(s.driver_ok && !s.needs_reset);
}
END_TEST

/* The flood of issue 13: every head of a 256-entry inflate queue starts a
 * chain through the same descriptors, each pointing at all of guest RAM
 * above frame 0 (30 MiB here; a 3 GiB guest's attacker points at its 3 GiB),
 * then one notification. The device used to read every PFN of every buffer
 * of every chain, the transport lock held (~10^11 PFNs at 3 GiB); now one
 * notification pops one budget of chains and reads none of them, and each
 * later access the next budget, until every chain is used. */
START_TEST(hostile_ring_costs_one_budget)
{
	const unsigned num = BALLOON_QUEUE_SIZE;
	struct balloon_status s;
	unsigned accesses = 1;
	double t0, dt;
	uint64_t h;

	ck_assert(vdrv_negotiate(t, ALL_FEATURES));
	vdrv_queue_start(t, &q_infl, gm.hva, 0, num, RING(0));
	start_queue(&q_defl, 1);
	start_queue(&q_stats, 2);
	start_queue(&q_rep, 3);
	vdrv_driver_ok(t);
	for (unsigned i = 0; i < num; i++)
		vdrv_set_desc(&q_infl, i, FRAME_SIZE, (NFRAMES - 1) * FRAME_SIZE,
			      i + 1 < num ? VIRTQ_DESC_F_NEXT : 0, (uint16_t)(i + 1));
	for (unsigned i = 0; i < num; i++)
		vdrv_publish(&q_infl, (uint16_t)i);
	h = ram_hash();
	t0 = now_monotonic();
	vdrv_notify(t, &q_infl);
	dt = now_monotonic() - t0;
	fprintf(stderr, "hostile ring: one notification took %.0f us\n", dt * 1e6);
	ck_assert_uint_eq(vdrv_used_new(&q_infl), VIRTIO_MMIO_BUDGET);
	status(&s);
	ck_assert_uint_eq(s.c.oversized_requests, VIRTIO_MMIO_BUDGET);
	ck_assert_uint_eq(s.budget_cuts, 1);
	/* the rest: a budget per access (the driver's interrupt handler reading
	 * InterruptStatus), none lost */
	for (unsigned used = VIRTIO_MMIO_BUDGET; used < num; used += VIRTIO_MMIO_BUDGET, accesses++) {
		ck_assert(vdrv_read(t, VIRTIO_MMIO_REG_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_VRING);
		ck_assert_uint_eq(vdrv_used_new(&q_infl), VIRTIO_MMIO_BUDGET);
	}
	ck_assert_uint_eq(accesses, num / VIRTIO_MMIO_BUDGET);
	ck_assert_uint_eq(*vdrv_used16(&q_infl, VIRTQ_USED_IDX), num);
	status(&s);
	ck_assert_uint_eq(s.c.inflate_requests, num);
	ck_assert_uint_eq(s.c.oversized_requests, num);
	ck_assert_uint_eq(s.c.guest_errors, num);
	ck_assert_uint_eq(s.c.pages_inflated + s.c.pfn_out_of_range + s.c.pfn_already_ballooned, 0);
	ck_assert_uint_eq(ram_hash(), h);
	ck_assert(s.driver_ok && !s.needs_reset);
}
END_TEST

/* A request as the control socket runs it: the reply, ok or not as expected. */
static struct json_object *request(const char *line, bool ok)
{
	bool failed;
	char *s = control_handle_line(line, strlen(line), -1, &failed);
	struct json_object *r = json_tokener_parse(s);

	ck_assert_msg(failed != ok, "%s -> %s", line, s);
	free(s);
	return r;
}

static const char *error_of(struct json_object *reply)
{
	struct json_object *v;

	ck_assert(json_object_object_get_ex(reply, "error", &v));
	return json_object_get_string(v);
}

START_TEST(control_requests)
{
	struct json_object *reply, *v, *h;

	start(ALL_FEATURES);
	ck_assert_int_eq(control_register(balloon_commands, b), 0);
	send_range(&q_infl, 3 * PPF, PPF + 10);
	reply = request("{\"cmd\":\"balloon\",\"set\":\"20M\"}", true);
	ck_assert(json_object_object_get_ex(reply, "target_pages", &v));
	ck_assert_int_eq(json_object_get_int(v), 3072);
	ck_assert(json_object_object_get_ex(reply, "host", &h));
	ck_assert(json_object_object_get_ex(h, "frames_isolated", &v));
	ck_assert_int_eq(json_object_get_int(v), 1);
	ck_assert(json_object_object_get_ex(h, "stranded_kib", &v));
	ck_assert_int_eq(json_object_get_int(v), 40);
	ck_assert(json_object_object_get_ex(reply, "features", &v));
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(v, 0)), "MUST_TELL_HOST");
	json_object_put(reply);

	reply = request("{\"cmd\":\"balloon\",\"set\":\"64M\"}", false);
	ck_assert_ptr_nonnull(strstr(error_of(reply), "between 4K and the 32 MiB"));
	json_object_put(reply);
	reply = request("{\"cmd\":\"balloon\",\"set\":\"12 M\"}", false);
	ck_assert_ptr_nonnull(strstr(error_of(reply), "bad \"set\" size"));
	json_object_put(reply);

	reply = request("{\"cmd\":\"balloon-stats\",\"wait_ms\":5}", true);
	ck_assert(json_object_object_get_ex(reply, "fresh", &v));
	ck_assert(!json_object_get_boolean(v));
	ck_assert(json_object_object_get_ex(reply, "host", &h));
	json_object_put(reply);
	control_unregister(balloon_commands);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("balloon-device");
	TCase *ring = balloon_tcase(s, "bad-rings");
	TCase *dev = balloon_tcase(s, "device");
	TCase *bounds = balloon_tcase(s, "bounded-work");
	TCase *high = balloon_tcase_high_ram(s, "high-ram");

	tcase_add_loop_test(ring, bad_ring, 0, (int)ARRAY_SIZE(bad_rings));
	tcase_add_test(ring, ring_chain_longer_than_queue);
	tcase_add_test(ring, ring_head_and_next_out_of_range);
	tcase_add_test(ring, ring_unaligned);
	tcase_add_test(ring, ring_in_ballooned_memory);
	tcase_add_test(ring, queue_size_not_power_of_two);
	tcase_add_test(ring, notify_before_driver_ok);

	tcase_add_test(dev, queue_numbering_follows_features);
	tcase_add_test(dev, free_page_reporting);
	tcase_add_test(dev, page_poison_keeps_reported_pages);
	tcase_add_test(dev, config_target_and_actual);
	tcase_add_test(dev, statistics);
	tcase_add_test(dev, control_requests);

	tcase_add_loop_test(bounds, oversized_request_refused, 0, (int)ARRAY_SIZE(oversized));
	tcase_add_test(bounds, hostile_ring_costs_one_budget);

	tcase_add_loop_test(high, bad_ring_in_the_hole, 0, (int)ARRAY_SIZE(hole_rings));
	return s;
}
