/* check_balloon.c - virtio-balloon without KVM. Guest RAM is a guest_mem on
 * shmem pools of 2 simulated nodes (tests/sim_guest.h) with the real
 * migrator (its userfaultfd reader restores a ballooned frame the "guest"
 * touches); the test plays the driver (tests/virtio_driver.h) through the
 * MMIO registers, with rings and PFN arrays in frame 0.
 * Frames 1..NFRAMES-1 hold a pattern, so any page the device zeroes or gives
 * back that it should not shows up. */
#include <check.h>
#include <errno.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "balloon/balloon.h"
#include "balloon/control.h"
#include "vmm/control/dispatch.h"
#include "lib/clock.h"
#include "lib/util.h"
#include "mm/reclaim.h"
#include "tests/sim_guest.h"
#include "tests/virtio_driver.h"
#include "tests/unit.h"

#define NFRAMES 16
#define PPF BALLOON_PAGES_PER_FRAME /* 512 */
#define BASE 0xC0000000ULL
#define RING(q) (0x10000ULL + (q) * 0x4000ULL) /* queue q's rings */
#define ARRAYS 0x40000ULL                      /* 16 KiB per request slot */
#define QNUM 16

static struct guest_mem gm;
static struct migrator mig;
static struct balloon *b;
static struct virtio_mmio *t;

/* the driver's queues: inflate, deflate, stats, reporting */
static struct vdrv_queue q_infl, q_defl, q_stats, q_rep;

#define F(bit) VIRTIO_BIT(bit)
#define ALL_FEATURES (F(VIRTIO_F_VERSION_1) | F(VIRTIO_BALLOON_F_MUST_TELL_HOST) | \
		      F(VIRTIO_BALLOON_F_STATS_VQ) | F(VIRTIO_BALLOON_F_DEFLATE_ON_OOM) | \
		      F(VIRTIO_BALLOON_F_REPORTING))

static uint8_t *hva(uint64_t gpa)
{
	return gm.hva + gpa;
}

static uint64_t word_pattern(uint64_t gpa)
{
	return gpa * 0x9e3779b97f4a7c15ULL + 1;
}

static void fill_frames(void)
{
	for (uint64_t gpa = FRAME_SIZE; gpa < gm.size; gpa += 8)
		*(uint64_t *)hva(gpa) = word_pattern(gpa);
}

/* Does page pfn still hold its pattern / read as zero? (reads only mapped
 * frames: reading a ballooned one would fault it back) */
static bool page_is_pattern(uint32_t pfn)
{
	uint64_t gpa = (uint64_t)pfn << 12;

	for (uint64_t off = 0; off < 4096; off += 8)
		if (*(uint64_t *)hva(gpa + off) != word_pattern(gpa + off))
			return false;
	return true;
}

static bool page_is_zero(uint32_t pfn)
{
	return all_bytes_are(hva((uint64_t)pfn << 12), 4096, 0);
}

/* Hash of frames 1.. that are mapped (frame 0 holds the rings). */
static uint64_t ram_hash(void)
{
	uint64_t h = 0;

	for (uint32_t f = 1; f < NFRAMES; f++) {
		const uint64_t *w = (const uint64_t *)guest_mem_frame_hva(&gm, f);

		if (gm.ft.frames[f].state != FRAME_MAPPED)
			continue;
		for (size_t i = 0; i < FRAME_SIZE / 8; i++)
			h = (h ^ w[i]) * 0x100000001b3ULL;
	}
	return h;
}

static void setup(void)
{
	char err[256];

	ck_assert_msg(sim_guest_build(&gm, &mig, NFRAMES, "interleave:0,1", 1, 1, err, sizeof(err)) == 0, "%s",
		      err);
	b = balloon_create(&gm, &mig, BASE);
	ck_assert_ptr_nonnull(b);
	t = balloon_transport(b);
	fill_frames();
	/* where a test that does not call start() finds them */
	vdrv_queue_at(&q_infl, gm.hva, 0, QNUM, RING(0));
	vdrv_queue_at(&q_defl, gm.hva, 1, QNUM, RING(1));
	vdrv_queue_at(&q_stats, gm.hva, 2, QNUM, RING(2));
	vdrv_queue_at(&q_rep, gm.hva, 3, QNUM, RING(3));
}

