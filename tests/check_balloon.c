/* check_balloon.c - virtio-balloon without KVM, the host side: frames
 * reclaimed, restored, touched back and given back on reset, and bad PFNs.
 * The guest, balloon and driver are tests/balloon_fixture.h's; the device's
 * rings, queues, features, config, stats, reporting, bounded work and
 * control requests are tests/check_balloon_device.c's. */
#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "balloon/balloon.h"
#include "mm/reclaim.h"
#include "tests/balloon_fixture.h"
#include "tests/sim_guest.h"
#include "tests/unit.h"

/* Does page pfn read as zero? (reads only mapped frames: reading a
 * ballooned one would fault it back) */
static bool page_is_zero(uint32_t pfn)
{
	return all_bytes_are(hva((uint64_t)pfn << 12), 4096, 0);
}

static void shuffle(uint32_t *a, unsigned n, uint64_t seed)
{
	for (unsigned i = n; i > 1; i--) {
		unsigned j;
		uint32_t x;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		j = (unsigned)((seed >> 33) % i);
		x = a[i - 1];
		a[i - 1] = a[j];
		a[j] = x;
	}
}

/* ---- the host side ---- */

START_TEST(full_frame_reclaimed_any_order)
{
	struct balloon_status s;
	uint32_t pfns[2 * PPF];
	uint32_t returned = gm.pools[0].pages_returned + gm.pools[1].pages_returned;

	start(ALL_FEATURES);
	/* frames 3 and 4, shuffled together, over 9 requests */
	for (unsigned i = 0; i < 2 * PPF; i++)
		pfns[i] = 3 * PPF + i;
	shuffle(pfns, 2 * PPF, 7);
	for (unsigned off = 0, sent[2] = { 0, 0 }; off < 2 * PPF; off += 120) {
		unsigned n = 2 * PPF - off < 120 ? 2 * PPF - off : 120;

		send(&q_infl, pfns + off, n);
		for (unsigned i = off; i < off + n; i++)
			sent[pfns[i] / PPF - 3]++;
		/* a frame goes back exactly when its last page is in */
		for (unsigned f = 0; f < 2; f++)
			ck_assert_uint_eq(gm.ft.frames[3 + f].state,
					  sent[f] == PPF ? FRAME_BALLOONED : FRAME_MAPPED);
	}
	ck_assert_uint_eq(gm.ft.frames[3].state, FRAME_BALLOONED);
	ck_assert_uint_eq(gm.ft.frames[4].state, FRAME_BALLOONED);
	ck_assert_uint_eq(gm.ft.frames[2].state, FRAME_MAPPED);
	ck_assert_uint_eq(gm.ft.frames[5].state, FRAME_MAPPED);
	ck_assert_uint_eq(gm.pools[0].pages_returned + gm.pools[1].pages_returned, returned + 2);
	ck_assert(page_is_pattern(2 * PPF + PPF - 1));
	ck_assert(page_is_pattern(5 * PPF));
	status(&s);
	ck_assert_uint_eq(s.c.inflate_requests, 9);
	ck_assert_uint_eq(s.c.pages_inflated, 2 * PPF);
	ck_assert_uint_eq(s.c.frames_reclaimed, 2);
	ck_assert_uint_eq(s.c.hugepages_returned, 2);
	ck_assert_uint_eq(s.c.frames_isolated, 2);
	ck_assert_uint_eq(s.c.stranded_pages, 0);
	ck_assert_uint_eq(s.c.guest_errors, 0);
	ck_assert_uint_eq(mig.stats.reclaimed, 2);
}
END_TEST

