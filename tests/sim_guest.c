/* sim_guest.c - the simulated guest memory of the tests (sim_guest.h). */
#include <errno.h>
#include <sys/stat.h>

#include "tests/sim_guest.h"

unsigned sim_populate_calls;
static unsigned host_pages;

int sim_guest_config(struct guest_mem_config *cfg, uint64_t size, unsigned nodes, const char *policy,
		     uint32_t pool_reserve, char *err, size_t errlen)
{
	*cfg = (struct guest_mem_config){
		.size = size,
		.backing = POOL_SHMEM,
		.sim_nodes = nodes,
		.pool_reserve = pool_reserve,
	};
	return numa_policy_parse(policy, &cfg->policy, err, errlen);
}

int sim_guest_build_config(struct guest_mem *gm, struct migrator *m, const struct guest_mem_config *cfg,
			   unsigned copy_threads, char *err, size_t errlen)
{
	if (guest_mem_init(gm, cfg, err, errlen) < 0)
		return -1;
	if (m && migrator_init(m, gm, copy_threads, err, errlen) < 0) {
		guest_mem_destroy(gm);
		return -1;
	}
	return 0;
}

int sim_guest_build(struct guest_mem *gm, struct migrator *m, uint32_t nframes, const char *policy,
		    uint32_t pool_reserve, unsigned copy_threads, char *err, size_t errlen)
{
	struct guest_mem_config cfg;

	if (sim_guest_config(&cfg, (uint64_t)nframes * FRAME_SIZE, SIM_GUEST_NODES, policy, pool_reserve,
			     err, errlen) < 0)
		return -1;
	return sim_guest_build_config(gm, m, &cfg, copy_threads, err, errlen);
}

void sim_host_pages(unsigned pages)
{
	sim_populate_calls = 0;
	host_pages = pages;
}

int sim_populate_lazy(struct pool *p, uint32_t slot)
{
	(void)p;
	(void)slot;
	return 0;
}

int sim_populate(struct pool *p, uint32_t slot)
{
	if (sim_populate_calls++ >= host_pages)
		return -ENOMEM;
	return pool_populate_host(p, slot);
}

uint64_t pool_file_bytes(const struct pool *p)
{
	struct stat st;

	return fstat(p->fd, &st) == 0 ? (uint64_t)st.st_blocks * 512 : UINT64_MAX;
}
