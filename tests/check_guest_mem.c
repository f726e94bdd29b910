/* check_guest_mem.c - guest RAM built from per-node pools (mm/guest_mem.c),
 * on shmem pools of simulated nodes (tests/sim_guest.h): no hugepages, no
 * KVM. Where each policy places the frames and what each pool holds after;
 * every configuration the host cannot serve is refused with its reason and
 * leaves nothing behind; guest addresses and remapping. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/util.h"
#include "mm/guest_mem.h"
#include "mm/pool.h"
#include "tests/sim_guest.h"
#include "tests/unit.h"

#define MIB (1ULL << 20)

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

static struct guest_mem_config config(uint64_t size, const char *policy, unsigned nodes, uint32_t reserve)
{
	struct guest_mem_config cfg;
	char err[256];

	ck_assert_msg(sim_guest_config(&cfg, size, nodes, policy, reserve, err, sizeof(err)) == 0, "%s", err);
	return cfg;
}

static void init_ok(struct guest_mem *gm, const struct guest_mem_config *cfg)
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

/* Node 0's host has no pages to give; the others' have. */
static int populate_node0_dry(struct pool *p, uint32_t slot)
{
	if (p->node == 0)
		return -ENOMEM;
	return pool_populate_host(p, slot);
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

/* Guests the host can serve: where each policy puts every frame, and what
 * each pool holds after (the placed pages plus the pre-touched reserve). */
static const struct placement {
	uint64_t size;
	const char *policy;
	unsigned nodes;
	uint32_t reserve;
	bool node0_dry;         /* node 0's host has no pages */
	uint8_t node_of[8];     /* by frame */
	uint32_t per_node[4];   /* frames */
	uint32_t populated[4];  /* pages in each pool */
	uint32_t nfree[4];      /* of those, spare */
} placements[] = {
	{ 16 * MIB, "interleave:0,1", 2, 0, false, { 0, 1, 0, 1, 0, 1, 0, 1 }, { 4, 4 }, { 4, 4 }, { 0, 0 } },
	/* the reserve is capped at the pool's capacity on node 1 and
	 * pre-touched on the others */
	{ 16 * MIB, "bind:1", 3, 2, false, { 1, 1, 1, 1, 1, 1, 1, 1 }, { 0, 8, 0 }, { 2, 8, 2 }, { 2, 0, 2 } },
	/* 4 frames over nodes 0,1,2: 0,1,2,0; one spare page each */
	{ 8 * MIB, "interleave:0-2", 4, 1, false, { 0, 1, 2, 0 }, { 2, 1, 1, 0 }, { 3, 2, 2, 1 }, { 1, 1, 1, 1 } },
	/* the preferred node has nothing: the frames go elsewhere */
	{ 8 * MIB, "preferred:0", 2, 0, true, { 1, 1, 1, 1 }, { 0, 4 }, { 0, 4 }, { 0, 0 } },
	{ 8 * MIB, "preferred:1", 2, 0, false, { 1, 1, 1, 1 }, { 0, 4 }, { 0, 4 }, { 0, 0 } },
};

START_TEST(placement)
{
	const struct placement *pl = &placements[_i];
	struct guest_mem_config cfg = config(pl->size, pl->policy, pl->nodes, pl->reserve);
	uint32_t nframes = (uint32_t)(pl->size / FRAME_SIZE);
	uint32_t per_node[MAX_NODES], per_state[FRAME_NR_STATES];
	struct guest_mem gm;

	if (pl->node0_dry)
		cfg.populate = populate_node0_dry;
	init_ok(&gm, &cfg);
	check_all_mapped(&gm);
	for (uint32_t i = 0; i < nframes; i++)
		ck_assert_uint_eq(gm.ft.frames[i].node, pl->node_of[i]);
	frame_table_count(&gm.ft, per_node, per_state);
	for (unsigned n = 0; n < pl->nodes; n++) {
		const struct pool *p = &gm.pools[n];

		ck_assert_uint_eq(per_node[n], pl->per_node[n]);
		ck_assert_uint_eq(p->npopulated, pl->populated[n]);
		ck_assert_uint_eq(p->nfree, pl->nfree[n]);
		/* every pool can hold the whole guest and its restore reserve */
		ck_assert_uint_eq(p->capacity, nframes + POOL_RESTORE_RESERVE);
		if (pl->node0_dry && n == 0)
			ck_assert_uint_gt(p->populate_failures, 0);
		else
			ck_assert_uint_eq(p->populate_failures, 0);
	}
	/* no pool for a node that is not there */
	ck_assert_int_lt(gm.pools[pl->nodes].fd, 0);
	ck_assert_uint_gt(pool_mappings(), 0);
	guest_mem_destroy(&gm);
	ck_assert_uint_eq(pool_mappings(), 0);
}
END_TEST

static uint64_t file_bytes(int fd)
{
	struct stat st;

	ck_assert_int_eq(fstat(fd, &st), 0);
	return (uint64_t)st.st_blocks * 512;
}

/* --no-prealloc: the start populates only each pool's reserve; a frame's
 * page appears in its pool file at the guest's first touch; the plan still
 * asks the host for every page. */
START_TEST(lazy_start)
{
	struct guest_mem_config cfg = config(16 * MIB, "interleave:0,1", 2, 1);
	struct guest_mem_plan plan;
	struct guest_mem gm;
	char err[256];

	cfg.lazy = true;
	init_ok(&gm, &cfg);
	for (unsigned n = 0; n < 2; n++) {
		ck_assert_uint_eq(gm.pools[n].nlazy, 4);
		ck_assert_uint_eq(gm.pools[n].npopulated, 1);
		ck_assert_uint_eq(gm.pools[n].nfree, 1);
		ck_assert_uint_eq(file_bytes(gm.pools[n].fd), FRAME_SIZE);
	}
	for (uint32_t i = 0; i < 8; i++)
		ck_assert_uint_eq(gm.pools[gm.ft.frames[i].node].populated[gm.ft.frames[i].slot],
				  POOL_SLOT_LAZY);
	memset(guest_mem_frame_hva(&gm, 2), 0x5c, FRAME_SIZE); /* node 0's */
	ck_assert_uint_eq(file_bytes(gm.pools[0].fd), 2 * FRAME_SIZE);
	ck_assert_uint_eq(file_bytes(gm.pools[1].fd), FRAME_SIZE);
	ck_assert_uint_eq(pool_slot_addr(&gm.pools[0], gm.ft.frames[2].slot)[4321], 0x5c);
	guest_mem_destroy(&gm);

	cfg.backing = POOL_HUGETLB;
	ck_assert_int_eq(guest_mem_plan(&cfg, &plan, err, sizeof(err)), 0);
	ck_assert_uint_eq(plan.want[0], 1);
	ck_assert_uint_eq(plan.want[1], 1);
	ck_assert_int_eq(plan.need[0], 10); /* both simulated nodes live on host node 0 */
	cfg.lazy = false;
	ck_assert_int_eq(guest_mem_plan(&cfg, &plan, err, sizeof(err)), 0);
	ck_assert_uint_eq(plan.want[0], 5);
	ck_assert_int_eq(plan.need[0], 10);
}
END_TEST

/* Guests the host cannot serve: guest_mem_init fails with these words in
 * its message, and nothing is left mapped or open. */
static const struct refusal {
	uint64_t size;
	const char *policy;
	unsigned nodes;
	int host_pages;        /* -1: as many as asked for */
	const char *says[3];
} refusals[] = {
	{ 8 * MIB, "bind:0", 2, 0, { "node 0", "0 of 4", "shmem" } },
	/* interleave needs 2 pages on each node; the host has 3 */
	{ 8 * MIB, "interleave:0,1", 2, 3, { "node 1", "1 of 2" } },
	/* not whole 2 MiB frames, or more than a simulated guest may have */
	{ 0, "bind:0", 2, -1, { "2 MiB" } },
	{ 1, "bind:0", 2, -1, { "2 MiB" } },
	{ 4096, "bind:0", 2, -1, { "2 MiB" } },
	{ FRAME_SIZE - 1, "bind:0", 2, -1, { "2 MiB" } },
	{ FRAME_SIZE + 4096, "bind:0", 2, -1, { "2 MiB" } },
	{ 3 * MIB, "bind:0", 2, -1, { "2 MiB" } },
	{ 64 * MIB + 1, "bind:0", 2, -1, { "2 MiB" } },
	/* more than the guest's identity map holds */
	{ FS_RAM_MAX + FRAME_SIZE, "bind:0", 2, -1, { "at most 64 GiB" } },
	/* the policy names a node there is not */
	{ 8 * MIB, "bind:3", 2, -1, { "node 3" } },
	{ 8 * MIB, "interleave:0,1,4", 3, -1, { "node 4" } },
	{ 8 * MIB, "bind:0", MAX_NODES + 1, -1, { "" } },
};

START_TEST(refusal)
{
	const struct refusal *r = &refusals[_i];
	struct guest_mem_config cfg = config(r->size, r->policy, r->nodes, 0);
	struct guest_mem gm;
	char err[512] = "";

	if (r->host_pages >= 0) {
		sim_host_pages((unsigned)r->host_pages);
		cfg.populate = sim_populate;
	}
	ck_assert_int_eq(guest_mem_init(&gm, &cfg, err, sizeof(err)), -1);
	ck_assert_msg(err[0] != '\0', "no message");
	for (unsigned i = 0; i < ARRAY_SIZE(r->says) && r->says[i]; i++)
		ck_assert_msg(strstr(err, r->says[i]) != NULL, "'%s' lacks '%s'", err, r->says[i]);
	if (r->host_pages >= 0)
		ck_assert_uint_gt(sim_populate_calls, 0);
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

START_TEST(gpa_to_hva)
{
	struct guest_mem_config cfg = config(8ULL << 20, "bind:0", 2, 0);
	struct guest_mem gm;
	uint64_t size = 8ULL << 20;

	init_ok(&gm, &cfg);
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

/* The frame <-> GPA layout (guest-abi.h): 3 GiB below the MMIO hole, the
 * rest from 4 GiB; frames stay numbered 0..N-1 at host offset i * 2 MiB. */
START_TEST(frame_gpa_layout)
{
	const uint32_t hole = (uint32_t)(FS_LOW_RAM_MAX / FRAME_SIZE); /* 1536 */

	ck_assert_uint_eq(hole, 1536);
	ck_assert_uint_eq(guest_mem_frame_gpa(0), 0);
	ck_assert_uint_eq(guest_mem_frame_gpa(hole - 1), FS_LOW_RAM_MAX - FRAME_SIZE);
	ck_assert_uint_eq(guest_mem_frame_gpa(hole), FS_HIGH_RAM_BASE);
	ck_assert_uint_eq(guest_mem_frame_gpa(hole + 1), FS_HIGH_RAM_BASE + FRAME_SIZE);
	ck_assert_uint_eq(guest_mem_frame_gpa(8191), (17ULL << 30) - FRAME_SIZE); /* 16 GiB's last */
	/* and back, for every frame of the largest guest */
	for (uint32_t i = 0; i < FS_RAM_MAX / FRAME_SIZE; i++) {
		uint64_t gpa = guest_mem_frame_gpa(i);

		if (fs_gpa_ram_offset(gpa, FRAME_SIZE, FS_RAM_MAX) != (uint64_t)i * FRAME_SIZE)
			ck_abort_msg("frame %u: GPA 0x%llx maps back to offset 0x%llx", i,
				     (unsigned long long)gpa,
				     (unsigned long long)fs_gpa_ram_offset(gpa, FRAME_SIZE, FS_RAM_MAX));
	}
	/* up to 3 GiB the layout is the identity, and there is no high RAM */
	ck_assert_uint_eq(fs_gpa_ram_offset(FS_LOW_RAM_MAX - 1, 1, FS_LOW_RAM_MAX), FS_LOW_RAM_MAX - 1);
	ck_assert_uint_eq(fs_gpa_ram_offset(FS_HIGH_RAM_BASE, 1, FS_LOW_RAM_MAX), FS_NOT_RAM);
	/* dirty ring entries: slot 0 page p and slot 1 page p (from 4 GiB) */
	ck_assert_uint_eq(guest_mem_slot_frame(0, 0), 0);
	ck_assert_uint_eq(guest_mem_slot_frame(0, 513), 1);
	ck_assert_uint_eq(guest_mem_slot_frame(1, 0), hole);
	ck_assert_uint_eq(guest_mem_slot_frame(1, 512 * 5 + 7), hole + 5);
	ck_assert_uint_eq(guest_mem_slot_frame(2, 0), FRAME_NONE);
}
END_TEST

/* A guest of 3 GiB + 8 MiB (pages come on first touch): two memslots, and
 * a guest address in the MMIO hole, reaching into it, or past high RAM is
 * refused exactly like one past the end of RAM. */
START_TEST(gpa_to_hva_high_ram)
{
	struct guest_mem_config cfg = config(FS_LOW_RAM_MAX + 4 * FRAME_SIZE, "bind:0", 2, 0);
	const uint64_t high_end = FS_HIGH_RAM_BASE + 4 * FRAME_SIZE;
	struct guest_mem gm;
	struct guest_mem_slot s0, s1;
	uint32_t first, last;

	cfg.populate = sim_populate_lazy;
	init_ok(&gm, &cfg);
	ck_assert_ptr_eq(guest_mem_gpa_to_hva(&gm, FS_LOW_RAM_MAX - 8, 8), gm.hva + FS_LOW_RAM_MAX - 8);
	ck_assert_ptr_eq(guest_mem_gpa_to_hva(&gm, FS_HIGH_RAM_BASE, 8), gm.hva + FS_LOW_RAM_MAX);
	ck_assert_ptr_eq(guest_mem_gpa_to_hva(&gm, high_end - 1, 1), gm.hva + gm.size - 1);
	ck_assert_ptr_eq(guest_mem_gpa_to_hva(&gm, FS_HIGH_RAM_BASE, 4 * FRAME_SIZE), gm.hva + FS_LOW_RAM_MAX);
	/* the hole */
	ck_assert_ptr_null(guest_mem_gpa_to_hva(&gm, FS_LOW_RAM_MAX, 1));
	ck_assert_ptr_null(guest_mem_gpa_to_hva(&gm, FS_LOW_RAM_MAX + 0x1234, 8));
	ck_assert_ptr_null(guest_mem_gpa_to_hva(&gm, FS_HIGH_RAM_BASE - 1, 1));
	/* across an edge of the hole */
	ck_assert_ptr_null(guest_mem_gpa_to_hva(&gm, FS_LOW_RAM_MAX - 8, 16));
	ck_assert_ptr_null(guest_mem_gpa_to_hva(&gm, FS_HIGH_RAM_BASE - 8, 16));
	ck_assert_ptr_null(guest_mem_gpa_to_hva(&gm, 0, FS_HIGH_RAM_BASE + 1));
	/* past high RAM, and the size itself (a low-RAM-only guest's end) */
	ck_assert_ptr_null(guest_mem_gpa_to_hva(&gm, high_end, 1));
	ck_assert_ptr_null(guest_mem_gpa_to_hva(&gm, high_end - 8, 16));
	ck_assert_ptr_null(guest_mem_gpa_to_hva(&gm, FS_HIGH_RAM_BASE, UINT64_MAX));
	ck_assert_ptr_null(guest_mem_gpa_to_hva(&gm, UINT64_MAX, 2));
	/* a range's frames */
	ck_assert(guest_mem_gpa_frames(&gm, FS_HIGH_RAM_BASE + FRAME_SIZE - 8, 16, &first, &last));
	ck_assert_uint_eq(first, 1536);
	ck_assert_uint_eq(last, 1537);
	ck_assert(!guest_mem_gpa_frames(&gm, FS_LOW_RAM_MAX, 8, &first, &last));
	ck_assert(!guest_mem_gpa_frames(&gm, FS_HIGH_RAM_BASE, 0, &first, &last));
	/* the memslots */
	s0 = guest_mem_slot(&gm, 0);
	s1 = guest_mem_slot(&gm, 1);
	ck_assert_uint_eq(s0.gpa, 0);
	ck_assert_uint_eq(s0.size, FS_LOW_RAM_MAX);
	ck_assert_uint_eq(s0.offset, 0);
	ck_assert_uint_eq(s1.gpa, FS_HIGH_RAM_BASE);
	ck_assert_uint_eq(s1.size, 4 * FRAME_SIZE);
	ck_assert_uint_eq(s1.offset, FS_LOW_RAM_MAX);
	/* the host pointer really is the frame's: frame 1537 at 4 GiB + 2 MiB */
	*(uint32_t *)guest_mem_gpa_to_hva(&gm, FS_HIGH_RAM_BASE + FRAME_SIZE + 8, 4) = 0xdeadbeef;
	ck_assert_uint_eq(*(uint32_t *)(guest_mem_frame_hva(&gm, 1537) + 8), 0xdeadbeef);
	guest_mem_destroy(&gm);
	/* a guest below 3 GiB has no second slot */
	cfg = config(8ULL << 20, "bind:0", 2, 0);
	init_ok(&gm, &cfg);
	ck_assert_uint_eq(guest_mem_slot(&gm, 0).size, 8ULL << 20);
	ck_assert_uint_eq(guest_mem_slot(&gm, 1).size, 0);
	guest_mem_destroy(&gm);
}
END_TEST

START_TEST(map_frame_moves_page)
{
	/* re-pointing a frame at another node's page is what migration does */
	struct guest_mem_config cfg = config(8ULL << 20, "bind:0", 2, 0);
	struct guest_mem gm;
	struct frame *f;
	uint32_t slot;
	uint8_t *hva;

	init_ok(&gm, &cfg);
	f = &gm.ft.frames[2];
	hva = guest_mem_frame_hva(&gm, 2);
	memset(hva, 0x77, 4096);
	slot = pool_get_slot(&gm.pools[1]);
	ck_assert_uint_ne(slot, FRAME_NONE);
	memset(pool_slot_addr(&gm.pools[1], slot), 0x99, 4096);
	f->node = 1;
	f->slot = slot;
	ck_assert_int_eq(guest_mem_map_frame(&gm, f), 0);
	ck_assert(all_bytes_are(hva, 4096, 0x99));
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
	ck_assert(all_bytes_are(guest_mem_frame_hva(&gm, 0), 4096, 0x3c));
	ck_assert_uint_eq(gm.ft.frames[0].node, 0);
	/* the frame's old page in node 0 is no longer what the guest sees */
	guest_mem_frame_hva(&gm, 0)[1] = 0x01;
	ck_assert_uint_eq(pool_slot_addr(&gm.pools[0], gm.ft.frames[0].slot)[1], 0);
	guest_mem_destroy(&gm);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("guest_mem");
	TCase *tg = tcase_create("guest_mem");

	tcase_set_timeout(tg, 30);
	tcase_add_loop_test(tg, placement, 0, (int)ARRAY_SIZE(placements));
	tcase_add_loop_test(tg, refusal, 0, (int)ARRAY_SIZE(refusals));
	tcase_add_test(tg, gpa_to_hva);
	tcase_add_test(tg, frame_gpa_layout);
	tcase_add_test(tg, gpa_to_hva_high_ram);
	tcase_add_test(tg, map_frame_moves_page);
	tcase_add_test(tg, lazy_start);
	suite_add_tcase(s, tg);
	return s;
}
