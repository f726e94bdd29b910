/* copy.c - the copiers that share a batch of frames in chunks: the calling
 * thread and the pool's threads (copy.h). */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "mm/copy.h"
#include "mm/frame.h"

#define COPY_CHUNK (256u << 10)

struct copy_pool {
	pthread_mutex_t lock;
	pthread_cond_t start, done;
	pthread_t *threads;
	unsigned nthreads, running; /* copiers besides the caller */
	uint64_t generation;
	bool stop;
	struct copy_pair *pairs;
	uint32_t nchunks, next_chunk, chunks_left;
};

/* Copy chunks until none is left to take; called and returns with cp->lock. */
static void copy_take_chunks(struct copy_pool *cp)
{
	while (cp->next_chunk < cp->nchunks) {
		uint32_t c = cp->next_chunk++;
		struct copy_pair *p = &cp->pairs[c / (FRAME_SIZE / COPY_CHUNK)];
		size_t off = (size_t)(c % (FRAME_SIZE / COPY_CHUNK)) * COPY_CHUNK;

		pthread_mutex_unlock(&cp->lock);
		if (p->fail && off == FRAME_SIZE / 2)
			/* leave half a frame copied, as a crashed thread would */
			__atomic_store_n(&p->err, -EIO, __ATOMIC_RELAXED);
		else if (!__atomic_load_n(&p->err, __ATOMIC_RELAXED))
			copy_chunk(p->dst + off, p->src + off, COPY_CHUNK);
		pthread_mutex_lock(&cp->lock);
		if (--cp->chunks_left == 0)
			pthread_cond_broadcast(&cp->done);
	}
}

static void *copy_worker(void *arg)
{
	struct copy_pool *cp = arg;
	uint64_t seen = 0;

	pthread_mutex_lock(&cp->lock);
	for (;;) {
		while (!cp->stop && cp->generation == seen)
			pthread_cond_wait(&cp->start, &cp->lock);
		if (cp->stop)
			break;
		seen = cp->generation;
		copy_take_chunks(cp);
	}
	pthread_mutex_unlock(&cp->lock);
	return NULL;
}

void copy_frames(struct copy_pool *cp, struct copy_pair *pairs, uint32_t n)
{
	if (!n)
		return;
	pthread_mutex_lock(&cp->lock);
	cp->pairs = pairs;
	cp->nchunks = cp->chunks_left = n * (uint32_t)(FRAME_SIZE / COPY_CHUNK);
	cp->next_chunk = 0;
	cp->generation++;
	if (cp->nthreads)
		pthread_cond_broadcast(&cp->start);
	copy_take_chunks(cp);
	while (cp->chunks_left)
		pthread_cond_wait(&cp->done, &cp->lock);
	pthread_mutex_unlock(&cp->lock);
}

void copy_pool_destroy(struct copy_pool *cp)
{
	if (!cp)
		return;
	pthread_mutex_lock(&cp->lock);
	cp->stop = true;
	pthread_cond_broadcast(&cp->start);
	pthread_mutex_unlock(&cp->lock);
	for (unsigned i = 0; i < cp->running; i++)
		pthread_join(cp->threads[i], NULL);
	free(cp->threads);
	free(cp);
}

struct copy_pool *copy_pool_create(unsigned copiers)
{
	unsigned nthreads = copiers ? copiers - 1 : 0;
	struct copy_pool *cp = calloc(1, sizeof(*cp));

	if (!cp)
		return NULL;
	pthread_mutex_init(&cp->lock, NULL);
	pthread_cond_init(&cp->start, NULL);
	pthread_cond_init(&cp->done, NULL);
	cp->nthreads = nthreads;
	cp->threads = calloc(nthreads + 1, sizeof(*cp->threads));
	if (!cp->threads) {
		free(cp);
		return NULL;
	}
	for (; cp->running < nthreads; cp->running++) {
		char name[16];

		if (pthread_create(&cp->threads[cp->running], NULL, copy_worker, cp)) {
			copy_pool_destroy(cp);
			return NULL;
		}
		snprintf(name, sizeof(name), "fs-copy%u", cp->running);
		pthread_setname_np(cp->threads[cp->running], name);
	}
	return cp;
}
