/* check_autobalance.c - the balancing policy on simulated nodes, fed with
 * write samples by hand (no KVM): misplaced frames move, shared ones stay,
 * flapping ones do not ping-pong, and the budget holds. */
#include <check.h>
#include <string.h>

#include "mm/autobalance.h"
#include "tests/sim_guest.h"
#include "tests/unit.h"

#define NFRAMES 16

static struct guest_mem gm;
static struct migrator mig;
static struct autobalance ab;

static void setup(void)
{
	sim_guest_init(&gm, &mig, NFRAMES, NFRAMES, 1);
	ck_assert_int_eq(autobalance_init(&ab, &mig, 1024), 0);
	autobalance_set_enabled(&ab, true);
}

static void teardown(void)
{
	autobalance_destroy(&ab);
	migrator_destroy(&mig);
	guest_mem_destroy(&gm);
}

START_TEST(misplaced_frames_move_and_shared_stay)
{
	uint32_t moved = 0;

	memset(guest_mem_frame_hva(&gm, 2), 0x5c, FRAME_SIZE);
	for (int w = 0; w < 4; w++) {
		for (uint32_t f = 0; f < 4; f++)
			autobalance_note_writes(&ab, f, 1, 100);      /* node 1's own */
		autobalance_note_writes(&ab, 8, 0, 60);               /* shared 60/40 */
		autobalance_note_writes(&ab, 8, 1, 40);
		autobalance_note_writes(&ab, 9, 0, 100);              /* already home */
		moved += autobalance_tick(&ab, 0.25);
	}
	ck_assert_uint_eq(moved, 4);
	for (uint32_t f = 0; f < 4; f++)
		ck_assert_uint_eq(gm.ft.frames[f].node, 1);
	ck_assert_uint_eq(gm.ft.frames[8].node, 0);
	ck_assert_uint_eq(gm.ft.frames[9].node, 0);
	ck_assert_uint_ge(ab.stats.shared, 4);
	ck_assert_uint_eq(ab.stats.moved, 4);
	ck_assert_uint_eq(mig.stats.reason[MR_AUTOBALANCE].moved, 4);
	/* contents moved with the frame */
	for (size_t i = 0; i < FRAME_SIZE; i += 4096)
		ck_assert_uint_eq(guest_mem_frame_hva(&gm, 2)[i], 0x5c);
}
END_TEST

START_TEST(one_window_is_not_enough)
{
	autobalance_note_writes(&ab, 5, 1, 100);
	ck_assert_uint_eq(autobalance_tick(&ab, 0.25), 0);
	ck_assert_uint_eq(ab.stats.unconfirmed, 1);
	ck_assert_uint_eq(gm.ft.frames[5].node, 0);
}
END_TEST

START_TEST(flapping_does_not_ping_pong)
{
	/* writes switch node every two windows: after one move the cooldown
	 * holds the frame where it is */
	uint32_t moved = 0;

	for (int w = 0; w < 12; w++) {
		autobalance_note_writes(&ab, 6, (w / 2) % 2 ? 0 : 1, 1000);
		moved += autobalance_tick(&ab, 0.25);
	}
	ck_assert_uint_le(moved, 1);
	ck_assert_uint_ge(ab.stats.cooldown + ab.stats.unconfirmed, 1);
}
END_TEST

START_TEST(return_needs_longer_confirmation)
{
	/* node 1 takes the frame, then node 0 writes it alone: going back to
	 * the node it left waits AB_RETURN_FACTOR times the confirmation */
	int w, back = -1;

	for (w = 0; w < 4 && gm.ft.frames[7].node == 0; w++) {
		autobalance_note_writes(&ab, 7, 1, 1000);
		autobalance_tick(&ab, 0.25);
	}
	ck_assert_uint_eq(gm.ft.frames[7].node, 1);
	for (w = 0; w < 40 && back < 0; w++) {
		autobalance_note_writes(&ab, 7, 0, 1000);
		autobalance_tick(&ab, 0.25);
		if (gm.ft.frames[7].node == 0)
			back = w + 1;
	}
	/* longer than the cooldown plus a plain confirmation would take */
	ck_assert_int_gt(back, (int)(ab.cooldown + ab.confirm));
	ck_assert_int_ge(back, (int)(ab.confirm * AB_RETURN_FACTOR));
	ck_assert_uint_ge(ab.stats.held_back, ab.confirm * (AB_RETURN_FACTOR - 1));
	ck_assert_uint_eq(ab.stats.moved, 2);
}
END_TEST

