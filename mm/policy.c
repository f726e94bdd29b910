/* policy.c - parse and apply initial NUMA placement policies. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "lib/parse.h"
#include "mm/policy.h"

static const struct {
	const char *name;
	enum numa_mode mode;
	bool single; /* takes exactly one node */
} modes[] = {
	{ "bind", NUMA_BIND, false },
	{ "interleave", NUMA_INTERLEAVE, false },
	{ "preferred", NUMA_PREFERRED, true },
};

const char *numa_mode_name(enum numa_mode m)
{
	for (size_t i = 0; i < ARRAY_SIZE(modes); i++)
		if (modes[i].mode == m)
			return modes[i].name;
	return "?";
}

static void add_to_mask(uint32_t lo, uint32_t hi, void *arg)
{
	for (uint32_t n = lo; n <= hi; n++)
		*(uint32_t *)arg |= 1u << n;
}

/* "0-2,5" -> mask; -1 on syntax error or node >= MAX_NODES. */
static int parse_nodelist(const char *s, uint32_t *mask)
{
	*mask = 0;
	return parse_range_list(s, MAX_NODES, add_to_mask, mask);
}

int numa_policy_parse(const char *s, struct numa_policy *pol, char *err, size_t errlen)
{
	const char *colon = strchr(s, ':');

	for (size_t i = 0; colon && i < ARRAY_SIZE(modes); i++) {
		if (strlen(modes[i].name) != (size_t)(colon - s) ||
		    strncmp(s, modes[i].name, (size_t)(colon - s)))
			continue;
		if (parse_nodelist(colon + 1, &pol->nodemask) < 0) {
			snprintf(err, errlen, "bad node list '%s' in policy '%s' (want e.g. 0 or 0,1 or 0-3; nodes < %d)",
				 colon + 1, s, MAX_NODES);
			return -1;
		}
		if (modes[i].single && __builtin_popcount(pol->nodemask) != 1) {
			snprintf(err, errlen, "policy '%s' takes exactly one node", modes[i].name);
			return -1;
		}
		pol->mode = modes[i].mode;
		return 0;
	}
	snprintf(err, errlen, "bad NUMA policy '%s' (want bind:NODES, interleave:NODES or preferred:NODE)", s);
	return -1;
}

int numa_policy_check(const struct numa_policy *pol, unsigned nnodes, char *err, size_t errlen)
{
	uint32_t have = nnodes >= 32 ? UINT32_MAX : (1u << nnodes) - 1;

	if (!pol->nodemask) {
		snprintf(err, errlen, "NUMA policy names no node");
		return -1;
	}
	if (pol->nodemask & ~have) {
		snprintf(err, errlen, "NUMA policy names node %d but there %s only %u node%s (0-%u)",
			 31 - __builtin_clz(pol->nodemask & ~have), nnodes == 1 ? "is" : "are",
			 nnodes, nnodes == 1 ? "" : "s", nnodes - 1);
		return -1;
	}
	return 0;
}

/* The n-th set bit of mask (n < popcount). */
static unsigned nth_node(uint32_t mask, unsigned n)
{
	while (n--)
		mask &= mask - 1;
	return (unsigned)__builtin_ctz(mask);
}

unsigned numa_policy_node_for(const struct numa_policy *pol, uint32_t idx)
{
	/* bind to several nodes fills them in turn like interleave: the kernel's
	 * MPOL_BIND prefers the local node, which a VMM thread has no notion of */
	if (pol->mode == NUMA_PREFERRED)
		return nth_node(pol->nodemask, 0);
	return nth_node(pol->nodemask, idx % (unsigned)__builtin_popcount(pol->nodemask));
}

uint32_t numa_policy_misplaced(const struct numa_policy *pol, const struct frame_table *ft,
			       unsigned node, uint32_t *idx)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < ft->nframes; i++) {
		unsigned on = ft->frames[i].node;
		bool allowed = pol->nodemask & (1u << on);

		if (numa_policy_node_for(pol, i) == node && on != node &&
		    !(pol->mode == NUMA_BIND && allowed))
			idx[n++] = i;
	}
	return n;
}

int numa_policy_exclude(struct numa_policy *pol, uint32_t mask)
{
	if (!(pol->nodemask & ~mask))
		return -1;
	pol->nodemask &= ~mask;
	return 0;
}

void numa_policy_format(const struct numa_policy *pol, char *buf, size_t len)
{
	size_t off = (size_t)snprintf(buf, len, "%s:", numa_mode_name(pol->mode));
	const char *sep = "";

	for (unsigned n = 0; n < MAX_NODES && off < len; n++) {
		if (!(pol->nodemask & (1u << n)))
			continue;
		off += (size_t)snprintf(buf + off, len - off, "%s%u", sep, n);
		sep = ",";
	}
}
