/* fuzz_balloon.c - the virtio-balloon device (balloon/) behind its
 * virtio-mmio transport (virtio/mmio.c), driven by a driver that does
 * anything: what tests/check_balloon.c and tests/check_balloon_device.c do
 * by the book, this does from the input.
 *
 * Guest RAM is a guest_mem of 16 frames on two simulated nodes over shmem,
 * with the real migrator (its userfaultfd reader restores a ballooned frame
 * the "guest" touches), built once. Each input negotiates a feature set,
 * sets up the queues (rings and request arrays in frame 0) and sets
 * DRIVER_OK, then runs a script: requests of PFNs (or any bytes, up to twice
 * the cap) on any queue, bursts of requests under one notification, buffers
 * of any guest range and length (free page reports), raw register writes and
 * reads, rewrites of the rings, guest touches of any frame, new host
 * targets. Then a device reset.
 *
 * Properties: nothing crashes or escapes (ASan); every frame is MAPPED or
 * BALLOONED, never stuck in between; the balloon never holds more pages than
 * guest RAM has; bounded work: no step (one guest access at most) pops more
 * than VIRTIO_MMIO_BUDGET chains of a queue, or looks at more than
 * BALLOON_PFNS_MAX PFNs per inflate or deflate request it popped; chains left
 * on a ring are all served within a ring's worth of budgets of further
 * accesses; after the reset every frame is MAPPED again and the balloon is
 * empty. */
#include <stdbool.h>

#include "lib/util.h"
#include "balloon/balloon.h"
#include "tests/fuzz/fuzz.h"
#include "tests/sim_guest.h"
#include "tests/virtio_driver.h"

#define NFRAMES 16
#define BASE 0xC0000000ULL
#define RING(q) (0x10000ULL + (q) * 0x4000ULL) /* queue q's rings */
#define ARRAYS 0x40000ULL                      /* 4 KiB per request slot */
#define SLOT 0x1000ULL
#define QNUM 64                                /* more than a budget fits */
#define MAX_OPS 64
#define MAX_PFNS (2 * BALLOON_PFNS_MAX)         /* half of them past the cap */

static struct guest_mem gm;
static struct migrator mig;
static struct balloon *b;
static struct virtio_mmio *t;

static struct vdrv_queue queues[4];
static unsigned nqueues;

static uint8_t *hva(uint64_t gpa)
{
	return gm.hva + gpa;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[256];

	(void)argc;
	(void)argv;
	if (sim_guest_build(&gm, NULL, NFRAMES, "interleave:0,1", 1, 0, err, sizeof(err)) < 0) {
		fprintf(stderr, "fuzz_balloon: guest memory: %s\n", err);
		exit(1);
	}
	if (migrator_init(&mig, &gm, 1, err, sizeof(err)) < 0) {
		fprintf(stderr, "SKIP: fuzz_balloon needs userfaultfd: %s\n", err);
		exit(77);
	}
	b = balloon_create(&gm, &mig, BASE);
	if (!b)
		abort();
	t = balloon_transport(b);
	return 0;
}

static void start(uint8_t fbits)
{
	static const unsigned bits[] = {
		VIRTIO_BALLOON_F_MUST_TELL_HOST, VIRTIO_BALLOON_F_STATS_VQ,
		VIRTIO_BALLOON_F_DEFLATE_ON_OOM, VIRTIO_BALLOON_F_PAGE_POISON,
		VIRTIO_BALLOON_F_REPORTING,
	};
	uint64_t f = VIRTIO_BIT(VIRTIO_F_VERSION_1);

	for (unsigned i = 0; i < ARRAY_SIZE(bits); i++)
		if (fbits & (1u << i))
			f |= VIRTIO_BIT(bits[i]);
	if (fbits & 0x80) /* ask for event-idx too */
		f |= VIRTIO_BIT(VIRTIO_RING_F_EVENT_IDX);
	vdrv_negotiate(t, f);
	nqueues = 2 + !!(f & VIRTIO_BIT(VIRTIO_BALLOON_F_STATS_VQ)) +
		  !!(f & VIRTIO_BIT(VIRTIO_BALLOON_F_REPORTING));
	for (unsigned q = 0; q < nqueues; q++)
		vdrv_queue_start(t, &queues[q], gm.hva, q, QNUM, RING(q));
	vdrv_driver_ok(t);
}