START_TEST(deflate_restores_zeroed)
{
	struct balloon_status s;

	start(ALL_FEATURES);
	send_range(&q_infl, 6 * PPF, PPF);
	ck_assert_uint_eq(gm.ft.frames[6].state, FRAME_BALLOONED);
	/* one page back: the frame comes back whole and zeroed, the other 511
	 * pages stay in the balloon, now stranded on a mapped frame */
	send_range(&q_defl, 6 * PPF + 10, 1);
	ck_assert_uint_eq(gm.ft.frames[6].state, FRAME_MAPPED);
	for (uint32_t p = 6 * PPF; p < 7 * PPF; p++)
		ck_assert(page_is_zero(p));
	status(&s);
	ck_assert_uint_eq(s.c.frames_restored, 1);
	ck_assert_uint_eq(s.c.frames_isolated, 0);
	ck_assert_uint_eq(s.c.ballooned_pages, PPF - 1);
	ck_assert_uint_eq(s.c.stranded_pages, PPF - 1);
	ck_assert_uint_eq(mig.stats.restored, 1);
	/* and the rest: nothing more to restore */
	send_range(&q_defl, 6 * PPF, 10);
	send_range(&q_defl, 6 * PPF + 11, PPF - 11);
	status(&s);
	ck_assert_uint_eq(s.c.ballooned_pages, 0);
	ck_assert_uint_eq(s.c.pages_deflated, PPF);
	ck_assert_uint_eq(s.c.frames_restored, 1);
	ck_assert_uint_eq(s.c.guest_errors, 0);
	ck_assert(page_is_pattern(7 * PPF));
}
END_TEST

/* No page at all for a deflated frame (no hugepage, no ordinary page): the
 * deflate is not acknowledged, so the driver does not use the pages yet; a
 * later one waits behind it. Once memory is back the migrator's reader
 * restores the frame and acknowledges both, in order. */
START_TEST(deflate_acknowledged_only_after_restore)
{
	struct balloon_status s;
	uint32_t pfn = 6 * PPF + 10, other = 6 * PPF + 11;

	start(ALL_FEATURES);
	send_range(&q_infl, 6 * PPF, PPF);
	ck_assert_uint_eq(gm.ft.frames[6].state, FRAME_BALLOONED);
	sim_host_pages(0);
	for (unsigned n = 0; n < SIM_GUEST_NODES; n++) {
		gm.pools[n].populate = sim_populate;
		gm.pools[n].nfree = 0;
	}
	mig.inject.no_small_pages = true;
	memcpy(hva(array_slot(&q_defl)), &pfn, 4);
	vdrv_add_buf(&q_defl, array_slot(&q_defl), 4, 0);
	vdrv_notify(t, &q_defl);
	ck_assert_uint_eq(vdrv_used_new(&q_defl), 0);
	memcpy(hva(array_slot(&q_defl)), &other, 4);
	vdrv_add_buf(&q_defl, array_slot(&q_defl), 4, 0);
	vdrv_notify(t, &q_defl);
	ck_assert_uint_eq(vdrv_used_new(&q_defl), 0);
	ck_assert_uint_eq(gm.ft.frames[6].state, FRAME_BALLOONED);
	status(&s);
	ck_assert_uint_ge(s.c.restore_failed, 1);

	mig.inject.no_small_pages = false; /* ordinary pages again */
	for (int i = 0; i < 200 && vdrv_used_new(&q_defl) == 0; i++)
		usleep(10000);
	ck_assert_uint_eq(gm.ft.frames[6].state, FRAME_MAPPED);
	ck_assert_uint_eq(gm.ft.frames[6].degraded, 1);
	/* the one that waited is served at the driver's next access */
	vdrv_notify(t, &q_defl);
	ck_assert_uint_eq(vdrv_used_new(&q_defl), 1);
	status(&s);
	ck_assert_uint_eq(s.c.pages_deflated, 2);
	ck_assert_uint_eq(s.c.ballooned_pages, PPF - 2);
	ck_assert_uint_eq(s.c.guest_errors, 0);
	for (uint32_t p = 6 * PPF; p < 7 * PPF; p++)
		ck_assert(page_is_zero(p));
}
END_TEST

static bool in(uint32_t p, uint32_t first, uint32_t n)
{
	return p >= first && p < first + n;
}

/* With MUST_TELL_HOST the driver waits for the deflate ack before using a
 * page: partly ballooned pages are zeroed then, not at inflate. */
