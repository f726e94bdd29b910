/* check_pool.c - per-node page pools and guest RAM built from them.
 * Uses plain shmem pools and simulated nodes: no hugepages, no KVM. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/util.h"
#include "mm/guest_mem.h"
#include "mm/pool.h"
#include "tests/unit.h"

/* ---- helpers ---- */

static bool all_bytes(const uint8_t *p, uint64_t len, uint8_t v)
{
	for (uint64_t i = 0; i < len; i++)
		if (p[i] != v)
			return false;
	return true;
}

/* Bytes the pool's memfd really holds (pages allocated in the file). */
static uint64_t pool_file_bytes(const struct pool *p)
{
	struct stat st;

	ck_assert_int_eq(fstat(p->fd, &st), 0);
	return (uint64_t)st.st_blocks * 512;
}

/* How many mappings of frameshift pool memfds this process has. */
static unsigned pool_mappings(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	unsigned n = 0;

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "frameshift-node"))
			n++;
	fclose(f);
	return n;
}

/* The injectable allocator: succeeds (really populating) for the first
 * fail_after calls, then fails with -ENOMEM. */
static unsigned populate_calls, fail_after;

static int populate_fail_after(struct pool *p, uint32_t slot)
{
	if (populate_calls++ >= fail_after)
		return -ENOMEM;
	return pool_populate_host(p, slot);
}

static int populate_always_fail(struct pool *p, uint32_t slot)
{
	populate_calls++;
	return -ENOMEM;
}

/* Node 0 has no pages to give; the others behave normally. */
static int populate_node0_dry(struct pool *p, uint32_t slot)
{
	populate_calls++;
	if (p->node == 0)
		return -ENOMEM;
	return pool_populate_host(p, slot);
}

static void reset_populate(unsigned k)
{
	populate_calls = 0;
	fail_after = k;
}

/* ---- pools ---- */

START_TEST(pool_init_shmem)
{
	struct pool p;

	ck_assert_int_eq(pool_init(&p, 3, -1, POOL_SHMEM, 4), 0);
	ck_assert_int_ge(p.fd, 0);
	ck_assert_ptr_nonnull(p.view);
	ck_assert_uint_eq(p.node, 3);
	ck_assert_int_eq(p.host_node, -1);
	ck_assert_int_eq(p.backing, POOL_SHMEM);
	ck_assert_uint_eq(p.capacity, 4);
	ck_assert_uint_eq(p.nfree, 0);
	ck_assert_uint_eq(p.npopulated, 0);
	ck_assert_uint_eq(p.populate_failures, 0);
	ck_assert_uint_eq(p.pages_returned, 0);
	ck_assert_ptr_eq((void *)p.populate, (void *)pool_populate_host);
	for (uint32_t s = 0; s < 4; s++)
		ck_assert_uint_eq(p.populated[s], 0);
	/* nothing allocated yet */
	ck_assert_uint_eq(pool_file_bytes(&p), 0);
	ck_assert_ptr_eq(pool_slot_addr(&p, 2), p.view + 2 * FRAME_SIZE);
	ck_assert_uint_eq(pool_slot_offset(3), 3 * FRAME_SIZE);
	pool_destroy(&p);
	ck_assert_ptr_null(p.view);
	ck_assert_int_eq(p.fd, -1);
	ck_assert_ptr_null(p.free_stack);
	ck_assert_ptr_null(p.populated);
	/* destroying twice is harmless */
	pool_destroy(&p);
}
END_TEST

START_TEST(backing_names)
{
	ck_assert_str_eq(pool_backing_name(POOL_HUGETLB), "hugetlb-2M");
	ck_assert_str_eq(pool_backing_name(POOL_THP), "shmem-thp");
	ck_assert_str_eq(pool_backing_name(POOL_SHMEM), "shmem");
	ck_assert_str_eq(pool_backing_name((enum pool_backing)9), "?");
}
END_TEST

