/* map_cpu.c - <vcpu>, <cputune>, <numatune> and <cpu><numa>: vCPUs
 * (--cpus), each vCPU's host node (--cpu-nodes), the placement policy
 * (--numa-policy) and the guest's NUMA cells (--guest-numa). */
#include <stdio.h>
#include <string.h>

#include "vmm/domain/dom.h"

int map_vcpu(struct domain *d, xmlNode *n)
{
	static const char *const attrs[] = { "placement", "current", NULL };
	char *placement = dom_attr(n, "placement");
	bool auto_placement = placement && strcmp(placement, "static");
	unsigned current;

	xmlFree(placement);
	if (dom_attrs(d, n, attrs) < 0)
		return -1;
	if (auto_placement)
		return dom_error(d, n, "placement must be 'static': frameshift places vCPUs by <vcpupin>");
	if (dom_uint(d, n, NULL, 1, DOM_MAX_VCPUS, &d->vcpus) < 0)
		return -1;
	if (xmlHasProp(n, (const xmlChar *)"current") &&
	    (dom_uint(d, n, "current", 1, DOM_MAX_VCPUS, &current) < 0 || current != d->vcpus))
		return d->err[0] ? -1 : dom_error(d, n, "current must equal the vCPU count (no hotplug)");
	return 0;
}

/* The CPUs of n's cpuset, each one this host has; -1 after an error. */
static int cpuset_cpus(struct domain *d, xmlNode *n, uint64_t *cpus)
{
	char *cpuset = dom_attr(n, "cpuset");
	int ret;

	if (!cpuset)
		return dom_error(d, n, "needs a cpuset");
	ret = dom_set(d, n, "cpuset", cpuset, 64, cpus);
	xmlFree(cpuset);
	/* a CPU past the host's is the error a user needs: name it */
	for (int c = 0; ret == 0 && c < 64; c++)
		if ((*cpus & (1ULL << c)) && (c >= d->host.ncpus || d->host.node_of_cpu(c) < 0))
			ret = dom_error(d, n, "host CPU %d does not exist (this host has CPUs 0-%d)", c,
					d->host.ncpus - 1);
	return ret;
}

/* The one host node holding every CPU of a cpuset, or -1 after an error. */
static int node_of_cpuset(struct domain *d, xmlNode *n)
{
	uint64_t cpus;
	int node = -1;

	if (cpuset_cpus(d, n, &cpus) < 0)
		return -1;
	for (int c = 0; c < 64; c++) {
		int cn;

		if (!(cpus & (1ULL << c)))
			continue;
		cn = d->host.node_of_cpu(c);
		if (node >= 0 && cn != node)
			return dom_error(d, n, "its cpuset spans host nodes %d and %d; frameshift pins a vCPU to "
					 "one node's CPUs", node, cn);
		node = cn;
	}
	return node;
}

static int map_vcpupin(struct domain *d, xmlNode *n)
{
	static const char *const attrs[] = { "vcpu", "cpuset", NULL };
	unsigned vcpu;
	int node;

	if (dom_attrs(d, n, attrs) < 0 || dom_uint(d, n, "vcpu", 0, DOM_MAX_VCPUS - 1, &vcpu) < 0)
		return -1;
	node = node_of_cpuset(d, n);
	if (node < 0)
		return -1;
	if (d->vcpu_node[vcpu] >= 0)
		return dom_error(d, n, "vCPU %u is pinned twice", vcpu);
	d->vcpu_node[vcpu] = node;
	d->npinned++;
	d->vcpupin_line = (int)xmlGetLineNo(n);
	return 0;
}

/* The VMM's own threads, all but the vCPUs (--emulator-cpus): any CPUs
 * the host has, on one node or several. */
static int map_emulatorpin(struct domain *d, xmlNode *n)
{
	static const char *const attrs[] = { "cpuset", NULL };

	if (dom_attrs(d, n, attrs) < 0)
		return -1;
	if (d->emulator_cpus)
		return dom_error(d, n, "given twice");
	return cpuset_cpus(d, n, &d->emulator_cpus);
}

