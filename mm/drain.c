/* drain.c - empty a node of guest frames and keep it empty (drain.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mm/drain.h"

uint32_t drain_room(struct guest_mem *gm, uint32_t skip, uint32_t room[MAX_NODES])
{
	long host_left[MAX_NODES + 1]; /* by host node + 1 (0: the whole host) */
	bool host_read[MAX_NODES + 1] = { false };
	uint32_t total = 0;

	for (unsigned t = 0; t < MAX_NODES; t++) {
		const struct pool *p = &gm->pools[t];
		unsigned h = (unsigned)(p->host_node + 1);
		uint64_t pages;
		long take;

		room[t] = 0;
		if (t >= gm->nnodes || (skip >> t & 1) || h > MAX_NODES)
			continue;
		take = (long)pool_holes(p); /* holes a move may fill */
		if (gm->free_hugepages_fd[t] >= 0) {
			if (!host_read[h]) {
				host_left[h] = host_free_hugepages_read(gm->free_hugepages_fd[t]);
				if (host_left[h] < 0)
					host_left[h] = 0; /* unknown: count on none */
				host_read[h] = true;
			}
			if (take > host_left[h])
				take = host_left[h];
			host_left[h] -= take;
		}
		pages = p->nfree + (uint64_t)take;
		room[t] = pages > POOL_RESTORE_RESERVE ? (uint32_t)(pages - POOL_RESTORE_RESERVE) : 0;
		total += room[t];
	}
	return total;
}

/* Frames whose node is node (all but never-placed ones: a ballooned frame
 * keeps its node too) into idx; how many of them need a page. */
static uint32_t frames_on(struct guest_mem *gm, unsigned node, uint32_t *idx, uint32_t *n)
{
	uint32_t pages = 0;

	*n = 0;
	for (uint32_t i = 0; i < gm->ft.nframes; i++) {
		const struct frame *f = &gm->ft.frames[i];

		if (f->node != node || f->state == FRAME_FREE)
			continue;
		idx[(*n)++] = i;
		pages += f->state != FRAME_BALLOONED;
	}
	return pages;
}

void frames_deal(struct guest_mem *gm, unsigned from, const uint32_t *idx, uint32_t n,
		 uint32_t mask, const uint32_t room[MAX_NODES], uint32_t *to)
{
	uint32_t used[MAX_NODES] = { 0 }, open = 0; /* nodes with room left */

	mask &= ~(1u << from);
	for (unsigned t = 0; t < gm->nnodes; t++)
		if ((mask >> t & 1) && room[t])
			open |= 1u << t;
	for (uint32_t k = 0; k < n; k++) {
		bool ballooned = gm->ft.frames[idx[k]].state == FRAME_BALLOONED;
		int t = tier_nearest(&gm->tiers, from, ballooned ? mask : open);

		to[k] = t < 0 ? FRAME_NONE : (uint32_t)t;
		if (t < 0 || ballooned)
			continue;
		if (++used[t] >= room[t])
			open &= ~(1u << t);
	}
}

void frames_move_dealt(struct migrator *m, const uint32_t *idx, const uint32_t *to, uint32_t n,
		       enum migrate_mode mode, enum migrate_reason reason, struct migrate_result *res)
{
	uint32_t *list = malloc(n * sizeof(*list));

	if (!list)
		return;
	for (unsigned t = 0; t < m->gm->nnodes; t++) {
		struct migrate_result part;
		uint32_t k = 0;

		for (uint32_t i = 0; i < n; i++)
			if (to[i] == t)
				list[k++] = idx[i];
		if (k && migrate_frames(m, list, k, t, mode, reason, &part) == 0)
			migrate_result_add(res, &part);
	}
	free(list);
}

/* One pass: the node's frames to the nodes not drained, nearest first (a
 * fast node's frames stay on fast memory while it has room). */
