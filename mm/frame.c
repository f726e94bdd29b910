/* frame.c - the frame table and its node lists. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mm/frame.h"

static const char *const state_names[FRAME_NR_STATES] = {
	[FRAME_FREE] = "free",
	[FRAME_MAPPED] = "mapped",
	[FRAME_ISOLATED] = "isolated",
	[FRAME_MIGRATING] = "migrating",
	[FRAME_BALLOONED] = "ballooned",
};

const char *frame_state_name(enum frame_state s)
{
	return (unsigned)s < FRAME_NR_STATES ? state_names[s] : "invalid";
}

int frame_table_init(struct frame_table *ft, uint32_t nframes, unsigned nnodes)
{
	if (nframes == 0 || nframes == FRAME_NONE || nnodes == 0 || nnodes > MAX_NODES)
		return -EINVAL;
	memset(ft, 0, sizeof(*ft));
	ft->frames = calloc(nframes, sizeof(*ft->frames));
	if (!ft->frames)
		return -ENOMEM;
	ft->nframes = nframes;
	ft->nnodes = nnodes;
	for (uint32_t i = 0; i < nframes; i++) {
		ft->frames[i].state = FRAME_FREE;
		ft->frames[i].slot = FRAME_NONE;
		ft->frames[i].prev = ft->frames[i].next = FRAME_NONE;
	}
	for (unsigned n = 0; n < MAX_NODES; n++)
		frame_list_init(&ft->node_list[n]);
	pthread_mutex_init(&ft->lock, NULL);
	return 0;
}

void frame_table_destroy(struct frame_table *ft)
{
	free(ft->frames);
	ft->frames = NULL;
	pthread_mutex_destroy(&ft->lock);
}

void frame_list_init(struct frame_list *l)
{
	l->head = l->tail = FRAME_NONE;
	l->count = 0;
}

void frame_list_add_tail(struct frame_table *ft, struct frame_list *l, struct frame *f)
{
	uint32_t idx = frame_index(ft, f);

	f->prev = l->tail;
	f->next = FRAME_NONE;
	if (l->tail == FRAME_NONE)
		l->head = idx;
	else
		ft->frames[l->tail].next = idx;
	l->tail = idx;
	l->count++;
}

void frame_list_del(struct frame_table *ft, struct frame_list *l, struct frame *f)
{
	if (f->prev == FRAME_NONE)
		l->head = f->next;
	else
		ft->frames[f->prev].next = f->next;
	if (f->next == FRAME_NONE)
		l->tail = f->prev;
	else
		ft->frames[f->next].prev = f->prev;
	f->prev = f->next = FRAME_NONE;
	l->count--;
}

struct frame *frame_list_first(struct frame_table *ft, const struct frame_list *l)
{
	return l->head == FRAME_NONE ? NULL : &ft->frames[l->head];
}

struct frame *frame_list_next(struct frame_table *ft, const struct frame *f)
{
	return f->next == FRAME_NONE ? NULL : &ft->frames[f->next];
}

void frame_set_mapped(struct frame_table *ft, struct frame *f, unsigned node, uint32_t slot)
{
	f->node = (uint8_t)node;
	f->slot = slot;
	f->state = FRAME_MAPPED;
	frame_list_add_tail(ft, &ft->node_list[node], f);
}

void frame_table_count(struct frame_table *ft, uint32_t per_node[MAX_NODES],
		       uint32_t per_state[FRAME_NR_STATES])
{
	memset(per_node, 0, MAX_NODES * sizeof(per_node[0]));
	memset(per_state, 0, FRAME_NR_STATES * sizeof(per_state[0]));
	for (uint32_t i = 0; i < ft->nframes; i++) {
		const struct frame *f = &ft->frames[i];

		per_state[f->state]++;
		/* a ballooned or free frame holds no page on any node */
		if (f->state != FRAME_FREE && f->state != FRAME_BALLOONED)
			per_node[f->node]++;
	}
}

uint32_t frame_table_count_degraded(struct frame_table *ft, uint32_t per_node[MAX_NODES])
{
	uint32_t total = 0;

	memset(per_node, 0, MAX_NODES * sizeof(per_node[0]));
	for (uint32_t i = 0; i < ft->nframes; i++)
		if (ft->frames[i].degraded) {
			per_node[ft->frames[i].node]++;
			total++;
		}
	return total;
}