START_TEST(fill_and_get_distinct)
{
	struct pool p;
	uint32_t got[6];

	ck_assert_int_eq(pool_init(&p, 0, -1, POOL_SHMEM, 6), 0);
	ck_assert_uint_eq(pool_fill(&p, 3), 3);
	ck_assert_uint_eq(p.npopulated, 3);
	ck_assert_uint_eq(p.nfree, 3);
	ck_assert_uint_eq(pool_file_bytes(&p), 3 * FRAME_SIZE);
	for (uint32_t s = 0; s < 3; s++)
		ck_assert_uint_eq(p.populated[s], 1);
	ck_assert_uint_eq(p.populated[3], 0);

	for (int i = 0; i < 6; i++) {
		got[i] = pool_get_slot(&p);
		ck_assert_uint_lt(got[i], 6);
		ck_assert_uint_eq(p.populated[got[i]], 1);
		for (int j = 0; j < i; j++)
			ck_assert_uint_ne(got[i], got[j]);
		/* fresh pages are zero and writable */
		ck_assert(all_bytes(pool_slot_addr(&p, got[i]), FRAME_SIZE, 0));
		memset(pool_slot_addr(&p, got[i]), 0x40 + i, FRAME_SIZE);
	}
	/* the last three were populated on demand */
	ck_assert_uint_eq(p.npopulated, 6);
	ck_assert_uint_eq(p.nfree, 0);
	ck_assert_uint_eq(pool_file_bytes(&p), 6 * FRAME_SIZE);
	/* each slot kept its own data */
	for (int i = 0; i < 6; i++)
		ck_assert(all_bytes(pool_slot_addr(&p, got[i]), FRAME_SIZE, (uint8_t)(0x40 + i)));
	/* full: no more slots, no more pages */
	ck_assert_uint_eq(pool_get_slot(&p), FRAME_NONE);
	ck_assert_uint_eq(pool_fill(&p, 1), 0);
	ck_assert_uint_eq(p.npopulated, 6);
	ck_assert_uint_eq(p.populate_failures, 0);
	pool_destroy(&p);
}
END_TEST

START_TEST(fill_stops_at_capacity)
{
	struct pool p;

	ck_assert_int_eq(pool_init(&p, 0, -1, POOL_SHMEM, 4), 0);
	ck_assert_uint_eq(pool_fill(&p, 0), 0);
	ck_assert_uint_eq(p.npopulated, 0);
	ck_assert_uint_eq(pool_fill(&p, 100), 4);
	ck_assert_uint_eq(p.npopulated, 4);
	ck_assert_uint_eq(p.nfree, 4);
	ck_assert_uint_eq(pool_fill(&p, 1), 0);
	for (int i = 0; i < 4; i++)
		ck_assert_uint_ne(pool_get_slot(&p), FRAME_NONE);
	ck_assert_uint_eq(pool_get_slot(&p), FRAME_NONE);
	pool_destroy(&p);
}
END_TEST

START_TEST(put_reuses)
{
	struct pool p;
	uint32_t a, b, c;

	ck_assert_int_eq(pool_init(&p, 0, -1, POOL_SHMEM, 4), 0);
	a = pool_get_slot(&p);
	b = pool_get_slot(&p);
	ck_assert_uint_ne(a, FRAME_NONE);
	ck_assert_uint_ne(b, FRAME_NONE);
	ck_assert_uint_ne(a, b);
	ck_assert_uint_eq(p.npopulated, 2);
	memset(pool_slot_addr(&p, a), 0x5a, 4096);

	pool_put_slot(&p, a);
	ck_assert_uint_eq(p.nfree, 1);
	c = pool_get_slot(&p);
	ck_assert_uint_eq(c, a); /* reused, no new page */
	ck_assert_uint_eq(p.npopulated, 2);
	ck_assert_uint_eq(p.populated[a], 1);
	ck_assert_uint_eq(pool_file_bytes(&p), 2 * FRAME_SIZE);
	/* the page stayed populated: its data is still there */
	ck_assert(all_bytes(pool_slot_addr(&p, c), 4096, 0x5a));
	pool_destroy(&p);
}
END_TEST

