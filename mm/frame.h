/* frame.h - the guest frame table: one entry per 2 MiB of guest-physical memory.
 *
 * A frame is frameshift's folio. Its state machine (docs/architecture.md):
 *
 *   FREE --place--> MAPPED --isolate--> ISOLATED --unmap--> MIGRATING --remap--> MAPPED
 *                     ^  \                 |                    |
 *                     |   \--balloon--> BALLOONED               | (any failure)
 *                     |                    |                    v
 *                     +------putback-------+<-------------- putback
 *
 * MAPPED frames sit on their node's list (the LRU-list analogue); isolated and
 * migrating frames sit on a caller's private list. A MAPPED frame may be
 * degraded: restored while no pool had a page, it lives on ordinary 4 KiB
 * pages (mm/reclaim.c) until a move puts it back on a hugepage of its node.
 * All fields are protected by the frame table lock, except gen, which the
 * userfaultfd reader also reads without it. */
#ifndef FRAMESHIFT_MM_FRAME_H
#define FRAMESHIFT_MM_FRAME_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "include/frameshift/guest-abi.h"

#define FRAME_SHIFT FS_FRAME_SHIFT
#define FRAME_SIZE FS_FRAME_SIZE
#define FRAME_NONE UINT32_MAX
#define MAX_NODES 16

enum frame_state {
	FRAME_FREE,      /* no backing page: not yet placed */
	FRAME_MAPPED,    /* backed by a pool page and mapped into the guest */
	FRAME_ISOLATED,  /* taken off its node list for an operation; still mapped */
	FRAME_MIGRATING, /* guest writes held; contents being copied */
	FRAME_BALLOONED, /* page returned to the host; guest must not use it */
	FRAME_NR_STATES
};

struct frame;

/* Owner operations, the movable_operations analogue. A frame without an owner
 * (ops == NULL) is plain guest RAM. Each hook returns 0 or a negative errno,
 * and runs with the frame table lock held. */
struct frame_ops {
	const char *name;
	/* may refuse with -EBUSY: async callers skip, sync callers wait */
	int (*isolate)(struct frame *f, void *owner);
	void (*putback)(struct frame *f, void *owner);
};

struct frame {
	uint8_t state;       /* enum frame_state */
	uint8_t node;        /* logical node whose pool backs it */
	uint8_t degraded;    /* MAPPED on ordinary pages: no pool slot */
	uint32_t slot;       /* page index within that node's pool */
	/* the migrator's sequence number when the frame was last trapped or
	 * write-protected (atomic): a userfaultfd message read before then
	 * belongs to an earlier episode and is stale */
	uint32_t gen;
	uint32_t prev, next; /* links on a frame_list, by frame index */
	const struct frame_ops *ops;
	void *owner;
};

struct frame_list {
	uint32_t head, tail, count;
};

struct frame_table {
	struct frame *frames;
	uint32_t nframes;
	unsigned nnodes;
	struct frame_list node_list[MAX_NODES]; /* MAPPED frames per node */
	pthread_mutex_t lock;
};

int frame_table_init(struct frame_table *ft, uint32_t nframes, unsigned nnodes);
void frame_table_destroy(struct frame_table *ft);

static inline uint32_t frame_index(const struct frame_table *ft, const struct frame *f)
{
	return (uint32_t)(f - ft->frames);
}

const char *frame_state_name(enum frame_state s);

void frame_list_init(struct frame_list *l);
void frame_list_add_tail(struct frame_table *ft, struct frame_list *l, struct frame *f);
void frame_list_del(struct frame_table *ft, struct frame_list *l, struct frame *f);
struct frame *frame_list_first(struct frame_table *ft, const struct frame_list *l);
struct frame *frame_list_next(struct frame_table *ft, const struct frame *f);

/* FREE -> MAPPED on node's list, backed by pool slot. */
void frame_set_mapped(struct frame_table *ft, struct frame *f, unsigned node, uint32_t slot);

/* Count frames per node and per state (for numastat and map). */
void frame_table_count(struct frame_table *ft, uint32_t per_node[MAX_NODES],
		       uint32_t per_state[FRAME_NR_STATES]);
/* Count degraded frames per node; returns the total. */
uint32_t frame_table_count_degraded(struct frame_table *ft, uint32_t per_node[MAX_NODES]);

#endif
