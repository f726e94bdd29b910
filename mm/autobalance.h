/* autobalance.h - automatic NUMA balancing for guest frames.
 *
 * Linux's NUMA balancing skips hugetlb memory; this does it one level up.
 * Whoever can see guest writes (vmm/dirty_ring.c, from KVM's per-vCPU dirty
 * rings) reports them as (frame, node of the writing vCPU). Each window in
 * which a frame was written ages its counts by 1/2^AB_DECAY_SHIFT; a frame
 * whose writes come (almost) all (share >= ab->threshold_pct) from another
 * node, in ab->confirm such windows in a row, is moved there in async mode, within a MiB/s budget. A frame moved recently
 * stays put for ab->cooldown windows, so frames shared by two nodes (no node
 * reaches the threshold) or flapping workloads do not ping-pong. Hysteresis:
 * going back to the node a frame was moved away from needs the other node to
 * dominate AB_RETURN_FACTOR times as many windows in a row, because a shared
 * frame whose writers take turns (a vCPU descheduled for a while leaves the
 * other as its only writer) looks misplaced on one node, then on the other. */
#ifndef FRAMESHIFT_MM_AUTOBALANCE_H
#define FRAMESHIFT_MM_AUTOBALANCE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "mm/heat.h"
#include "mm/migrate.h"

struct frame_access {
	uint32_t writes[MAX_NODES]; /* decayed 4 KiB-page write samples per node */
	uint32_t fresh;             /* samples this window */
	uint8_t streak;             /* windows in a row the same node dominated */
	uint8_t candidate;          /* that node */
	uint8_t cooldown;           /* windows left before it may move again */
	uint8_t left;               /* 1 + the node it was last moved away from; 0: none */
};

#define AB_RETURN_FACTOR 4
#define AB_DECAY_SHIFT 3

struct autobalance_stats {
	uint64_t windows, samples;
	uint64_t node_samples[MAX_NODES]; /* by the writing vCPU's node */
	uint64_t considered;      /* frames with any writes in a window */
	uint64_t moved, failed;
	uint64_t shared;          /* written from several nodes, none dominant */
	uint64_t unconfirmed;     /* dominant elsewhere, but not for long enough yet */
	uint64_t held_back;       /* would return to the node it left: longer confirmation */
	uint64_t cooldown;        /* would move, but moved too recently */
	uint64_t rate_limited;    /* would move, but the budget is spent */
	uint64_t ballooned;       /* writes to frames with no page: ignored */
};

struct autobalance {
	struct migrator *m;
	pthread_mutex_t lock;
	bool enabled;
	struct frame_access *access;
	double rate_mib_s;        /* move budget */
	double budget_frames;     /* token bucket, in frames */
	unsigned threshold_pct;   /* dominant share, percent */
	unsigned confirm;         /* windows in a row */
	unsigned cooldown;        /* windows */
	struct autobalance_stats stats;
	struct heat *heat;        /* also told of every write sample (--tiering), or NULL */
};

int autobalance_init(struct autobalance *ab, struct migrator *m, double rate_mib_s);
void autobalance_destroy(struct autobalance *ab);
void autobalance_set_enabled(struct autobalance *ab, bool on);

/* A vCPU on node wrote pages of guest frame idx (count 4 KiB pages). */
void autobalance_note_writes(struct autobalance *ab, uint32_t idx, unsigned node, uint32_t count);
/* End a window of window_s seconds: decide and move. Returns frames moved. */
uint32_t autobalance_tick(struct autobalance *ab, double window_s);

#endif
