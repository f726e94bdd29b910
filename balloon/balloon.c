/* balloon.c - the virtio-balloon device model and its host side: per-frame
 * page maps, reclaim of fully ballooned frames, restore on deflate, the
 * putback hook for touches (see balloon.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "balloon/balloon.h"
#include "mm/reclaim.h"
#include "lib/log.h"
#include "lib/clock.h"

#define PFN_CHUNK 4096 /* PFNs copied out of guest memory at a time (16 KiB) */
#define BAD_PFN UINT32_MAX

enum { WHY_INFLATE = 1, WHY_REPORT = 2 };

struct bframe {
	uint64_t bits[BALLOON_PAGES_PER_FRAME / 64];
	uint64_t dirty[BALLOON_PAGES_PER_FRAME / 64]; /* ballooned, contents not yet zeroed */
	uint16_t count;     /* bits set */
	uint8_t reclaimed;  /* BALLOONED by us (atomic: read without the map lock) */
	uint8_t why;        /* WHY_INFLATE or WHY_REPORT */
	uint8_t pending;    /* full, reclaim refused (-EBUSY): retry */
	uint8_t in_batch;   /* on the current request's frame list */
};

struct balloon {
	struct virtio_mmio t;
	struct guest_mem *gm;
	struct migrator *mig;
	uint32_t nframes;
	uint64_t npages;

	pthread_mutex_t map_lock; /* leaf: frames[], the putback counter */
	struct bframe *frames;
	uint64_t *req_mark;       /* per page: set by the request being processed */

	/* under t.lock */
	int8_t role[VIRTIO_MMIO_MAX_QUEUES]; /* queue index -> enum virtio_balloon_vq, -1 */
	unsigned nqueues;
	uint32_t num_pages, actual, poison_val;
	uint32_t *pfns;           /* PFN_CHUNK, a copy of guest PFNs */
	uint32_t *batch;          /* frames touched by one chunk */
	struct vq_buf chain[BALLOON_QUEUE_SIZE];
	bool stats_held;
	uint16_t stats_head;
	unsigned stats_queue;
	struct balloon_guest_stats stats;
	pthread_cond_t stats_cond;
	struct balloon_event events[BALLOON_MAX_EVENTS];
	uint64_t event_seq;
	double start;
	struct balloon_counters c; /* frames_touched: map_lock */
};

static const struct virtio_device_ops balloon_ops;

static const char *const stat_names[VIRTIO_BALLOON_S_NR] = {
	"swap_in", "swap_out", "majflt", "minflt", "memfree",
	"memtot", "avail", "caches", "htlb_pgalloc", "htlb_pgfail",
};

const char *balloon_stat_name(unsigned tag)
{
	return tag < VIRTIO_BALLOON_S_NR ? stat_names[tag] : NULL;
}

const char *balloon_feature_name(unsigned bit)
{
	switch (bit) {
	case VIRTIO_BALLOON_F_MUST_TELL_HOST: return "MUST_TELL_HOST";
	case VIRTIO_BALLOON_F_STATS_VQ: return "STATS_VQ";
	case VIRTIO_BALLOON_F_DEFLATE_ON_OOM: return "DEFLATE_ON_OOM";
	case VIRTIO_BALLOON_F_FREE_PAGE_HINT: return "FREE_PAGE_HINT";
	case VIRTIO_BALLOON_F_PAGE_POISON: return "PAGE_POISON";
	case VIRTIO_BALLOON_F_REPORTING: return "FREE_PAGE_REPORTING";
	case VIRTIO_RING_F_INDIRECT_DESC: return "RING_INDIRECT_DESC";
	case VIRTIO_RING_F_EVENT_IDX: return "RING_EVENT_IDX";
	case VIRTIO_F_VERSION_1: return "VERSION_1";
	}
	return NULL;
}

