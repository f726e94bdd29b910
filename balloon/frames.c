/* frames.c - the balloon's host side: per 2 MiB frame, a map of the 4 KiB
 * pages in the balloon; a full frame's page goes back to the host
 * (frame_reclaim), a deflate or a reset brings a fresh one back
 * (frame_restore), and mm/'s fault path tells us of a touch through the
 * putback hook. See balloon.h for the rules, docs/virtio.md for why. */
#include <errno.h>
#include <string.h>

#include "balloon/state.h"
#include "mm/reclaim.h"
#include "lib/clock.h"
#include "lib/log.h"

static bool test_bit(const uint64_t *map, uint64_t i)
{
	return map[i / 64] & (1ULL << (i % 64));
}

static void set_bit(uint64_t *map, uint64_t i)
{
	map[i / 64] |= 1ULL << (i % 64);
}

static void clear_bit(uint64_t *map, uint64_t i)
{
	map[i / 64] &= ~(1ULL << (i % 64));
}

bool frame_reclaimed(const struct balloon *b, uint32_t fr)
{
	return __atomic_load_n(&b->frames[fr].reclaimed, __ATOMIC_ACQUIRE);
}

/* frame_reclaimed for a guest request: a touch's restore maps the frame
 * before it tells us (putback), so a request that follows the guest's use of
 * the frame may come in between; it waits for the putback. */
static bool frame_reclaimed_settled(struct balloon *b, uint32_t fr)
{
	if (!frame_reclaimed(b, fr))
		return false;
	frame_restores_settle(b->mig);
	return frame_reclaimed(b, fr);
}

static void set_reclaimed(struct balloon *b, uint32_t fr, bool on)
{
	__atomic_store_n(&b->frames[fr].reclaimed, on, __ATOMIC_RELEASE);
}

/* ---- guest memory, as the queues see it ---- */

/* Guest RAM the device may touch: not in a frame whose page is with the host
 * (touching one would fault it back in behind the guest's back). */
void *balloon_translate(void *arg, uint64_t gpa, uint64_t len)
{
	struct balloon *b = arg;
	void *p = guest_mem_gpa_to_hva(b->gm, gpa, len);
	uint32_t first, last;

	if (!p || !guest_mem_gpa_frames(b->gm, gpa, len, &first, &last))
		return p;
	for (uint32_t fr = first; fr <= last; fr++)
		if (frame_reclaimed_settled(b, fr))
			return NULL;
	return p;
}

bool balloon_in_ram(void *arg, uint64_t gpa, uint64_t len)
{
	struct balloon *b = arg;

	return guest_mem_gpa_to_hva(b->gm, gpa, len) != NULL;
}

/* ---- reclaim and restore ---- */

static void balloon_putback(struct frame *f, void *owner);
static int balloon_isolate(struct frame *f, void *owner)
{
	return -EBUSY; /* a ballooned frame has no page to move */
}

static const struct frame_ops balloon_frame_ops = {
	.name = "virtio-balloon",
	.isolate = balloon_isolate,
	.putback = balloon_putback,
};

/* mm/ calls this from its fault path when the guest touched a frame, once per
 * restore, with the frame table lock held, right after the fresh page is
 * mapped: no request that follows a vCPU's use of the frame is served before
 * it stops counting as reclaimed (frame_reclaimed_settled), and no deflate's
 * restore or new reclaim can come between (the map lock is a leaf below the
 * frame table lock). The frame's pages stay in the
 * balloon, now stranded: the driver still holds them and will deflate them (a
 * touch may be the guest reusing a reported page next to pages it inflated
 * since). */
static void balloon_putback(struct frame *f, void *owner)
{
	struct balloon *b = owner;
	uint32_t fr = frame_index(&b->gm->ft, f);

	if (fr >= b->nframes)
		return;
	pthread_mutex_lock(&b->map_lock);
	set_reclaimed(b, fr, false);
	b->c.frames_touched++;
	memset(b->frames[fr].dirty, 0, sizeof(b->frames[fr].dirty)); /* a fresh page */
	pthread_mutex_unlock(&b->map_lock);
}

