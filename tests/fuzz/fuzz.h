/* fuzz.h - shared by the fuzz harnesses (tests/fuzz/local.mk says how they
 * are built; docs/reliability.md what they cover). A harness defines
 * LLVMFuzzerTestOneInput and, for one-time set-up, LLVMFuzzerInitialize;
 * libFuzzer or replay.c calls them. */
#ifndef FRAMESHIFT_TESTS_FUZZ_H
#define FRAMESHIFT_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A broken property is a crash, so libFuzzer keeps the input. */
#define FUZZ_ASSERT(cond, ...)                                                   \
	do {                                                                     \
		if (!(cond)) {                                                   \
			fprintf(stderr, "fuzz: %s:%d: property failed: %s: ",    \
				__FILE__, __LINE__, #cond);                      \
			fprintf(stderr, __VA_ARGS__);                            \
			fputc('\n', stderr);                                     \
			abort();                                                 \
		}                                                                \
	} while (0)

/* FUZZ_VERBOSE=1 (replay-NAME or fuzz-NAME FILE...): say what became of each
 * input, e.g. why elf_load refused it. */
static inline int fuzz_verbose(void)
{
	static int v = -1;

	if (v < 0)
		v = getenv("FUZZ_VERBOSE") && *getenv("FUZZ_VERBOSE") && *getenv("FUZZ_VERBOSE") != '0';
	return v;
}
#define FUZZ_LOG(...)                                              \
	do {                                                       \
		if (fuzz_verbose())                                \
			fprintf(stderr, "fuzz: " __VA_ARGS__);     \
	} while (0)

/* Known bugs, reported but not fixed yet (docs/reliability.md, "Findings"):
 * a harness steps around each one so fuzzing can go past it, unless
 * FUZZ_KNOWN_BUGS=1, which corpus.test sets to replay tests/fuzz/known/.
 * Once a bug is fixed, delete its skip and move its input to regressions/. */
static inline int fuzz_known_bugs(void)
{
	static int v = -1;

	if (v < 0)
		v = getenv("FUZZ_KNOWN_BUGS") && *getenv("FUZZ_KNOWN_BUGS") == '1';
	return v;
}

/* Taking typed values off the front of the input; zeros once it runs out. */
struct fuzz_in {
	const uint8_t *p;
	size_t n;
};

static inline uint64_t fuzz_take(struct fuzz_in *in, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes && in->n; i++, in->p++, in->n--)
		v |= (uint64_t)in->p[0] << (8 * i);
	return v;
}

/* The rest of the input as a NUL-terminated string (stops at a NUL). */
static inline char *fuzz_take_str(struct fuzz_in *in, size_t max)
{
	size_t len = in->n < max ? in->n : max;
	char *s = malloc(len + 1);

	if (!s)
		abort();
	memcpy(s, in->p, len);
	s[len] = '\0';
	in->p += len;
	in->n -= len;
	return s;
}

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FUZZ_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define FUZZ_ASAN 1
#endif
#ifdef FUZZ_ASAN
#define FUZZ_HAVE_ASAN 1
#include <sanitizer/asan_interface.h>
#define FUZZ_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define FUZZ_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define FUZZ_HAVE_ASAN 0
#define FUZZ_POISON(p, n) ((void)(p), (void)(n))
#define FUZZ_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#endif
