/* guest_mem.h - guest RAM: a contiguous host virtual range cut into 2 MiB frames,
 * each mapped (MAP_FIXED) from a page of its node's pool. Frame i lies at
 * host offset i * FRAME_SIZE; the guest sees it at guest_mem_frame_gpa(i),
 * below the MMIO hole or above 4 GiB (guest-abi.h). KVM sees one memslot per
 * RAM range (guest_mem_slot); replacing a frame's mapping is how a frame changes node,
 * and KVM's MMU notifiers drop the stale second-level entries. */
#ifndef FRAMESHIFT_MM_GUEST_MEM_H
#define FRAMESHIFT_MM_GUEST_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "include/frameshift/guest-abi.h"
#include "mm/frame.h"
#include "mm/policy.h"
#include "mm/pool.h"
#include "mm/tier.h"

struct guest_mem_config {
	uint64_t size;          /* bytes, a multiple of FRAME_SIZE */
	enum pool_backing backing;
	unsigned sim_nodes;     /* 0: one pool per real host node */
	struct numa_policy policy;
	uint32_t pool_reserve;  /* pre-touched spare pages per node */
	pool_populate_fn populate; /* NULL: pool_populate_host */
	bool lazy;              /* --no-prealloc: frames get lazy slots; the
				 * guest's first touch makes each page */
	struct tier_config tiers; /* --tiers, --sim-nodes K:S (mm/tier.h) */
	unsigned guest_nodes;   /* >0: guest NUMA topology; virtual node v's RAM
				 * (the v-th of guest_nodes equal slices) is placed
				 * on node v % nodes, instead of by policy */
};

struct guest_mem {
	uint8_t *hva;           /* base of guest RAM in this process */
	uint64_t size;
	struct frame_table ft;
	struct pool pools[MAX_NODES];
	unsigned nnodes;
	bool simulated;         /* all pools live on one real node */
	bool lazy;              /* guest_mem_config's */
	unsigned guest_nodes;
	struct numa_policy policy;
	struct tiers tiers;     /* fast and slow nodes, distances (fixed at start) */
	/* nodes `ctl drain` emptied: no frame is placed or moved there
	 * (mm/drain.h); a bit per node, changed under the frame table lock and
	 * the migrator's lock, so a move that holds either sees it steady */
	uint32_t drained;
	/* per node: its host node's free_hugepages counter, opened at start
	 * (the sandbox opens no file); -1 where the pool is not hugetlb */
	int free_hugepages_fd[MAX_NODES];
};

/* What guest_mem_init will place where, decided before anything is allocated. */
struct guest_mem_plan {
	unsigned nnodes;          /* pools: the simulated or the host's nodes */
	bool simulated;
	uint32_t nframes;
	uint32_t want[MAX_NODES]; /* pages each pool populates at start: the
				   * placed frames' (unless lazy) + reserve */
	long need[MAX_NODES];     /* free hugepages each host node must have:
				   * the placed frames' and the reserve, lazy
				   * or not (the guest may touch all of it) */
};

/* Check cfg against this host (nodes, policy) and plan the start; -1 with a
 * message in err. Allocates nothing. */
int guest_mem_plan(const struct guest_mem_config *cfg, struct guest_mem_plan *plan,
		   char *err, size_t errlen);
/* 0 if host node h has the free hugepages the plan needs; else -1 with the
 * shortfall and the exact command that reserves the pages on that node. */
int guest_mem_node_shortfall(const struct guest_mem_plan *plan, int h, char *err, size_t errlen);

/* Reserve the range, create the pools, check the host has the pages, place and
 * map every frame. On failure returns -1 with a message for the user in err. */
int guest_mem_init(struct guest_mem *gm, const struct guest_mem_config *cfg,
		   char *err, size_t errlen);
void guest_mem_destroy(struct guest_mem *gm);

/* Map page slot of node's pool at frame idx's guest address (MAP_FIXED); a
 * lazy slot's mapping is bound to the pool's host node. */
int guest_mem_map_page(struct guest_mem *gm, uint32_t idx, unsigned node, uint32_t slot);
/* The same for n frames from idx on, at slots slot.. slot + n - 1: one mmap,
 * so one page-table and secondary-MMU invalidation for all of them. */
int guest_mem_map_pages(struct guest_mem *gm, uint32_t idx, uint32_t n, unsigned node,
			uint32_t slot);
/* Map frame f's current pool page at its guest address. */
int guest_mem_map_frame(struct guest_mem *gm, struct frame *f);

static inline uint32_t guest_mem_nframes(const struct guest_mem *gm) { return gm->ft.nframes; }
static inline uint8_t *guest_mem_frame_hva(const struct guest_mem *gm, uint32_t idx)
{
	return gm->hva + (uint64_t)idx * FRAME_SIZE;
}
/* The one translation between frames and guest-physical addresses. */
static inline uint64_t guest_mem_frame_gpa(uint32_t idx)
{
	return fs_ram_offset_gpa((uint64_t)idx * FRAME_SIZE);
}
/* Host offset (= RAM offset) of [gpa, gpa+len) if it lies wholly inside one
 * RAM range, else FS_NOT_RAM (in the hole, beyond RAM, or straddling). */
static inline uint64_t guest_mem_gpa_offset(const struct guest_mem *gm, uint64_t gpa, uint64_t len)
{
	return fs_gpa_ram_offset(gpa, len, gm->size);
}
/* Host pointer for [gpa, gpa+len) if it lies wholly inside guest RAM, else NULL.
 * Every guest-supplied address goes through here. */
void *guest_mem_gpa_to_hva(const struct guest_mem *gm, uint64_t gpa, uint64_t len);
/* The frames [*first, *last] of [gpa, gpa+len), len > 0, if it lies in RAM;
 * false if it does not. */
bool guest_mem_gpa_frames(const struct guest_mem *gm, uint64_t gpa, uint64_t len,
			  uint32_t *first, uint32_t *last);

/* KVM memslot n (0: low RAM, 1: high RAM): its guest address, size (0 when
 * the guest has no such range) and host offset. */
struct guest_mem_slot {
	uint64_t gpa, size, offset;
};
#define GUEST_MEM_SLOTS 2
struct guest_mem_slot guest_mem_slot(const struct guest_mem *gm, unsigned n);
/* The frame of 4 KiB page `page` of memslot `slot` (a dirty ring entry), or
 * FRAME_NONE for a slot that is not guest RAM. Slot 1 exists only when RAM
 * fills the low range, so it always starts at host offset FS_LOW_RAM_MAX. */
static inline uint32_t guest_mem_slot_frame(uint32_t slot, uint64_t page)
{
	if (slot >= GUEST_MEM_SLOTS)
		return FRAME_NONE;
	return (uint32_t)(((slot ? FS_LOW_RAM_MAX : 0) + (page << 12)) >> FRAME_SHIFT);
}

/* The host node holding most guest memory now (ties: the lowest), -1
 * without NUMA: where a device's I/O threads run by default. With
 * --sim-nodes, the one real node all pools live on. */
int guest_mem_main_host_node(struct guest_mem *gm);

/* The guest NUMA node frame idx belongs to (0 without a guest topology). */
unsigned guest_mem_vnode(const struct guest_mem *gm, uint32_t idx);

/* Free hugepages on a host node as the kernel reports them (-1 if unknown). */
long host_free_hugepages(int host_node);
/* The same from a counter guest_mem_init opened (free_hugepages_fd). */
long host_free_hugepages_read(int fd);

static inline bool guest_mem_node_drained(const struct guest_mem *gm, unsigned node)
{
	return node < MAX_NODES && (gm->drained >> node & 1);
}

#endif