START_TEST(injected_populate_fails)
{
	struct pool p;
	uint32_t a, b;

	ck_assert_int_eq(pool_init(&p, 1, -1, POOL_SHMEM, 8), 0);
	reset_populate(2);
	p.populate = populate_fail_after;

	ck_assert_uint_eq(pool_fill(&p, 5), 2);
	ck_assert_uint_eq(populate_calls, 3); /* stopped at the first failure */
	ck_assert_uint_eq(p.npopulated, 2);
	ck_assert_uint_eq(p.nfree, 2);
	ck_assert_uint_eq(p.populate_failures, 1);
	/* the failed slot is still a hole */
	ck_assert_uint_eq(p.populated[2], 0);
	ck_assert_uint_eq(pool_file_bytes(&p), 2 * FRAME_SIZE);

	a = pool_get_slot(&p);
	b = pool_get_slot(&p);
	ck_assert_uint_ne(a, FRAME_NONE);
	ck_assert_uint_ne(b, FRAME_NONE);
	ck_assert_uint_ne(a, b);
	ck_assert_uint_eq(pool_get_slot(&p), FRAME_NONE);
	ck_assert_uint_eq(p.populate_failures, 2);
	ck_assert_uint_eq(pool_get_slot(&p), FRAME_NONE);
	ck_assert_uint_eq(p.populate_failures, 3);
	ck_assert_uint_eq(p.npopulated, 2);
	ck_assert_uint_eq(p.nfree, 0);

	/* a slot put back is still handed out while the host is dry */
	pool_put_slot(&p, b);
	ck_assert_uint_eq(pool_get_slot(&p), b);
	ck_assert_uint_eq(p.populate_failures, 3);
	ck_assert_uint_eq(pool_fill(&p, 1), 0);
	ck_assert_uint_eq(p.populate_failures, 4);

	/* the host recovers */
	reset_populate(100);
	ck_assert_uint_eq(pool_fill(&p, 2), 2);
	ck_assert_uint_eq(p.npopulated, 4);
	ck_assert_uint_eq(p.populate_failures, 4);
	pool_destroy(&p);
}
END_TEST

START_TEST(release_punches_hole)
{
	struct pool p;
	uint32_t s, other, again;
	uint8_t *addr;

	ck_assert_int_eq(pool_init(&p, 0, -1, POOL_SHMEM, 4), 0);
	s = pool_get_slot(&p);
	other = pool_get_slot(&p);
	ck_assert_uint_ne(s, FRAME_NONE);
	ck_assert_uint_ne(other, FRAME_NONE);
	addr = pool_slot_addr(&p, s);
	memset(addr, 0xcc, FRAME_SIZE);
	memset(pool_slot_addr(&p, other), 0x33, FRAME_SIZE);
	ck_assert_uint_eq(p.npopulated, 2);
	ck_assert_uint_eq(pool_file_bytes(&p), 2 * FRAME_SIZE);

	ck_assert_int_eq(pool_release_slot(&p, s), 0);
	ck_assert_uint_eq(p.npopulated, 1);
	ck_assert_uint_eq(p.pages_returned, 1);
	ck_assert_uint_eq(p.populated[s], 0);
	/* the host got the page back ... */
	ck_assert_uint_eq(pool_file_bytes(&p), FRAME_SIZE);
	/* ... and the slot reads zero through the pool view */
	ck_assert(all_bytes(addr, FRAME_SIZE, 0));
	/* the neighbour is untouched */
	ck_assert(all_bytes(pool_slot_addr(&p, other), FRAME_SIZE, 0x33));

	/* the hole is populated again on demand (lowest hole first) */
	again = pool_get_slot(&p);
	ck_assert_uint_eq(again, s);
	ck_assert_uint_eq(p.populated[s], 1);
	ck_assert_uint_eq(p.npopulated, 2);
	ck_assert_uint_eq(pool_file_bytes(&p), 2 * FRAME_SIZE);
	ck_assert(all_bytes(addr, FRAME_SIZE, 0));
	memset(addr, 0x11, FRAME_SIZE);
	ck_assert(all_bytes(addr, FRAME_SIZE, 0x11));
	ck_assert_uint_eq(p.pages_returned, 1);
	pool_destroy(&p);
}
END_TEST

