/* guest_mem.c - guest RAM built from per-node pools. */
#include <errno.h>
#include <fcntl.h>
#include <numa.h>
#include <numaif.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mm/guest_mem.h"

static void hugepage_count_path(int host_node, const char *name, char *path, size_t len)
{
	if (host_node >= 0)
		snprintf(path, len, "/sys/devices/system/node/node%d/hugepages/hugepages-2048kB/%s",
			 host_node, name);
	else
		snprintf(path, len, "/sys/kernel/mm/hugepages/hugepages-2048kB/%s", name);
}

/* A 2 MiB hugepage count the kernel keeps (free_hugepages, nr_hugepages)
 * for host_node, or for the whole host with -1; -1 if unreadable. */
static long hugepage_count(int host_node, const char *name)
{
	char path[128];
	long n = -1;
	FILE *f;

	hugepage_count_path(host_node, name, path, sizeof(path));
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &n) != 1)
		n = -1;
	fclose(f);
	return n;
}

long host_free_hugepages_read(int fd)
{
	char buf[32];
	ssize_t n;
	char *end;
	long v;

	if (fd < 0)
		return -1;
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	v = strtol(buf, &end, 10);
	return end == buf || v < 0 ? -1 : v;
}

long host_free_hugepages(int host_node)
{
	return hugepage_count(host_node, "free_hugepages");
}

int guest_mem_node_shortfall(const struct guest_mem_plan *plan, int h, char *err, size_t errlen)
{
	int node = numa_available() >= 0 ? h : -1;
	long have, total;

	if (!plan->need[h]) /* no sysfs read for a node the guest does not use */
		return 0;
	have = host_free_hugepages(node);
	if (have < 0)
		have = 0;
	if (have >= plan->need[h])
		return 0;
	/* the node's own count: the global vm.nr_hugepages spreads new pages
	 * over every node and may leave this one short */
	total = hugepage_count(node, "nr_hugepages");
	total = (total < 0 ? 0 : total) + plan->need[h] - have;
	if (node < 0)
		snprintf(err, errlen, "not enough 2 MiB hugepages: need %ld free, have %ld.\n"
			 "Reserve more with:  sysctl -w vm.nr_hugepages=%ld\n"
			 "(or run without hugepages: --no-hugetlb)", plan->need[h], have, total);
	else
		snprintf(err, errlen, "not enough 2 MiB hugepages on host node %d: need %ld free, have %ld.\n"
			 "Reserve more with:  echo %ld > /sys/devices/system/node/node%d/hugepages/"
			 "hugepages-2048kB/nr_hugepages\n"
			 "(or run without hugepages: --no-hugetlb)", h, plan->need[h], have, total, h);
	return -1;
}

static uint8_t *reserve_aligned(uint64_t size)
{
	uint64_t len = size + FRAME_SIZE;
	uint8_t *p = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	uint8_t *aligned;

	if (p == MAP_FAILED)
		return NULL;
	aligned = (uint8_t *)(((uintptr_t)p + FRAME_SIZE - 1) & ~(uintptr_t)(FRAME_SIZE - 1));
	if (aligned > p)
		munmap(p, (size_t)(aligned - p));
	munmap(aligned + size, (size_t)(p + len - (aligned + size)));
	return aligned;
}

/* Bind a lazy slot's guest mapping to its pool's host node: the guest's
 * first touch allocates the page there (the vCPU's own node may be another). */
static int bind_lazy_page(const struct pool *p, uint8_t *hva)
{
	struct bitmask *mask;
	int ret = 0;

	if (p->host_node < 0 || numa_available() < 0)
		return 0;
	mask = numa_allocate_nodemask();
	numa_bitmask_setbit(mask, (unsigned)p->host_node);
	if (mbind(hva, FRAME_SIZE, MPOL_BIND, mask->maskp, mask->size + 1, 0) < 0)
		ret = -errno;
	numa_free_nodemask(mask);
	return ret;
}