START_TEST(partial_frame_zeroed_on_deflate)
{
	struct balloon_status s;

	start(ALL_FEATURES);
	send_range(&q_infl, 4 * PPF + 100, 100);
	ck_assert_uint_eq(gm.ft.frames[4].state, FRAME_MAPPED);
	for (uint32_t p = 4 * PPF; p < 5 * PPF; p++)
		ck_assert(page_is_pattern(p));
	status(&s);
	ck_assert_uint_eq(s.c.stranded_pages, 100);
	ck_assert_uint_eq(s.c.frames_isolated, 0);
	/* deflated pages read as zero; the rest of the frame is untouched */
	send_range(&q_defl, 4 * PPF + 100, 60);
	for (uint32_t p = 4 * PPF; p < 5 * PPF; p++)
		ck_assert(in(p, 4 * PPF + 100, 60) ? page_is_zero(p) : page_is_pattern(p));
	status(&s);
	ck_assert_uint_eq(s.c.stranded_pages, 40);
	/* a frame that fills up goes back whole: nothing was zeroed in vain,
	 * and what comes back is a fresh page */
	send_range(&q_infl, 5 * PPF, PPF);
	ck_assert_uint_eq(gm.ft.frames[5].state, FRAME_BALLOONED);
	send_range(&q_defl, 5 * PPF, 256);
	send_range(&q_defl, 5 * PPF + 256, 256);
	for (uint32_t p = 5 * PPF; p < 6 * PPF; p++)
		ck_assert(page_is_zero(p));
}
END_TEST

/* Without it the driver may use pages before the deflate ack: they are
 * zeroed before the inflate is acknowledged. */
START_TEST(partial_frame_zeroed_on_inflate)
{
	struct balloon_status s;

	start(ALL_FEATURES & ~F(VIRTIO_BALLOON_F_MUST_TELL_HOST));
	send_range(&q_infl, 4 * PPF + 100, 100);
	for (uint32_t p = 4 * PPF; p < 5 * PPF; p++)
		ck_assert(in(p, 4 * PPF + 100, 100) ? page_is_zero(p) : page_is_pattern(p));
	/* the driver uses one before deflating it: the deflate leaves it be */
	memset(hva((4ULL * PPF + 150) << 12), 0x33, 4096);
	send_range(&q_defl, 4 * PPF + 100, 100);
	ck_assert(!page_is_zero(4 * PPF + 150));
	ck_assert(page_is_zero(4 * PPF + 151));
	status(&s);
	ck_assert_uint_eq(s.c.stranded_pages, 0);
	ck_assert_uint_eq(s.c.guest_errors, 0);
}
END_TEST

START_TEST(reclaim_busy_is_retried)
{
	struct balloon_status s;

	start(ALL_FEATURES);
	send_range(&q_infl, 8 * PPF, PPF - 1);
	gm.ft.frames[8].state = FRAME_MIGRATING; /* as if mid-move */
	send_range(&q_infl, 9 * PPF - 1, 1);
	status(&s); /* which retries, in vain */
	ck_assert_uint_eq(s.c.reclaim_busy, 2);
	ck_assert_uint_eq(s.c.frames_pending, 1);
	ck_assert_uint_eq(s.c.frames_isolated, 0);
	balloon_get_status(b, &s); /* still busy: stays pending */
	ck_assert_uint_eq(s.c.frames_pending, 1);
	gm.ft.frames[8].state = FRAME_MAPPED;
	/* the next request retries */
	send_range(&q_infl, 10 * PPF, 1);
	status(&s);
	ck_assert_uint_eq(gm.ft.frames[8].state, FRAME_BALLOONED);
	ck_assert_uint_eq(s.c.frames_pending, 0);
	ck_assert_uint_ge(s.c.reclaim_retries, 1);
	ck_assert_uint_eq(s.c.frames_isolated, 1);
}
END_TEST

START_TEST(guest_touch_puts_frame_back)
{
	struct balloon_status s;
	volatile uint64_t *p;

	start(ALL_FEATURES);
	send_range(&q_infl, 5 * PPF, PPF);
	ck_assert_uint_eq(gm.ft.frames[5].state, FRAME_BALLOONED);
	/* the "guest" touches it: the uffd reader restores it, then putback */
	p = (volatile uint64_t *)guest_mem_frame_hva(&gm, 5);
	ck_assert_uint_eq(p[1000], 0);
	p[7] = 42;
	ck_assert_uint_eq(gm.ft.frames[5].state, FRAME_MAPPED);
	status(&s);
	ck_assert_uint_eq(s.c.frames_touched, 1);
	ck_assert_uint_eq(s.c.frames_isolated, 0);
	ck_assert_uint_eq(mig.stats.touch_restored, 1);
	/* the pages stay in the balloon, stranded, until the driver deflates
	 * them; the deflate restores nothing and keeps what the guest wrote */
	ck_assert_uint_eq(s.c.ballooned_pages, PPF);
	ck_assert_uint_eq(s.c.stranded_pages, PPF);
	send_range(&q_defl, 5 * PPF, PPF);
	status(&s);
	ck_assert_uint_eq(s.c.ballooned_pages, 0);
	ck_assert_uint_eq(s.c.frames_restored, 0);
	ck_assert_uint_eq(s.c.guest_errors, 0);
	ck_assert_uint_eq(p[7], 42);
	ck_assert(!(vdrv_read(t, VIRTIO_MMIO_REG_STATUS) & VIRTIO_STATUS_NEEDS_RESET));
}
END_TEST