static void teardown(void)
{
	migrator_stop_reader(&mig); /* as the VM does: no putback after the balloon */
	balloon_destroy(b);
	migrator_destroy(&mig);
	guest_mem_destroy(&gm);
}

static void status(struct balloon_status *s)
{
	balloon_get_status(b, s);
}

/* ---- the driver ---- */

/* Queue n, fresh, with its rings at RING(n). */
static void start_queue(struct vdrv_queue *q, unsigned n)
{
	vdrv_queue_start(t, q, gm.hva, n, QNUM, RING(n));
}

/* The queues features f give: inflate, deflate, then stats and reporting
 * numbered over the negotiated ones. */
static void start_queues(uint64_t f)
{
	unsigned n = 0;

	start_queue(&q_infl, n++);
	start_queue(&q_defl, n++);
	if (f & F(VIRTIO_BALLOON_F_STATS_VQ))
		start_queue(&q_stats, n++);
	if (f & F(VIRTIO_BALLOON_F_REPORTING))
		start_queue(&q_rep, n++);
}

/* Negotiate f, start its queues, DRIVER_OK. */
static void start(uint64_t f)
{
	ck_assert(vdrv_negotiate(t, f));
	start_queues(f);
	vdrv_driver_ok(t);
	ck_assert_uint_eq(vdrv_read(t, VIRTIO_MMIO_REG_STATUS), 0xf);
}

static uint64_t array_slot(const struct vdrv_queue *q)
{
	return ARRAYS + (q->index * QNUM + q->avail_idx % QNUM) * 0x4000ULL;
}

/* Send one request of n PFNs on q; expect it to be used. */
static void send(struct vdrv_queue *q, const uint32_t *pfns, unsigned n)
{
	uint64_t arr = array_slot(q);

	memcpy(hva(arr), pfns, n * 4);
	vdrv_add_buf(q, arr, n * 4, 0);
	vdrv_notify(t, q);
	ck_assert_uint_eq(vdrv_used_new(q), 1);
}

/* PFNs first.. first+n-1 on q, in requests of at most BALLOON_PFNS_MAX, as
 * Linux's driver sends them. */
static void send_range(struct vdrv_queue *q, uint32_t first, unsigned n)
{
	uint32_t pfns[BALLOON_PFNS_MAX];

	for (unsigned done = 0, k; done < n; done += k) {
		k = n - done < BALLOON_PFNS_MAX ? n - done : BALLOON_PFNS_MAX;
		for (unsigned i = 0; i < k; i++)
			pfns[i] = first + done + i;
		send(q, pfns, k);
	}
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

START_TEST(bad_ring)
{
	const struct bad_ring *r = &bad_rings[_i];
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
	Suite *s = suite_create("balloon");
	TCase *host = tcase_create("host");
	TCase *pfn = tcase_create("bad-pfns");
	TCase *ring = tcase_create("bad-rings");
	TCase *dev = tcase_create("device");
	TCase *bounds = tcase_create("bounded-work");
	TCase *all[] = { host, pfn, ring, dev, bounds };

	for (unsigned i = 0; i < ARRAY_SIZE(all); i++) {
		tcase_add_checked_fixture(all[i], setup, teardown);
		tcase_set_timeout(all[i], 30);
		suite_add_tcase(s, all[i]);
	}
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

	tcase_add_test(pfn, pfn_outside_ram);
	tcase_add_test(pfn, pfn_duplicate_in_request);
	tcase_add_test(pfn, pfn_already_ballooned);
	tcase_add_test(pfn, pfn_not_ballooned);
	tcase_add_test(pfn, pfn_buffer_odd_length_and_direction);
	tcase_add_test(pfn, pfn_array_in_ballooned_memory);

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
	return s;
}