static void drain_pass(struct migrator *m, unsigned node, const uint32_t *idx, uint32_t n,
		       const uint32_t room[MAX_NODES], uint32_t *to, struct drain_result *res)
{
	struct guest_mem *gm = m->gm;

	pthread_mutex_lock(&gm->ft.lock);
	frames_deal(gm, node, idx, n, ~gm->drained & ((1u << gm->nnodes) - 1), room, to);
	pthread_mutex_unlock(&gm->ft.lock);
	frames_move_dealt(m, idx, to, n, MIGRATE_SYNC, MR_DRAIN, &res->moves);
}

/* Give the drained node's free pool pages back to the host. */
static uint32_t release_free_pages(struct guest_mem *gm, unsigned node)
{
	struct pool *p = &gm->pools[node];
	uint32_t released = 0;

	while (p->nfree) {
		uint32_t slot = p->free_stack[p->nfree - 1];

		if (pool_release_slot(p, slot) < 0)
			break;
		p->nfree--;
		released++;
	}
	return released;
}

static int bad_node(struct guest_mem *gm, unsigned node, char *err, size_t errlen)
{
	if (node < gm->nnodes)
		return 0;
	snprintf(err, errlen, "no node %u: this VM's nodes are 0-%u", node, gm->nnodes - 1);
	return -1;
}

int drain_node(struct migrator *m, unsigned node, struct drain_result *res, char *err, size_t errlen)
{
	struct guest_mem *gm = m->gm;
	uint32_t room[MAX_NODES], *idx, *to, n, pages, space;
	uint32_t others = (gm->nnodes >= 32 ? UINT32_MAX : (1u << gm->nnodes) - 1) & ~(1u << node);
	int ret = -1;

	memset(res, 0, sizeof(*res));
	if (bad_node(gm, node, err, errlen) < 0)
		return -1;
	idx = calloc(gm->ft.nframes, sizeof(*idx));
	to = calloc(gm->ft.nframes, sizeof(*to));
	if (!idx || !to) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	/* decided and marked under both locks: a move that starts after this
	 * sees the mark, one before it is over and its frames are counted */
	pthread_mutex_lock(&m->lock);
	pthread_mutex_lock(&gm->ft.lock);
	pages = frames_on(gm, node, idx, &n);
	space = drain_room(gm, gm->drained | ~others, room);
	res->frames = n;
	if (!(others & ~gm->drained))
		snprintf(err, errlen, "node %u is the last node not drained: the guest's frames have "
			 "nowhere else to go (ctl undrain another node first)", node);
	else if (pages > space)
		snprintf(err, errlen, "cannot drain node %u: its %u frames need %u free 2 MiB pages on "
			 "the other nodes, which have %u (pool pages and the host's free hugepages); "
			 "reserve more hugepages there or undrain a node", node, n, pages, space);
	else
		ret = 0;
	if (ret == 0)
		gm->drained |= 1u << node;
	pthread_mutex_unlock(&gm->ft.lock);
	pthread_mutex_unlock(&m->lock);
	if (ret < 0)
		goto out;

	for (unsigned round = 0; round < DRAIN_ROUNDS && n; round++) {
		drain_pass(m, node, idx, n, room, to, res);
		pthread_mutex_lock(&gm->ft.lock);
		frames_on(gm, node, idx, &n);
		drain_room(gm, gm->drained, room);
		pthread_mutex_unlock(&gm->ft.lock);
	}
	pthread_mutex_lock(&gm->ft.lock);
	res->left = n;
	res->pages_returned = release_free_pages(gm, node);
	pthread_mutex_unlock(&gm->ft.lock);
	if (n) {
		snprintf(err, errlen, "%u of node %u's %u frames could not be moved (they are as they "
			 "were); the node stays drained: run drain again, or undrain it", n, node,
			 res->frames);
		ret = -1;
	}
out:
	free(idx);
	free(to);
	return ret;
}

int undrain_node(struct migrator *m, unsigned node, char *err, size_t errlen)
{
	struct guest_mem *gm = m->gm;

	if (bad_node(gm, node, err, errlen) < 0)
		return -1;
	pthread_mutex_lock(&m->lock);
	pthread_mutex_lock(&gm->ft.lock);
	gm->drained &= ~(1u << node);
	pthread_mutex_unlock(&gm->ft.lock);
	pthread_mutex_unlock(&m->lock);
	return 0;
}
