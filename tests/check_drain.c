/* check_drain.c - memory hot-remove on simulated nodes (no KVM): a drained
 * node is emptied with guest memory intact, refused when the other nodes
 * cannot hold its frames (their host's free_hugepages counter, here a file
 * the test writes), and nothing is moved, restored, balanced or tuned onto
 * it until it is undrained. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mm/autobalance.h"
#include "mm/drain.h"
#include "mm/reclaim.h"
#include "tests/sim_guest.h"
#include "tests/unit.h"

#define NFRAMES 8

static struct guest_mem gm;
static struct migrator mig;

static void setup(void)
{
	char err[256];

	ck_assert_msg(sim_guest_build(&gm, &mig, NFRAMES, "interleave:0,1", 0, 1, err, sizeof(err)) == 0,
		      "%s", err);
	for (uint32_t f = 0; f < NFRAMES; f++)
		memset(guest_mem_frame_hva(&gm, f), 0x40 + f, FRAME_SIZE);
}

static void teardown(void)
{
	migrator_destroy(&mig);
	guest_mem_destroy(&gm);
}

static uint32_t frames_on(unsigned node)
{
	uint32_t n = 0;

	for (uint32_t f = 0; f < NFRAMES; f++)
		n += gm.ft.frames[f].node == node;
	return n;
}

static void assert_contents(void)
{
	for (uint32_t f = 0; f < NFRAMES; f++)
		ck_assert_msg(all_bytes_are(guest_mem_frame_hva(&gm, f), FRAME_SIZE, 0x40 + f),
			      "frame %u changed", f);
}

/* Node h's host counter reads "pages" (a file standing in for sysfs). */
static void host_free_pages(unsigned node, long pages)
{
	char path[] = "/tmp/check_drain.XXXXXX";
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	unlink(path);
	ck_assert_int_gt(dprintf(fd, "%ld\n", pages), 0);
	gm.free_hugepages_fd[node] = fd; /* guest_mem_destroy closes it */
}

START_TEST(drain_empties_the_node)
{
	struct drain_result res;
	char err[256] = "";

	ck_assert_uint_eq(frames_on(1), NFRAMES / 2);
	ck_assert_int_eq(drain_node(&mig, 1, &res, err, sizeof(err)), 0);
	ck_assert_str_eq(err, "");
	ck_assert_uint_eq(res.frames, NFRAMES / 2);
	ck_assert_uint_eq(res.moves.moved, NFRAMES / 2);
	ck_assert_uint_eq(res.left, 0);
	ck_assert_uint_eq(frames_on(1), 0);
	ck_assert_uint_eq(gm.ft.node_list[1].count, 0);
	ck_assert(guest_mem_node_drained(&gm, 1));
	ck_assert_uint_eq(mig.stats.reason[MR_DRAIN].moved, NFRAMES / 2);
	/* the node's pool holds no page any more: all went back to the host */
	ck_assert_uint_eq(gm.pools[1].npopulated, 0);
	ck_assert_uint_eq(res.pages_returned, NFRAMES / 2);
	assert_contents();
}
END_TEST

START_TEST(refused_when_the_others_cannot_hold_it)
{
	struct drain_result res;
	char err[256] = "";
	uint32_t room[MAX_NODES];

	/* node 0's pool has no free page; its host has 3 free: 3 pages, one of
	 * which is the restore reserve, for node 1's 4 frames */
	ck_assert_uint_eq(gm.pools[0].nfree, 0);
	host_free_pages(0, 3);
	ck_assert_uint_eq(drain_room(&gm, 1u << 1, room), 2);
	ck_assert_int_eq(drain_node(&mig, 1, &res, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "cannot drain node 1: its 4 frames need 4 free 2 MiB pages on the other nodes, which have 2"),
		      "%s", err);
	ck_assert(!guest_mem_node_drained(&gm, 1));
	ck_assert_uint_eq(frames_on(1), NFRAMES / 2);
	ck_assert_uint_eq(mig.stats.reason[MR_DRAIN].requested, 0);
	/* with 5 free on the host it fits */
	host_free_pages(0, 5);
	ck_assert_int_eq(drain_node(&mig, 1, &res, err, sizeof(err)), 0);
	ck_assert_uint_eq(frames_on(1), 0);
	assert_contents();
}
END_TEST

