/* balloon.h - virtio-balloon (device id 5) and the host side of reclaim.
 *
 * The guest gives 4 KiB pages by PFN (inflate) and takes them back (deflate).
 * The device records them per 2 MiB frame in a 512-bit map; PFNs may come in
 * any order and across any number of requests. A frame whose 512 pages are
 * all in the balloon is reclaimed (mm/reclaim.h): unmapped from the guest and
 * its hugepage given back to the host. Deflating any page of it, or the guest
 * touching it, puts a fresh zeroed page back (the owner's putback hook, like
 * movable_operations, tells the device of a touch). Only inflate, deflate and
 * reset change the map: the driver deflates every page it inflated, touch or
 * not. Partly ballooned frames keep their page: that memory is "stranded" and
 * counted. Pages of a frame that keeps its page are zeroed by the device (at
 * deflate with MUST_TELL_HOST, else before the inflate ack), so every page the
 * guest gets back reads as zero.
 *
 * Queues: inflate, deflate, stats (STATS_VQ) and free page reporting
 * (REPORTING), numbered in that order over the negotiated ones only, as Linux
 * does. Features offered: MUST_TELL_HOST, STATS_VQ, DEFLATE_ON_OOM,
 * PAGE_POISON, REPORTING. With PAGE_POISON and a non-zero poison_val,
 * reported frames keep their contents (a zeroed page would break the poison
 * promise); inflated pages may still be given back (the driver rewrites them).
 *
 * Locking: the transport lock (t.lock) serialises everything the driver and
 * the control socket do; the map lock (a leaf) guards the frame maps, which
 * the mm/ fault path also reaches through putback. Guest memory is never
 * touched with the map lock held (a touch may wait on that same putback). */
#ifndef FRAMESHIFT_BALLOON_BALLOON_H
#define FRAMESHIFT_BALLOON_BALLOON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mm/guest_mem.h"
#include "mm/migrate.h"
#include "virtio/mmio.h"

#define BALLOON_QUEUE_SIZE 256
#define BALLOON_PAGES_PER_FRAME (FRAME_SIZE / VIRTIO_BALLOON_PAGE_SIZE)
#define BALLOON_MAX_EVENTS 32

/* The most one request may carry (the spec sets no limit; these are what
 * Linux's driver sends): a request past its cap is refused unread and
 * counted (oversized_requests), so the guest cannot choose how long the
 * device works for it. */
#define BALLOON_PFNS_MAX 256          /* VIRTIO_BALLOON_ARRAY_PFNS_MAX: 1 KiB of PFNs */
#define BALLOON_STATS_MAX 32          /* tags; Linux sends 16 since 6.12, 10 before */
#define BALLOON_REPORT_BYTES_MAX (128ULL << 20) /* PAGE_REPORTING_CAPACITY (32) blocks of
						 * at most MAX_PAGE_ORDER (4 MiB on x86-64) */

struct balloon;

/* Everything counted since start (cumulative) plus the current picture. */
struct balloon_counters {
	uint64_t inflate_requests, deflate_requests, report_requests, stats_updates;
	uint64_t pages_inflated, pages_deflated;
	/* driver errors: counted and logged, the request goes on without them */
	uint64_t pfn_out_of_range;      /* PFN beyond guest RAM */
	uint64_t pfn_duplicate;         /* PFN twice in one request */
	uint64_t pfn_already_ballooned; /* inflate of a page already in the balloon */
	uint64_t pfn_not_ballooned;     /* deflate of a page not in the balloon */
	uint64_t bad_buffers;           /* wrong direction, odd length, in ballooned memory */
	uint64_t oversized_requests;    /* past BALLOON_*_MAX: refused unread */
	uint64_t stats_extra_buffers;   /* a second stats buffer while one is held */
	uint64_t stats_unknown_tags;
	uint64_t config_errors;         /* writes the driver may not make */
	/* host side */
	uint64_t frames_reclaimed;      /* frames ballooned on the host side */
	uint64_t hugepages_returned;    /* of those, frames whose hugepage went back */
	uint64_t frames_restored;       /* by deflate or reset */
	uint64_t frames_touched;        /* the guest touched a ballooned frame */
	uint64_t reclaim_busy;          /* frame being migrated: retried later */
	uint64_t reclaim_retries, reclaim_failed, restore_failed;
	uint64_t frames_reported;       /* free page reporting: frames given back */
	uint64_t report_bytes, report_partial_bytes, report_kept_poison;
	uint64_t actual_changes;
	double reclaim_seconds, reclaim_max;   /* frame_reclaim calls that gave a page back */
	double restore_seconds, restore_max;   /* frame_restore calls by deflate or reset */
	uint64_t guest_errors;          /* sum of the driver errors above */
	/* now */
	uint32_t frames_isolated;       /* frames whose page the host has */
	uint32_t frames_pending;        /* fully ballooned, reclaim to retry */
	uint64_t ballooned_pages;       /* pages in the balloon (the device's map) */
	uint64_t stranded_pages;        /* ballooned pages in frames that keep their page */
};

struct balloon_event {
	uint64_t seq;
	double time;                    /* seconds since the balloon started */
	uint32_t actual, num_pages;     /* pages */
};

/* guest statistics (5.5.6.3), by tag */
struct balloon_guest_stats {
	uint64_t seq;                   /* buffers received */
	double time;                    /* when the last came (monotonic s), 0: none yet */
	uint32_t have;                  /* bit per tag supplied */
	uint64_t val[VIRTIO_BALLOON_S_NR];
};

struct balloon *balloon_create(struct guest_mem *gm, struct migrator *m, uint64_t base);
void balloon_destroy(struct balloon *b);
struct virtio_mmio *balloon_transport(struct balloon *b);

/* The host's wish: guest memory of guest_bytes (virsh setmem), i.e. a balloon
 * of (RAM - guest_bytes) / 4 KiB pages. -EINVAL unless 0 < guest_bytes <= RAM
 * and 4 KiB aligned. */
int balloon_set_target(struct balloon *b, uint64_t guest_bytes);
/* Use the held stats buffer, so the driver sends fresh statistics. Returns
 * the stats sequence number to wait past. */
uint64_t balloon_request_stats(struct balloon *b);
/* Wait up to timeout_ms for stats newer than seq; true if they came. */
bool balloon_wait_stats(struct balloon *b, uint64_t seq, unsigned timeout_ms);

struct balloon_status {
	uint64_t ram_bytes;
	uint32_t num_pages, actual;
	uint32_t poison_val;
	uint64_t features;              /* negotiated */
	uint32_t status;                /* device status register */
	bool driver_ok, needs_reset;
	char needs_reset_why[96];
	unsigned nqueues;
	struct balloon_counters c;
	struct balloon_guest_stats stats;
	uint64_t event_seq;
	unsigned nevents;
	struct balloon_event events[BALLOON_MAX_EVENTS]; /* oldest first */
	uint64_t transport_errors[VMMIO_ERR_NR];
	uint64_t budget_cuts;           /* queues left with chains for a later access */
	uint64_t queue_errors[VQ_ERR_NR];
};
void balloon_get_status(struct balloon *b, struct balloon_status *s);

/* Names for output: the guest stats by their spec tags ("swap_in", ...). */
const char *balloon_stat_name(unsigned tag);
const char *balloon_feature_name(unsigned bit);

#endif