int map_cputune(struct domain *d, xmlNode *n)
{
	static const struct dom_element children[] = {
		{ "vcpupin", map_vcpupin }, { "emulatorpin", map_emulatorpin }, { NULL, NULL },
	};

	return dom_children(d, n, children);
}

/* libvirt's numatune modes as --numa-policy modes; restrictive (memory only
 * allowed on the nodeset, no policy inside it) is what frameshift's bind
 * does: frames may sit on any node of the set. */
static const char *const numa_modes[][2] = {
	{ "strict", "bind" }, { "restrictive", "bind" },
	{ "interleave", "interleave" }, { "preferred", "preferred" },
};

static int numa_mode(struct domain *d, xmlNode *n, const char **policy)
{
	char *mode = dom_attr(n, "mode");
	int ret = -1;

	*policy = "bind"; /* libvirt's default is strict */
	for (size_t i = 0; mode && i < sizeof(numa_modes) / sizeof(numa_modes[0]); i++)
		if (!strcmp(mode, numa_modes[i][0])) {
			*policy = numa_modes[i][1];
			ret = 0;
		}
	if (!mode)
		ret = 0;
	else if (ret < 0)
		dom_error(d, n, "mode '%.32s' (want strict, restrictive, interleave or preferred)", mode);
	xmlFree(mode);
	return ret;
}

static unsigned host_nodes(const struct domain *d)
{
	return d->sim_nodes ? d->sim_nodes : d->host.nnodes;
}

static int map_numa_memory(struct domain *d, xmlNode *n)
{
	static const char *const attrs[] = { "mode", "nodeset", "placement", NULL };
	const char *mode;
	char *nodeset;
	uint64_t mask;
	int ret;

	if (dom_attrs(d, n, attrs) < 0 || numa_mode(d, n, &mode) < 0)
		return -1;
	if (xmlHasProp(n, (const xmlChar *)"placement") && !dom_attr_is(n, "placement", "static"))
		return dom_error(d, n, "placement must be 'static' with a nodeset (frameshift runs no numad)");
	nodeset = dom_attr(n, "nodeset");
	if (!nodeset)
		return dom_error(d, n, "needs a nodeset");
	ret = dom_set(d, n, "nodeset", nodeset, host_nodes(d), &mask);
	if (ret == 0 && !strcmp(mode, "preferred") && (mask & (mask - 1)))
		ret = dom_error(d, n, "preferred takes one node, not '%s'", nodeset);
	xmlFree(nodeset);
	if (ret < 0)
		return -1;
	/* the nodes one by one, as numatune reports them: a domain and its
	 * dumpxml mean the same options */
	size_t off = (size_t)snprintf(d->policy, sizeof(d->policy), "%s:", mode);
	dom_format_set(mask, d->policy + off, sizeof(d->policy) - off);
	return 0;
}

static int map_memnode(struct domain *d, xmlNode *n)
{
	static const char *const attrs[] = { "cellid", "mode", "nodeset", NULL };
	const char *mode;
	unsigned cell;
	char *nodeset;
	uint64_t mask;
	int ret;

	if (dom_attrs(d, n, attrs) < 0 || dom_uint(d, n, "cellid", 0, MAX_NODES - 1, &cell) < 0 ||
	    numa_mode(d, n, &mode) < 0)
		return -1;
	if (strcmp(mode, "bind"))
		return dom_error(d, n, "a guest cell's memory is bound to one node: mode strict");
	if (d->memnode[cell] >= 0)
		return dom_error(d, n, "cell %u has two memnodes", cell);
	nodeset = dom_attr(n, "nodeset");
	if (!nodeset)
		return dom_error(d, n, "needs a nodeset");
	ret = dom_set(d, n, "nodeset", nodeset, host_nodes(d), &mask);
	if (ret == 0 && (mask & (mask - 1)))
		ret = dom_error(d, n, "frameshift places a guest cell on one node, not '%s'", nodeset);
	xmlFree(nodeset);
	if (ret < 0)
		return -1;
	d->memnode[cell] = __builtin_ctzll(mask);
	d->memnode_line[cell] = (int)xmlGetLineNo(n);
	return 0;
}