/* A driver error that does not stop the device: counted, logged a few times. */
static void guest_error(struct balloon *b, uint64_t *counter, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void guest_error(struct balloon *b, uint64_t *counter, const char *fmt, ...)
{
	va_list ap;

	b->c.guest_errors++;
	va_start(ap, fmt);
	vlog_limited(counter, "virtio-balloon: guest error: ", fmt, ap);
	va_end(ap);
}

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

static bool frame_reclaimed(const struct balloon *b, uint32_t fr)
{
	return __atomic_load_n(&b->frames[fr].reclaimed, __ATOMIC_ACQUIRE);
}

static void set_reclaimed(struct balloon *b, uint32_t fr, bool on)
{
	__atomic_store_n(&b->frames[fr].reclaimed, on, __ATOMIC_RELEASE);
}

/* ---- guest memory, as the queues see it ---- */

/* Guest RAM the device may touch: not in a frame whose page is with the host
 * (touching one would fault it back in behind the guest's back). */
static void *balloon_translate(void *arg, uint64_t gpa, uint64_t len)
{
	struct balloon *b = arg;
	void *p = guest_mem_gpa_to_hva(b->gm, gpa, len);

	if (!p || !len)
		return p;
	for (uint64_t fr = gpa >> FRAME_SHIFT; fr <= (gpa + len - 1) >> FRAME_SHIFT; fr++)
		if (frame_reclaimed(b, (uint32_t)fr))
			return NULL;
	return p;
}

static bool balloon_in_ram(void *arg, uint64_t gpa, uint64_t len)
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
 * restore, with the frame table lock held and before the fresh page is mapped:
 * no vCPU can use the frame (or inflate its pages) before it stops counting as
 * reclaimed, and no deflate's restore or new reclaim can come between (the map
 * lock is a leaf below the frame table lock). The frame's pages stay in the
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

static int try_reclaim(struct balloon *b, uint32_t fr, int why)
{
	struct bframe *bf = &b->frames[fr];
	int ret;

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
	if (ret == 0) {
		b->c.frames_reclaimed++;
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
	return ret;
}

static void restore(struct balloon *b, uint32_t fr)
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
		/* still ballooned: the guest's next touch brings it back */
		log_limited(&b->c.restore_failed, "virtio-balloon: cannot restore frame %u: %s", fr, strerror(-ret));
	}
	pthread_mutex_unlock(&b->map_lock);
}

/* Frames that filled up while being migrated: try again. Under t.lock. */
static void retry_pending(struct balloon *b)
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

/* ---- inflate and deflate ---- */

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

/* The frame of b->pfns[i] for what ("inflate", "deflate"), or NULL if the PFN
 * lies beyond guest RAM: counted, and dropped from the request. */
static struct bframe *pfn_frame(struct balloon *b, uint32_t i, const char *what)
{
	uint32_t pfn = b->pfns[i];

	if (pfn >= b->npages) {
		guest_error(b, &b->c.pfn_out_of_range, "%s: PFN 0x%x is beyond guest RAM (%llu pages)",
			    what, pfn, (unsigned long long)b->npages);
		b->pfns[i] = BAD_PFN;
		return NULL;
	}
	return &b->frames[pfn / BALLOON_PAGES_PER_FRAME];
}

