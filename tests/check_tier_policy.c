/* check_tier_policy.c - heat bookkeeping and the tiering policy on two
 * simulated nodes, node 1 the slow tier (--sim-nodes 2:1), fed with access
 * samples by hand (no KVM): ages and scores, demotion of the coldest on
 * --cold-for and on the watermark, promotion within the rate limit, and
 * hysteresis (no ping-pong). */
#include <check.h>
#include <string.h>

#include "mm/tier_policy.h"
#include "tests/sim_guest.h"
#include "tests/unit.h"

#define NFRAMES 16

static struct guest_mem gm;
static struct migrator mig;
static struct tiering t;

static void build(const char *policy, uint32_t reserve)
{
	struct guest_mem_config cfg;
	char err[256];

	ck_assert_int_eq(sim_guest_config(&cfg, NFRAMES * FRAME_SIZE, 2, policy, reserve, err, sizeof(err)), 0);
	cfg.tiers.sim_slow = 1;
	ck_assert_msg(guest_mem_init(&gm, &cfg, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(migrator_init(&mig, &gm, 1, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(tiering_init(&t, &mig, 2), 0); /* 2 MiB/s: one frame a second */
	t.cold_periods = 3;
	t.hold_periods = 5;
	for (uint32_t f = 0; f < NFRAMES; f++)
		memset(guest_mem_frame_hva(&gm, f), 0x30 + f, FRAME_SIZE);
}

static void teardown(void)
{
	tiering_destroy(&t);
	migrator_destroy(&mig);
	guest_mem_destroy(&gm);
}

/* one period in which frames [lo, hi] are accessed */
static uint32_t period(uint32_t lo, uint32_t hi, enum heat_kind kind)
{
	for (uint32_t f = lo; f <= hi && f < NFRAMES; f++)
		heat_note(&t.heat, f, kind, 3);
	return tiering_period(&t, 1.0);
}

static uint32_t on(unsigned node, uint32_t lo, uint32_t hi)
{
	uint32_t n = 0;

	for (uint32_t f = lo; f <= hi; f++)
		n += gm.ft.frames[f].node == node;
	return n;
}

static void assert_contents(void)
{
	for (uint32_t f = 0; f < NFRAMES; f++)
		ck_assert_msg(all_bytes_are(guest_mem_frame_hva(&gm, f), FRAME_SIZE, 0x30 + f), "frame %u", f);
}

START_TEST(heat_ages_and_scores)
{
	struct heat h;

	ck_assert_int_eq(heat_init(&h, 4), 0);
	ck_assert_uint_eq(h.f[0].age, HEAT_MAX_AGE); /* never seen: as old as can be */
	heat_note(&h, 0, HEAT_WRITE, 10);
	heat_note(&h, 1, HEAT_READ, 1);
	heat_note(&h, 9, HEAT_READ, 1); /* not a frame: ignored */
	heat_period(&h);
	ck_assert_uint_eq(h.f[0].age, 0);
	ck_assert_uint_eq(h.f[0].score, 10);
	ck_assert_uint_eq(h.f[1].age, 0);
	ck_assert_uint_eq(h.f[2].age, HEAT_MAX_AGE);
	ck_assert_uint_eq(h.stats.writes, 10);
	ck_assert_uint_eq(h.stats.reads, 1);
	heat_period(&h);
	heat_period(&h);
	ck_assert_uint_eq(h.f[0].age, 2);
	ck_assert_uint_eq(h.f[0].score, 2); /* 10 -> 5 -> 2 */
	heat_note(&h, 0, HEAT_READ, 1);
	heat_period(&h);
	ck_assert_uint_eq(h.f[0].age, 0);
	ck_assert_uint_eq(h.f[0].score, 2);
	for (int i = 0; i < 300; i++)
		heat_period(&h);
	ck_assert_uint_eq(h.f[0].age, HEAT_MAX_AGE);
	ck_assert_uint_eq(h.f[0].score, 0);
	ck_assert_uint_eq(heat_bucket(0), 0);
	ck_assert_uint_eq(heat_bucket(5), 2);
	ck_assert_uint_eq(heat_bucket(31), 3);
	ck_assert_str_eq(heat_bucket_name(heat_bucket(200)), "32+");
	ck_assert_uint_eq(h.stats.periods, 304);
	heat_destroy(&h);
}
END_TEST

START_TEST(demote_the_cold_on_request)
{
	uint32_t left, hist[MAX_NODES][HEAT_BUCKETS];

	build("bind:0", 4);
	ck_assert_uint_eq(gm.tiers.tier[1], 1);
	for (int p = 0; p < 4; p++)
		period(0, 7, HEAT_WRITE); /* 0-7 hot; 8-15 never seen */
	tiering_histogram(&t, hist);
	ck_assert_uint_eq(hist[0][0], 8);
	ck_assert_uint_eq(hist[0][4], 8);
	/* 4 periods: 0-7 are 0 periods old, 8-15 255: --cold-for 3 takes 8-15 */
	ck_assert_uint_eq(tier_demote_cold(&t, 3, &left), 8);
	ck_assert_uint_eq(left, 0);
	ck_assert_uint_eq(on(1, 8, 15), 8);
	ck_assert_uint_eq(on(0, 0, 7), 8);
	ck_assert_uint_eq(mig.stats.reason[MR_DEMOTION].moved, 8);
	ck_assert_uint_eq(t.stats.demoted, 8);
	/* nothing slower than node 1: its frames stay */
	ck_assert_uint_eq(tier_demote_cold(&t, 0, &left), 8); /* 0-7, now age 0 >= 0 */
	ck_assert_uint_eq(on(1, 0, 15), 16);
	assert_contents();
}
END_TEST

START_TEST(demote_on_the_watermark)
{
	build("bind:0", 0);
	/* all 16 frames on node 0, whose pool can take no more (room 0 < low 2) */
	t.low_frames = 2;
	tiering_set_enabled(&t, true);
	/* 12-15 were never seen: cold; the watermark wants 2 * low - room = 4
	 * frames out, the oldest: those */
	ck_assert_uint_eq(period(0, 11, HEAT_WRITE), 4);
	ck_assert_uint_eq(on(1, 12, 15), 4);
	/* above the low watermark now: nothing more moves */
	ck_assert_uint_eq(period(0, 11, HEAT_WRITE), 0);
	ck_assert_uint_eq(on(0, 0, 11), 12);
	ck_assert_uint_ge(t.stats.watermark_hits, 1);
	ck_assert_uint_eq(t.stats.demoted, 4);
	assert_contents();
}
END_TEST

START_TEST(promote_within_the_rate_limit)
{
	uint32_t moved = 0;

	build("bind:1", 4);
	tiering_set_enabled(&t, true);
	/* 0-3 hot on the slow node: 2 periods to confirm, then one frame a
	 * second (2 MiB/s) */
	ck_assert_uint_eq(period(0, 3, HEAT_READ), 0);
	for (int p = 0; p < 4; p++) {
		uint32_t m = period(0, 3, HEAT_READ);

		ck_assert_uint_le(m, 1);
		moved += m;
	}
	ck_assert_uint_eq(moved, 4);
	ck_assert_uint_eq(on(0, 0, 3), 4);
	ck_assert_uint_eq(on(1, 4, 15), 12);
	ck_assert_uint_ge(t.stats.rate_limited, 3);
	ck_assert_uint_eq(mig.stats.reason[MR_PROMOTION].moved, 4);
	assert_contents();
}
END_TEST

START_TEST(no_ping_pong)
{
	uint32_t left;

	build("bind:1", 4);
	tiering_set_enabled(&t, true);
	/* touched every other period: never hot two periods in a row */
	for (int p = 0; p < 10; p++)
		period(p % 2 ? 0 : 99, 0, HEAT_WRITE);
	ck_assert_uint_eq(gm.ft.frames[0].node, 1);
	/* hot for 2 periods: promoted, then idle: held for hold_periods
	 * although --cold-for would take it */
	period(0, 0, HEAT_WRITE);
	period(0, 0, HEAT_WRITE);
	ck_assert_uint_eq(gm.ft.frames[0].node, 0);
	for (int p = 0; p < 3; p++)
		period(99, 0, HEAT_WRITE);
	ck_assert_uint_eq(tier_demote_cold(&t, 3, &left), 0);
	ck_assert_uint_ge(t.stats.held, 1);
	ck_assert_uint_eq(gm.ft.frames[0].node, 0);
	for (int p = 0; p < 3; p++)
		period(99, 0, HEAT_WRITE);
	ck_assert_uint_eq(tier_demote_cold(&t, 3, &left), 1);
	ck_assert_uint_eq(gm.ft.frames[0].node, 1);
	ck_assert_uint_eq(t.tf[0].moves, 2);
	assert_contents();
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("tier_policy");
	TCase *tc = tcase_create("tier_policy");

	tcase_add_checked_fixture(tc, NULL, NULL);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, heat_ages_and_scores);
	suite_add_tcase(s, tc);
	tc = tcase_create("policy");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, demote_the_cold_on_request);
	tcase_add_test(tc, demote_on_the_watermark);
	tcase_add_test(tc, promote_within_the_rate_limit);
	tcase_add_test(tc, no_ping_pong);
	suite_add_tcase(s, tc);
	return s;
}
