/* policy.h - initial placement of guest frames on nodes, in libvirt's numatune
 * vocabulary: bind:N (strict), interleave:N,M,... and preferred:N. */
#ifndef FRAMESHIFT_MM_POLICY_H
#define FRAMESHIFT_MM_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "mm/frame.h"

enum numa_mode { NUMA_BIND, NUMA_INTERLEAVE, NUMA_PREFERRED };

struct numa_policy {
	enum numa_mode mode;
	uint32_t nodemask; /* bit per logical node */
};

/* Parse "bind:N", "interleave:N,M,...", "preferred:N"; node lists take ranges
 * ("0-2,5"). Returns 0, or -1 with a message in err. */
int numa_policy_parse(const char *s, struct numa_policy *pol, char *err, size_t errlen);
/* Check every node of the policy exists among nnodes; -1 with message if not. */
int numa_policy_check(const struct numa_policy *pol, unsigned nnodes, char *err, size_t errlen);
/* The node frame idx of nframes should start on, ignoring capacity. */
unsigned numa_policy_node_for(const struct numa_policy *pol, uint32_t idx);
/* The frames pol places on node that sit on another node, in index order,
 * into idx (room for every frame); returns their count. Under bind a frame
 * on any node of the policy stays (virsh numatune --mode strict moves only
 * what lies outside the nodeset); a node outside the policy gets none. The
 * caller holds the frame table lock. */
uint32_t numa_policy_misplaced(const struct numa_policy *pol, const struct frame_table *ft,
			       unsigned node, uint32_t *idx);
/* Leave the nodes in mask (drained ones) out of pol. -1, pol unchanged,
 * if that leaves none. */
int numa_policy_exclude(struct numa_policy *pol, uint32_t mask);
/* Format as the parse syntax. */
void numa_policy_format(const struct numa_policy *pol, char *buf, size_t len);
const char *numa_mode_name(enum numa_mode m);

#endif
