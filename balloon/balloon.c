/* balloon.c - the virtio-balloon device model (see balloon.h): its queues,
 * config and features on the virtio-mmio transport, reset, and the host's
 * side of the control socket (target, status). The page maps and reclaim
 * are frames.c, the requests queues.c, the statistics stats.c. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "balloon/state.h"
#include "lib/log.h"
#include "lib/clock.h"

static const struct virtio_device_ops balloon_ops;

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

void guest_error(struct balloon *b, uint64_t *counter, const char *fmt, ...)
{
	va_list ap;

	b->c.guest_errors++;
	va_start(ap, fmt);
	vlog_limited(counter, "virtio-balloon: guest error: ", fmt, ap);
	va_end(ap);
}

bool request_oversized(struct balloon *b, const char *what, const struct vq_chain *c, uint64_t cap)
{
	uint64_t bytes = c->out_bytes + c->in_bytes;

	if (bytes <= cap)
		return false;
	guest_error(b, &b->c.oversized_requests, "%s: a request of %llu bytes (at most %llu): refused unread",
		    what, (unsigned long long)bytes, (unsigned long long)cap);
	return true;
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
	if ((uint64_t)actual > (uint64_t)b->nframes * BALLOON_PAGES_PER_FRAME) {
		/* more pages than the guest has: nonsense, and not kept */
		memcpy(cfg + VIRTIO_BALLOON_CFG_ACTUAL, &b->actual, 4);
		guest_error(b, &b->c.config_errors, "actual = %u pages, more than the guest's %llu",
			    actual, (unsigned long long)b->nframes * BALLOON_PAGES_PER_FRAME);
		return;
	}
	if (actual == b->actual)
		return;
	b->actual = actual;
	b->c.actual_changes++;
	record_event(b);
	/* debug only: a guest may rewrite it as often as it likes */
	log_debug("virtio-balloon: guest balloon now %llu MiB (%u pages), target %llu MiB",
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
	retry_held_deflate(b);
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

	frames_reset(b);
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
	b->pfns = malloc(BALLOON_PFNS_MAX * sizeof(uint32_t));
	b->batch = malloc(BALLOON_PFNS_MAX * sizeof(uint32_t));
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
	migrator_set_owner_tick(m, frames_tick, b);
	return b;
}

void balloon_destroy(struct balloon *b)
{
	if (!b)
		return;
	if (b->mig && b->mig->owner_tick_arg == b)
		migrator_set_owner_tick(b->mig, NULL, NULL);
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
	s->budget_cuts = b->t.budget_cuts;
	for (unsigned q = 0; q < VIRTIO_MMIO_MAX_QUEUES; q++)
		for (unsigned e = 0; e < VQ_ERR_NR; e++)
			s->queue_errors[e] += b->t.vq[q].errors[e];

	pthread_mutex_lock(&b->map_lock);
	s->c = b->c;
	frames_count(b, &s->c);
	pthread_mutex_unlock(&b->map_lock);
	pthread_mutex_unlock(&b->t.lock);
}
