/* copy.h - frame copies with non-temporal stores: the destination of a
 * migration is not read again soon, so it should not evict the cache. */
#ifndef FRAMESHIFT_MM_COPY_H
#define FRAMESHIFT_MM_COPY_H

#include <stddef.h>

/* Copy len bytes (a multiple of 256, both pointers 64-byte aligned) with the
 * widest non-temporal stores the CPU has; ends with a store fence. */
void copy_nt(void *dst, const void *src, size_t len);
/* Which implementation copy_nt uses: "avx512", "avx2" or "sse2". */
const char *copy_nt_impl(void);

#endif
