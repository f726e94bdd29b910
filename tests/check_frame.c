/* check_frame.c - the frame table, its node lists and counters. */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "mm/frame.h"
#include "tests/unit.h"

/* Walk l from head to tail into out[]; returns the number of frames seen and
 * checks the back links and the tail on the way. */
static unsigned walk(struct frame_table *ft, const struct frame_list *l, uint32_t *out, unsigned max)
{
	unsigned n = 0;
	uint32_t prev = FRAME_NONE;

	for (struct frame *f = frame_list_first(ft, l); f; f = frame_list_next(ft, f)) {
		ck_assert_uint_lt(n, max);
		ck_assert_uint_eq(f->prev, prev);
		prev = frame_index(ft, f);
		out[n++] = prev;
	}
	ck_assert_uint_eq(l->tail, prev);
	ck_assert_uint_eq(l->count, n);
	return n;
}

static void expect_list(struct frame_table *ft, const struct frame_list *l,
			const uint32_t *want, unsigned nwant)
{
	uint32_t got[64];
	unsigned n = walk(ft, l, got, 64);

	ck_assert_uint_eq(n, nwant);
	for (unsigned i = 0; i < n; i++)
		ck_assert_uint_eq(got[i], want[i]);
	if (nwant == 0) {
		ck_assert_uint_eq(l->head, FRAME_NONE);
		ck_assert_uint_eq(l->tail, FRAME_NONE);
		ck_assert_ptr_null(frame_list_first(ft, l));
	}
}

START_TEST(init_bounds)
{
	struct frame_table ft;

	ck_assert_int_eq(frame_table_init(&ft, 0, 1), -EINVAL);
	ck_assert_int_eq(frame_table_init(&ft, FRAME_NONE, 1), -EINVAL);
	ck_assert_int_eq(frame_table_init(&ft, 4, 0), -EINVAL);
	ck_assert_int_eq(frame_table_init(&ft, 4, MAX_NODES + 1), -EINVAL);

	ck_assert_int_eq(frame_table_init(&ft, 4, MAX_NODES), 0);
	ck_assert_uint_eq(ft.nnodes, MAX_NODES);
	frame_table_destroy(&ft);

	ck_assert_int_eq(frame_table_init(&ft, 1, 1), 0);
	ck_assert_uint_eq(ft.nframes, 1);
	frame_table_destroy(&ft);
	ck_assert_ptr_null(ft.frames);
}
END_TEST

START_TEST(init_state)
{
	struct frame_table ft;

	ck_assert_int_eq(frame_table_init(&ft, 10, 3), 0);
	ck_assert_ptr_nonnull(ft.frames);
	ck_assert_uint_eq(ft.nframes, 10);
	ck_assert_uint_eq(ft.nnodes, 3);
	for (uint32_t i = 0; i < 10; i++) {
		ck_assert_uint_eq(ft.frames[i].state, FRAME_FREE);
		ck_assert_uint_eq(ft.frames[i].slot, FRAME_NONE);
		ck_assert_uint_eq(ft.frames[i].prev, FRAME_NONE);
		ck_assert_uint_eq(ft.frames[i].next, FRAME_NONE);
		ck_assert_ptr_null(ft.frames[i].ops);
		ck_assert_uint_eq(frame_index(&ft, &ft.frames[i]), i);
	}
	for (unsigned n = 0; n < MAX_NODES; n++) {
		ck_assert_uint_eq(ft.node_list[n].head, FRAME_NONE);
		ck_assert_uint_eq(ft.node_list[n].tail, FRAME_NONE);
		ck_assert_uint_eq(ft.node_list[n].count, 0);
	}
	frame_table_destroy(&ft);
}
END_TEST

START_TEST(list_add_order)
{
	struct frame_table ft;
	struct frame_list l;

	ck_assert_int_eq(frame_table_init(&ft, 8, 1), 0);
	frame_list_init(&l);
	expect_list(&ft, &l, NULL, 0);

	frame_list_add_tail(&ft, &l, &ft.frames[5]);
	expect_list(&ft, &l, (uint32_t[]){ 5 }, 1);
	ck_assert_uint_eq(l.head, 5);
	ck_assert_uint_eq(l.tail, 5);

	frame_list_add_tail(&ft, &l, &ft.frames[2]);
	frame_list_add_tail(&ft, &l, &ft.frames[7]);
	frame_list_add_tail(&ft, &l, &ft.frames[0]);
	expect_list(&ft, &l, (uint32_t[]){ 5, 2, 7, 0 }, 4);
	ck_assert_ptr_eq(frame_list_first(&ft, &l), &ft.frames[5]);
	ck_assert_ptr_eq(frame_list_next(&ft, &ft.frames[5]), &ft.frames[2]);
	ck_assert_ptr_null(frame_list_next(&ft, &ft.frames[0]));
	frame_table_destroy(&ft);
}
END_TEST

