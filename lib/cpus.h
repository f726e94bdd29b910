/* cpus.h - a host NUMA node's CPUs (libnuma), for pinning threads to it. */
#ifndef FRAMESHIFT_LIB_CPUS_H
#define FRAMESHIFT_LIB_CPUS_H

#include <pthread.h>
#include <sched.h>

/* The highest node number a user may name (libnuma's limit, 1024 nodes);
 * whether this host has it is host_node_cpus' answer. */
#define HOST_NODE_MAX 1023

/* The CPUs of host node `node` in set: their count (0: a node without
 * CPUs), or -1 when there is no such node (or no NUMA on this host). */
int host_node_cpus(int node, cpu_set_t *set);
/* attr for a thread that starts on node's CPUs (node < 0: anywhere), so it
 * never runs elsewhere; pthread_attr_destroy it after use. 0, or -1 when the
 * node has no CPUs. */
int node_thread_attr(pthread_attr_t *attr, int node);

#endif