int try_reclaim(struct balloon *b, uint32_t fr, int why)
{
	struct bframe *bf = &b->frames[fr];
	int ret;

	frame_reclaimed_settled(b, fr);
	pthread_mutex_lock(&b->map_lock);
	if (bf->reclaimed) {
		pthread_mutex_unlock(&b->map_lock);
		return 0;
	}
	if (why == WHY_INFLATE && bf->count != BALLOON_PAGES_PER_FRAME) {
		pthread_mutex_unlock(&b->map_lock);
		return -EAGAIN; /* a touch emptied it meanwhile */
	}
	/* marked first: a touch right after frame_reclaim must find it */
	set_reclaimed(b, fr, true);
	bf->why = (uint8_t)why;
	pthread_mutex_unlock(&b->map_lock);

	double t0 = now_monotonic(), dt;

	ret = frame_reclaim(b->mig, fr, &balloon_frame_ops, b);
	dt = now_monotonic() - t0;

	pthread_mutex_lock(&b->map_lock);
	if (ret >= 0) {
		b->c.frames_reclaimed++;
		b->c.hugepages_returned += (unsigned)ret;
		b->c.reclaim_seconds += dt;
		if (dt > b->c.reclaim_max)
			b->c.reclaim_max = dt;
		if (bf->pending) {
			bf->pending = 0;
			b->c.frames_pending--;
		}
	} else {
		set_reclaimed(b, fr, false);
		if (ret == -EBUSY) {
			b->c.reclaim_busy++;
			if (why == WHY_INFLATE && !bf->pending) {
				bf->pending = 1;
				b->c.frames_pending++;
			}
		} else {
			log_limited(&b->c.reclaim_failed, "virtio-balloon: cannot give frame %u back to the host: %s",
				    fr, strerror(-ret));
		}
	}
	pthread_mutex_unlock(&b->map_lock);
	return ret < 0 ? ret : 0;
}

/* 0 once frame fr has a page again (by us, or a touch first), or -errno. */
static int restore(struct balloon *b, uint32_t fr)
{
	double t0 = now_monotonic(), dt;
	int ret = frame_restore(b->mig, fr);

	dt = now_monotonic() - t0;
	pthread_mutex_lock(&b->map_lock);
	if (ret == 0 || ret == -EINVAL) { /* -EINVAL: a touch restored (and counted) it first */
		set_reclaimed(b, fr, false);
		memset(b->frames[fr].dirty, 0, sizeof(b->frames[fr].dirty)); /* a fresh page */
		if (ret == 0) {
			b->c.frames_restored++;
			b->c.restore_seconds += dt;
			if (dt > b->c.restore_max)
				b->c.restore_max = dt;
		}
	} else {
		/* still ballooned: the deflate waits for it (retry_held_deflate) */
		log_limited(&b->c.restore_failed, "virtio-balloon: cannot restore frame %u: %s", fr, strerror(-ret));
	}
	pthread_mutex_unlock(&b->map_lock);
	return ret == -EINVAL ? 0 : ret;
}

/* Pay the owed restores; -EAGAIN while any is left. */
static int pay_owed_restores(struct balloon *b)
{
	int ret = 0;

	for (uint32_t fr = 0; fr < b->nframes; fr++) {
		if (!b->frames[fr].restore_owed)
			continue;
		if (restore(b, fr) == 0)
			b->frames[fr].restore_owed = 0;
		else
			ret = -EAGAIN;
	}
	return ret;
}

void hold_deflate(struct balloon *b, unsigned q, uint16_t head)
{
	b->deflate_held = true;
	b->deflate_queue = q;
	b->deflate_head = head;
	migrator_kick(b->mig);
}

void retry_held_deflate(struct balloon *b)
{
	if (!b->deflate_held || pay_owed_restores(b) < 0)
		return;
	b->deflate_held = false;
	/* every page of the request is back: the driver may use them */
	if (virtio_mmio_push(&b->t, b->deflate_queue, b->deflate_head, 0) == 0)
		virtio_mmio_signal_used(&b->t, b->deflate_queue);
}

bool frames_tick(void *arg)
{
	struct balloon *b = arg;
	bool held;

	/* a vCPU in the device may be waiting on the reader: never block */
	if (pthread_mutex_trylock(&b->t.lock) != 0)
		return true;
	retry_held_deflate(b);
	held = b->deflate_held;
	pthread_mutex_unlock(&b->t.lock);
	return held;
}