START_TEST(the_last_node_and_bad_nodes_are_refused)
{
	struct drain_result res;
	char err[256];

	ck_assert_int_eq(drain_node(&mig, 1, &res, err, sizeof(err)), 0);
	ck_assert_int_eq(drain_node(&mig, 0, &res, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "node 0 is the last node not drained"), "%s", err);
	ck_assert(!guest_mem_node_drained(&gm, 0));
	ck_assert_uint_eq(frames_on(0), NFRAMES);
	ck_assert_int_eq(drain_node(&mig, 2, &res, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "no node 2: this VM's nodes are 0-1"), "%s", err);
	ck_assert_int_eq(undrain_node(&mig, 5, err, sizeof(err)), -1);
	/* draining a drained node again is harmless: nothing is left to move */
	ck_assert_int_eq(drain_node(&mig, 1, &res, err, sizeof(err)), 0);
	ck_assert_uint_eq(res.frames, 0);
	assert_contents();
}
END_TEST

START_TEST(nothing_goes_to_a_drained_node)
{
	static const struct frame_ops ops = { .name = "test" };
	struct drain_result res;
	struct migrate_result r;
	struct autobalance ab;
	struct numa_policy pol;
	uint32_t zero = 0, idx[NFRAMES];
	char err[256];

	ck_assert_int_eq(drain_node(&mig, 1, &res, err, sizeof(err)), 0);
	/* moves */
	ck_assert_int_eq(migrate_frames(&mig, &zero, 1, 1, MIGRATE_SYNC, MR_USER, &r), -EINVAL);
	/* a restore takes a page of a node not drained */
	ck_assert_int_eq(frame_reclaim(&mig, 3, &ops, NULL), 1);
	gm.ft.frames[3].node = 1; /* as if ballooned there before the drain */
	ck_assert_int_eq(frame_restore(&mig, 3), 0);
	ck_assert_uint_eq(gm.ft.frames[3].node, 0);
	/* the balancer: writes all from node 1 for many windows */
	ck_assert_int_eq(autobalance_init(&ab, &mig, 1024), 0);
	autobalance_set_enabled(&ab, true);
	for (int w = 0; w < 20; w++) {
		autobalance_note_writes(&ab, 0, 1, 100);
		ck_assert_uint_eq(autobalance_tick(&ab, 0.25), 0);
	}
	/* not even a candidate: it never counts toward a move */
	ck_assert_uint_eq(ab.stats.unconfirmed + ab.stats.cooldown + ab.stats.rate_limited, 0);
	autobalance_destroy(&ab);
	/* placement policy: interleave:0,1 without node 1 places all on 0 */
	ck_assert_int_eq(numa_policy_parse("interleave:0,1", &pol, err, sizeof(err)), 0);
	ck_assert_int_eq(numa_policy_exclude(&pol, gm.drained), 0);
	ck_assert_uint_eq(pol.nodemask, 1);
	ck_assert_uint_eq(numa_policy_misplaced(&pol, &gm.ft, 0, idx), 0);
	ck_assert_int_eq(numa_policy_parse("bind:1", &pol, err, sizeof(err)), 0);
	ck_assert_int_eq(numa_policy_exclude(&pol, gm.drained), -1);
	ck_assert_uint_eq(pol.nodemask, 2);
	ck_assert_uint_eq(frames_on(1), 0);
	/* undrained, it takes frames again */
	ck_assert_int_eq(undrain_node(&mig, 1, err, sizeof(err)), 0);
	ck_assert_int_eq(migrate_frames(&mig, &zero, 1, 1, MIGRATE_SYNC, MR_USER, &r), 0);
	ck_assert_uint_eq(r.moved, 1);
	ck_assert_uint_eq(gm.ft.frames[0].node, 1);
}
END_TEST

START_TEST(ballooned_frames_leave_without_a_copy)
{
	static const struct frame_ops ops = { .name = "test" };
	struct drain_result res;
	char err[256];

	ck_assert_uint_eq(gm.ft.frames[1].node, 1);
	ck_assert_int_eq(frame_reclaim(&mig, 1, &ops, NULL), 1);
	ck_assert_int_eq(drain_node(&mig, 1, &res, err, sizeof(err)), 0);
	ck_assert_uint_eq(res.moves.moved, NFRAMES / 2);
	ck_assert_uint_eq(res.moves.nocopy, 1);
	ck_assert_uint_eq(gm.ft.frames[1].node, 0);
	ck_assert_uint_eq(gm.ft.frames[1].state, FRAME_BALLOONED);
	ck_assert_uint_eq(frames_on(1), 0);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("drain");
	TCase *tc = tcase_create("drain");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, drain_empties_the_node);
	tcase_add_test(tc, refused_when_the_others_cannot_hold_it);
	tcase_add_test(tc, the_last_node_and_bad_nodes_are_refused);
	tcase_add_test(tc, nothing_goes_to_a_drained_node);
	tcase_add_test(tc, ballooned_frames_leave_without_a_copy);
	suite_add_tcase(s, tc);
	return s;
}
