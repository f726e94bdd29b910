/* migrate.h - move guest frames between nodes while the guest runs: Linux's
 * migrate_pages() one level up. docs/migration.md explains the design. */
#ifndef FRAMESHIFT_MM_MIGRATE_H
#define FRAMESHIFT_MM_MIGRATE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "mm/guest_mem.h"

#define MIGRATE_BATCH 32 /* frames moved together */

enum migrate_mode {
	MIGRATE_ASYNC, /* never wait: skip frames that are busy */
	MIGRATE_SYNC,  /* wait for busy frames and retry transient failures */
};

enum migrate_reason {
	MR_USER,        /* ctl migrate */
	MR_NUMATUNE,    /* a live policy change */
	MR_AUTOBALANCE,
	MR_COMPACTION,  /* a degraded frame back onto a hugepage (mm/reclaim.h) */
	MR_DRAIN,       /* ctl drain: off a node being emptied (mm/drain.h) */
	MR_DEMOTION,    /* a cold frame to slower memory (mm/tier_policy.h) */
	MR_PROMOTION,   /* a hot frame back to faster memory */
	MR_NR_REASONS
};

/* The steps a move goes through, named for fault injection and tracing. */
enum migrate_step {
	MSTEP_ISOLATE,
	MSTEP_TARGET, /* take a page from the target pool */
	MSTEP_UNMAP,  /* install the migration entry (write-protect) */
	MSTEP_COPY,
	MSTEP_REMAP,
	MSTEP_NR
};

struct migrate_result {
	uint32_t requested, moved, skipped, failed;
	uint32_t retries;
	uint32_t nocopy;        /* of moved: ballooned frames, nothing to copy */
	uint64_t bytes;
	uint32_t writes_held;   /* guest writes that waited on a migration entry */
	double seconds;
	double max_hold;        /* longest a guest write waited, seconds */
};

struct migrate_counters {
	uint64_t requested, moved, skipped, failed, bytes;
};

struct migrate_stats {
	struct migrate_counters reason[MR_NR_REASONS];
	uint64_t node_in[MAX_NODES], node_out[MAX_NODES];
	uint64_t putbacks;
	uint64_t faults_injected[MSTEP_NR];
	uint64_t writes_held;
	double max_hold;
	uint64_t nocopy;          /* ballooned frames moved by changing their node */
	uint64_t reclaimed, restored, touch_restored; /* mm/reclaim.c */
	uint64_t restore_failures;
	uint64_t degraded;        /* restores onto ordinary pages: no pool had a page */
	uint64_t stale_events;    /* userfaultfd messages of an episode already over */
};

/* Deterministic and random failures, for tests and the soak run. */
struct migrate_inject {
	uint32_t fail_nth[MSTEP_NR];   /* fail the n-th call of a step from now (0: off) */
	uint32_t fail_permille[MSTEP_NR]; /* and each call with this probability */
	uint64_t rng;
	bool no_small_pages;           /* restores cannot fall back on ordinary pages */
};

struct copy_pool;

struct migrator {
	struct guest_mem *gm;
	int uffd;
	struct copy_pool *copy;
	unsigned copy_threads;
	pthread_mutex_t lock;  /* one migration at a time; guards stats, inject */
	struct migrate_stats stats;
	struct migrate_inject inject;
	/* called after each step of a batch (tests hold the batch there) */
	void (*trace)(struct migrator *m, enum migrate_step step, const uint32_t *frames,
		      uint32_t n, void *arg);
	void *trace_arg;
	/* the userfaultfd reader: timestamps held writes, restores touched
	 * frames, returns degraded frames to hugepages */
	pthread_t reader;
	bool reader_running;
	int reader_stop_fd;
	int reader_kick_fd;    /* migrator_kick: tick now, and while work is left */
	/* an owner's periodic work (migrator_set_owner_tick), under m->lock */
	bool (*owner_tick)(void *arg);
	void *owner_tick_arg;
	uint32_t gen_seq;      /* atomic: the last struct frame gen given out */
	int small_fd;          /* ordinary-page memfd over guest RAM: degraded frames'
				* pages, at their frames' offsets (made before the
				* sandbox, which allows no memfd_create) */
	bool populate_write;   /* the kernel has MADV_POPULATE_WRITE (5.14+): remapped
				* frames are prefaulted (mm/migrate.c) */
	uint64_t *fault_time;  /* per frame: ns of the first held write in this move, 0 if none */
	uint8_t *restore_pending; /* per frame: touched while ballooned, no page yet */
	bool minor_faults;     /* the uffd has hugetlb minor faults: reads can be sampled */
	/* told of each sampled access (mm/heat_sample.h), from the reader;
	 * set before sampling starts */
	void (*access)(void *arg, uint32_t idx, bool write);
	void *access_arg;
};