START_TEST(release_error_keeps_counters)
{
	struct pool p;
	uint32_t s;
	int fd;

	ck_assert_int_eq(pool_init(&p, 0, -1, POOL_SHMEM, 2), 0);
	s = pool_get_slot(&p);
	ck_assert_uint_ne(s, FRAME_NONE);
	fd = p.fd;
	p.fd = -1; /* fallocate fails with EBADF */
	ck_assert_int_eq(pool_release_slot(&p, s), -EBADF);
	p.fd = fd;
	ck_assert_uint_eq(p.npopulated, 1);
	ck_assert_uint_eq(p.pages_returned, 0);
	ck_assert_uint_eq(p.populated[s], 1);
	pool_destroy(&p);
}
END_TEST

/* ---- guest memory ---- */

static struct guest_mem_config gm_config(uint64_t size, const char *policy, unsigned nodes,
					 uint32_t reserve)
{
	struct guest_mem_config cfg = {
		.size = size,
		.backing = POOL_SHMEM,
		.sim_nodes = nodes,
		.pool_reserve = reserve,
	};
	char err[256];

	ck_assert_msg(numa_policy_parse(policy, &cfg.policy, err, sizeof(err)) == 0, "%s", err);
	return cfg;
}

static void gm_init_ok(struct guest_mem *gm, const struct guest_mem_config *cfg)
{
	char err[512] = "";

	ck_assert_msg(guest_mem_init(gm, cfg, err, sizeof(err)) == 0, "guest_mem_init: %s", err);
	ck_assert_ptr_nonnull(gm->hva);
	ck_assert_uint_eq((uintptr_t)gm->hva % FRAME_SIZE, 0);
	ck_assert_uint_eq(gm->size, cfg->size);
	ck_assert_uint_eq(guest_mem_nframes(gm), cfg->size / FRAME_SIZE);
	ck_assert_uint_eq(gm->nnodes, cfg->sim_nodes);
	ck_assert(gm->simulated);
}

/* Every frame is MAPPED on a node list with a distinct populated slot, and its
 * guest address shows the very page in its pool (both directions). */
static void check_all_mapped(struct guest_mem *gm)
{
	uint32_t nframes = guest_mem_nframes(gm);
	uint32_t per_node[MAX_NODES], per_state[FRAME_NR_STATES];
	uint32_t listed = 0;

	frame_table_count(&gm->ft, per_node, per_state);
	ck_assert_uint_eq(per_state[FRAME_MAPPED], nframes);
	for (unsigned n = 0; n < gm->nnodes; n++) {
		ck_assert_uint_eq(gm->ft.node_list[n].count, per_node[n]);
		listed += gm->ft.node_list[n].count;
	}
	ck_assert_uint_eq(listed, nframes);

	for (uint32_t i = 0; i < nframes; i++) {
		struct frame *f = &gm->ft.frames[i];
		struct pool *p;
		uint8_t *hva = guest_mem_frame_hva(gm, i), *pv;

		ck_assert_uint_eq(f->state, FRAME_MAPPED);
		ck_assert_uint_lt(f->node, gm->nnodes);
		p = &gm->pools[f->node];
		ck_assert_uint_lt(f->slot, p->capacity);
		ck_assert_uint_eq(p->populated[f->slot], 1);
		for (uint32_t j = 0; j < i; j++)
			ck_assert(!(gm->ft.frames[j].node == f->node && gm->ft.frames[j].slot == f->slot));
		ck_assert_ptr_eq(hva, gm->hva + (uint64_t)i * FRAME_SIZE);
		pv = pool_slot_addr(p, f->slot);
		/* fresh guest RAM is zero */
		ck_assert_uint_eq(hva[0], 0);
		ck_assert_uint_eq(hva[FRAME_SIZE - 1], 0);
		/* guest writes land in the pool page ... */
		hva[0] = (uint8_t)(0x80 | i);
		hva[FRAME_SIZE - 1] = (uint8_t)i;
		memcpy(hva + 4096, "frame", 5);
		ck_assert_uint_eq(pv[0], (uint8_t)(0x80 | i));
		ck_assert_uint_eq(pv[FRAME_SIZE - 1], (uint8_t)i);
		ck_assert_int_eq(memcmp(pv + 4096, "frame", 5), 0);
		/* ... and pool writes show in the guest */
		pv[12345] = 0xee;
		ck_assert_uint_eq(hva[12345], 0xee);
	}
	/* no frame aliases another: the per-frame markers all survived */
	for (uint32_t i = 0; i < nframes; i++)
		ck_assert_uint_eq(guest_mem_frame_hva(gm, i)[0], (uint8_t)(0x80 | i));
}

