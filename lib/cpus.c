/* cpus.c - a host NUMA node's CPUs (see cpus.h). */
#include <numa.h>

#include "lib/cpus.h"

int host_node_cpus(int node, cpu_set_t *set)
{
	struct bitmask *cpus;
	int n = 0;

	CPU_ZERO(set);
	if (node < 0 || numa_available() < 0 || node > numa_max_node())
		return -1;
	cpus = numa_allocate_cpumask();
	if (numa_node_to_cpus(node, cpus) == 0)
		for (unsigned c = 0; c < cpus->size && c < CPU_SETSIZE; c++)
			if (numa_bitmask_isbitset(cpus, c)) {
				CPU_SET(c, set);
				n++;
			}
	numa_free_cpumask(cpus);
	return n;
}

int node_thread_attr(pthread_attr_t *attr, int node)
{
	cpu_set_t set;

	pthread_attr_init(attr);
	if (node < 0)
		return 0;
	if (host_node_cpus(node, &set) <= 0 || pthread_attr_setaffinity_np(attr, sizeof(set), &set)) {
		pthread_attr_destroy(attr);
		return -1;
	}
	return 0;
}