START_TEST(list_del_head_middle_tail)
{
	struct frame_table ft;
	struct frame_list l;

	ck_assert_int_eq(frame_table_init(&ft, 8, 1), 0);
	frame_list_init(&l);
	for (uint32_t i = 0; i < 6; i++)
		frame_list_add_tail(&ft, &l, &ft.frames[i]);
	expect_list(&ft, &l, (uint32_t[]){ 0, 1, 2, 3, 4, 5 }, 6);

	/* head */
	frame_list_del(&ft, &l, &ft.frames[0]);
	ck_assert_uint_eq(ft.frames[0].prev, FRAME_NONE);
	ck_assert_uint_eq(ft.frames[0].next, FRAME_NONE);
	expect_list(&ft, &l, (uint32_t[]){ 1, 2, 3, 4, 5 }, 5);
	ck_assert_uint_eq(l.head, 1);

	/* middle */
	frame_list_del(&ft, &l, &ft.frames[3]);
	ck_assert_uint_eq(ft.frames[3].prev, FRAME_NONE);
	ck_assert_uint_eq(ft.frames[3].next, FRAME_NONE);
	expect_list(&ft, &l, (uint32_t[]){ 1, 2, 4, 5 }, 4);
	ck_assert_uint_eq(ft.frames[2].next, 4);
	ck_assert_uint_eq(ft.frames[4].prev, 2);

	/* tail */
	frame_list_del(&ft, &l, &ft.frames[5]);
	expect_list(&ft, &l, (uint32_t[]){ 1, 2, 4 }, 3);
	ck_assert_uint_eq(l.tail, 4);
	ck_assert_uint_eq(ft.frames[4].next, FRAME_NONE);

	/* a deleted frame can be re-added at the tail */
	frame_list_add_tail(&ft, &l, &ft.frames[0]);
	expect_list(&ft, &l, (uint32_t[]){ 1, 2, 4, 0 }, 4);

	/* drain to empty */
	frame_list_del(&ft, &l, &ft.frames[2]);
	frame_list_del(&ft, &l, &ft.frames[1]);
	frame_list_del(&ft, &l, &ft.frames[0]);
	expect_list(&ft, &l, (uint32_t[]){ 4 }, 1);
	ck_assert_uint_eq(l.head, 4);
	ck_assert_uint_eq(l.tail, 4);
	frame_list_del(&ft, &l, &ft.frames[4]);
	expect_list(&ft, &l, NULL, 0);
	frame_table_destroy(&ft);
}
END_TEST

START_TEST(list_two_lists_independent)
{
	struct frame_table ft;
	struct frame_list a, b;

	ck_assert_int_eq(frame_table_init(&ft, 6, 1), 0);
	frame_list_init(&a);
	frame_list_init(&b);
	for (uint32_t i = 0; i < 6; i++)
		frame_list_add_tail(&ft, i % 2 ? &b : &a, &ft.frames[i]);
	expect_list(&ft, &a, (uint32_t[]){ 0, 2, 4 }, 3);
	expect_list(&ft, &b, (uint32_t[]){ 1, 3, 5 }, 3);
	/* move the middle of a to the tail of b */
	frame_list_del(&ft, &a, &ft.frames[2]);
	frame_list_add_tail(&ft, &b, &ft.frames[2]);
	expect_list(&ft, &a, (uint32_t[]){ 0, 4 }, 2);
	expect_list(&ft, &b, (uint32_t[]){ 1, 3, 5, 2 }, 4);
	frame_table_destroy(&ft);
}
END_TEST

START_TEST(set_mapped_puts_on_node_list)
{
	struct frame_table ft;

	ck_assert_int_eq(frame_table_init(&ft, 6, 3), 0);
	frame_set_mapped(&ft, &ft.frames[4], 2, 17);
	ck_assert_uint_eq(ft.frames[4].state, FRAME_MAPPED);
	ck_assert_uint_eq(ft.frames[4].node, 2);
	ck_assert_uint_eq(ft.frames[4].slot, 17);
	expect_list(&ft, &ft.node_list[2], (uint32_t[]){ 4 }, 1);
	expect_list(&ft, &ft.node_list[0], NULL, 0);
	expect_list(&ft, &ft.node_list[1], NULL, 0);

	frame_set_mapped(&ft, &ft.frames[1], 0, 0);
	frame_set_mapped(&ft, &ft.frames[0], 2, 3);
	frame_set_mapped(&ft, &ft.frames[5], 2, 9);
	expect_list(&ft, &ft.node_list[2], (uint32_t[]){ 4, 0, 5 }, 3);
	expect_list(&ft, &ft.node_list[0], (uint32_t[]){ 1 }, 1);
	ck_assert_uint_eq(ft.frames[0].slot, 3);
	ck_assert_uint_eq(ft.frames[5].slot, 9);
	/* untouched frames stay free */
	ck_assert_uint_eq(ft.frames[2].state, FRAME_FREE);
	ck_assert_uint_eq(ft.frames[3].state, FRAME_FREE);
	frame_table_destroy(&ft);
}
END_TEST