/* The nested Linux run: frames 5 and 6 reported; the guest's allocator hands
 * half of frame 5 to the balloon without touching it, and a full frame 8 is
 * inflated; then the guest reuses another reported page of frame 5 (the host
 * restores it), all RAM moves to node 1, and the balloon deflates. Linux
 * deflates exactly what it inflated: the touch must not have taken frame 5's
 * inflated pages out of the balloon. */
START_TEST(touch_of_reported_frame_keeps_inflated_pages)
{
	const uint32_t reused = 5 * PPF + 300;
	struct balloon_status s;
	struct migrate_result res;
	uint32_t frames[NFRAMES - 1];

	start(ALL_FEATURES);
	vdrv_add_buf(&q_rep, 5 * FRAME_SIZE, (uint32_t)(2 * FRAME_SIZE), VIRTQ_DESC_F_WRITE);
	vdrv_notify(t, &q_rep);
	ck_assert_uint_eq(vdrv_used_new(&q_rep), 1);
	ck_assert_uint_eq(gm.ft.frames[5].state, FRAME_BALLOONED);
	send_range(&q_infl, 5 * PPF, 256);
	send_range(&q_infl, 8 * PPF, PPF);
	ck_assert_uint_eq(gm.ft.frames[5].state, FRAME_BALLOONED);
	ck_assert_uint_eq(gm.ft.frames[8].state, FRAME_BALLOONED);

	memset(hva((uint64_t)reused << 12), 0x5a, 4096);
	ck_assert_uint_eq(gm.ft.frames[5].state, FRAME_MAPPED);
	status(&s);
	ck_assert_uint_eq(s.c.frames_touched, 1);
	ck_assert_uint_eq(s.c.ballooned_pages, 256 + PPF);
	ck_assert_uint_eq(s.c.stranded_pages, 256);

	for (uint32_t i = 0; i < NFRAMES - 1; i++)
		frames[i] = i + 1;
	ck_assert_int_eq(migrate_frames(&mig, frames, NFRAMES - 1, 1, MIGRATE_SYNC, MR_USER, &res), 0);
	ck_assert_uint_eq(res.failed, 0);
	ck_assert_uint_eq(gm.ft.frames[5].node, 1);
	ck_assert_uint_eq(gm.ft.frames[8].node, 1);

	send_range(&q_defl, 5 * PPF, 256);
	send_range(&q_defl, 8 * PPF, 256);
	send_range(&q_defl, 8 * PPF + 256, 256);
	status(&s);
	ck_assert_uint_eq(s.c.pfn_not_ballooned, 0);
	ck_assert_uint_eq(s.c.guest_errors, 0);
	ck_assert_uint_eq(s.c.pages_deflated, 256 + PPF);
	ck_assert_uint_eq(s.c.ballooned_pages, 0);
	ck_assert_uint_eq(s.c.frames_isolated, 1); /* frame 6: reported, never touched */
	ck_assert_uint_eq(s.c.frames_reclaimed, s.c.frames_restored + s.c.frames_touched + 1);
	ck_assert_uint_eq(gm.ft.frames[8].state, FRAME_MAPPED);
	ck_assert_uint_eq(gm.ft.frames[8].node, 1);
	for (uint32_t p = 5 * PPF; p < 5 * PPF + 256; p++)
		ck_assert(page_is_zero(p));
	for (uint32_t p = 8 * PPF; p < 9 * PPF; p++)
		ck_assert(page_is_zero(p));
	for (unsigned i = 0; i < 4096; i++)
		ck_assert_uint_eq(hva((uint64_t)reused << 12)[i], 0x5a);
	ck_assert(page_is_pattern(7 * PPF));
}
END_TEST

