/* tier_policy.c - demote cold frames, promote hot ones (tier_policy.h). */
#include <stdlib.h>
#include <string.h>

#include "mm/drain.h"
#include "mm/heat_sample.h"
#include "mm/tier_policy.h"

#define SAMPLE_SHARE 16   /* read sampling looks at 1/16 of the frames a period */
#define SAMPLE_MAX 64     /* and at most this many: its cost (docs/benchmarks.md) */

static void sampled_access(void *arg, uint32_t idx, bool write)
{
	struct tiering *t = arg;

	heat_note(&t->heat, idx, write ? HEAT_WRITE : HEAT_READ, 1);
}

int tiering_init(struct tiering *t, struct migrator *m, double promote_rate_mib_s)
{
	uint32_t nframes = m->gm->ft.nframes;

	memset(t, 0, sizeof(*t));
	t->m = m;
	if (heat_init(&t->heat, nframes) < 0)
		return -1;
	t->tf = calloc(nframes, sizeof(*t->tf));
	if (!t->tf) {
		heat_destroy(&t->heat);
		return -1;
	}
	pthread_mutex_init(&t->lock, NULL);
	t->promote_rate_mib_s = promote_rate_mib_s;
	t->cold_periods = 30;
	t->hot_score = 1;
	t->promote_confirm = 2;
	t->hold_periods = 60;
	t->low_frames = nframes / 32 > 2 ? nframes / 32 : 2;
	t->sample_frames = nframes / SAMPLE_SHARE;
	if (t->sample_frames < 1)
		t->sample_frames = 1;
	if (t->sample_frames > SAMPLE_MAX)
		t->sample_frames = SAMPLE_MAX;
	m->access_arg = t;
	__atomic_store_n(&m->access, sampled_access, __ATOMIC_RELEASE);
	return 0;
}

void tiering_destroy(struct tiering *t)
{
	if (t->m)
		__atomic_store_n(&t->m->access, NULL, __ATOMIC_RELEASE);
	heat_destroy(&t->heat);
	free(t->tf);
	t->tf = NULL;
}

void tiering_set_enabled(struct tiering *t, bool on)
{
	pthread_mutex_lock(&t->lock);
	t->enabled = on;
	pthread_mutex_unlock(&t->lock);
}

/* Nodes not drained whose tier is below (slower: sign > 0) or above
 * (faster: sign < 0) node's. */
static uint32_t other_tier(const struct guest_mem *gm, unsigned node, int sign)
{
	uint32_t mask = 0;

	for (unsigned n = 0; n < gm->nnodes; n++)
		if (!guest_mem_node_drained(gm, n) &&
		    (sign > 0 ? gm->tiers.tier[n] > gm->tiers.tier[node] : gm->tiers.tier[n] < gm->tiers.tier[node]))
			mask |= 1u << n;
	return mask;
}

static int older_first(const void *a, const void *b, void *ages)
{
	const uint8_t *age = ages;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return age[x] != age[y] ? age[y] - age[x] : (x > y) - (x < y);
}

/* Move frames idx[0..n) of node from to the nodes of mask that have room
 * beyond keep pages each, nearest first; count what moved. */
