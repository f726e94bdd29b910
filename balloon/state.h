/* state.h - struct balloon and what the balloon's files call of one another:
 * balloon.c (the device model: config, features, reset, life), frames.c (the
 * per-frame page maps, reclaim, restore, putback), queues.c (inflate, deflate
 * and free page reporting requests) and stats.c (the statistics queue).
 * Locking as balloon.h says: t.lock over everything, map_lock (a leaf) over
 * frames[] and frames_touched. */
#ifndef FRAMESHIFT_BALLOON_STATE_H
#define FRAMESHIFT_BALLOON_STATE_H

#include <pthread.h>

#include "balloon/balloon.h"

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
	uint8_t restore_owed; /* deflated, its restore failed: retried (t.lock) */
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
	uint32_t *pfns;           /* BALLOON_PFNS_MAX, a copy of a request's PFNs,
				   * each a RAM page number once checked */
	uint32_t *batch;          /* frames touched by one buffer of them */
	struct vq_buf chain[BALLOON_QUEUE_SIZE];
	/* a deflate whose restore failed, left unacknowledged until it succeeds */
	bool deflate_held;
	uint16_t deflate_head;
	unsigned deflate_queue;
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

/* balloon.c: a driver error that does not stop the device: counted in
 * *counter and guest_errors, logged a few times. */
void guest_error(struct balloon *b, uint64_t *counter, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* balloon.c: whether request c for what ("inflate", ...) carries more than
 * cap bytes; if so it is counted (oversized_requests) and must be left
 * unread. */
bool request_oversized(struct balloon *b, const char *what, const struct vq_chain *c, uint64_t cap);

/* frames.c */
/* Guest RAM the device may touch (struct vq_mem's translate and in_ram). */
void *balloon_translate(void *arg, uint64_t gpa, uint64_t len);
bool balloon_in_ram(void *arg, uint64_t gpa, uint64_t len);
bool frame_reclaimed(const struct balloon *b, uint32_t fr);
/* Give frame fr's page to the host (why: WHY_INFLATE, the frame must be
 * full; WHY_REPORT). 0, or -errno (-EBUSY: being migrated, kept pending). */
int try_reclaim(struct balloon *b, uint32_t fr, int why);
/* Frames that filled up while being migrated: try again. Under t.lock. */
void retry_pending(struct balloon *b);
/* b->pfns[0..n) into / out of the balloon; bad PFNs are counted and become
 * BAD_PFN. deflate_pfns returns -EAGAIN if a frame could not be given a page
 * back (no memory at all): its restore is owed, and the request must not be
 * acknowledged (hold_deflate) until it is paid (retry_held_deflate). */
void inflate_pfns(struct balloon *b, uint32_t n);
int deflate_pfns(struct balloon *b, uint32_t n);
/* Keep deflate request head of queue q unacknowledged; the migrator's
 * reader retries it. Under t.lock. */
void hold_deflate(struct balloon *b, unsigned q, uint16_t head);
/* Retry the owed restores; once all are paid, acknowledge the held
 * deflate. Under t.lock. */
void retry_held_deflate(struct balloon *b);
/* The migrator's owner tick (migrator_set_owner_tick): retry_held_deflate
 * if t.lock is free; true while a deflate is held. */
bool frames_tick(void *b);
/* A reset: every frame back from the host, the maps empty. */
void frames_reset(struct balloon *b);
/* ballooned_pages, frames_isolated and stranded_pages into c (map lock
 * held). */
void frames_count(struct balloon *b, struct balloon_counters *c);

/* queues.c: serve inflate/deflate (inflate true/false) or reporting queue q. */
void do_pfn_queue(struct balloon *b, unsigned q, bool inflate);
void do_report(struct balloon *b, unsigned q);

/* stats.c: serve the stats queue q (the device holds its buffer). */
void do_stats(struct balloon *b, unsigned q);

#endif
