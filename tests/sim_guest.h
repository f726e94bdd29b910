/* sim_guest.h - the simulated guest memory the unit tests and fuzz harnesses
 * run on: shmem pools (no hugepages, no KVM) on simulated nodes, with the
 * migrator over them where a test moves frames; and the host under the
 * pools, which a test may let run dry. No Check (the fuzz harnesses use it
 * too): set-up returns -1 with a message, except sim_guest_init, which fails
 * the Check test that calls it. */
#ifndef FRAMESHIFT_TESTS_SIM_GUEST_H
#define FRAMESHIFT_TESTS_SIM_GUEST_H

#include <stddef.h>
#include <stdint.h>

#include "mm/guest_mem.h"
#include "mm/migrate.h"

#define SIM_GUEST_NODES 2

/* size bytes of guest RAM on nodes simulated nodes, placed by policy
 * ("bind:0", "interleave:0,1", ...), pool_reserve spare pages per pool. */
int sim_guest_config(struct guest_mem_config *cfg, uint64_t size, unsigned nodes, const char *policy,
		     uint32_t pool_reserve, char *err, size_t errlen);

/* The guest cfg (from sim_guest_config) describes and, if m, the migrator
 * with copy_threads over it. Nothing is left on failure. */
int sim_guest_build_config(struct guest_mem *gm, struct migrator *m, const struct guest_mem_config *cfg,
			   unsigned copy_threads, char *err, size_t errlen);

/* nframes frames on SIM_GUEST_NODES nodes as sim_guest_config says and, if
 * m, the migrator with copy_threads over them. Nothing is left on failure. */
int sim_guest_build(struct guest_mem *gm, struct migrator *m, uint32_t nframes, const char *policy,
		    uint32_t pool_reserve, unsigned copy_threads, char *err, size_t errlen);

/* In a Check test: sim_guest_build with every frame bound to node 0, or
 * the test fails with the reason. */
#define sim_guest_init(gm, m, nframes, pool_reserve, copy_threads)                               \
	do {                                                                                     \
		char sim_err_[256];                                                              \
		ck_assert_msg(sim_guest_build(gm, m, nframes, "bind:0", pool_reserve, copy_threads, \
					      sim_err_, sizeof(sim_err_)) == 0,                   \
			      "%s", sim_err_);                                                   \
	} while (0)

/* The host's pages: a pool's populate that really populates for the first
 * pages calls after sim_host_pages(pages), then fails with -ENOMEM as a
 * host out of memory does. sim_populate_calls counts the calls since. */
extern unsigned sim_populate_calls;
/* A populate that allocates nothing: a page comes when first touched, so a
 * test may have a guest larger than what it touches (RAM above 4 GiB). */
int sim_populate_lazy(struct pool *p, uint32_t slot);
void sim_host_pages(unsigned pages);
int sim_populate(struct pool *p, uint32_t slot);
/* Bytes the pool's memfd really holds (pages allocated in the file), by the
 * kernel's count (st_blocks); UINT64_MAX, which no check expects, if it
 * cannot tell. */
uint64_t pool_file_bytes(const struct pool *p);

#endif
