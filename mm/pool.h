/* pool.h - a per-node pool of host pages that back guest frames.
 *
 * Each logical node owns one memfd (hugetlb, or shmem with THP for --no-hugetlb)
 * cut into 2 MiB slots, and one host mapping of the whole file (the pool view)
 * that migration copies through. A slot is either a hole (no host page) or
 * populated: allocated on the pool's host node and zeroed, ready to back a frame.
 * Populating goes through an injectable function so tests can make a pool run dry.
 *
 * The last POOL_RESTORE_RESERVE free slots are kept for restores (a guest
 * touching or deflating ballooned memory): a migration target may not take
 * them, so a move cannot leave a restore without a hugepage. A move fills
 * the reserve on its way (a restore does not: it takes what there is). */
#ifndef FRAMESHIFT_MM_POOL_H
#define FRAMESHIFT_MM_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include "mm/frame.h"

#define POOL_RESTORE_RESERVE 1

enum pool_backing { POOL_HUGETLB, POOL_THP, POOL_SHMEM };
/* a slot's state (struct pool's populated[]) */
enum { POOL_SLOT_HOLE, POOL_SLOT_PAGE, POOL_SLOT_LAZY };

struct pool;
typedef int (*pool_populate_fn)(struct pool *p, uint32_t slot);

struct pool {
	unsigned node;       /* logical node */
	int host_node;       /* host NUMA node its pages live on */
	enum pool_backing backing;
	int fd;
	uint8_t *view;       /* the whole file, mapped for copying */
	uint32_t capacity;   /* slots */
	uint32_t *free_stack; /* populated, unused slots */
	uint32_t nfree;
	uint32_t npopulated; /* POOL_SLOT_PAGE slots */
	uint32_t nlazy;      /* POOL_SLOT_LAZY slots */
	uint8_t *populated;  /* per-slot: POOL_SLOT_* */
	pool_populate_fn populate;
	/* counters */
	uint64_t populate_failures;
	uint64_t pages_returned; /* host pages given back (holes punched) */
};

int pool_init(struct pool *p, unsigned node, int host_node, enum pool_backing backing,
	      uint32_t capacity);
void pool_destroy(struct pool *p);

/* Populate up to n more slots (pre-touched pages). Returns how many it added;
 * stops at the first failure (e.g. the host ran out of hugepages). */
uint32_t pool_fill(struct pool *p, uint32_t n);
/* Take a populated free slot, populating one on demand. FRAME_NONE if none.
 * Restores and placement take any slot, the reserve included. */
uint32_t pool_get_slot(struct pool *p);
/* The same for a migration target: the reserve stays (it is filled first,
 * on the way), FRAME_NONE if only the reserve is left. */
uint32_t pool_get_spare_slot(struct pool *p);

/* Return a slot to the free list; its page stays populated for reuse. */
void pool_put_slot(struct pool *p, uint32_t slot);
/* Give a slot's host page back to the host (punch a hole); the slot becomes
 * a hole. Returns 1 if a page went back (counted in pages_returned), 0 if
 * none did (a lazy slot whose page the guest never made, by the file's
 * block count), or -errno. */
int pool_release_slot(struct pool *p, uint32_t slot);
/* Take a hole for a frame whose page its first touch makes; FRAME_NONE if
 * the pool has no hole. Allocates nothing. */
uint32_t pool_get_lazy_slot(struct pool *p);
/* Make a lazy slot's page on the pool's host node (nothing for any other
 * slot); -errno, the slot still lazy, if the host has no page to give. */
int pool_slot_make_page(struct pool *p, uint32_t slot);
static inline bool pool_slot_is_lazy(const struct pool *p, uint32_t slot)
{
	return p->populated[slot] == POOL_SLOT_LAZY;
}
static inline uint32_t pool_holes(const struct pool *p)
{
	return p->capacity - p->npopulated - p->nlazy;
}

static inline uint8_t *pool_slot_addr(const struct pool *p, uint32_t slot)
{
	return p->view + (uint64_t)slot * FRAME_SIZE;
}
static inline uint64_t pool_slot_offset(uint32_t slot)
{
	return (uint64_t)slot * FRAME_SIZE;
}

/* The default populate: allocate the slot's page on the pool's host node. */
int pool_populate_host(struct pool *p, uint32_t slot);

const char *pool_backing_name(enum pool_backing b);

#endif