static uint32_t move_to_tier(struct tiering *t, unsigned from, uint32_t *idx, uint32_t n, uint32_t mask,
			     uint32_t keep, enum migrate_reason reason)
{
	struct guest_mem *gm = t->m->gm;
	struct migrate_result res = { 0 };
	uint32_t room[MAX_NODES], *to = calloc(n ? n : 1, sizeof(*to)), moved = 0, placed = 0;

	if (!to)
		return 0;
	pthread_mutex_lock(&gm->ft.lock);
	drain_room(gm, ~mask, room);
	for (unsigned k = 0; k < MAX_NODES; k++)
		room[k] = room[k] > keep ? room[k] - keep : 0;
	frames_deal(gm, from, idx, n, mask, room, to);
	pthread_mutex_unlock(&gm->ft.lock);
	frames_move_dealt(t->m, idx, to, n, MIGRATE_ASYNC, reason, &res);
	pthread_mutex_lock(&gm->ft.lock);
	pthread_mutex_lock(&t->lock);
	for (uint32_t k = 0; k < n; k++) {
		struct tier_frame *tf = &t->tf[idx[k]];

		if (to[k] == FRAME_NONE)
			continue;
		placed++;
		if (gm->ft.frames[idx[k]].node != to[k])
			continue;
		moved++;
		if (tf->moves < UINT8_MAX)
			tf->moves++;
		tf->hot_streak = 0;
		tf->hold = reason == MR_PROMOTION ? (uint8_t)(t->hold_periods < UINT8_MAX ? t->hold_periods : UINT8_MAX) : 0;
	}
	t->stats.no_room += n - placed;
	t->stats.failed += placed - moved;
	if (reason == MR_PROMOTION)
		t->stats.promoted += moved;
	else
		t->stats.demoted += moved;
	pthread_mutex_unlock(&t->lock);
	pthread_mutex_unlock(&gm->ft.lock);
	free(to);
	return moved;
}

/* Up to max of node's mapped frames at least min_age old, not held, the
 * oldest first, to the nearest slower node with room. */
static uint32_t demote_from(struct tiering *t, unsigned node, unsigned min_age, uint32_t max,
			    uint32_t *cold)
{
	struct guest_mem *gm = t->m->gm;
	uint32_t mask = other_tier(gm, node, 1), n = 0, moved;
	uint8_t *age = malloc(gm->ft.nframes);
	uint32_t *idx = malloc(gm->ft.nframes * sizeof(*idx));

	*cold = 0;
	if (!age || !idx || !mask) {
		free(age);
		free(idx);
		return 0;
	}
	pthread_mutex_lock(&t->heat.lock);
	for (uint32_t i = 0; i < gm->ft.nframes; i++)
		age[i] = t->heat.f[i].age;
	pthread_mutex_unlock(&t->heat.lock);
	pthread_mutex_lock(&gm->ft.lock);
	pthread_mutex_lock(&t->lock);
	for (uint32_t i = 0; i < gm->ft.nframes; i++) {
		const struct frame *f = &gm->ft.frames[i];

		if (f->node != node || f->state != FRAME_MAPPED || age[i] < min_age)
			continue;
		if (t->tf[i].hold) {
			t->stats.held++;
			continue;
		}
		idx[n++] = i;
	}
	pthread_mutex_unlock(&t->lock);
	pthread_mutex_unlock(&gm->ft.lock);
	qsort_r(idx, n, sizeof(*idx), older_first, age);
	*cold = n;
	moved = move_to_tier(t, node, idx, n < max ? n : max, mask, 0, MR_DEMOTION);
	*cold = n - moved;
	free(age);
	free(idx);
	return moved;
}

uint32_t tier_demote_cold(struct tiering *t, unsigned periods, uint32_t *left)
{
	struct guest_mem *gm = t->m->gm;
	uint32_t moved = 0, cold;

	*left = 0;
	for (unsigned node = 0; node < gm->nnodes; node++) {
		moved += demote_from(t, node, periods, UINT32_MAX, &cold);
		*left += cold;
	}
	return moved;
}

/* Fast nodes short of room: demote their coldest to the high watermark. */
static uint32_t watermark_demotions(struct tiering *t)
{
	struct guest_mem *gm = t->m->gm;
	uint32_t room[MAX_NODES], moved = 0, cold;

	pthread_mutex_lock(&gm->ft.lock);
	drain_room(gm, gm->drained, room);
	pthread_mutex_unlock(&gm->ft.lock);
	for (unsigned node = 0; node < gm->nnodes; node++) {
		if (guest_mem_node_drained(gm, node) || !other_tier(gm, node, 1) || room[node] >= t->low_frames)
			continue;
		pthread_mutex_lock(&t->lock);
		t->stats.watermark_hits++;
		pthread_mutex_unlock(&t->lock);
		moved += demote_from(t, node, t->cold_periods, 2 * t->low_frames - room[node], &cold);
	}
	return moved;
}

