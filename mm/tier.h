/* tier.h - memory tiers: which nodes are fast memory and which are slow (a
 * CXL expander or PMEM shows as a node with memory and no CPU), and how far
 * apart nodes are. Tier 0 is the fastest. The kernel's memory-tiers model,
 * one level up:
 *   - --tiers 0,1:2 names them: node lists from fastest to slowest;
 *   - with --sim-nodes K:S the last S simulated nodes are one tier slower;
 *   - else from the host: /sys/devices/virtual/memory_tiering where it tells
 *     tiers apart (a driver such as dax/kmem gave slow memory its own tier),
 *     else the topology: nodes with CPUs are tier 0, and CPU-less nodes rank
 *     by their SLIT distance from the nearest CPU node, one tier per distance.
 * Distances are the host's SLIT between the nodes' host nodes; simulated
 * nodes get 10 to themselves, 20 within a tier, 10 more per tier apart. */
#ifndef FRAMESHIFT_MM_TIER_H
#define FRAMESHIFT_MM_TIER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mm/frame.h"

struct tier_config {
	unsigned ntiers;           /* --tiers: tiers named (0: not given) */
	uint8_t tier[MAX_NODES];   /* their tier per node */
	uint32_t named;            /* the nodes --tiers names */
	unsigned sim_slow;         /* --sim-nodes K:S */
};

enum tier_source { TIER_FLAT, TIER_EXPLICIT, TIER_SIMULATED, TIER_KERNEL, TIER_TOPOLOGY };

struct tiers {
	unsigned ntiers;
	uint8_t tier[MAX_NODES];
	uint8_t distance[MAX_NODES][MAX_NODES];
	enum tier_source source;
};

/* "0,1:2" (tiers from fastest, ':' between them, node lists as "0-2,5"):
 * 0 or -1 with a message. A node in two tiers is an error. */
int tier_parse(const char *s, struct tier_config *tc, char *err, size_t errlen);

/* --tiers against nnodes nodes: every node in exactly one tier. 0, or -1
 * with a message. */
int tier_config_check(const struct tier_config *tc, unsigned nnodes, char *err, size_t errlen);

/* --sim-nodes "K" or "K:S" (S < K: the last S nodes are one tier slower):
 * 0, or -1 on a bad value. */
int tier_parse_sim_nodes(const char *s, unsigned *nodes, struct tier_config *tc);

/* The host's view, for guest_mem_init (before the sandbox): has_cpu and
 * distance per host node, and the kernel's tier per host node from dir
 * (/sys/devices/virtual/memory_tiering; -1 where it has none). */
struct host_topology {
	unsigned nnodes;
	bool has_cpu[MAX_NODES];
	uint8_t distance[MAX_NODES][MAX_NODES];
	int kernel_tier[MAX_NODES]; /* memory_tierN's N, -1 unknown */
};
void host_topology_read(struct host_topology *h, const char *memory_tiering_dir);

/* Tiers for nnodes nodes backed by host nodes host_node[] (all the same
 * when simulated). -1 with a message if --tiers names a node that is not
 * there or leaves one out. */
int tiers_init(struct tiers *t, const struct tier_config *tc, unsigned nnodes, bool simulated,
	       const int host_node[MAX_NODES], const struct host_topology *h, char *err, size_t errlen);

/* Of the nodes in mask, the nearest to from (ties: the lower number); -1
 * if mask is empty. */
int tier_nearest(const struct tiers *t, unsigned from, uint32_t mask);
/* The nodes of tier k as a mask. */
uint32_t tier_nodes(const struct tiers *t, unsigned nnodes, unsigned k);

const char *tier_source_name(enum tier_source s);

#endif