int guest_mem_map_pages(struct guest_mem *gm, uint32_t idx, uint32_t n, unsigned node,
			uint32_t slot)
{
	struct pool *p = &gm->pools[node];
	uint8_t *hva = guest_mem_frame_hva(gm, idx);
	size_t len = (size_t)n * FRAME_SIZE;
	void *m = mmap(hva, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED | MAP_NORESERVE,
		       p->fd, (off_t)pool_slot_offset(slot));

	if (m == MAP_FAILED)
		return -errno;
	if (p->backing == POOL_THP)
		madvise(hva, len, MADV_HUGEPAGE);
	for (uint32_t i = 0; i < n; i++) {
		int ret = pool_slot_is_lazy(p, slot + i) ? bind_lazy_page(p, hva + (size_t)i * FRAME_SIZE) : 0;

		if (ret < 0)
			return ret;
	}
	return 0;
}

int guest_mem_map_page(struct guest_mem *gm, uint32_t idx, unsigned node, uint32_t slot)
{
	return guest_mem_map_pages(gm, idx, 1, node, slot);
}

int guest_mem_map_frame(struct guest_mem *gm, struct frame *f)
{
	return guest_mem_map_page(gm, frame_index(&gm->ft, f), f->node, f->slot);
}

/* The guest NUMA node of frame idx: guest RAM is cut in equal slices. */
static unsigned vnode_of(unsigned guest_nodes, uint32_t nframes, uint32_t idx)
{
	return guest_nodes ? (unsigned)((uint64_t)idx * guest_nodes / nframes) : 0;
}

unsigned guest_mem_vnode(const struct guest_mem *gm, uint32_t idx)
{
	return vnode_of(gm->guest_nodes, gm->ft.nframes, idx);
}

/* Where frame idx starts: its guest node's host node, or the policy's pick. */
static unsigned start_node(const struct guest_mem_config *cfg, unsigned nnodes, uint32_t nframes,
			   uint32_t idx)
{
	if (cfg->guest_nodes)
		return vnode_of(cfg->guest_nodes, nframes, idx) % nnodes;
	return numa_policy_node_for(&cfg->policy, idx);
}

int guest_mem_main_host_node(struct guest_mem *gm)
{
	uint32_t per_node[MAX_NODES], per_state[FRAME_NR_STATES];
	uint64_t on_host[MAX_NODES] = { 0 };
	int best = -1;

	pthread_mutex_lock(&gm->ft.lock);
	frame_table_count(&gm->ft, per_node, per_state);
	pthread_mutex_unlock(&gm->ft.lock);
	/* pools map to host nodes below MAX_NODES (simulated ones all to 0) */
	for (unsigned n = 0; n < gm->nnodes; n++)
		if (gm->pools[n].host_node >= 0 && gm->pools[n].host_node < MAX_NODES)
			on_host[gm->pools[n].host_node] += per_node[n];
	for (int h = 0; h < MAX_NODES; h++)
		if (on_host[h] && (best < 0 || on_host[h] > on_host[best]))
			best = h;
	return best;
}