START_TEST(gm_interleave)
{
	struct guest_mem_config cfg = gm_config(16ULL << 20, "interleave:0,1", 2, 0);
	struct guest_mem gm;
	uint32_t per_node[MAX_NODES], per_state[FRAME_NR_STATES];

	gm_init_ok(&gm, &cfg);
	check_all_mapped(&gm);
	for (uint32_t i = 0; i < 8; i++)
		ck_assert_uint_eq(gm.ft.frames[i].node, i % 2);
	frame_table_count(&gm.ft, per_node, per_state);
	ck_assert_uint_eq(per_node[0], 4);
	ck_assert_uint_eq(per_node[1], 4);
	ck_assert_uint_eq(gm.pools[0].npopulated, 4);
	ck_assert_uint_eq(gm.pools[1].npopulated, 4);
	ck_assert_uint_eq(gm.pools[0].nfree, 0);
	/* every pool can hold the whole guest */
	ck_assert_uint_eq(gm.pools[0].capacity, 8);
	ck_assert_uint_eq(gm.pools[1].capacity, 8);
	ck_assert_int_lt(gm.pools[2].fd, 0);
	ck_assert_uint_gt(pool_mappings(), 0);
	guest_mem_destroy(&gm);
	ck_assert_uint_eq(pool_mappings(), 0);
}
END_TEST

START_TEST(gm_bind_node1)
{
	struct guest_mem_config cfg = gm_config(16ULL << 20, "bind:1", 3, 2);
	struct guest_mem gm;
	uint32_t per_node[MAX_NODES], per_state[FRAME_NR_STATES];

	gm_init_ok(&gm, &cfg);
	check_all_mapped(&gm);
	frame_table_count(&gm.ft, per_node, per_state);
	ck_assert_uint_eq(per_node[0], 0);
	ck_assert_uint_eq(per_node[1], 8);
	ck_assert_uint_eq(per_node[2], 0);
	for (uint32_t i = 0; i < 8; i++)
		ck_assert_uint_eq(gm.ft.frames[i].node, 1);
	/* the reserve is capped at the pool's capacity on node 1 and
	 * pre-touched on the others */
	ck_assert_uint_eq(gm.pools[1].npopulated, 8);
	ck_assert_uint_eq(gm.pools[0].npopulated, 2);
	ck_assert_uint_eq(gm.pools[0].nfree, 2);
	ck_assert_uint_eq(gm.pools[2].npopulated, 2);
	guest_mem_destroy(&gm);
}
END_TEST

START_TEST(gm_interleave_reserve)
{
	struct guest_mem_config cfg = gm_config(8ULL << 20, "interleave:0-2", 4, 1);
	struct guest_mem gm;
	uint32_t per_node[MAX_NODES], per_state[FRAME_NR_STATES];

	gm_init_ok(&gm, &cfg);
	check_all_mapped(&gm);
	/* 4 frames over nodes 0,1,2: 0,1,2,0 */
	ck_assert_uint_eq(gm.ft.frames[0].node, 0);
	ck_assert_uint_eq(gm.ft.frames[1].node, 1);
	ck_assert_uint_eq(gm.ft.frames[2].node, 2);
	ck_assert_uint_eq(gm.ft.frames[3].node, 0);
	frame_table_count(&gm.ft, per_node, per_state);
	ck_assert_uint_eq(per_node[0], 2);
	ck_assert_uint_eq(per_node[1], 1);
	ck_assert_uint_eq(per_node[2], 1);
	ck_assert_uint_eq(per_node[3], 0);
	/* placed pages plus one spare each */
	ck_assert_uint_eq(gm.pools[0].npopulated, 3);
	ck_assert_uint_eq(gm.pools[1].npopulated, 2);
	ck_assert_uint_eq(gm.pools[3].npopulated, 1);
	for (unsigned n = 0; n < 4; n++)
		ck_assert_uint_eq(gm.pools[n].nfree, 1);
	guest_mem_destroy(&gm);
}
END_TEST

