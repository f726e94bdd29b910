/* autobalance.c - move frames to the node whose vCPUs write them. */
#include <stdlib.h>
#include <string.h>

#include "mm/autobalance.h"

int autobalance_init(struct autobalance *ab, struct migrator *m, double rate_mib_s)
{
	memset(ab, 0, sizeof(*ab));
	ab->m = m;
	ab->access = calloc(m->gm->ft.nframes, sizeof(*ab->access));
	if (!ab->access)
		return -1;
	pthread_mutex_init(&ab->lock, NULL);
	ab->rate_mib_s = rate_mib_s;
	ab->threshold_pct = 98;
	ab->confirm = 3;
	ab->cooldown = 8;
	return 0;
}

void autobalance_destroy(struct autobalance *ab)
{
	free(ab->access);
	ab->access = NULL;
}

void autobalance_set_enabled(struct autobalance *ab, bool on)
{
	pthread_mutex_lock(&ab->lock);
	ab->enabled = on;
	pthread_mutex_unlock(&ab->lock);
}

void autobalance_note_writes(struct autobalance *ab, uint32_t idx, unsigned node, uint32_t count)
{
	if (idx >= ab->m->gm->ft.nframes || node >= MAX_NODES)
		return;
	pthread_mutex_lock(&ab->lock);
	ab->access[idx].writes[node] += count;
	ab->access[idx].fresh += count;
	ab->stats.samples += count;
	ab->stats.node_samples[node] += count;
	pthread_mutex_unlock(&ab->lock);
	if (ab->heat)
		heat_note(ab->heat, idx, HEAT_WRITE, count);
}

/* The node with at least threshold% of a frame's writes, or -1. */
static int dominant_node(const struct frame_access *a, unsigned nnodes, unsigned threshold_pct,
			 uint64_t *total)
{
	uint32_t best = 0;
	int node = -1;

	*total = 0;
	for (unsigned n = 0; n < nnodes; n++) {
		*total += a->writes[n];
		if (a->writes[n] > best) {
			best = a->writes[n];
			node = (int)n;
		}
	}
	if (!*total || (uint64_t)best * 100 < *total * threshold_pct)
		return -1;
	return node;
}

uint32_t autobalance_tick(struct autobalance *ab, double window_s)
{
	struct guest_mem *gm = ab->m->gm;
	uint32_t nframes = gm->ft.nframes, moved = 0;
	uint32_t *want = malloc(nframes * sizeof(*want)), nwant[MAX_NODES] = { 0 };
	uint32_t **lists = calloc(gm->nnodes, sizeof(*lists));
	double cap;

	if (!want || !lists) {
		free(want);
		free(lists);
		return 0;
	}
	pthread_mutex_lock(&ab->lock);
	ab->stats.windows++;
	if (!ab->enabled)
		goto decay;
	/* the budget refills each window, and never saves up more than one second's */
	cap = ab->rate_mib_s * (double)(1 << 20) / FRAME_SIZE;
	ab->budget_frames += cap * window_s;
	if (ab->budget_frames > cap)
		ab->budget_frames = cap;
	pthread_mutex_lock(&gm->ft.lock);
	for (uint32_t i = 0; i < nframes; i++) {
		struct frame_access *a = &ab->access[i];
		const struct frame *f = &gm->ft.frames[i];
		uint64_t total;
		int node;

		if (a->cooldown)
			a->cooldown--;
		want[i] = FRAME_NONE;
		if (!a->fresh)
			continue; /* not written while sampled: no evidence either way */
		node = dominant_node(a, gm->nnodes, ab->threshold_pct, &total);
		ab->stats.considered++;
		if (f->state == FRAME_BALLOONED)
			ab->stats.ballooned++;
		else if (node < 0)
			ab->stats.shared++;
		/* a drained node's vCPUs use memory elsewhere: nothing goes there;
		 * between tiers the tiering policy decides (mm/tier_policy.h) */
		if (node < 0 || node == f->node || f->state != FRAME_MAPPED ||
		    guest_mem_node_drained(gm, (unsigned)node) ||
		    gm->tiers.tier[node] != gm->tiers.tier[f->node]) {
			a->streak = 0;
		} else {
			bool returning = a->left == node + 1;

			if (a->candidate != node)
				a->streak = 0;
			if (a->streak < UINT8_MAX)
				a->streak++;
			a->candidate = (uint8_t)node;
			if (a->streak < ab->confirm) {
				ab->stats.unconfirmed++;
			} else if (returning && a->streak < ab->confirm * AB_RETURN_FACTOR) {
				ab->stats.held_back++;
			} else if (a->cooldown) {
				ab->stats.cooldown++;
			} else if (ab->budget_frames < 1) {
				ab->stats.rate_limited++;
			} else {
				ab->budget_frames -= 1;
				want[i] = (uint32_t)node;
				nwant[node]++;
				a->cooldown = (uint8_t)ab->cooldown;
				a->left = (uint8_t)(f->node + 1);
				a->streak = 0;
			}
		}
	}
	pthread_mutex_unlock(&gm->ft.lock);
decay:	/* forget by evidence, not by time: only a window that saw the frame
	 * written ages its counts. Sampling sees a few frames per vCPU per
	 * window, so a shared frame may show one writer for several windows
	 * in a row; its other writers' samples must outlive those */
	for (uint32_t i = 0; i < nframes; i++) {
		struct frame_access *a = &ab->access[i];

		if (!a->fresh)
			continue;
		for (unsigned n = 0; n < gm->nnodes; n++)
			a->writes[n] -= a->writes[n] >> AB_DECAY_SHIFT;
		a->fresh = 0;
	}
	pthread_mutex_unlock(&ab->lock);

	for (unsigned n = 0; n < gm->nnodes; n++) {
		uint32_t k = 0;
		struct migrate_result res;

		if (!nwant[n] || !ab->enabled)
			continue;
		lists[n] = malloc(nwant[n] * sizeof(uint32_t));
		if (!lists[n])
			continue;
		for (uint32_t i = 0; i < nframes; i++)
			if (want[i] == n)
				lists[n][k++] = i;
		if (migrate_frames(ab->m, lists[n], k, n, MIGRATE_ASYNC, MR_AUTOBALANCE, &res) == 0) {
			pthread_mutex_lock(&ab->lock);
			ab->stats.moved += res.moved;
			ab->stats.failed += res.failed + res.skipped;
			pthread_mutex_unlock(&ab->lock);
			moved += res.moved;
		}
		free(lists[n]);
	}
	free(want);
	free(lists);
	return moved;
}
