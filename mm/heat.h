/* heat.h - how hot each guest frame is, in the spirit of MGLRU's
 * generations: a frame's age is the number of periods since it was last
 * seen accessed (0: this period), so "cold for 30 s" reads as age >= 30
 * with 1 s periods. Beside the age a score counts accesses with a decay of
 * a half per period, so one stray touch does not make a frame hot.
 *
 * Accesses come from samplers: writes from the KVM dirty rings the
 * autobalancer reads (every frame written in a sample window), reads from
 * userfaultfd minor faults on a rotating subset of frames (mm/heat_probe.h
 * says whether the host can). A sampler that covers a frame only every K
 * periods leaves its age growing in between, so the cold threshold must be
 * longer than that rotation (tier_policy checks it). */
#ifndef FRAMESHIFT_MM_HEAT_H
#define FRAMESHIFT_MM_HEAT_H

#include <pthread.h>
#include <stdint.h>

#include "mm/frame.h"

#define HEAT_MAX_AGE 255      /* ages saturate here: "older than 4 minutes" */
#define HEAT_SCORE_MAX 0xffff
#define HEAT_BUCKETS 5        /* histogram: age 0, 1, 2-7, 8-31, 32+ */

enum heat_kind { HEAT_WRITE, HEAT_READ };

struct frame_heat {
	uint8_t age;     /* periods since last seen accessed */
	uint8_t seen;    /* bit per heat_kind: seen this period */
	uint16_t score;  /* decayed accesses */
	uint32_t fresh;  /* accesses this period */
};

struct heat_stats {
	uint64_t periods;
	uint64_t writes, reads;  /* samples, by kind */
};

struct heat {
	pthread_mutex_t lock;
	uint32_t nframes;
	struct frame_heat *f;
	struct heat_stats stats;
};

int heat_init(struct heat *h, uint32_t nframes);
void heat_destroy(struct heat *h);
/* count accesses of kind to frame idx seen in this period (idx checked) */
void heat_note(struct heat *h, uint32_t idx, enum heat_kind kind, uint32_t count);
/* End a period: seen frames get age 0, the others age by one; scores decay
 * by half and take this period's accesses. */
void heat_period(struct heat *h);
/* The histogram bucket of an age (0 .. HEAT_BUCKETS-1). */
unsigned heat_bucket(uint8_t age);
const char *heat_bucket_name(unsigned b);

#endif