/* Linux on another vCPU, right after a touch of reported frame 5: it takes
 * pages REUSED and REUSED + 1 of the frame, uses them and inflates them, one
 * request's PFN array in frame 0, the other's in page ARRAY of frame 5. */
#define REUSED (5 * PPF + 7)
#define ARRAY (5 * PPF + 9)
static const struct frame_ops *balloon_frame_ops;
static pthread_t other_vcpu;
static bool other_done, other_done_early;

static void *other_vcpu_inflates(void *arg)
{
	uint32_t pfns[2] = { REUSED, REUSED + 1 };

	memset(hva((uint64_t)REUSED << 12), 0x5a, 2 * 4096);
	memcpy(hva(array_slot(&q_infl)), &pfns[0], 4);
	vdrv_add_buf(&q_infl, array_slot(&q_infl), 4, 0);
	memcpy(hva((uint64_t)ARRAY << 12), &pfns[1], 4);
	vdrv_add_buf(&q_infl, (uint64_t)ARRAY << 12, 4, 0);
	vdrv_notify(t, &q_infl);
	__atomic_store_n(&other_done, true, __ATOMIC_RELEASE);
	return NULL;
}

/* The balloon's putback, with the other vCPU given every chance to run first. */
static void slow_putback(struct frame *f, void *owner)
{
	pthread_create(&other_vcpu, NULL, other_vcpu_inflates, NULL);
	usleep(100000);
	other_done_early = __atomic_load_n(&other_done, __ATOMIC_ACQUIRE);
	balloon_frame_ops->putback(f, owner);
}

static const struct frame_ops slow_ops = { .name = "slow-balloon", .putback = slow_putback };

static void *touch_page(void *p)
{
	*(volatile uint8_t *)p = 1;
	return NULL;
}

/* The balloon hears of a touch before any vCPU can use the frame: a page
 * inflated right after it is accepted (its PFN array in the frame too) and
 * zeroed at deflate, not taken for a page of a frame the host still has. */
START_TEST(touch_is_known_before_the_guest_runs_on)
{
	struct balloon_status s;
	pthread_t vcpu;

	start(ALL_FEATURES);
	vdrv_add_buf(&q_rep, 5 * FRAME_SIZE, (uint32_t)FRAME_SIZE, VIRTQ_DESC_F_WRITE);
	vdrv_notify(t, &q_rep);
	ck_assert_uint_eq(vdrv_used_new(&q_rep), 1);
	ck_assert_uint_eq(gm.ft.frames[5].state, FRAME_BALLOONED);
	balloon_frame_ops = gm.ft.frames[5].ops;
	gm.ft.frames[5].ops = &slow_ops;

	/* the touch, on a thread of its own: joining it orders what the
	 * reader's putback wrote before the reads below */
	pthread_create(&vcpu, NULL, touch_page, hva(5 * FRAME_SIZE + 300 * 4096));
	pthread_join(vcpu, NULL);
	pthread_join(other_vcpu, NULL);
	ck_assert(!other_done_early);
	ck_assert_uint_eq(vdrv_used_new(&q_infl), 2);
	status(&s);
	ck_assert_uint_eq(s.c.frames_touched, 1);
	ck_assert_uint_eq(s.c.guest_errors, 0);
	ck_assert_uint_eq(s.c.ballooned_pages, 2);
	ck_assert_uint_eq(s.c.stranded_pages, 2);

	send_range(&q_defl, REUSED, 2);
	status(&s);
	ck_assert_uint_eq(s.c.ballooned_pages, 0);
	ck_assert_uint_eq(s.c.guest_errors, 0);
	ck_assert(page_is_zero(REUSED));
	ck_assert(page_is_zero(REUSED + 1));
}
END_TEST