/* A userfaultfd (O_CLOEXEC | flags), or -1 with a message that says how to
 * get permission where that is what failed. */
int uffd_open(int flags, char *err, size_t errlen);
/* -1 with a message when the host cannot write-protect guest memory. */
int migrator_init(struct migrator *m, struct guest_mem *gm, unsigned copy_threads,
		  char *err, size_t errlen);
/* Stop and join the userfaultfd reader: no owner hook runs after this.
 * The VM calls it before its devices (the owners) go. */
void migrator_stop_reader(struct migrator *m);
void migrator_destroy(struct migrator *m);

/* Read and act on every userfaultfd message queued now (the reader's step).
 * Messages of an episode that is over are dropped and counted
 * (stale_events). */
void migrator_read_faults(struct migrator *m);
/* Act on one message read when m->gen_seq was seq0 (the step of that). */
struct uffd_msg;
void migrator_handle_fault(struct migrator *m, const struct uffd_msg *msg, uint32_t seq0);
/* The reader's periodic work: retry restores that found no page, move
 * degraded frames back onto hugepages (MR_COMPACTION; the pool's restore
 * reserve is filled again first), the owner's tick. Returns true while any
 * of it is left to do. */
bool migrator_tick(struct migrator *m);
/* Run tick(arg) from the reader's tick (every 100 ms while it returns true,
 * from the next migrator_kick on): an owner's work that waits for pages,
 * such as a deflate held until its restore succeeds. tick must not block on
 * anything the reader serves (a trylock, and try later). NULL: none. Once
 * this returns, the old tick no longer runs. */
void migrator_set_owner_tick(struct migrator *m, bool (*tick)(void *arg), void *arg);
/* Ask the reader for a tick now. */
void migrator_kick(struct migrator *m);

/* A new generation for frame f (it is trapped or write-protected now). */
void migrator_new_gen(struct migrator *m, struct frame *f);

/* Move frames[0..n) to node target. Per frame the outcome is moved, skipped
 * (already there, busy in async mode, not movable) or failed (put back exactly
 * as it was). Returns 0, or -EINVAL for a bad node or frame index, or a
 * drained target (nothing moves there: mm/drain.h). */
int migrate_frames(struct migrator *m, const uint32_t *frames, uint32_t n, unsigned target,
		   enum migrate_mode mode, enum migrate_reason reason, struct migrate_result *res);
/* The same for a caller that holds m->lock (the reader's tick, mm/migrator.c). */
int migrate_frames_locked(struct migrator *m, const uint32_t *frames, uint32_t n, unsigned target,
			  enum migrate_mode mode, enum migrate_reason reason, struct migrate_result *res);
/* Wake the guest accesses waiting on frame idx (userfaultfd). */
void migrator_wake(struct migrator *m, uint32_t idx);

/* The baseline for the throughput benchmark: copy every mapped frame's page
 * not on target (but a lazy slot's: reading it would make its page) into a
 * free page of target's pool with one thread and the engine's copy method,
 * but no migration entry and no remap. Guest memory is untouched. Returns
 * bytes copied (0 if target has no free page) and seconds. */
uint64_t migrate_copy_baseline(struct migrator *m, unsigned target, double *seconds);

/* Add part's counts to sum (the longest hold is kept). */
void migrate_result_add(struct migrate_result *sum, const struct migrate_result *part);

const char *migrate_reason_name(enum migrate_reason r);
const char *migrate_step_name(enum migrate_step s);
int migrate_step_parse(const char *name);

#endif