/* Frames that filled up while being migrated: try again. Under t.lock. */
void retry_pending(struct balloon *b)
{
	if (!b->c.frames_pending)
		return;
	for (uint32_t fr = 0; fr < b->nframes && b->c.frames_pending; fr++) {
		struct bframe *bf = &b->frames[fr];
		bool again;

		pthread_mutex_lock(&b->map_lock);
		if (bf->pending && (bf->count < BALLOON_PAGES_PER_FRAME || bf->reclaimed)) {
			bf->pending = 0;
			b->c.frames_pending--;
		}
		again = bf->pending;
		pthread_mutex_unlock(&b->map_lock);
		if (again) {
			b->c.reclaim_retries++;
			try_reclaim(b, fr, WHY_INFLATE);
		}
	}
}

/* ---- PFNs in and out of the maps ---- */

static void zero_page(struct balloon *b, uint32_t pfn)
{
	memset(b->gm->hva + ((uint64_t)pfn << VIRTIO_BALLOON_PFN_SHIFT), 0, VIRTIO_BALLOON_PAGE_SIZE);
}

/* Zero the pages of b->pfns[0..n) whose contents are still the driver's, so
 * every page the driver gets back reads as zero, as one of a frame that comes
 * back fresh does. Frames whose page the host has are skipped (their page
 * comes back zeroed). The map lock is not held while guest memory is written. */
static void zero_dirty(struct balloon *b, uint32_t n)
{
	pthread_mutex_lock(&b->map_lock);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t pfn = b->pfns[i], fr = pfn / BALLOON_PAGES_PER_FRAME;
		struct bframe *bf;

		if (pfn == BAD_PFN)
			continue;
		bf = &b->frames[fr];
		if (bf->reclaimed || !test_bit(bf->dirty, pfn % BALLOON_PAGES_PER_FRAME)) {
			b->pfns[i] = BAD_PFN;
			continue;
		}
		clear_bit(bf->dirty, pfn % BALLOON_PAGES_PER_FRAME);
	}
	pthread_mutex_unlock(&b->map_lock);
	for (uint32_t i = 0; i < n; i++)
		if (b->pfns[i] != BAD_PFN && !frame_reclaimed(b, b->pfns[i] / BALLOON_PAGES_PER_FRAME))
			zero_page(b, b->pfns[i]);
}

/* The frame of the guest's PFN b->pfns[i] for what ("inflate", "deflate"),
 * which b->pfns[i] then holds as a RAM page number (RAM offset / 4 KiB), or
 * NULL if the PFN is not RAM (beyond it or in the MMIO hole): counted, and
 * dropped from the request. */
static struct bframe *pfn_frame(struct balloon *b, uint32_t i, const char *what)
{
	uint32_t pfn = b->pfns[i];
	uint64_t off = guest_mem_gpa_offset(b->gm, (uint64_t)pfn << VIRTIO_BALLOON_PFN_SHIFT,
					    VIRTIO_BALLOON_PAGE_SIZE);

	if (off == FS_NOT_RAM) {
		guest_error(b, &b->c.pfn_out_of_range, "%s: PFN 0x%x is not guest RAM (%llu pages)",
			    what, pfn, (unsigned long long)b->npages);
		b->pfns[i] = BAD_PFN;
		return NULL;
	}
	b->pfns[i] = (uint32_t)(off >> VIRTIO_BALLOON_PFN_SHIFT);
	return &b->frames[b->pfns[i] / BALLOON_PAGES_PER_FRAME];
}

