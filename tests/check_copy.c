/* check_copy.c - the copy methods, the engine's rule among them, and the
 * copiers: the caller copies its share of a batch beside the copy threads. */
#include <check.h>
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "mm/copy.h"
#include "mm/frame.h"
#include "tests/unit.h"

static uint64_t checksum(const uint8_t *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static void fill(uint8_t *p, size_t len, uint64_t seed)
{
	for (size_t i = 0; i < len; i += 8)
		*(uint64_t *)(p + i) = (i + seed) * 0x9e3779b97f4a7c15ull;
}

static bool all_supported(const struct copy_method *cm) { return true; }
static bool no_avx512(const struct copy_method *cm) { return !strstr(cm->name, "avx512"); }
static bool baseline_only(const struct copy_method *cm) { return !strstr(cm->name, "avx"); }

START_TEST(pick_rule)
{
	/* the widest non-temporal stores, no prefetch (docs/benchmarks.md, "Copy") */
	ck_assert_str_eq(copy_method_pick(all_supported)->name, "avx512-nt");
	ck_assert_str_eq(copy_method_pick(no_avx512)->name, "avx2-nt");
	ck_assert_str_eq(copy_method_pick(baseline_only)->name, "sse2-nt");
	ck_assert_ptr_eq(copy_engine_method(), copy_method_pick(copy_method_supported));
	ck_assert(copy_method_supported(copy_engine_method()));
	ck_assert_str_eq(copy_method_find("rep-movsb")->name, "rep-movsb");
	ck_assert_ptr_null(copy_method_find("avx1024"));
}
END_TEST

/* Every method this CPU has copies exactly, up to the end of a mapping that a
 * guard page follows: prefetching past the end must not fault. */
START_TEST(methods_copy_exactly)
{
	const size_t len = 64 << 10, page = 4096;
	uint8_t *src = mmap(NULL, len + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *dst = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned tried = 0;

	ck_assert(src != MAP_FAILED && dst != MAP_FAILED);
	ck_assert_int_eq(mprotect(src + len, page, PROT_NONE), 0);
	fill(src, len, 7);
	for (unsigned i = 0; i < copy_nmethods; i++) {
		if (!copy_method_supported(&copy_methods[i]))
			continue;
		memset(dst, 0, len);
		copy_methods[i].copy(dst, src, len);
		ck_assert_msg(checksum(dst, len) == checksum(src, len), "%s", copy_methods[i].name);
		tried++;
	}
	ck_assert_uint_ge(tried, 3); /* memcpy, rep-movsb, sse2-nt run everywhere */
	munmap(src, len + page);
	munmap(dst, len);
}
END_TEST

struct batch {
	uint8_t *src, *dst;
	struct copy_pair pairs[8];
	uint64_t sums[8];
};

static void batch_init(struct batch *b, uint32_t n)
{
	b->src = mmap(NULL, (size_t)n * FRAME_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		      -1, 0);
	b->dst = mmap(NULL, (size_t)n * FRAME_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		      -1, 0);
	ck_assert(b->src != MAP_FAILED && b->dst != MAP_FAILED);
	for (uint32_t i = 0; i < n; i++) {
		fill(b->src + (size_t)i * FRAME_SIZE, FRAME_SIZE, i);
		b->sums[i] = checksum(b->src + (size_t)i * FRAME_SIZE, FRAME_SIZE);
		b->pairs[i] = (struct copy_pair){ .dst = b->dst + (size_t)i * FRAME_SIZE,
						  .src = b->src + (size_t)i * FRAME_SIZE };
	}
}

static void batch_check(const struct batch *b, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		ck_assert_int_eq(b->pairs[i].err, 0);
		ck_assert_msg(checksum(b->dst + (size_t)i * FRAME_SIZE, FRAME_SIZE) == b->sums[i],
			      "frame %u miscopied", i);
	}
}

/* n frames copied by a pool of copiers, checked; the pool is returned for more. */
static struct copy_pool *copy_checked(unsigned copiers, struct batch *b, uint32_t n)
{
	struct copy_pool *cp = copy_pool_create(copiers);

	ck_assert_ptr_nonnull(cp);
	batch_init(b, n);
	copy_frames(cp, b->pairs, n);
	batch_check(b, n);
	return cp;
}

/* One copier is the caller alone: the pool has no thread, so a caller that
 * only waited would never see the batch done (the test times out), and one
 * that skipped or miscopied its chunks fails the checksums. */
START_TEST(caller_copies_alone)
{
	struct batch b;

	copy_pool_destroy(copy_checked(1, &b, 3));
}
END_TEST

/* The caller takes the first chunk of every batch before any copy thread can
 * (it holds the pool's lock from the batch's start), so its share is never
 * empty and the checksums cover it; two batches: the threads come back. */
START_TEST(caller_and_threads_share)
{
	struct batch b;
	struct copy_pool *cp = copy_checked(3, &b, 8);

	memset(b.dst, 0, 8 * FRAME_SIZE);
	copy_frames(cp, b.pairs, 5);
	batch_check(&b, 5);
	copy_pool_destroy(cp);
}
END_TEST

/* An injected copy failure reaches the caller's frame too, and only it. */
START_TEST(caller_failure_is_per_frame)
{
	struct copy_pool *cp = copy_pool_create(1);
	struct batch b;

	batch_init(&b, 3);
	b.pairs[1].fail = true;
	copy_frames(cp, b.pairs, 3);
	ck_assert_int_eq(b.pairs[1].err, -EIO);
	b.pairs[1].err = 0;
	b.sums[1] = checksum(b.dst + FRAME_SIZE, FRAME_SIZE); /* half copied: not checked */
	batch_check(&b, 3);
	copy_pool_destroy(cp);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("copy");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, pick_rule);
	tcase_add_test(tc, methods_copy_exactly);
	tcase_add_test(tc, caller_copies_alone);
	tcase_add_test(tc, caller_and_threads_share);
	tcase_add_test(tc, caller_failure_is_per_frame);
	suite_add_tcase(s, tc);
	return s;
}