int guest_mem_plan(const struct guest_mem_config *cfg, struct guest_mem_plan *plan,
		   char *err, size_t errlen)
{
	memset(plan, 0, sizeof(*plan));
	if (cfg->size < FRAME_SIZE || cfg->size % FRAME_SIZE) {
		snprintf(err, errlen, "guest memory must be a non-zero multiple of 2 MiB");
		return -1;
	}
	if (cfg->size > FS_RAM_MAX) {
		snprintf(err, errlen, "guest memory must be at most %llu GiB (the guest's identity map)",
			 FS_RAM_MAX >> 30);
		return -1;
	}
	plan->nframes = (uint32_t)(cfg->size / FRAME_SIZE);
	plan->simulated = cfg->sim_nodes > 0;
	if (plan->simulated)
		plan->nnodes = cfg->sim_nodes;
	else
		plan->nnodes = numa_available() >= 0 ? (unsigned)numa_max_node() + 1 : 1;
	if (plan->nnodes > MAX_NODES) {
		snprintf(err, errlen, "at most %d nodes are supported", MAX_NODES);
		return -1;
	}
	if (numa_policy_check(&cfg->policy, plan->nnodes, err, errlen) < 0) {
		if (!plan->simulated) {
			size_t len = strlen(err);

			snprintf(err + len, errlen - len, " (--sim-nodes K simulates K nodes on this host)");
		}
		return -1;
	}
	if (tier_config_check(&cfg->tiers, plan->nnodes, err, errlen) < 0)
		return -1;
	for (uint32_t i = 0; i < plan->nframes; i++)
		plan->want[start_node(cfg, plan->nnodes, plan->nframes, i)]++;
	/* Every pool can hold the whole guest, so any policy change or migration
	 * can land; only the pages placed now plus the reserve are allocated. */
	for (unsigned n = 0; n < plan->nnodes; n++) {
		uint32_t placed = plan->want[n];
		uint32_t all = placed + cfg->pool_reserve;

		if (all > plan->nframes)
			all = plan->nframes;
		plan->want[n] = cfg->lazy ? all - placed : all;
		if (cfg->backing == POOL_HUGETLB)
			plan->need[plan->simulated ? 0 : n] += all;
	}
	return 0;
}

/* Back frame f from node's pool; a preferred policy falls back to any node
 * with a page to give. */
static int place_frame(struct guest_mem *gm, struct frame *f, unsigned node)
{
	for (unsigned tries = 0; tries < gm->nnodes; tries++) {
		struct pool *p = &gm->pools[node];
		uint32_t slot = gm->lazy ? pool_get_lazy_slot(p) : pool_get_slot(p);

		if (slot != FRAME_NONE) {
			frame_set_mapped(&gm->ft, f, node, slot);
			return guest_mem_map_frame(gm, f);
		}
		if (gm->policy.mode != NUMA_PREFERRED)
			break;
		node = (node + 1) % gm->nnodes;
	}
	return -ENOMEM;
}