START_TEST(gm_preferred_fallback)
{
	struct guest_mem_config cfg = gm_config(8ULL << 20, "preferred:0", 2, 0);
	struct guest_mem gm;
	uint32_t per_node[MAX_NODES], per_state[FRAME_NR_STATES];

	reset_populate(0);
	cfg.populate = populate_node0_dry;
	gm_init_ok(&gm, &cfg);
	check_all_mapped(&gm);
	frame_table_count(&gm.ft, per_node, per_state);
	ck_assert_uint_eq(per_node[0], 0);
	ck_assert_uint_eq(per_node[1], 4);
	ck_assert_uint_eq(gm.pools[0].npopulated, 0);
	ck_assert_uint_gt(gm.pools[0].populate_failures, 0);
	ck_assert_uint_eq(gm.pools[1].npopulated, 4);
	ck_assert_uint_eq(gm.pools[1].populate_failures, 0);
	guest_mem_destroy(&gm);
}
END_TEST

START_TEST(gm_preferred_uses_node_when_possible)
{
	struct guest_mem_config cfg = gm_config(8ULL << 20, "preferred:1", 2, 0);
	struct guest_mem gm;
	uint32_t per_node[MAX_NODES], per_state[FRAME_NR_STATES];

	gm_init_ok(&gm, &cfg);
	check_all_mapped(&gm);
	frame_table_count(&gm.ft, per_node, per_state);
	ck_assert_uint_eq(per_node[1], 4);
	ck_assert_uint_eq(per_node[0], 0);
	guest_mem_destroy(&gm);
}
END_TEST

START_TEST(gm_populate_fails)
{
	struct guest_mem_config cfg = gm_config(8ULL << 20, "bind:0", 2, 0);
	struct guest_mem gm;
	char err[512] = "";

	reset_populate(0);
	cfg.populate = populate_always_fail;
	ck_assert_int_eq(guest_mem_init(&gm, &cfg, err, sizeof(err)), -1);
	ck_assert_uint_gt(populate_calls, 0);
	ck_assert_msg(strstr(err, "node 0") != NULL, "err: %s", err);
	ck_assert_msg(strstr(err, "0 of 4") != NULL, "err: %s", err);
	ck_assert_msg(strstr(err, "shmem") != NULL, "err: %s", err);
	/* nothing is left mapped or open */
	ck_assert_ptr_null(gm.hva);
	for (unsigned n = 0; n < MAX_NODES; n++) {
		ck_assert_ptr_null(gm.pools[n].view);
		ck_assert_int_lt(gm.pools[n].fd, 0);
	}
	ck_assert_ptr_null(gm.ft.frames);
	ck_assert_uint_eq(pool_mappings(), 0);
	guest_mem_destroy(&gm);
	ck_assert_uint_eq(pool_mappings(), 0);
}
END_TEST

START_TEST(gm_populate_runs_dry_midway)
{
	/* interleave needs 2 pages on each node; the host has 3 */
	struct guest_mem_config cfg = gm_config(8ULL << 20, "interleave:0,1", 2, 0);
	struct guest_mem gm;
	char err[512] = "";

	reset_populate(3);
	cfg.populate = populate_fail_after;
	ck_assert_int_eq(guest_mem_init(&gm, &cfg, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "node 1") != NULL, "err: %s", err);
	ck_assert_msg(strstr(err, "1 of 2") != NULL, "err: %s", err);
	ck_assert_ptr_null(gm.hva);
	ck_assert_uint_eq(pool_mappings(), 0);
	guest_mem_destroy(&gm);
}
END_TEST

