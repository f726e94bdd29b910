/* tier.c - memory tiers and node distances (tier.h). */
#include <dirent.h>
#include <numa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/parse.h"
#include "mm/tier.h"

#define LOCAL_DISTANCE 10  /* SLIT's distance of a node to itself */
#define REMOTE_DISTANCE 20 /* and the usual one to another node */

static const char *const source_names[] = {
	[TIER_FLAT] = "flat", [TIER_EXPLICIT] = "explicit", [TIER_SIMULATED] = "simulated",
	[TIER_KERNEL] = "memory_tiering", [TIER_TOPOLOGY] = "topology",
};

const char *tier_source_name(enum tier_source s)
{
	return (unsigned)s < sizeof(source_names) / sizeof(source_names[0]) ? source_names[s] : "?";
}

static void add_to_mask(uint32_t lo, uint32_t hi, void *arg)
{
	for (uint32_t n = lo; n <= hi; n++)
		*(uint32_t *)arg |= 1u << n;
}

int tier_parse(const char *s, struct tier_config *tc, char *err, size_t errlen)
{
	char buf[256], *save = NULL, *part;
	unsigned k = 0;

	tc->ntiers = 0;
	tc->named = 0;
	if (strlen(s) >= sizeof(buf) || !*s || s[strlen(s) - 1] == ':' || *s == ':' || strstr(s, "::"))
		goto bad;
	strcpy(buf, s);
	for (part = strtok_r(buf, ":", &save); part; part = strtok_r(NULL, ":", &save), k++) {
		uint32_t mask = 0;

		if (parse_range_list(part, MAX_NODES, add_to_mask, &mask) < 0)
			goto bad;
		if (mask & tc->named) {
			snprintf(err, errlen, "--tiers '%s': node %d is in two tiers", s,
				 __builtin_ctz(mask & tc->named));
			return -1;
		}
		for (unsigned n = 0; n < MAX_NODES; n++)
			if (mask >> n & 1)
				tc->tier[n] = (uint8_t)k;
		tc->named |= mask;
	}
	tc->ntiers = k;
	return 0;
bad:
	snprintf(err, errlen, "bad --tiers '%s' (want node lists from the fastest tier to the slowest, "
		 "':' between tiers, e.g. 0,1:2; nodes < %d)", s, MAX_NODES);
	return -1;
}

int tier_parse_sim_nodes(const char *s, unsigned *nodes, struct tier_config *tc)
{
	const char *colon = strchr(s, ':');
	char k[16];
	unsigned n, slow = 0;

	if ((colon ? (size_t)(colon - s) : strlen(s)) >= sizeof(k))
		return -1;
	snprintf(k, sizeof(k), "%.*s", colon ? (int)(colon - s) : (int)strlen(s), s);
	if (parse_uint(k, 1, MAX_NODES, &n) < 0 || (colon && parse_uint(colon + 1, 1, n - 1, &slow) < 0))
		return -1;
	*nodes = n;
	tc->sim_slow = slow;
	return 0;
}

/* memory_tierN/nodelist under dir: N per host node. */
static void read_kernel_tiers(struct host_topology *h, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char path[512], list[256];
		uint32_t mask = 0;
		unsigned tier;
		FILE *f;

		if (sscanf(e->d_name, "memory_tier%u", &tier) != 1)
			continue;
		snprintf(path, sizeof(path), "%s/%s/nodelist", dir, e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(list, sizeof(list), f)) {
			list[strcspn(list, "\n")] = '\0';
			if (parse_range_list(list, MAX_NODES, add_to_mask, &mask) == 0)
				for (unsigned n = 0; n < MAX_NODES; n++)
					if (mask >> n & 1)
						h->kernel_tier[n] = (int)tier;
		}
		fclose(f);
	}
	closedir(d);
}

void host_topology_read(struct host_topology *h, const char *memory_tiering_dir)
{
	memset(h, 0, sizeof(*h));
	for (unsigned n = 0; n < MAX_NODES; n++)
		h->kernel_tier[n] = -1;
	h->nnodes = 1;
	h->has_cpu[0] = true;
	h->distance[0][0] = LOCAL_DISTANCE;
	if (numa_available() < 0)
		return;
	h->nnodes = (unsigned)numa_max_node() + 1;
	if (h->nnodes > MAX_NODES)
		h->nnodes = MAX_NODES;
	for (unsigned a = 0; a < h->nnodes; a++) {
		struct bitmask *cpus = numa_allocate_cpumask();

		h->has_cpu[a] = numa_node_to_cpus((int)a, cpus) == 0 && numa_bitmask_weight(cpus) > 0;
		numa_free_cpumask(cpus);
		for (unsigned b = 0; b < h->nnodes; b++) {
			int d = numa_distance((int)a, (int)b);

			h->distance[a][b] = (uint8_t)(d > 0 && d < 256 ? d : a == b ? LOCAL_DISTANCE
										: REMOTE_DISTANCE);
		}
	}
	read_kernel_tiers(h, memory_tiering_dir);
}

