/* stats.c - the statistics queue (5.5.6.3): the device holds the driver's
 * buffer and hands it back when the host wants fresh statistics. */
#include <string.h>
#include <time.h>

#include "balloon/state.h"
#include "lib/clock.h"

static const char *const stat_names[VIRTIO_BALLOON_S_NR] = {
	"swap_in", "swap_out", "majflt", "minflt", "memfree",
	"memtot", "avail", "caches", "htlb_pgalloc", "htlb_pgfail",
};

const char *balloon_stat_name(unsigned tag)
{
	return tag < VIRTIO_BALLOON_S_NR ? stat_names[tag] : NULL;
}

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

void do_stats(struct balloon *b, unsigned q)
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
		/* held either way: the host hands it back when it asks again */
		b->stats_held = true;
		b->stats_head = c.head;
		b->stats_queue = q;
		if (request_oversized(b, "stats", &c, BALLOON_STATS_MAX * sizeof(struct virtio_balloon_stat)))
			continue;
		read_stats(b, &c);
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