int guest_mem_init(struct guest_mem *gm, const struct guest_mem_config *cfg,
		   char *err, size_t errlen)
{
	struct guest_mem_plan plan;
	int ret;

	memset(gm, 0, sizeof(*gm));
	for (unsigned n = 0; n < MAX_NODES; n++) {
		gm->pools[n].fd = -1;
		gm->free_hugepages_fd[n] = -1;
	}
	if (guest_mem_plan(cfg, &plan, err, errlen) < 0)
		return -1;
	for (int h = 0; h < MAX_NODES; h++)
		if (guest_mem_node_shortfall(&plan, h, err, errlen) < 0)
			return -1;
	gm->size = cfg->size;
	gm->policy = cfg->policy;
	gm->simulated = plan.simulated;
	gm->lazy = cfg->lazy;
	gm->guest_nodes = cfg->guest_nodes;
	gm->nnodes = plan.nnodes;
	if (frame_table_init(&gm->ft, plan.nframes, gm->nnodes) < 0) {
		snprintf(err, errlen, "out of memory for the frame table");
		return -1;
	}
	for (unsigned n = 0; n < gm->nnodes; n++) {
		/* simulated nodes all live on host node 0 */
		int host = numa_available() < 0 ? -1 : gm->simulated ? 0 : (int)n;

		/* room for every frame and the restore reserve besides */
		ret = pool_init(&gm->pools[n], n, host, cfg->backing,
				plan.nframes + POOL_RESTORE_RESERVE);
		if (ret < 0) {
			snprintf(err, errlen, "cannot create the memory pool of node %u (%s): %s",
				 n, pool_backing_name(cfg->backing), strerror(-ret));
			goto fail;
		}
		if (cfg->populate)
			gm->pools[n].populate = cfg->populate;
		if (cfg->backing == POOL_HUGETLB && !cfg->populate) {
			char path[128];

			hugepage_count_path(host, "free_hugepages", path, sizeof(path));
			gm->free_hugepages_fd[n] = open(path, O_RDONLY | O_CLOEXEC);
		}
	}
	{
		struct host_topology host;
		int host_node[MAX_NODES];

		host_topology_read(&host, "/sys/devices/virtual/memory_tiering");
		for (unsigned n = 0; n < gm->nnodes; n++)
			host_node[n] = gm->pools[n].host_node;
		if (tiers_init(&gm->tiers, &cfg->tiers, gm->nnodes, gm->simulated, host_node, &host,
			       err, errlen) < 0)
			goto fail;
	}
	for (unsigned n = 0; n < gm->nnodes; n++) {
		if (pool_fill(&gm->pools[n], plan.want[n]) < plan.want[n] && gm->policy.mode != NUMA_PREFERRED) {
			snprintf(err, errlen, "node %u: could only get %u of %u pages (%s)%s", n,
				 gm->pools[n].npopulated, plan.want[n], pool_backing_name(cfg->backing),
				 cfg->backing == POOL_HUGETLB ?
				 "; reserve more hugepages on that node, or use --no-hugetlb" : "");
			goto fail;
		}
	}
	gm->hva = reserve_aligned(cfg->size);
	if (!gm->hva) {
		snprintf(err, errlen, "cannot reserve %llu MiB of address space for guest RAM",
			 (unsigned long long)(cfg->size >> 20));
		goto fail;
	}
	for (uint32_t i = 0; i < plan.nframes; i++) {
		ret = place_frame(gm, &gm->ft.frames[i], start_node(cfg, plan.nnodes, plan.nframes, i));
		if (ret < 0) {
			snprintf(err, errlen, "cannot back guest frame %u (GPA 0x%llx): %s", i,
				 (unsigned long long)guest_mem_frame_gpa(i), strerror(-ret));
			goto fail;
		}
	}
	return 0;
fail:
	guest_mem_destroy(gm);
	return -1;
}

void guest_mem_destroy(struct guest_mem *gm)
{
	if (gm->hva)
		munmap(gm->hva, gm->size);
	gm->hva = NULL;
	for (unsigned n = 0; n < MAX_NODES; n++)
		pool_destroy(&gm->pools[n]);
	/* only guest_mem_init's nodes: a guest_mem it never set up is all zeroes */
	for (unsigned n = 0; n < gm->nnodes; n++) {
		if (gm->free_hugepages_fd[n] >= 0)
			close(gm->free_hugepages_fd[n]);
		gm->free_hugepages_fd[n] = -1;
	}
	if (gm->ft.frames)
		frame_table_destroy(&gm->ft);
}

void *guest_mem_gpa_to_hva(const struct guest_mem *gm, uint64_t gpa, uint64_t len)
{
	uint64_t off = guest_mem_gpa_offset(gm, gpa, len);

	return off == FS_NOT_RAM ? NULL : gm->hva + off;
}

bool guest_mem_gpa_frames(const struct guest_mem *gm, uint64_t gpa, uint64_t len,
			  uint32_t *first, uint32_t *last)
{
	uint64_t off = guest_mem_gpa_offset(gm, gpa, len);

	if (off == FS_NOT_RAM || !len)
		return false;
	*first = (uint32_t)(off >> FRAME_SHIFT);
	*last = (uint32_t)((off + len - 1) >> FRAME_SHIFT);
	return true;
}

struct guest_mem_slot guest_mem_slot(const struct guest_mem *gm, unsigned n)
{
	uint64_t low = fs_low_ram_size(gm->size);

	if (n == 0)
		return (struct guest_mem_slot){ 0, low, 0 };
	/* guest_mem_slot_frame relies on this offset */
	return (struct guest_mem_slot){ FS_HIGH_RAM_BASE, gm->size - low, FS_LOW_RAM_MAX };
}
