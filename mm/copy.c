/* copy.c - non-temporal copy, picked once for the CPU it runs on, and the
 * copy threads that share a batch of frames in chunks. */
#include <errno.h>
#include <immintrin.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "mm/copy.h"
#include "mm/frame.h"

#define COPY_CHUNK (256u << 10)

__attribute__((target("avx512f"))) static void copy_avx512(void *dst, const void *src, size_t len)
{
	__m512i *d = dst;
	const __m512i *s = src;

	for (size_t i = 0; i < len / 64; i += 4) {
		__m512i a = _mm512_load_si512(s + i), b = _mm512_load_si512(s + i + 1);
		__m512i c = _mm512_load_si512(s + i + 2), e = _mm512_load_si512(s + i + 3);

		_mm512_stream_si512(d + i, a);
		_mm512_stream_si512(d + i + 1, b);
		_mm512_stream_si512(d + i + 2, c);
		_mm512_stream_si512(d + i + 3, e);
	}
	_mm_sfence();
}

__attribute__((target("avx2"))) static void copy_avx2(void *dst, const void *src, size_t len)
{
	__m256i *d = dst;
	const __m256i *s = src;

	for (size_t i = 0; i < len / 32; i += 4) {
		__m256i a = _mm256_load_si256(s + i), b = _mm256_load_si256(s + i + 1);
		__m256i c = _mm256_load_si256(s + i + 2), e = _mm256_load_si256(s + i + 3);

		_mm256_stream_si256(d + i, a);
		_mm256_stream_si256(d + i + 1, b);
		_mm256_stream_si256(d + i + 2, c);
		_mm256_stream_si256(d + i + 3, e);
	}
	_mm_sfence();
}

static void copy_sse2(void *dst, const void *src, size_t len)
{
	__m128i *d = dst;
	const __m128i *s = src;

	for (size_t i = 0; i < len / 16; i += 4) {
		__m128i a = _mm_load_si128(s + i), b = _mm_load_si128(s + i + 1);
		__m128i c = _mm_load_si128(s + i + 2), e = _mm_load_si128(s + i + 3);

		_mm_stream_si128(d + i, a);
		_mm_stream_si128(d + i + 1, b);
		_mm_stream_si128(d + i + 2, c);
		_mm_stream_si128(d + i + 3, e);
	}
	_mm_sfence();
}

static void (*copy_fn)(void *, const void *, size_t);
static const char *copy_name;

static void copy_pick(void)
{
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f")) {
		copy_fn = copy_avx512;
		copy_name = "avx512";
	} else if (__builtin_cpu_supports("avx2")) {
		copy_fn = copy_avx2;
		copy_name = "avx2";
	} else {
		copy_fn = copy_sse2;
		copy_name = "sse2";
	}
}

void copy_nt(void *dst, const void *src, size_t len)
{
	if (!copy_fn)
		copy_pick();
	copy_fn(dst, src, len);
}

const char *copy_nt_impl(void)
{
	if (!copy_fn)
		copy_pick();
	return copy_name;
}

/* ---- copy threads ---- */

struct copy_pool {
	pthread_mutex_t lock;
	pthread_cond_t start, done;
	pthread_t *threads;
	unsigned nthreads, running;
	uint64_t generation;
	bool stop;
	struct copy_pair *pairs;
	uint32_t nchunks, next_chunk, chunks_left;
};

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
		while (cp->next_chunk < cp->nchunks) {
			uint32_t c = cp->next_chunk++;
			struct copy_pair *p = &cp->pairs[c / (FRAME_SIZE / COPY_CHUNK)];
			size_t off = (size_t)(c % (FRAME_SIZE / COPY_CHUNK)) * COPY_CHUNK;

			pthread_mutex_unlock(&cp->lock);
			if (p->fail && off == FRAME_SIZE / 2)
				/* leave half a frame copied, as a crashed thread would */
				__atomic_store_n(&p->err, -EIO, __ATOMIC_RELAXED);
			else if (!__atomic_load_n(&p->err, __ATOMIC_RELAXED))
				copy_nt(p->dst + off, p->src + off, COPY_CHUNK);
			pthread_mutex_lock(&cp->lock);
			if (--cp->chunks_left == 0)
				pthread_cond_broadcast(&cp->done);
		}
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
	pthread_cond_broadcast(&cp->start);
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

struct copy_pool *copy_pool_create(unsigned nthreads)
{
	struct copy_pool *cp = calloc(1, sizeof(*cp));

	if (!cp)
		return NULL;
	pthread_mutex_init(&cp->lock, NULL);
	pthread_cond_init(&cp->start, NULL);
	pthread_cond_init(&cp->done, NULL);
	cp->nthreads = nthreads;
	cp->threads = calloc(nthreads, sizeof(*cp->threads));
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