/* Make one buffer available on queue q and notify. */
static void post(unsigned q, uint64_t gpa, uint32_t len, uint16_t flags)
{
	vdrv_add_buf(&queues[q], gpa, len, flags);
	vdrv_notify(t, &queues[q]);
}

/* A request of PFNs (inflate, deflate; any bytes for stats) on queue q,
 * made available; notified if notify. */
static void send(struct fuzz_in *in, unsigned q, bool notify)
{
	unsigned slot = queues[q].avail_idx % QNUM;
	uint64_t arr = ARRAYS + (q * QNUM + slot) * SLOT;
	unsigned n = (unsigned)fuzz_take(in, 2) % (MAX_PFNS + 1);
	uint16_t flags = fuzz_take(in, 1) & 1 ? VIRTQ_DESC_F_WRITE : 0;
	uint32_t *pfn = (uint32_t *)hva(arr);
	uint32_t len;

	for (unsigned i = 0; i < n; i++) /* mostly inside the 8192 pages of RAM */
		pfn[i] = (uint32_t)fuzz_take(in, 2) % (NFRAMES * 512 + 1024);
	/* now and then an odd length */
	len = n * 4 + (unsigned)(fuzz_take(in, 1) % 4 == 3);
	if (notify)
		post(q, arr, len, flags);
	else
		vdrv_add_buf(&queues[q], arr, len, flags);
}

/* Any one buffer: free page reports point at the free memory itself; on the
 * other queues a buffer past the cap is refused unread. */
static void send_range(struct fuzz_in *in, unsigned q)
{
	uint64_t gpa = fuzz_take(in, 2) * 4096ULL % ((NFRAMES + 1) * FRAME_SIZE);
	uint32_t len = (uint32_t)(fuzz_take(in, 2) * 4096ULL % (2 * FRAME_SIZE + 4096));
	uint16_t flags = fuzz_take(in, 1) & 1 ? VIRTQ_DESC_F_WRITE : 0;

	post(q, gpa, len, flags);
}

/* Up to two budgets of requests on queue q under one notification. */
static void burst(struct fuzz_in *in, unsigned q)
{
	unsigned n = 1 + (unsigned)fuzz_take(in, 1) % (2 * VIRTIO_MMIO_BUDGET);

	for (unsigned i = 0; i < n; i++)
		send(in, q, false);
	vdrv_notify(t, &queues[q]);
}

/* What the device has done so far: chains popped per queue, PFNs looked at. */
struct work {
	uint64_t popped[4];
	uint64_t pfns;
};

static void work_now(struct work *w)
{
	struct balloon_status st;

	balloon_get_status(b, &st);
	for (unsigned q = 0; q < 4; q++)
		w->popped[q] = t->vq[q].popped;
	w->pfns = st.c.pages_inflated + st.c.pages_deflated + st.c.pfn_out_of_range + st.c.pfn_duplicate +
		  st.c.pfn_already_ballooned + st.c.pfn_not_ballooned;
}

/* One step, one guest access at most: one budget per queue, one cap per
 * request. (The PFN queues are 0 and 1 whatever was negotiated.) */
static void check_work(const struct work *before)
{
	struct work now;

	work_now(&now);
	for (unsigned q = 0; q < 4; q++)
		FUZZ_ASSERT(now.popped[q] - before->popped[q] <= VIRTIO_MMIO_BUDGET,
			    "queue %u: %llu chains popped in one access", q,
			    (unsigned long long)(now.popped[q] - before->popped[q]));
	FUZZ_ASSERT(now.pfns - before->pfns <=
			    (now.popped[0] - before->popped[0] + now.popped[1] - before->popped[1]) * BALLOON_PFNS_MAX,
		    "%llu PFNs looked at in one access", (unsigned long long)(now.pfns - before->pfns));
}