START_TEST(reset_gives_everything_back)
{
	struct balloon_status s;

	start(ALL_FEATURES);
	send_range(&q_infl, 2 * PPF, PPF + 7);
	ck_assert_uint_eq(gm.ft.frames[2].state, FRAME_BALLOONED);
	vdrv_write(t, VIRTIO_MMIO_REG_STATUS, 0);
	ck_assert_uint_eq(gm.ft.frames[2].state, FRAME_MAPPED);
	status(&s);
	ck_assert_uint_eq(s.c.ballooned_pages, 0);
	ck_assert_uint_eq(s.c.frames_isolated, 0);
	ck_assert_uint_eq(s.c.frames_restored, 1);
	ck_assert(page_is_zero(2 * PPF + 5));
	ck_assert(page_is_pattern(3 * PPF + 3)); /* nothing zeroed that need not be */
	/* a new driver can balloon the same pages again */
	start(ALL_FEATURES);
	send_range(&q_infl, 2 * PPF, PPF);
	ck_assert_uint_eq(gm.ft.frames[2].state, FRAME_BALLOONED);
}
END_TEST

/* ---- bad PFNs: counted, the rest of the request goes through, and no page
 * outside the request's good PFNs changes ---- */

START_TEST(pfn_outside_ram)
{
	uint32_t pfns[] = { NFRAMES * PPF, UINT32_MAX, NFRAMES * PPF + 100000, 3 * PPF };
	struct balloon_status s;
	uint64_t h;

	start(ALL_FEATURES);
	/* the good one first, so the hash covers what follows */
	send(&q_infl, pfns + 3, 1);
	h = ram_hash();
	send(&q_infl, pfns, 3);
	send(&q_defl, pfns, 3);
	ck_assert_uint_eq(ram_hash(), h);
	status(&s);
	ck_assert_uint_eq(s.c.pfn_out_of_range, 6);
	ck_assert_uint_eq(s.c.pages_inflated, 1);
	ck_assert_uint_eq(s.c.pages_deflated, 0);
	ck_assert(!(vdrv_read(t, VIRTIO_MMIO_REG_STATUS) & VIRTIO_STATUS_NEEDS_RESET));
}
END_TEST

START_TEST(pfn_duplicate_in_request)
{
	uint32_t pfns[] = { 7 * PPF + 3, 7 * PPF + 9, 7 * PPF + 3, 7 * PPF + 3 };
	struct balloon_status s;

	start(ALL_FEATURES);
	send(&q_infl, pfns, 4);
	status(&s);
	ck_assert_uint_eq(s.c.pfn_duplicate, 2);
	ck_assert_uint_eq(s.c.pfn_already_ballooned, 0);
	ck_assert_uint_eq(s.c.pages_inflated, 2);
	ck_assert_uint_eq(s.c.ballooned_pages, 2);
	/* nothing changed; deflating the two zeroes just them */
	for (uint32_t p = 7 * PPF; p < 8 * PPF; p++)
		ck_assert(page_is_pattern(p));
	send(&q_defl, pfns, 2);
	for (uint32_t p = 7 * PPF; p < 8 * PPF; p++)
		ck_assert(p == 7 * PPF + 3 || p == 7 * PPF + 9 ? page_is_zero(p) : page_is_pattern(p));
	status(&s);
	ck_assert_uint_eq(s.c.pfn_duplicate, 2);
	ck_assert_uint_eq(s.c.guest_errors, 2);
}
END_TEST

START_TEST(pfn_already_ballooned)
{
	struct balloon_status s;
	uint64_t h;

	start(ALL_FEATURES);
	send_range(&q_infl, 9 * PPF, 20);
	/* a driver that breaks the rules writes to a ballooned page... */
	memset(hva(9ULL * PPF << 12), 0x77, 4096);
	h = ram_hash();
	/* ...and gives it again: refused, so it is not zeroed again */
	send_range(&q_infl, 9 * PPF, 20);
	ck_assert_uint_eq(ram_hash(), h);
	status(&s);
	ck_assert_uint_eq(s.c.pfn_already_ballooned, 20);
	ck_assert_uint_eq(s.c.pfn_duplicate, 0);
	ck_assert_uint_eq(s.c.ballooned_pages, 20);
	/* also for a frame whose page the host already has */
	send_range(&q_infl, 10 * PPF, PPF);
	send_range(&q_infl, 10 * PPF + 5, 3);
	status(&s);
	ck_assert_uint_eq(s.c.pfn_already_ballooned, 23);
	ck_assert_uint_eq(gm.ft.frames[10].state, FRAME_BALLOONED);
}
END_TEST