START_TEST(gm_gpa_to_hva)
{
	struct guest_mem_config cfg = gm_config(8ULL << 20, "bind:0", 2, 0);
	struct guest_mem gm;
	uint64_t size = 8ULL << 20;

	gm_init_ok(&gm, &cfg);
	ck_assert_ptr_eq(guest_mem_gpa_to_hva(&gm, 0, 1), gm.hva);
	ck_assert_ptr_eq(guest_mem_gpa_to_hva(&gm, 0, size), gm.hva);
	ck_assert_ptr_eq(guest_mem_gpa_to_hva(&gm, 0x1234, 16), gm.hva + 0x1234);
	ck_assert_ptr_eq(guest_mem_gpa_to_hva(&gm, FRAME_SIZE, FRAME_SIZE), gm.hva + FRAME_SIZE);
	/* last byte */
	ck_assert_ptr_eq(guest_mem_gpa_to_hva(&gm, size - 1, 1), gm.hva + size - 1);
	ck_assert_ptr_eq(guest_mem_gpa_to_hva(&gm, size - 8, 8), gm.hva + size - 8);
	/* one past the end */
	ck_assert_ptr_null(guest_mem_gpa_to_hva(&gm, size, 1));
	ck_assert_ptr_null(guest_mem_gpa_to_hva(&gm, size, 0));
	ck_assert_ptr_null(guest_mem_gpa_to_hva(&gm, size - 1, 2));
	ck_assert_ptr_null(guest_mem_gpa_to_hva(&gm, 0, size + 1));
	/* huge lengths */
	ck_assert_ptr_null(guest_mem_gpa_to_hva(&gm, 0, UINT64_MAX));
	ck_assert_ptr_null(guest_mem_gpa_to_hva(&gm, 16, UINT64_MAX - 8));
	/* gpa + len wraps around to a small number */
	ck_assert_ptr_null(guest_mem_gpa_to_hva(&gm, 0x1000, UINT64_MAX - 0xfff + 0x10));
	ck_assert_ptr_null(guest_mem_gpa_to_hva(&gm, UINT64_MAX, 2));
	ck_assert_ptr_null(guest_mem_gpa_to_hva(&gm, UINT64_MAX - 0xf, 0x20));
	ck_assert_ptr_null(guest_mem_gpa_to_hva(&gm, UINT64_MAX, 0));
	/* the host pointer really is guest RAM */
	*(uint32_t *)guest_mem_gpa_to_hva(&gm, 3 * FRAME_SIZE + 8, 4) = 0xdeadbeef;
	ck_assert_uint_eq(*(uint32_t *)(guest_mem_frame_hva(&gm, 3) + 8), 0xdeadbeef);
	guest_mem_destroy(&gm);
}
END_TEST

static const uint64_t bad_sizes[] = {
	0, 1, 4096, FRAME_SIZE - 1, FRAME_SIZE + 4096, 3ULL << 20, (64ULL << 20) + 1,
};

START_TEST(gm_bad_size)
{
	struct guest_mem_config cfg = gm_config(bad_sizes[_i], "bind:0", 2, 0);
	struct guest_mem gm;
	char err[512] = "";

	ck_assert_int_eq(guest_mem_init(&gm, &cfg, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "2 MiB") != NULL, "size %llu: err '%s'",
		      (unsigned long long)bad_sizes[_i], err);
	ck_assert_ptr_null(gm.hva);
	ck_assert_uint_eq(pool_mappings(), 0);
	guest_mem_destroy(&gm);
}
END_TEST

START_TEST(gm_policy_names_missing_node)
{
	struct guest_mem_config cfg = gm_config(8ULL << 20, "bind:3", 2, 0);
	struct guest_mem gm;
	char err[512] = "";

	ck_assert_int_eq(guest_mem_init(&gm, &cfg, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "node 3") != NULL, "err: %s", err);
	ck_assert_ptr_null(gm.hva);
	ck_assert_uint_eq(pool_mappings(), 0);
	guest_mem_destroy(&gm);

	cfg = gm_config(8ULL << 20, "interleave:0,1,4", 3, 0);
	err[0] = '\0';
	ck_assert_int_eq(guest_mem_init(&gm, &cfg, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "node 4") != NULL, "err: %s", err);
	guest_mem_destroy(&gm);
}
END_TEST