void inflate_pfns(struct balloon *b, uint32_t n)
{
	uint32_t nbatch = 0;

	/* pages the guest used in a frame a touch just restored: its putback
	 * (which takes the frame's pages for fresh) goes first */
	frame_restores_settle(b->mig);
	pthread_mutex_lock(&b->map_lock);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t guest_pfn = b->pfns[i];
		struct bframe *bf = pfn_frame(b, i, "inflate");
		uint32_t pfn = b->pfns[i], fr = pfn / BALLOON_PAGES_PER_FRAME;
		uint32_t bit = pfn % BALLOON_PAGES_PER_FRAME;

		if (!bf)
			continue;
		if (test_bit(bf->bits, bit)) {
			if (test_bit(b->req_mark, pfn))
				guest_error(b, &b->c.pfn_duplicate, "inflate: PFN 0x%x given twice in one request", guest_pfn);
			else
				guest_error(b, &b->c.pfn_already_ballooned, "inflate: PFN 0x%x is already in the balloon", guest_pfn);
			b->pfns[i] = BAD_PFN;
			continue;
		}
		set_bit(bf->bits, bit);
		set_bit(bf->dirty, bit);
		set_bit(b->req_mark, pfn);
		bf->count++;
		b->c.pages_inflated++;
		if (!bf->in_batch) {
			bf->in_batch = 1;
			b->batch[nbatch++] = fr;
		}
	}
	pthread_mutex_unlock(&b->map_lock);

	for (uint32_t i = 0; i < nbatch; i++) {
		uint32_t fr = b->batch[i];

		b->frames[fr].in_batch = 0;
		try_reclaim(b, fr, WHY_INFLATE); /* if full */
	}
	for (uint32_t i = 0; i < n; i++)
		if (b->pfns[i] != BAD_PFN)
			clear_bit(b->req_mark, b->pfns[i]);
	/* Without MUST_TELL_HOST the driver may use a page again before its
	 * deflate is acknowledged, so pages of frames that keep their page are
	 * zeroed now, before the inflate ack (5.5.6 allows it until then). With
	 * it, that waits for the deflate: a frame that fills up meanwhile goes
	 * back whole and nothing is zeroed in vain. */
	if (!virtio_has_feature(&b->t, VIRTIO_BALLOON_F_MUST_TELL_HOST))
		zero_dirty(b, n);
}

int deflate_pfns(struct balloon *b, uint32_t n)
{
	uint32_t nbatch = 0;
	int ret = 0;

	pthread_mutex_lock(&b->map_lock);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t guest_pfn = b->pfns[i];
		struct bframe *bf = pfn_frame(b, i, "deflate");
		uint32_t pfn = b->pfns[i], fr = pfn / BALLOON_PAGES_PER_FRAME;
		uint32_t bit = pfn % BALLOON_PAGES_PER_FRAME;

		if (!bf)
			continue;
		if (!test_bit(bf->bits, bit)) {
			guest_error(b, &b->c.pfn_not_ballooned, "deflate: PFN 0x%x is not in the balloon", guest_pfn);
			b->pfns[i] = BAD_PFN;
			continue;
		}
		clear_bit(bf->bits, bit);
		bf->count--;
		b->c.pages_deflated++;
		if (bf->pending) {
			bf->pending = 0;
			b->c.frames_pending--;
		}
		if (bf->reclaimed && !bf->in_batch) {
			bf->in_batch = 1;
			b->batch[nbatch++] = fr;
		}
	}
	pthread_mutex_unlock(&b->map_lock);

	for (uint32_t i = 0; i < nbatch; i++) {
		struct bframe *bf = &b->frames[b->batch[i]];

		bf->in_batch = 0;
		if (restore(b, b->batch[i]) < 0) {
			bf->restore_owed = 1;
			ret = -EAGAIN;
		}
	}
	/* with MUST_TELL_HOST the driver waits for this ack before it uses
	 * the pages: zero the ones of frames that kept their page now */
	if (virtio_has_feature(&b->t, VIRTIO_BALLOON_F_MUST_TELL_HOST))
		zero_dirty(b, n);
	return ret;
}

/* ---- reset and status ---- */

void frames_reset(struct balloon *b)
{
	for (uint32_t fr = 0; fr < b->nframes; fr++) {
		if (frame_reclaimed(b, fr))
			restore(b, fr);
		pthread_mutex_lock(&b->map_lock);
		memset(b->frames[fr].bits, 0, sizeof(b->frames[fr].bits));
		memset(b->frames[fr].dirty, 0, sizeof(b->frames[fr].dirty));
		b->frames[fr].count = 0;
		b->frames[fr].pending = 0;
		b->frames[fr].restore_owed = 0;
		pthread_mutex_unlock(&b->map_lock);
	}
	b->c.frames_pending = 0;
	b->deflate_held = false; /* the reset forgets the request */
}

void frames_count(struct balloon *b, struct balloon_counters *c)
{
	for (uint32_t fr = 0; fr < b->nframes; fr++) {
		const struct bframe *bf = &b->frames[fr];

		c->ballooned_pages += bf->count;
		if (bf->reclaimed)
			c->frames_isolated++;
		else
			c->stranded_pages += bf->count;
	}
}
