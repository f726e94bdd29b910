/* copy_methods.c - the ways this host can copy a frame, and the one the
 * engine uses (copy.h). scripts/bench-copy measures them all side by side. */
#include <immintrin.h>
#include <string.h>

#include "mm/copy.h"

/* How far ahead the prefetching copies ask for the source: far enough to
 * cover memory latency at copy speed (~1 KiB at 10-20 GB/s and ~80 ns). */
#define PREFETCH_AHEAD 1024

/* A non-temporal copy: four vector loads, four streaming stores, a store
 * fence at the end; with prefetch, every source line of the step is asked for
 * PREFETCH_AHEAD bytes early. The vector width is the only difference
 * between the variants, so one template makes them all. */
#define NT_COPY(fn, isa, vec, load, stream, prefetch)                                             \
	__attribute__((target(isa))) static void fn(void *dst, const void *src, size_t len)         \
	{                                                                                          \
		vec *d = dst;                                                                      \
		const vec *s = src;                                                                \
                                                                                                   \
		for (size_t i = 0; i < len / sizeof(vec); i += 4) {                                \
			if (prefetch)                                                              \
				for (size_t l = 0; l < 4 * sizeof(vec); l += 64)                   \
					_mm_prefetch((const char *)(s + i) + PREFETCH_AHEAD + l,   \
						     _MM_HINT_T0);                                  \
			vec a = load(s + i), b = load(s + i + 1);                                 \
			vec c = load(s + i + 2), e = load(s + i + 3);                             \
			stream(d + i, a);                                                          \
			stream(d + i + 1, b);                                                      \
			stream(d + i + 2, c);                                                      \
			stream(d + i + 3, e);                                                      \
		}                                                                                  \
		_mm_sfence();                                                                      \
	}

NT_COPY(copy_avx512_nt, "avx512f", __m512i, _mm512_load_si512, _mm512_stream_si512, false)
NT_COPY(copy_avx512_nt_pf, "avx512f", __m512i, _mm512_load_si512, _mm512_stream_si512, true)
NT_COPY(copy_avx2_nt, "avx2", __m256i, _mm256_load_si256, _mm256_stream_si256, false)
NT_COPY(copy_avx2_nt_pf, "avx2", __m256i, _mm256_load_si256, _mm256_stream_si256, true)
NT_COPY(copy_sse2_nt, "sse2", __m128i, _mm_load_si128, _mm_stream_si128, false)

static void copy_memcpy(void *dst, const void *src, size_t len)
{
	memcpy(dst, src, len);
}

static void copy_rep_movsb(void *dst, const void *src, size_t len)
{
	__asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(len) : : "memory");
}

/* __builtin_cpu_supports takes only a literal, hence one function per feature */
static bool cpu_any(void) { return true; }
static bool cpu_avx2(void) { return __builtin_cpu_supports("avx2"); }
static bool cpu_avx512(void) { return __builtin_cpu_supports("avx512f"); }

const struct copy_method copy_methods[] = {
	{ "memcpy", copy_memcpy, cpu_any, false, false },
	{ "rep-movsb", copy_rep_movsb, cpu_any, false, false },
	{ "sse2-nt", copy_sse2_nt, cpu_any, true, false },
	{ "avx2-nt", copy_avx2_nt, cpu_avx2, true, false },
	{ "avx2-nt-pf", copy_avx2_nt_pf, cpu_avx2, true, true },
	{ "avx512-nt", copy_avx512_nt, cpu_avx512, true, false },
	{ "avx512-nt-pf", copy_avx512_nt_pf, cpu_avx512, true, true },
};
const unsigned copy_nmethods = sizeof(copy_methods) / sizeof(copy_methods[0]);

bool copy_method_supported(const struct copy_method *cm)
{
	__builtin_cpu_init();
	return cm->supported();
}

const struct copy_method *copy_method_find(const char *name)
{
	for (unsigned i = 0; i < copy_nmethods; i++)
		if (!strcmp(copy_methods[i].name, name))
			return &copy_methods[i];
	return NULL;
}

/* The widest non-temporal stores, without software prefetch: a migration
 * copies cold memory the guest will not read from this core soon, and
 * scripts/bench-copy found, cold: every non-temporal copy ahead of memcpy and
 * rep movsb (which win hot, where migration never is), and prefetch no gain
 * over the hardware's own on a sequential 2 MiB source. A rule, not a
 * measurement at start-up: seeing the cold case takes 4x the LLC of memory
 * and tens of ms per start, and on a loaded host a short measurement picks by
 * noise (docs/benchmarks.md, "Copy"). */
const struct copy_method *copy_method_pick(bool (*supported)(const struct copy_method *))
{
	const struct copy_method *best = NULL;

	for (unsigned i = 0; i < copy_nmethods; i++) {
		const struct copy_method *cm = &copy_methods[i];

		if (cm->non_temporal && !cm->prefetch && supported(cm))
			best = cm; /* later entries are wider */
	}
	return best;
}

static const struct copy_method *engine_method;

const struct copy_method *copy_engine_method(void)
{
	if (!engine_method)
		engine_method = copy_method_pick(copy_method_supported);
	return engine_method;
}

void copy_chunk(void *dst, const void *src, size_t len)
{
	copy_engine_method()->copy(dst, src, len);
}