START_TEST(pfn_not_ballooned)
{
	struct balloon_status s;
	uint64_t h;

	start(ALL_FEATURES);
	h = ram_hash();
	send_range(&q_defl, 11 * PPF, 30);
	ck_assert_uint_eq(ram_hash(), h);
	status(&s);
	ck_assert_uint_eq(s.c.pfn_not_ballooned, 30);
	ck_assert_uint_eq(s.c.pages_deflated, 0);
}
END_TEST

START_TEST(pfn_buffer_odd_length_and_direction)
{
	struct balloon_status s;
	uint32_t pfns[3] = { 12 * PPF, 12 * PPF + 1, 12 * PPF + 2 };
	uint64_t arr = array_slot(&q_infl), h;

	start(ALL_FEATURES);
	memcpy(hva(arr), pfns, sizeof(pfns));
	vdrv_add_buf(&q_infl, arr, 10, 0); /* two PFNs and 2 stray bytes */
	vdrv_notify(t, &q_infl);
	ck_assert_uint_eq(vdrv_used_new(&q_infl), 1);
	status(&s);
	ck_assert_uint_eq(s.c.bad_buffers, 1);
	ck_assert_uint_eq(s.c.pages_inflated, 2);
	ck_assert(page_is_pattern(12 * PPF + 2));
	/* a device-writable PFN array is not one */
	h = ram_hash();
	arr = array_slot(&q_infl);
	memcpy(hva(arr), pfns, sizeof(pfns));
	vdrv_add_buf(&q_infl, arr, 12, VIRTQ_DESC_F_WRITE);
	vdrv_notify(t, &q_infl);
	ck_assert_uint_eq(vdrv_used_new(&q_infl), 1);
	ck_assert_uint_eq(ram_hash(), h);
	status(&s);
	ck_assert_uint_eq(s.c.bad_buffers, 2);
	ck_assert_uint_eq(s.c.pages_inflated, 2);
}
END_TEST

START_TEST(pfn_array_in_ballooned_memory)
{
	struct balloon_status s;

	start(ALL_FEATURES);
	send_range(&q_infl, 13 * PPF, PPF);
	ck_assert_uint_eq(gm.ft.frames[13].state, FRAME_BALLOONED);
	/* an array inside frame 13: the device must not fault it back in */
	vdrv_add_buf(&q_infl, 13 * FRAME_SIZE + 64, 64, 0);
	vdrv_notify(t, &q_infl);
	ck_assert_uint_eq(vdrv_used_new(&q_infl), 1);
	ck_assert_uint_eq(gm.ft.frames[13].state, FRAME_BALLOONED);
	status(&s);
	ck_assert_uint_eq(s.c.bad_buffers, 1);
	ck_assert_uint_eq(mig.stats.touch_restored, 0);
}
END_TEST

/* ---- --no-prealloc (balloon_tcase_lazy) ---- */

/* Two whole frames ballooned: frame 2, which the guest wrote, and frame
 * NFRAMES, which it never touched and so never had a page. Both are
 * ballooned; one hugepage went back, and the host's count says one, as the
 * pool file's own size does. */
START_TEST(lazy_frame_never_touched_returns_no_hugepage)
{
	struct balloon_status s;
	uint32_t pfns[2 * PPF];
	struct pool *p0 = &gm.pools[0], *p1 = &gm.pools[1];
	uint64_t held;

	/* frame 0's pages all made now: the rings and PFN arrays will not grow
	 * the pool files between the two looks */
	memset(guest_mem_frame_hva(&gm, 0), 0, FRAME_SIZE);
	start(ALL_FEATURES);
	held = pool_file_bytes(p0) + pool_file_bytes(p1);
	for (unsigned i = 0; i < PPF; i++) {
		pfns[i] = 2 * PPF + i;
		pfns[PPF + i] = NFRAMES * PPF + i;
	}
	for (unsigned off = 0; off < 2 * PPF; off += 128)
		send(&q_infl, pfns + off, 128);
	ck_assert_uint_eq(gm.ft.frames[2].state, FRAME_BALLOONED);
	ck_assert_uint_eq(gm.ft.frames[NFRAMES].state, FRAME_BALLOONED);
	status(&s);
	ck_assert_uint_eq(s.c.frames_reclaimed, 2);
	ck_assert_uint_eq(s.c.hugepages_returned, 1);
	ck_assert_uint_eq(p0->pages_returned + p1->pages_returned, 1);
	ck_assert_uint_eq(pool_file_bytes(p0) + pool_file_bytes(p1), held - FRAME_SIZE);
}
END_TEST