int map_numatune(struct domain *d, xmlNode *n)
{
	static const struct dom_element children[] = {
		{ "memory", map_numa_memory }, { "memnode", map_memnode }, { NULL, NULL },
	};

	return dom_children(d, n, children);
}

/* <distances>: frameshift's guest SLIT says 10 within a cell, 20 between. */
static int map_sibling(struct domain *d, xmlNode *n)
{
	static const char *const attrs[] = { "id", "value", NULL };
	unsigned id, value, self = (unsigned)(intptr_t)n->parent->parent->_private;

	if (dom_attrs(d, n, attrs) < 0 || dom_uint(d, n, "id", 0, MAX_NODES - 1, &id) < 0 ||
	    dom_uint(d, n, "value", 10, 255, &value) < 0)
		return -1;
	if (value != (id == self ? 10u : 20u))
		return dom_error(d, n, "distance %u from cell %u to %u: frameshift gives the guest 10 within a "
				 "cell and 20 between cells", value, self, id);
	return 0;
}

static int map_distances(struct domain *d, xmlNode *n)
{
	static const struct dom_element children[] = { { "sibling", map_sibling }, { NULL, NULL } };

	return dom_children(d, n, children);
}

static int map_cell(struct domain *d, xmlNode *n)
{
	static const char *const attrs[] = { "id", "cpus", "memory", "unit", NULL };
	static const struct dom_element children[] = { { "distances", map_distances }, { NULL, NULL } };
	char *cpus, *memory, *unit;
	unsigned id;
	int ret;

	if (dom_attrs(d, n, attrs) < 0 || dom_uint(d, n, "id", 0, MAX_NODES - 1, &id) < 0)
		return -1;
	if (id != d->ncells)
		return dom_error(d, n, "cell id %u: cells are numbered 0, 1, ... in order", id);
	cpus = dom_attr(n, "cpus");
	memory = dom_attr(n, "memory");
	unit = dom_attr(n, "unit");
	if (!cpus || !memory)
		ret = dom_error(d, n, "needs cpus and memory");
	else
		ret = dom_set(d, n, "cpus", cpus, DOM_MAX_VCPUS, &d->cell_cpus[id]);
	if (ret == 0)
		ret = dom_size_of(d, n, memory, unit, &d->cell_memory[id]);
	xmlFree(cpus);
	xmlFree(memory);
	xmlFree(unit);
	if (ret < 0)
		return -1;
	d->cell_line[id] = (int)xmlGetLineNo(n);
	d->ncells++;
	n->_private = (void *)(intptr_t)id; /* for its <sibling>s */
	return dom_children(d, n, children);
}

static int map_numa(struct domain *d, xmlNode *n)
{
	static const struct dom_element children[] = { { "cell", map_cell }, { NULL, NULL } };

	if (d->ncells)
		return dom_error(d, n, "given twice");
	d->numa_line = (int)xmlGetLineNo(n);
	return dom_children(d, n, children);
}

/* frameshift hands the guest the host's CPUID (host-passthrough). */
int map_cpu(struct domain *d, xmlNode *n)
{
	static const char *const attrs[] = { "mode", "check", "migratable", NULL };
	static const struct dom_element children[] = { { "numa", map_numa }, { NULL, NULL } };

	if (dom_attrs(d, n, attrs) < 0)
		return -1;
	if (xmlHasProp(n, (const xmlChar *)"mode") && !dom_attr_is(n, "mode", "host-passthrough"))
		return dom_error(d, n, "mode must be host-passthrough (frameshift gives the guest the host's CPUID)");
	return dom_children(d, n, children);
}