START_TEST(writers_taking_turns_stay_shared)
{
	/* both nodes write frame 10, then for 8 periods only node 1 is seen:
	 * node 0's samples must outlive that stretch */
	autobalance_note_writes(&ab, 10, 0, 500);
	autobalance_note_writes(&ab, 10, 1, 500);
	autobalance_tick(&ab, 0.25);
	for (int w = 0; w < 8; w++) {
		autobalance_note_writes(&ab, 10, 1, 500);
		ck_assert_uint_eq(autobalance_tick(&ab, 0.25), 0);
	}
	ck_assert_uint_eq(gm.ft.frames[10].node, 0);
	ck_assert_uint_ge(ab.stats.shared, 8);
}
END_TEST

START_TEST(periods_without_samples_are_no_evidence)
{
	/* frame 11 is seen in periods 1, 2 and 7 only: the quiet periods
	 * neither reset its confirmation nor age its counts */
	uint32_t moved = 0;

	for (int w = 0; w < 7; w++) {
		if (w < 2 || w == 6)
			autobalance_note_writes(&ab, 11, 1, 100);
		moved += autobalance_tick(&ab, 0.25);
	}
	ck_assert_uint_eq(moved, 1);
	ck_assert_uint_eq(gm.ft.frames[11].node, 1);
}
END_TEST

START_TEST(budget_limits_moves)
{
	uint32_t moved = 0;

	ab.rate_mib_s = 8; /* 4 frames per second: 1 per 0.25 s window */
	for (int w = 0; w < 3; w++) {
		for (uint32_t f = 0; f < NFRAMES; f++)
			autobalance_note_writes(&ab, f, 1, 50);
		moved += autobalance_tick(&ab, 0.25);
	}
	/* 0.75 s at 4 frames/s: at most 3 of the 16 candidates */
	ck_assert_uint_le(moved, 3);
	ck_assert_uint_ge(moved, 1);
	ck_assert_uint_gt(ab.stats.rate_limited, 0);
}
END_TEST

START_TEST(disabled_only_watches)
{
	autobalance_set_enabled(&ab, false);
	for (int w = 0; w < 4; w++) {
		autobalance_note_writes(&ab, 3, 1, 100);
		ck_assert_uint_eq(autobalance_tick(&ab, 0.25), 0);
	}
	ck_assert_uint_eq(gm.ft.frames[3].node, 0);
	ck_assert_uint_eq(ab.stats.windows, 4);
	ck_assert_uint_eq(ab.stats.samples, 400);
	/* bad input is ignored, not a crash */
	autobalance_note_writes(&ab, NFRAMES, 1, 1);
	autobalance_note_writes(&ab, 0, MAX_NODES, 1);
	ck_assert_uint_eq(ab.stats.samples, 400);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("autobalance");
	TCase *tc = tcase_create("policy");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, misplaced_frames_move_and_shared_stay);
	tcase_add_test(tc, one_window_is_not_enough);
	tcase_add_test(tc, flapping_does_not_ping_pong);
	tcase_add_test(tc, return_needs_longer_confirmation);
	tcase_add_test(tc, writers_taking_turns_stay_shared);
	tcase_add_test(tc, periods_without_samples_are_no_evidence);
	tcase_add_test(tc, budget_limits_moves);
	tcase_add_test(tc, disabled_only_watches);
	suite_add_tcase(s, tc);
	return s;
}