/* ---- RAM above 4 GiB (balloon_tcase_high_ram: 3 GiB + 8 MiB) ---- */

/* The guest's PFNs of a frame above the hole balloon that frame (1537, at
 * GPA 4 GiB + 2 MiB), from a PFN array that itself lies above 4 GiB; PFNs
 * in the hole are refused like those beyond RAM; deflating brings the frame
 * back. */
START_TEST(pfns_above_the_hole)
{
	const uint32_t first = (uint32_t)((FS_HIGH_RAM_BASE + FRAME_SIZE) >> 12);
	const uint32_t bad[] = {
		(uint32_t)(FS_LOW_RAM_MAX >> 12), (uint32_t)(FS_HIGH_RAM_BASE >> 12) - 1,
		(uint32_t)((FS_HIGH_RAM_BASE + (HIGH_RAM_FRAMES - 1536) * FRAME_SIZE) >> 12),
	};
	const uint64_t arr = FS_HIGH_RAM_BASE + 3 * FRAME_SIZE; /* in frame 1539 */
	uint32_t *pfns = (uint32_t *)hva(arr);
	struct balloon_status s;

	start(ALL_FEATURES);
	send(&q_infl, bad, 3);
	status(&s);
	ck_assert_uint_eq(s.c.pfn_out_of_range, 3);
	ck_assert_uint_eq(s.c.pages_inflated, 0);
	for (unsigned i = 0; i < PPF; i++)
		pfns[i] = first + i;
	for (unsigned i = 0; i < PPF; i += BALLOON_PFNS_MAX) {
		vdrv_add_buf(&q_infl, arr + i * 4, BALLOON_PFNS_MAX * 4, 0);
		vdrv_notify(t, &q_infl);
		ck_assert_uint_eq(vdrv_used_new(&q_infl), 1);
	}
	ck_assert_uint_eq(gm.ft.frames[1537].state, FRAME_BALLOONED);
	ck_assert_uint_eq(gm.ft.frames[1536].state, FRAME_MAPPED);
	ck_assert_uint_eq(gm.ft.frames[1538].state, FRAME_MAPPED);
	status(&s);
	ck_assert_uint_eq(s.c.pages_inflated, PPF);
	ck_assert_uint_eq(s.c.frames_reclaimed, 1);
	ck_assert_uint_eq(s.c.pfn_out_of_range, 3);
	send_range(&q_defl, first, PPF);
	ck_assert_uint_eq(gm.ft.frames[1537].state, FRAME_MAPPED);
	status(&s);
	ck_assert_uint_eq(s.c.pages_deflated, PPF);
	ck_assert_uint_eq(s.c.guest_errors, 3);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("balloon");
	TCase *host = balloon_tcase(s, "host");
	TCase *pfn = balloon_tcase(s, "bad-pfns");
	TCase *high = balloon_tcase_high_ram(s, "high-ram");
	TCase *lazy = balloon_tcase_lazy(s, "lazy");

	tcase_add_test(host, full_frame_reclaimed_any_order);
	tcase_add_test(host, deflate_restores_zeroed);
	tcase_add_test(host, deflate_acknowledged_only_after_restore);
	tcase_add_test(host, partial_frame_zeroed_on_deflate);
	tcase_add_test(host, partial_frame_zeroed_on_inflate);
	tcase_add_test(host, reclaim_busy_is_retried);
	tcase_add_test(host, guest_touch_puts_frame_back);
	tcase_add_test(host, touch_of_reported_frame_keeps_inflated_pages);
	tcase_add_test(host, touch_is_known_before_the_guest_runs_on);
	tcase_add_test(host, reset_gives_everything_back);
	tcase_add_test(lazy, lazy_frame_never_touched_returns_no_hugepage);

	tcase_add_test(pfn, pfn_outside_ram);
	tcase_add_test(pfn, pfn_duplicate_in_request);
	tcase_add_test(pfn, pfn_already_ballooned);
	tcase_add_test(pfn, pfn_not_ballooned);
	tcase_add_test(pfn, pfn_buffer_odd_length_and_direction);
	tcase_add_test(pfn, pfn_array_in_ballooned_memory);

	tcase_add_test(high, pfns_above_the_hole);
	return s;
}