/* tier[n] = the rank of key[n] among the distinct keys; returns how many. */
static unsigned rank(const int key[MAX_NODES], unsigned nnodes, uint8_t tier[MAX_NODES])
{
	unsigned ntiers = 0;

	for (unsigned n = 0; n < nnodes; n++) {
		unsigned below = 0;
		bool first = true;

		for (unsigned m = 0; m < nnodes; m++) {
			bool seen = false;

			for (unsigned p = 0; p < m; p++)
				seen |= key[p] == key[m];
			if (!seen && key[m] < key[n])
				below++;
			if (key[m] == key[n] && m < n)
				first = false;
		}
		tier[n] = (uint8_t)below;
		ntiers += first;
	}
	return ntiers;
}

/* A node's key for the topology: 10 with CPUs, else its distance from the
 * nearest CPU node. */
static int topology_key(const struct host_topology *h, int host)
{
	int best = 255;
	bool any = false;

	if (host < 0 || (unsigned)host >= h->nnodes || h->has_cpu[host])
		return LOCAL_DISTANCE;
	for (unsigned c = 0; c < h->nnodes; c++)
		if (h->has_cpu[c]) {
			any = true;
			if (h->distance[c][host] < best)
				best = h->distance[c][host];
		}
	return any ? best : LOCAL_DISTANCE;
}

static int host_tiers(struct tiers *t, unsigned nnodes, const int host_node[MAX_NODES],
		      const struct host_topology *h)
{
	int key[MAX_NODES] = { 0 };
	bool known = true;

	for (unsigned n = 0; n < nnodes; n++) {
		int host = host_node[n];

		key[n] = host >= 0 && host < MAX_NODES ? h->kernel_tier[host] : -1;
		known &= key[n] >= 0;
	}
	/* the kernel puts every node in one tier unless a driver said
	 * otherwise: then the topology is all there is to go by */
	if (known && (t->ntiers = rank(key, nnodes, t->tier)) > 1)
		return TIER_KERNEL;
	for (unsigned n = 0; n < nnodes; n++)
		key[n] = topology_key(h, host_node[n]);
	t->ntiers = rank(key, nnodes, t->tier);
	return t->ntiers > 1 ? TIER_TOPOLOGY : TIER_FLAT;
}

int tier_config_check(const struct tier_config *tc, unsigned nnodes, char *err, size_t errlen)
{
	uint32_t all = (1u << nnodes) - 1;

	if (tc->ntiers && (tc->named & ~all)) {
		snprintf(err, errlen, "--tiers names node %d, but there %s only %u node%s",
			 __builtin_ctz(tc->named & ~all), nnodes == 1 ? "is" : "are", nnodes,
			 nnodes == 1 ? "" : "s");
		return -1;
	}
	if (tc->ntiers && (all & ~tc->named)) {
		snprintf(err, errlen, "--tiers puts node %d in no tier", __builtin_ctz(all & ~tc->named));
		return -1;
	}
	if (!tc->ntiers && tc->sim_slow && tc->sim_slow >= nnodes) {
		snprintf(err, errlen, "--sim-nodes %u:%u leaves no fast node", nnodes, tc->sim_slow);
		return -1;
	}
	return 0;
}

int tiers_init(struct tiers *t, const struct tier_config *tc, unsigned nnodes, bool simulated,
	       const int host_node[MAX_NODES], const struct host_topology *h, char *err, size_t errlen)
{
	int key[MAX_NODES] = { 0 };

	memset(t, 0, sizeof(*t));
	if (tier_config_check(tc, nnodes, err, errlen) < 0)
		return -1;
	if (tc->ntiers) {
		for (unsigned n = 0; n < nnodes; n++)
			key[n] = tc->tier[n];
		t->ntiers = rank(key, nnodes, t->tier);
		t->source = TIER_EXPLICIT;
	} else if (simulated) {
		for (unsigned n = 0; n < nnodes; n++)
			t->tier[n] = n >= nnodes - tc->sim_slow;
		t->ntiers = tc->sim_slow ? 2 : 1;
		t->source = tc->sim_slow ? TIER_SIMULATED : TIER_FLAT;
	} else {
		t->source = host_tiers(t, nnodes, host_node, h);
	}
	for (unsigned a = 0; a < nnodes; a++)
		for (unsigned b = 0; b < nnodes; b++) {
			int ha = host_node[a], hb = host_node[b];
			unsigned apart = (unsigned)abs(t->tier[a] - t->tier[b]);

			if (a == b)
				t->distance[a][b] = LOCAL_DISTANCE;
			else if (!simulated && ha >= 0 && hb >= 0 && (unsigned)ha < h->nnodes &&
				 (unsigned)hb < h->nnodes)
				t->distance[a][b] = h->distance[ha][hb];
			else
				t->distance[a][b] = (uint8_t)(REMOTE_DISTANCE + 10 * apart);
		}
	return 0;
}

int tier_nearest(const struct tiers *t, unsigned from, uint32_t mask)
{
	int best = -1;

	for (unsigned n = 0; n < MAX_NODES; n++)
		if ((mask >> n & 1) && (best < 0 || t->distance[from][n] < t->distance[from][best]))
			best = (int)n;
	return best;
}

uint32_t tier_nodes(const struct tiers *t, unsigned nnodes, unsigned k)
{
	uint32_t mask = 0;

	for (unsigned n = 0; n < nnodes; n++)
		if (t->tier[n] == k)
			mask |= 1u << n;
	return mask;
}