static void inflate_pfns(struct balloon *b, uint32_t n)
{
	uint32_t nbatch = 0;

	pthread_mutex_lock(&b->map_lock);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t pfn = b->pfns[i], fr = pfn / BALLOON_PAGES_PER_FRAME;
		uint32_t bit = pfn % BALLOON_PAGES_PER_FRAME;
		struct bframe *bf = pfn_frame(b, i, "inflate");

		if (!bf)
			continue;
		if (test_bit(bf->bits, bit)) {
			if (test_bit(b->req_mark, pfn))
				guest_error(b, &b->c.pfn_duplicate, "inflate: PFN 0x%x given twice in one request", pfn);
			else
				guest_error(b, &b->c.pfn_already_ballooned, "inflate: PFN 0x%x is already in the balloon", pfn);
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

static void deflate_pfns(struct balloon *b, uint32_t n)
{
	uint32_t nbatch = 0;

	pthread_mutex_lock(&b->map_lock);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t pfn = b->pfns[i], fr = pfn / BALLOON_PAGES_PER_FRAME;
		uint32_t bit = pfn % BALLOON_PAGES_PER_FRAME;
		struct bframe *bf = pfn_frame(b, i, "deflate");

		if (!bf)
			continue;
		if (!test_bit(bf->bits, bit)) {
			guest_error(b, &b->c.pfn_not_ballooned, "deflate: PFN 0x%x is not in the balloon", pfn);
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
		b->frames[b->batch[i]].in_batch = 0;
		restore(b, b->batch[i]);
	}
	/* with MUST_TELL_HOST the driver waits for this ack before it uses
	 * the pages: zero the ones of frames that kept their page now */
	if (virtio_has_feature(&b->t, VIRTIO_BALLOON_F_MUST_TELL_HOST))
		zero_dirty(b, n);
}

/* One buffer of 32-bit PFNs, read in chunks into host memory, so the driver
 * changing it meanwhile cannot change what we do. */
static void pfn_buffer(struct balloon *b, const struct vq_buf *buf, bool inflate)
{
	const char *what = inflate ? "inflate" : "deflate";
	uint32_t n = buf->len / 4;

	if (buf->write) {
		guest_error(b, &b->c.bad_buffers, "%s: buffer at 0x%llx is device-writable",
			    what, (unsigned long long)buf->gpa);
		return;
	}
	if (buf->len % 4)
		guest_error(b, &b->c.bad_buffers, "%s: buffer length %u is not a multiple of 4 (the last %u bytes are ignored)",
			    what, buf->len, buf->len % 4);
	for (uint32_t off = 0; off < n; off += PFN_CHUNK) {
		uint32_t k = n - off < PFN_CHUNK ? n - off : PFN_CHUNK;
		const void *src = balloon_translate(b, buf->gpa + (uint64_t)off * 4, (uint64_t)k * 4);

		if (!src) {
			guest_error(b, &b->c.bad_buffers, "%s: PFN array at 0x%llx lies in ballooned memory",
				    what, (unsigned long long)(buf->gpa + (uint64_t)off * 4));
			return;
		}
		memcpy(b->pfns, src, (size_t)k * 4);
		if (inflate)
			inflate_pfns(b, k);
		else
			deflate_pfns(b, k);
	}
}

static void do_pfn_queue(struct balloon *b, unsigned q, bool inflate)
{
	struct vq_chain c = { .buf = b->chain, .cap = BALLOON_QUEUE_SIZE };
	bool pushed = false;

	while (virtio_mmio_pop(&b->t, q, &c) > 0) {
		if (inflate)
			b->c.inflate_requests++;
		else
			b->c.deflate_requests++;
		for (unsigned i = 0; i < c.n; i++)
			pfn_buffer(b, &c.buf[i], inflate);
		if (virtio_mmio_push(&b->t, q, c.head, 0) < 0)
			break;
		pushed = true;
	}
	if (pushed)
		virtio_mmio_signal_used(&b->t, q);
}

/* ---- free page reporting ---- */

static bool poison_kept(const struct balloon *b)
{
	return virtio_has_feature(&b->t, VIRTIO_BALLOON_F_PAGE_POISON) && b->poison_val != 0;
}

static void report_buffer(struct balloon *b, const struct vq_buf *buf)
{
	uint64_t start = buf->gpa, end = buf->gpa + buf->len;
	uint64_t first = (start + FRAME_SIZE - 1) >> FRAME_SHIFT, last = end >> FRAME_SHIFT;

	if (!buf->write) {
		guest_error(b, &b->c.bad_buffers, "report: buffer at 0x%llx is device-readable",
			    (unsigned long long)buf->gpa);
		return;
	}
	b->c.report_bytes += buf->len;
	if (first >= last) {
		b->c.report_partial_bytes += buf->len;
		return;
	}
	b->c.report_partial_bytes += ((first << FRAME_SHIFT) - start) + (end - (last << FRAME_SHIFT));
	for (uint64_t fr = first; fr < last; fr++) {
		if (poison_kept(b)) {
			/* a fresh page would read as zero, not as poison_val */
			b->c.report_kept_poison++;
			continue;
		}
		if (!frame_reclaimed(b, (uint32_t)fr) && try_reclaim(b, (uint32_t)fr, WHY_REPORT) == 0)
			b->c.frames_reported++;
	}
}

static void do_report(struct balloon *b, unsigned q)
{
	struct vq_chain c = { .buf = b->chain, .cap = BALLOON_QUEUE_SIZE };
	bool pushed = false;

	while (virtio_mmio_pop(&b->t, q, &c) > 0) {
		b->c.report_requests++;
		for (unsigned i = 0; i < c.n; i++)
			report_buffer(b, &c.buf[i]);
		if (virtio_mmio_push(&b->t, q, c.head, 0) < 0)
			break;
		pushed = true;
	}
	if (pushed)
		virtio_mmio_signal_used(&b->t, q);
}

/* ---- statistics ---- */

static void read_stats(struct balloon *b, const struct vq_chain *c)
{
	for (unsigned i = 0; i < c->n; i++) {
		const struct vq_buf *buf = &c->buf[i];
		const uint8_t *p;

		if (buf->write) {
			guest_error(b, &b->c.bad_buffers, "stats: buffer at 0x%llx is device-writable",
				    (unsigned long long)buf->gpa);
			continue;
		}
		if (buf->len % sizeof(struct virtio_balloon_stat))
			guest_error(b, &b->c.bad_buffers, "stats: buffer length %u is not a multiple of %zu",
				    buf->len, sizeof(struct virtio_balloon_stat));
		p = balloon_translate(b, buf->gpa, buf->len);
		if (!p) {
			guest_error(b, &b->c.bad_buffers, "stats: buffer at 0x%llx lies in ballooned memory",
				    (unsigned long long)buf->gpa);
			continue;
		}
		for (uint32_t off = 0; off + sizeof(struct virtio_balloon_stat) <= buf->len;
		     off += sizeof(struct virtio_balloon_stat)) {
			struct virtio_balloon_stat s;

			memcpy(&s, p + off, sizeof(s));
			if (s.tag >= VIRTIO_BALLOON_S_NR) {
				b->c.stats_unknown_tags++; /* 5.5.6.3: ignored */
				continue;
			}
			b->stats.val[s.tag] = s.val;
			b->stats.have |= 1u << s.tag;
		}
	}
}

static void do_stats(struct balloon *b, unsigned q)
{
	struct vq_chain c = { .buf = b->chain, .cap = BALLOON_QUEUE_SIZE };
	bool pushed = false;

	while (virtio_mmio_pop(&b->t, q, &c) > 0) {
		if (b->stats_held) {
			guest_error(b, &b->c.stats_extra_buffers,
				    "stats: a second buffer while the device holds one (5.5.6.3 allows one)");
			if (virtio_mmio_push(&b->t, q, b->stats_head, 0) == 0)
				pushed = true;
		}
		read_stats(b, &c);
		b->stats_held = true;
		b->stats_head = c.head;
		b->stats_queue = q;
		b->stats.seq++;
		b->stats.time = now_monotonic();
		b->c.stats_updates++;
		pthread_cond_broadcast(&b->stats_cond);
	}
	if (pushed)
		virtio_mmio_signal_used(&b->t, q);
}

uint64_t balloon_request_stats(struct balloon *b)
{
	uint64_t seq;

	pthread_mutex_lock(&b->t.lock);
	seq = b->stats.seq;
	if (b->stats_held && virtio_mmio_running(&b->t)) {
		b->stats_held = false;
		if (virtio_mmio_push(&b->t, b->stats_queue, b->stats_head, 0) == 0)
			virtio_mmio_signal_used(&b->t, b->stats_queue);
	}
	pthread_mutex_unlock(&b->t.lock);
	return seq;
}

bool balloon_wait_stats(struct balloon *b, uint64_t seq, unsigned timeout_ms)
{
	struct timespec ts;
	bool fresh;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&b->t.lock);
	while (b->stats.seq == seq &&
	       pthread_cond_timedwait(&b->stats_cond, &b->t.lock, &ts) == 0)
		;
	fresh = b->stats.seq != seq;
	pthread_mutex_unlock(&b->t.lock);
	return fresh;
}

/* ---- the transport's callbacks (t.lock held) ---- */

static struct balloon *to_balloon(struct virtio_mmio *t)
{
	return t->priv;
}

static unsigned balloon_num_queues(struct virtio_mmio *t, uint64_t f)
{
	return 2 + !!(f & VIRTIO_BIT(VIRTIO_BALLOON_F_STATS_VQ)) +
	       !!(f & VIRTIO_BIT(VIRTIO_BALLOON_F_REPORTING));
}

static int balloon_features_ok(struct virtio_mmio *t, uint64_t f)
{
	struct balloon *b = to_balloon(t);
	unsigned q = 0;

	memset(b->role, -1, sizeof(b->role));
	for (int r = 0; r < VIRTIO_BALLOON_VQ_MAX; r++) {
		bool present = r == VIRTIO_BALLOON_VQ_INFLATE || r == VIRTIO_BALLOON_VQ_DEFLATE ||
			       (r == VIRTIO_BALLOON_VQ_STATS && (f & VIRTIO_BIT(VIRTIO_BALLOON_F_STATS_VQ))) ||
			       (r == VIRTIO_BALLOON_VQ_REPORTING && (f & VIRTIO_BIT(VIRTIO_BALLOON_F_REPORTING)));

		if (present)
			b->role[q++] = (int8_t)r;
	}
	b->nqueues = q;
	return 0;
}

static void balloon_config(const struct balloon *b, uint8_t cfg[VIRTIO_BALLOON_CFG_SIZE])
{
	uint32_t v[4] = { b->num_pages, b->actual, 0, b->poison_val };

	memcpy(cfg, v, sizeof(v));
}

static void balloon_config_read(struct virtio_mmio *t, uint32_t off, uint8_t *data, uint32_t len)
{
	uint8_t cfg[VIRTIO_BALLOON_CFG_SIZE];

	balloon_config(to_balloon(t), cfg);
	memcpy(data, cfg + off, len);
}

static void record_event(struct balloon *b)
{
	struct balloon_event *e = &b->events[b->event_seq % BALLOON_MAX_EVENTS];

	*e = (struct balloon_event){ .seq = ++b->event_seq, .time = now_monotonic() - b->start,
				     .actual = b->actual, .num_pages = b->num_pages };
}

static void balloon_config_write(struct virtio_mmio *t, uint32_t off, const uint8_t *data, uint32_t len)
{
	struct balloon *b = to_balloon(t);
	uint8_t cfg[VIRTIO_BALLOON_CFG_SIZE];
	uint32_t actual, poison;

	balloon_config(b, cfg);
	if (off < VIRTIO_BALLOON_CFG_ACTUAL || off + len > VIRTIO_BALLOON_CFG_FREE_PAGE_HINT_CMD_ID) {
		/* only actual and poison_val are the driver's */
		bool poison_only = off >= VIRTIO_BALLOON_CFG_POISON_VAL;

		if (!poison_only) {
			guest_error(b, &b->c.config_errors, "write to read-only config bytes %u-%u", off, off + len - 1);
			return;
		}
		if (!virtio_has_feature(t, VIRTIO_BALLOON_F_PAGE_POISON) ||
		    (t->status & VIRTIO_STATUS_DRIVER_OK)) {
			guest_error(b, &b->c.config_errors, "poison_val written %s",
				    t->status & VIRTIO_STATUS_DRIVER_OK ? "after DRIVER_OK" :
				    "without PAGE_POISON negotiated");
			return;
		}
		memcpy(cfg + off, data, len);
		memcpy(&poison, cfg + VIRTIO_BALLOON_CFG_POISON_VAL, 4);
		b->poison_val = poison;
		return;
	}
	memcpy(cfg + off, data, len);
	memcpy(&actual, cfg + VIRTIO_BALLOON_CFG_ACTUAL, 4);
	if (actual == b->actual)
		return;
	b->actual = actual;
	b->c.actual_changes++;
	record_event(b);
	log_info("virtio-balloon: guest balloon now %llu MiB (%u pages), target %llu MiB",
		 (unsigned long long)actual >> 8, actual, (unsigned long long)b->num_pages >> 8);
}

static void process(struct balloon *b, unsigned q)
{
	if (q >= b->nqueues || !b->t.vq[q].ready)
		return;
	switch (b->role[q]) {
	case VIRTIO_BALLOON_VQ_INFLATE: do_pfn_queue(b, q, true); break;
	case VIRTIO_BALLOON_VQ_DEFLATE: do_pfn_queue(b, q, false); break;
	case VIRTIO_BALLOON_VQ_STATS: do_stats(b, q); break;
	case VIRTIO_BALLOON_VQ_REPORTING: do_report(b, q); break;
	}
}

static void balloon_notify(struct virtio_mmio *t, unsigned q)
{
	struct balloon *b = to_balloon(t);

	retry_pending(b);
	process(b, q);
}

static void balloon_driver_ok(struct virtio_mmio *t)
{
	struct balloon *b = to_balloon(t);

	/* buffers made available before DRIVER_OK (Linux primes the stats
	 * queue then) are looked at now */
	for (unsigned q = 0; q < b->nqueues && virtio_mmio_running(t); q++)
		process(b, q);
}

/* A reset forgets the driver: the balloon is empty again, every frame the
 * host took comes back (a rebooted guest owns all its memory). */
static void balloon_reset(struct virtio_mmio *t)
{
	struct balloon *b = to_balloon(t);

	for (uint32_t fr = 0; fr < b->nframes; fr++) {
		if (frame_reclaimed(b, fr))
			restore(b, fr);
		pthread_mutex_lock(&b->map_lock);
		memset(b->frames[fr].bits, 0, sizeof(b->frames[fr].bits));
		memset(b->frames[fr].dirty, 0, sizeof(b->frames[fr].dirty));
		b->frames[fr].count = 0;
		b->frames[fr].pending = 0;
		pthread_mutex_unlock(&b->map_lock);
	}
	b->c.frames_pending = 0;
	memset(b->role, -1, sizeof(b->role));
	b->nqueues = 0;
	b->poison_val = 0;
	b->stats_held = false;
	if (b->actual) {
		b->actual = 0;
		b->c.actual_changes++;
		record_event(b);
	}
}

static const struct virtio_device_ops balloon_ops = {
	.name = "virtio-balloon",
	.device_id = VIRTIO_ID_BALLOON,
	.features = VIRTIO_BIT(VIRTIO_BALLOON_F_MUST_TELL_HOST) |
		    VIRTIO_BIT(VIRTIO_BALLOON_F_STATS_VQ) |
		    VIRTIO_BIT(VIRTIO_BALLOON_F_DEFLATE_ON_OOM) |
		    VIRTIO_BIT(VIRTIO_BALLOON_F_PAGE_POISON) |
		    VIRTIO_BIT(VIRTIO_BALLOON_F_REPORTING),
	.queue_num_max = BALLOON_QUEUE_SIZE,
	.config_size = VIRTIO_BALLOON_CFG_SIZE,
	.num_queues = balloon_num_queues,
	.features_ok = balloon_features_ok,
	.config_read = balloon_config_read,
	.config_write = balloon_config_write,
	.driver_ok = balloon_driver_ok,
	.notify = balloon_notify,
	.reset = balloon_reset,
};

/* ---- life and the host's side ---- */

struct balloon *balloon_create(struct guest_mem *gm, struct migrator *m, uint64_t base)
{
	struct balloon *b = calloc(1, sizeof(*b));
	struct vq_mem mem;

	if (!b)
		return NULL;
	b->gm = gm;
	b->mig = m;
	b->nframes = guest_mem_nframes(gm);
	b->npages = gm->size >> VIRTIO_BALLOON_PFN_SHIFT;
	b->frames = calloc(b->nframes, sizeof(*b->frames));
	b->req_mark = calloc((b->npages + 63) / 64, sizeof(uint64_t));
	b->pfns = malloc(PFN_CHUNK * sizeof(uint32_t));
	b->batch = malloc(PFN_CHUNK * sizeof(uint32_t));
	if (!b->frames || !b->req_mark || !b->pfns || !b->batch) {
		balloon_destroy(b);
		return NULL;
	}
	pthread_mutex_init(&b->map_lock, NULL);
	pthread_cond_init(&b->stats_cond, NULL);
	memset(b->role, -1, sizeof(b->role));
	b->start = now_monotonic();
	mem = (struct vq_mem){ .translate = balloon_translate, .in_ram = balloon_in_ram, .arg = b };
	virtio_mmio_init(&b->t, &balloon_ops, b, base, &mem);
	return b;
}

void balloon_destroy(struct balloon *b)
{
	if (!b)
		return;
	if (b->frames) {
		pthread_mutex_destroy(&b->map_lock);
		pthread_cond_destroy(&b->stats_cond);
		virtio_mmio_destroy(&b->t);
	}
	free(b->frames);
	free(b->req_mark);
	free(b->pfns);
	free(b->batch);
	free(b);
}

struct virtio_mmio *balloon_transport(struct balloon *b)
{
	return &b->t;
}

int balloon_set_target(struct balloon *b, uint64_t guest_bytes)
{
	uint32_t pages;

	if (!guest_bytes || guest_bytes > b->gm->size || guest_bytes % VIRTIO_BALLOON_PAGE_SIZE)
		return -EINVAL;
	pages = (uint32_t)((b->gm->size - guest_bytes) >> VIRTIO_BALLOON_PFN_SHIFT);
	pthread_mutex_lock(&b->t.lock);
	retry_pending(b);
	if (pages != b->num_pages) {
		b->num_pages = pages;
		record_event(b);
		virtio_mmio_config_changed(&b->t);
	}
	pthread_mutex_unlock(&b->t.lock);
	return 0;
}

void balloon_get_status(struct balloon *b, struct balloon_status *s)
{
	unsigned first;

	memset(s, 0, sizeof(*s));
	pthread_mutex_lock(&b->t.lock);
	retry_pending(b);
	s->ram_bytes = b->gm->size;
	s->num_pages = b->num_pages;
	s->actual = b->actual;
	s->poison_val = b->poison_val;
	s->features = b->t.features;
	s->status = b->t.status;
	s->driver_ok = virtio_mmio_running(&b->t);
	s->needs_reset = b->t.status & VIRTIO_STATUS_NEEDS_RESET;
	memcpy(s->needs_reset_why, b->t.needs_reset_why, sizeof(s->needs_reset_why));
	s->nqueues = b->nqueues;
	s->stats = b->stats;
	s->event_seq = b->event_seq;
	s->nevents = b->event_seq < BALLOON_MAX_EVENTS ? (unsigned)b->event_seq : BALLOON_MAX_EVENTS;
	first = (unsigned)((b->event_seq - s->nevents) % BALLOON_MAX_EVENTS);
	for (unsigned i = 0; i < s->nevents; i++)
		s->events[i] = b->events[(first + i) % BALLOON_MAX_EVENTS];
	memcpy(s->transport_errors, b->t.errors, sizeof(s->transport_errors));
	for (unsigned q = 0; q < VIRTIO_MMIO_MAX_QUEUES; q++)
		for (unsigned e = 0; e < VQ_ERR_NR; e++)
			s->queue_errors[e] += b->t.vq[q].errors[e];

	pthread_mutex_lock(&b->map_lock);
	s->c = b->c;
	for (uint32_t fr = 0; fr < b->nframes; fr++) {
		const struct bframe *bf = &b->frames[fr];

		s->c.ballooned_pages += bf->count;
		if (bf->reclaimed)
			s->c.frames_isolated++;
		else
			s->c.stranded_pages += bf->count;
	}
	pthread_mutex_unlock(&b->map_lock);
	pthread_mutex_unlock(&b->t.lock);
}
