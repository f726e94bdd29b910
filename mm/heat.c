/* heat.c - per-frame access age and score (heat.h). */
#include <stdlib.h>
#include <string.h>

#include "mm/heat.h"

int heat_init(struct heat *h, uint32_t nframes)
{
	memset(h, 0, sizeof(*h));
	h->f = calloc(nframes, sizeof(*h->f));
	if (!h->f)
		return -1;
	h->nframes = nframes;
	/* nothing seen yet: every frame starts as old as it can be, so only
	 * what the samplers see is hot */
	for (uint32_t i = 0; i < nframes; i++)
		h->f[i].age = HEAT_MAX_AGE;
	pthread_mutex_init(&h->lock, NULL);
	return 0;
}

void heat_destroy(struct heat *h)
{
	free(h->f);
	h->f = NULL;
}

void heat_note(struct heat *h, uint32_t idx, enum heat_kind kind, uint32_t count)
{
	if (idx >= h->nframes || !count)
		return;
	pthread_mutex_lock(&h->lock);
	h->f[idx].seen |= (uint8_t)(1u << kind);
	h->f[idx].fresh += count;
	if (kind == HEAT_WRITE)
		h->stats.writes += count;
	else
		h->stats.reads += count;
	pthread_mutex_unlock(&h->lock);
}

void heat_period(struct heat *h)
{
	pthread_mutex_lock(&h->lock);
	for (uint32_t i = 0; i < h->nframes; i++) {
		struct frame_heat *f = &h->f[i];
		uint32_t score = f->score / 2u + f->fresh;

		if (f->seen)
			f->age = 0;
		else if (f->age < HEAT_MAX_AGE)
			f->age++;
		f->score = (uint16_t)(score > HEAT_SCORE_MAX ? HEAT_SCORE_MAX : score);
		f->seen = 0;
		f->fresh = 0;
	}
	h->stats.periods++;
	pthread_mutex_unlock(&h->lock);
}

unsigned heat_bucket(uint8_t age)
{
	return age == 0 ? 0 : age == 1 ? 1 : age < 8 ? 2 : age < 32 ? 3 : 4;
}

const char *heat_bucket_name(unsigned b)
{
	static const char *const names[HEAT_BUCKETS] = { "0", "1", "2-7", "8-31", "32+" };

	return b < HEAT_BUCKETS ? names[b] : "?";
}