/* Frames on slower nodes hot long enough, within the budget, up a tier. */
static uint32_t promotions(struct tiering *t)
{
	struct guest_mem *gm = t->m->gm;
	uint32_t *idx = malloc(gm->ft.nframes * sizeof(*idx)), moved = 0;

	if (!idx)
		return 0;
	for (unsigned node = 0; node < gm->nnodes; node++) {
		uint32_t mask = other_tier(gm, node, -1), n = 0;

		if (!mask)
			continue;
		pthread_mutex_lock(&gm->ft.lock);
		pthread_mutex_lock(&t->lock);
		for (uint32_t i = 0; i < gm->ft.nframes; i++) {
			const struct frame *f = &gm->ft.frames[i];

			if (f->node != node || f->state != FRAME_MAPPED || t->tf[i].hot_streak < t->promote_confirm)
				continue;
			if (t->budget_frames < 1) {
				t->stats.rate_limited++;
				continue;
			}
			t->budget_frames -= 1;
			idx[n++] = i;
		}
		pthread_mutex_unlock(&t->lock);
		pthread_mutex_unlock(&gm->ft.lock);
		/* a promotion never takes a faster node below its low watermark:
		 * the next period would demote again */
		moved += move_to_tier(t, node, idx, n, mask, t->low_frames, MR_PROMOTION);
	}
	free(idx);
	return moved;
}

uint32_t tiering_period(struct tiering *t, double period_s)
{
	struct guest_mem *gm = t->m->gm;
	uint32_t moved;
	double cap;
	bool on;

	heat_period(&t->heat);
	pthread_mutex_lock(&gm->ft.lock);
	pthread_mutex_lock(&t->heat.lock);
	pthread_mutex_lock(&t->lock);
	t->stats.periods++;
	for (uint32_t i = 0; i < gm->ft.nframes; i++) {
		struct tier_frame *tf = &t->tf[i];
		const struct frame_heat *h = &t->heat.f[i];
		bool slow = other_tier(gm, gm->ft.frames[i].node, -1) != 0;

		if (tf->hold)
			tf->hold--;
		if (slow && h->age == 0 && h->score >= t->hot_score)
			tf->hot_streak = tf->hot_streak < UINT8_MAX ? tf->hot_streak + 1 : UINT8_MAX;
		else
			tf->hot_streak = 0;
	}
	/* the budget refills each period and never saves up more than a second's */
	cap = t->promote_rate_mib_s * (double)(1 << 20) / FRAME_SIZE;
	t->budget_frames += cap * period_s;
	if (t->budget_frames > cap)
		t->budget_frames = cap;
	on = t->enabled;
	pthread_mutex_unlock(&t->lock);
	pthread_mutex_unlock(&t->heat.lock);
	pthread_mutex_unlock(&gm->ft.lock);
	moved = on ? watermark_demotions(t) + promotions(t) : 0;
	/* the next frames' reads, seen in the coming period */
	heat_sample_next(t->m, &t->sample_cursor, t->sample_frames);
	return moved;
}

void tiering_histogram(struct tiering *t, uint32_t hist[MAX_NODES][HEAT_BUCKETS])
{
	struct guest_mem *gm = t->m->gm;

	memset(hist, 0, sizeof(uint32_t) * MAX_NODES * HEAT_BUCKETS);
	pthread_mutex_lock(&gm->ft.lock);
	pthread_mutex_lock(&t->heat.lock);
	for (uint32_t i = 0; i < gm->ft.nframes; i++) {
		const struct frame *f = &gm->ft.frames[i];

		if (f->state != FRAME_FREE && f->state != FRAME_BALLOONED)
			hist[f->node][heat_bucket(t->heat.f[i].age)]++;
	}
	pthread_mutex_unlock(&t->heat.lock);
	pthread_mutex_unlock(&gm->ft.lock);
}
