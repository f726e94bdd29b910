/* copy.h - frame copies with non-temporal stores: the destination of a
 * migration is not read again soon, so it should not evict the cache. */
#ifndef FRAMESHIFT_MM_COPY_H
#define FRAMESHIFT_MM_COPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Copy len bytes (a multiple of 256, both pointers 64-byte aligned) with the
 * widest non-temporal stores the CPU has; ends with a store fence. */
void copy_nt(void *dst, const void *src, size_t len);
/* Which implementation copy_nt uses: "avx512", "avx2" or "sse2". */
const char *copy_nt_impl(void);

/* One frame to copy; err is set if its copy failed. */
struct copy_pair {
	uint8_t *dst;
	const uint8_t *src;
	int err;
	bool fail; /* injected: the thread copying this frame dies part way */
};

/* Threads that copy frames together, in 256 KiB chunks. */
struct copy_pool;

struct copy_pool *copy_pool_create(unsigned nthreads);
void copy_pool_destroy(struct copy_pool *cp); /* NULL is fine */
/* Copy every pair with all copy threads; returns when all chunks are done. */
void copy_frames(struct copy_pool *cp, struct copy_pair *pairs, uint32_t n);

#endif