/* Chains left on a ring are served by later accesses: a ring's worth of
 * budgets empties any backlog. */
static void check_backlog_served(void)
{
	for (unsigned i = 0; i < QNUM / VIRTIO_MMIO_BUDGET + 1 && t->backlog; i++)
		vdrv_read(t, VIRTIO_MMIO_REG_INTERRUPT_STATUS);
	FUZZ_ASSERT(!t->backlog || !virtio_mmio_running(t), "queues 0x%x still have chains left", t->backlog);
}

static void check_frames(bool after_reset)
{
	struct balloon_status st;
	uint32_t ballooned = 0;

	pthread_mutex_lock(&gm.ft.lock);
	for (uint32_t i = 0; i < gm.ft.nframes; i++) {
		uint8_t s = gm.ft.frames[i].state;

		FUZZ_ASSERT(s == FRAME_MAPPED || s == FRAME_BALLOONED, "frame %u is %s", i,
			    frame_state_name(s));
		FUZZ_ASSERT(!after_reset || s == FRAME_MAPPED, "frame %u still ballooned after a reset", i);
		ballooned += s == FRAME_BALLOONED;
	}
	pthread_mutex_unlock(&gm.ft.lock);
	balloon_get_status(b, &st);
	FUZZ_ASSERT(st.c.ballooned_pages <= (uint64_t)NFRAMES * 512, "%llu pages in the balloon",
		    (unsigned long long)st.c.ballooned_pages);
	FUZZ_ASSERT(!after_reset || st.c.ballooned_pages == 0, "%llu pages in the balloon after a reset",
		    (unsigned long long)st.c.ballooned_pages);
	FUZZ_LOG("%u frames ballooned, %llu pages in the balloon, %llu guest errors\n", ballooned,
		 (unsigned long long)st.c.ballooned_pages, (unsigned long long)st.c.guest_errors);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };

	start((uint8_t)fuzz_take(&in, 1));
	for (unsigned op = 0; op < MAX_OPS && in.n; op++) {
		struct work before;

		work_now(&before);
		switch (fuzz_take(&in, 1) % 8) {
		case 0:
			send(&in, (unsigned)fuzz_take(&in, 1) % nqueues, true);
			break;
		case 1: { /* any register, any value */
			uint32_t off = (uint32_t)fuzz_take(&in, 2) % VIRTIO_MMIO_WINDOW;

			vdrv_write(t, off & ~3u, (uint32_t)fuzz_take(&in, 4));
			break;
		}
		case 2:
			vdrv_read(t, (uint32_t)fuzz_take(&in, 2) % VIRTIO_MMIO_WINDOW & ~3u);
			break;
		case 3: { /* the driver rewrites 8 bytes of a ring */
			uint64_t gpa = RING(0) + fuzz_take(&in, 2) % (4 * 0x4000);
			uint64_t v = fuzz_take(&in, 8);

			memcpy(hva(gpa), &v, 8);
			break;
		}
		case 4: { /* the guest touches a frame: a ballooned one comes back */
			uint32_t f = (uint32_t)fuzz_take(&in, 1) % NFRAMES;

			*(volatile uint8_t *)hva((uint64_t)f * FRAME_SIZE + 4096 * (fuzz_take(&in, 1) % 512)) = 1;
			break;
		}
		case 5:
			balloon_set_target(b, ((uint64_t)fuzz_take(&in, 2) << 12));
			break;
		case 6:
			send_range(&in, (unsigned)fuzz_take(&in, 1) % nqueues);
			break;
		case 7:
			burst(&in, (unsigned)fuzz_take(&in, 1) % nqueues);
			break;
		}
		check_work(&before);
		check_frames(false);
	}
	check_backlog_served();
	vdrv_write(t, VIRTIO_MMIO_REG_STATUS, 0);
	check_frames(true);
	return 0;
}