START_TEST(gm_too_many_nodes)
{
	struct guest_mem_config cfg = gm_config(8ULL << 20, "bind:0", MAX_NODES + 1, 0);
	struct guest_mem gm;
	char err[512] = "";

	ck_assert_int_eq(guest_mem_init(&gm, &cfg, err, sizeof(err)), -1);
	ck_assert_msg(err[0] != '\0', "no message");
	guest_mem_destroy(&gm);
}
END_TEST

START_TEST(gm_map_frame_moves_page)
{
	/* re-pointing a frame at another node's page is what migration does */
	struct guest_mem_config cfg = gm_config(8ULL << 20, "bind:0", 2, 0);
	struct guest_mem gm;
	struct frame *f;
	uint32_t slot;
	uint8_t *hva;

	gm_init_ok(&gm, &cfg);
	f = &gm.ft.frames[2];
	hva = guest_mem_frame_hva(&gm, 2);
	memset(hva, 0x77, 4096);
	slot = pool_get_slot(&gm.pools[1]);
	ck_assert_uint_ne(slot, FRAME_NONE);
	memset(pool_slot_addr(&gm.pools[1], slot), 0x99, 4096);
	f->node = 1;
	f->slot = slot;
	ck_assert_int_eq(guest_mem_map_frame(&gm, f), 0);
	ck_assert(all_bytes(hva, 4096, 0x99));
	hva[0] = 0x12;
	ck_assert_uint_eq(pool_slot_addr(&gm.pools[1], slot)[0], 0x12);
	/* the neighbours are still on node 0 */
	ck_assert_uint_eq(guest_mem_frame_hva(&gm, 1)[0], 0);
	ck_assert_uint_eq(guest_mem_frame_hva(&gm, 3)[0], 0);

	/* map a page by index, node and slot without touching the frame table */
	slot = pool_get_slot(&gm.pools[1]);
	ck_assert_uint_ne(slot, FRAME_NONE);
	memset(pool_slot_addr(&gm.pools[1], slot), 0x3c, 4096);
	ck_assert_int_eq(guest_mem_map_page(&gm, 0, 1, slot), 0);
	ck_assert(all_bytes(guest_mem_frame_hva(&gm, 0), 4096, 0x3c));
	ck_assert_uint_eq(gm.ft.frames[0].node, 0);
	/* the frame's old page in node 0 is no longer what the guest sees */
	guest_mem_frame_hva(&gm, 0)[1] = 0x01;
	ck_assert_uint_eq(pool_slot_addr(&gm.pools[0], gm.ft.frames[0].slot)[1], 0);
	guest_mem_destroy(&gm);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("pool");
	TCase *tp = tcase_create("pool");
	TCase *tg = tcase_create("guest_mem");

	tcase_add_test(tp, pool_init_shmem);
	tcase_add_test(tp, backing_names);
	tcase_add_test(tp, fill_and_get_distinct);
	tcase_add_test(tp, fill_stops_at_capacity);
	tcase_add_test(tp, put_reuses);
	tcase_add_test(tp, injected_populate_fails);
	tcase_add_test(tp, release_punches_hole);
	tcase_add_test(tp, release_error_keeps_counters);
	suite_add_tcase(s, tp);

	tcase_set_timeout(tg, 30);
	tcase_add_test(tg, gm_interleave);
	tcase_add_test(tg, gm_bind_node1);
	tcase_add_test(tg, gm_interleave_reserve);
	tcase_add_test(tg, gm_preferred_fallback);
	tcase_add_test(tg, gm_preferred_uses_node_when_possible);
	tcase_add_test(tg, gm_populate_fails);
	tcase_add_test(tg, gm_populate_runs_dry_midway);
	tcase_add_test(tg, gm_gpa_to_hva);
	tcase_add_loop_test(tg, gm_bad_size, 0, (int)ARRAY_SIZE(bad_sizes));
	tcase_add_test(tg, gm_policy_names_missing_node);
	tcase_add_test(tg, gm_too_many_nodes);
	tcase_add_test(tg, gm_map_frame_moves_page);
	suite_add_tcase(s, tg);
	return s;
}
