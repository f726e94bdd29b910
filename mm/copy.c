/* copy.c - non-temporal copy, picked once for the CPU it runs on. */
#include <immintrin.h>
#include <stdint.h>

#include "mm/copy.h"

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