START_TEST(table_count)
{
	struct frame_table ft;
	uint32_t per_node[MAX_NODES], per_state[FRAME_NR_STATES];

	ck_assert_int_eq(frame_table_init(&ft, 10, 3), 0);
	/* poison the outputs: count must overwrite them, not add */
	memset(per_node, 0xff, sizeof(per_node));
	memset(per_state, 0xff, sizeof(per_state));
	frame_table_count(&ft, per_node, per_state);
	ck_assert_uint_eq(per_state[FRAME_FREE], 10);
	for (int s = 1; s < FRAME_NR_STATES; s++)
		ck_assert_uint_eq(per_state[s], 0);
	for (int n = 0; n < MAX_NODES; n++)
		ck_assert_uint_eq(per_node[n], 0);

	frame_set_mapped(&ft, &ft.frames[0], 0, 0);
	frame_set_mapped(&ft, &ft.frames[1], 0, 1);
	frame_set_mapped(&ft, &ft.frames[2], 1, 0);
	frame_set_mapped(&ft, &ft.frames[3], 2, 0);
	frame_set_mapped(&ft, &ft.frames[4], 2, 1);
	frame_set_mapped(&ft, &ft.frames[5], 2, 2);
	/* frame 4: isolated on node 2 (off its list, still holds a page) */
	frame_list_del(&ft, &ft.node_list[2], &ft.frames[4]);
	ft.frames[4].state = FRAME_ISOLATED;
	/* frame 5: migrating from node 2 */
	frame_list_del(&ft, &ft.node_list[2], &ft.frames[5]);
	ft.frames[5].state = FRAME_MIGRATING;
	/* frame 1: ballooned; its node field still says 0 but it holds no page */
	frame_list_del(&ft, &ft.node_list[0], &ft.frames[1]);
	ft.frames[1].state = FRAME_BALLOONED;
	/* a free frame with a stale node field counts on no node either */
	ft.frames[7].node = 1;

	frame_table_count(&ft, per_node, per_state);
	ck_assert_uint_eq(per_state[FRAME_FREE], 4);
	ck_assert_uint_eq(per_state[FRAME_MAPPED], 3);
	ck_assert_uint_eq(per_state[FRAME_ISOLATED], 1);
	ck_assert_uint_eq(per_state[FRAME_MIGRATING], 1);
	ck_assert_uint_eq(per_state[FRAME_BALLOONED], 1);
	ck_assert_uint_eq(per_node[0], 1); /* frame 0 */
	ck_assert_uint_eq(per_node[1], 1); /* frame 2 */
	ck_assert_uint_eq(per_node[2], 3); /* frames 3, 4, 5 */
	for (int n = 3; n < MAX_NODES; n++)
		ck_assert_uint_eq(per_node[n], 0);
	/* node lists hold only the MAPPED frames */
	expect_list(&ft, &ft.node_list[0], (uint32_t[]){ 0 }, 1);
	expect_list(&ft, &ft.node_list[1], (uint32_t[]){ 2 }, 1);
	expect_list(&ft, &ft.node_list[2], (uint32_t[]){ 3 }, 1);
	frame_table_destroy(&ft);
}
END_TEST

START_TEST(state_names)
{
	ck_assert_str_eq(frame_state_name(FRAME_FREE), "free");
	ck_assert_str_eq(frame_state_name(FRAME_MAPPED), "mapped");
	ck_assert_str_eq(frame_state_name(FRAME_ISOLATED), "isolated");
	ck_assert_str_eq(frame_state_name(FRAME_MIGRATING), "migrating");
	ck_assert_str_eq(frame_state_name(FRAME_BALLOONED), "ballooned");
	ck_assert_str_eq(frame_state_name(FRAME_NR_STATES), "invalid");
	ck_assert_str_eq(frame_state_name((enum frame_state)200), "invalid");
	ck_assert_str_eq(frame_state_name((enum frame_state)-1), "invalid");
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("frame");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, init_bounds);
	tcase_add_test(tc, init_state);
	tcase_add_test(tc, list_add_order);
	tcase_add_test(tc, list_del_head_middle_tail);
	tcase_add_test(tc, list_two_lists_independent);
	tcase_add_test(tc, set_mapped_puts_on_node_list);
	tcase_add_test(tc, table_count);
	tcase_add_test(tc, state_names);
	suite_add_tcase(s, tc);
	return s;
}
