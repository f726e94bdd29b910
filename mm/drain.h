/* drain.h - memory hot-remove one level up: `ctl drain --node N` moves every
 * guest frame off node N with the migration engine (reason "drain") and marks
 * the node drained (guest_mem.drained): no placement, move, restore or
 * balancing puts a frame there again until `ctl undrain --node N`. The
 * node's pool gives its free hugepages back to the host, so the kernel sees
 * the node empty. docs/tiering.md has the details. */
#ifndef FRAMESHIFT_MM_DRAIN_H
#define FRAMESHIFT_MM_DRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "mm/migrate.h"

#define DRAIN_ROUNDS 3 /* passes over what is left on the node (frames busy or racing) */

struct drain_result {
	struct migrate_result moves;  /* all of the drain's moves together */
	uint32_t frames;              /* frames on the node when it began */
	uint32_t left;                /* frames still on it at the end */
	uint32_t pages_returned;      /* the node pool's free pages given back */
};

/* Pages each node can take now for frames moved in: its pool's free pages
 * beyond the restore reserve, plus the hugepages its host node has free by
 * the kernel's count (free_hugepages, shared by the pools on one host node),
 * up to the pool's room. A node in skip (a bit per node) gets 0; a pool not
 * on hugetlb is limited by its room alone. Returns the sum. The caller holds
 * the frame table lock. */
uint32_t drain_room(struct guest_mem *gm, uint32_t skip, uint32_t room[MAX_NODES]);

/* Deal the frames idx[0..n) of node from out to the nodes in mask, nearest
 * first (mm/tier.h), as many as room[] allows (a ballooned frame takes
 * none): to[k] is frame idx[k]'s node, FRAME_NONE where none has room. The
 * caller holds the frame table lock. Drain and demotion share it. */
void frames_deal(struct guest_mem *gm, unsigned from, const uint32_t *idx, uint32_t n,
		 uint32_t mask, const uint32_t room[MAX_NODES], uint32_t *to);
/* Move each frame idx[k] to to[k] (FRAME_NONE: it stays), one migrate_frames
 * per target; the results add up in res. */
void frames_move_dealt(struct migrator *m, const uint32_t *idx, const uint32_t *to, uint32_t n,
		       enum migrate_mode mode, enum migrate_reason reason, struct migrate_result *res);

/* Drain node: refused (-1, a message in err, nothing changed) for a bad
 * node, the last node not drained, or frames that the other nodes cannot
 * hold (drain_room). Otherwise the node is drained from now on and its
 * frames are moved to the others, nearest first; -1 with a message if some
 * could not leave (they are as they were, the node stays drained: drain
 * again or undrain). res says what was done either way. */
int drain_node(struct migrator *m, unsigned node, struct drain_result *res, char *err, size_t errlen);
/* Frames may be placed on node again. -1 with a message for a bad node. */
int undrain_node(struct migrator *m, unsigned node, char *err, size_t errlen);

#endif
