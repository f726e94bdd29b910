/* copy.h - how frames are copied: the copy methods this host has, the one the
 * engine uses, and the copy threads that share a batch of frames in chunks. */
#ifndef FRAMESHIFT_MM_COPY_H
#define FRAMESHIFT_MM_COPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One way to copy len bytes (a multiple of 256, both pointers 64-byte
 * aligned). Non-temporal methods end with a store fence. */
struct copy_method {
	const char *name;         /* "memcpy", "rep-movsb", "avx2-nt", "avx2-nt-pf", ... */
	void (*copy)(void *dst, const void *src, size_t len);
	bool (*supported)(void);  /* this CPU has the instructions */
	bool non_temporal;        /* streaming stores: the copy leaves the cache alone */
	bool prefetch;            /* software prefetch of the source */
};
extern const struct copy_method copy_methods[]; /* narrower before wider */
extern const unsigned copy_nmethods;

bool copy_method_supported(const struct copy_method *cm);
const struct copy_method *copy_method_find(const char *name); /* NULL: unknown */
/* The engine's rule, over the methods supported() accepts (docs/benchmarks.md,
 * "Copy" justifies it). Never NULL: sse2-nt runs on every x86-64. */
const struct copy_method *copy_method_pick(bool (*supported)(const struct copy_method *));
/* The method the engine uses on this CPU: copy_method_pick, chosen once. */
const struct copy_method *copy_engine_method(void);
/* Copy with the engine's method. */
void copy_chunk(void *dst, const void *src, size_t len);

/* One frame to copy; err is set if its copy failed. */
struct copy_pair {
	uint8_t *dst;
	const uint8_t *src;
	int err;
	bool fail; /* injected: the thread copying this frame dies part way */
};

/* Copiers that copy frames together, in 256 KiB chunks: the thread that calls
 * copy_frames and copiers - 1 threads of the pool. */
struct copy_pool;

struct copy_pool *copy_pool_create(unsigned copiers); /* copiers >= 1 */
void copy_pool_destroy(struct copy_pool *cp); /* NULL is fine */
/* Copy every pair with the caller and all copy threads; returns when all
 * chunks are done. */
void copy_frames(struct copy_pool *cp, struct copy_pair *pairs, uint32_t n);

#endif
