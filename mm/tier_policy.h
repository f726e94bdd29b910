/* tier_policy.h - memory tiering: cold frames down to slower memory, hot
 * frames back up (--tiering, docs/tiering.md). Linux's demotion and
 * promotion, one level up, for hugetlb-backed guests the kernel leaves out.
 *
 * Each period (1 s) ends a heat period (mm/heat.h) and then:
 *   - demotion on a watermark: a fast node (a tier with a slower one below)
 *     that can take fewer than low_frames more frames (drain_room: its pool's
 *     free pages and the host's free hugepages) sends its coldest frames,
 *     those not seen for cold_periods or more, to the nearest slower node
 *     with room, until it could take 2 * low_frames (the high watermark);
 *   - promotion: a frame on a slower node seen hot (score >= hot_score) in
 *     promote_confirm periods in a row goes to the nearest faster node that
 *     stays above its low watermark, within promote_rate_mib_s (a token
 *     bucket, as numa_balancing_promote_rate_limit_MBps).
 * tier_demote_cold is the operator's `ctl tier demote --cold-for`.
 * Hysteresis: a promoted frame is held on its tier for hold_periods before
 * it may be demoted, a demoted one needs promote_confirm hot periods, so a
 * frame touched now and then does not ping-pong. Moves are async (busy
 * frames are skipped, tried next period) with reasons demotion and
 * promotion. Between nodes of one tier the autobalancer decides.
 * Reads are sampled too where the host can (mm/heat_sample.h): each period
 * arms the next sample_frames frames in turn, so a frame is looked at every
 * nframes / sample_frames periods; cold_periods must be longer. */
#ifndef FRAMESHIFT_MM_TIER_POLICY_H
#define FRAMESHIFT_MM_TIER_POLICY_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "mm/heat.h"
#include "mm/migrate.h"

struct tier_frame {
	uint8_t hot_streak; /* periods in a row seen hot on a slower tier */
	uint8_t hold;       /* periods left before another tier move */
	uint8_t moves;      /* tier moves so far (saturating) */
};

struct tiering_stats {
	uint64_t periods;
	uint64_t demoted, promoted;  /* frames moved */
	uint64_t failed;             /* moves that failed or were skipped (busy) */
	uint64_t watermark_hits;     /* periods a fast node was below its low watermark */
	uint64_t rate_limited;       /* hot frames left where they are: budget spent */
	uint64_t held;               /* would move, but moved too recently */
	uint64_t no_room;            /* would move, but no node of the right tier has room */
};

struct tiering {
	struct migrator *m;
	struct heat heat;
	pthread_mutex_t lock;        /* settings, tf, stats, budget */
	bool enabled;
	struct tier_frame *tf;
	double promote_rate_mib_s;
	double budget_frames;        /* token bucket, in frames */
	unsigned cold_periods;       /* demote frames at least this old (watermark) */
	unsigned hot_score;          /* a score this high is hot */
	unsigned promote_confirm;    /* hot periods in a row before a promotion */
	unsigned hold_periods;       /* after a promotion, before a demotion */
	uint32_t low_frames;         /* the low watermark, frames */
	uint32_t sample_frames;      /* frames armed for read sampling each period */
	uint32_t sample_cursor;      /* the next of them */
	unsigned write_sample_ms;    /* writes are logged this long each period (set by the VMM) */
	struct tiering_stats stats;
};

/* Also makes t the migrator's access hook (read samples): the reader must
 * be stopped (migrator_stop_reader) before tiering_destroy. */
int tiering_init(struct tiering *t, struct migrator *m, double promote_rate_mib_s);
void tiering_destroy(struct tiering *t);
void tiering_set_enabled(struct tiering *t, bool on);

/* End a period of period_s seconds: heat, then demote and promote (if
 * enabled). Returns frames moved. */
uint32_t tiering_period(struct tiering *t, double period_s);

/* Demote every frame on a node with a slower tier below that has not been
 * seen for at least periods, to the nearest slower node with room. Returns
 * frames demoted; *left gets the cold frames that stay (no room, busy). */
uint32_t tier_demote_cold(struct tiering *t, unsigned periods, uint32_t *left);

/* Frames per node by heat bucket (hist[node][bucket]), for ctl tier status. */
void tiering_histogram(struct tiering *t, uint32_t hist[MAX_NODES][HEAT_BUCKETS]);

#endif
