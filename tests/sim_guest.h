/* sim_guest.h - the guest memory the mm/ unit tests run on: shmem pools (no
 * hugepages, no KVM) on 2 simulated nodes, every frame bound to node 0, and
 * the migrator over it. */
#ifndef FRAMESHIFT_TESTS_SIM_GUEST_H
#define FRAMESHIFT_TESTS_SIM_GUEST_H

#include <check.h>

#include "mm/migrate.h"

static void sim_guest_init(struct guest_mem *gm, struct migrator *m, uint32_t nframes,
			   uint32_t pool_reserve, unsigned copy_threads)
{
	struct guest_mem_config cfg = {
		.size = nframes * FRAME_SIZE,
		.backing = POOL_SHMEM,
		.sim_nodes = 2,
		.policy = { .mode = NUMA_BIND, .nodemask = 1 },
		.pool_reserve = pool_reserve,
	};
	char err[256];

	ck_assert_msg(guest_mem_init(gm, &cfg, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(migrator_init(m, gm, copy_threads, err, sizeof(err)) == 0, "%s", err);
}

#endif
