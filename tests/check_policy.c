/* check_policy.c - NUMA placement policies: parsing, checking, placing, formatting. */
#include <check.h>
#include <string.h>

#include "lib/util.h"
#include "lib/parse.h"
#include "mm/policy.h"
#include "tests/unit.h"

static struct numa_policy parse_ok(const char *s)
{
	struct numa_policy pol;
	char err[256] = "";

	memset(&pol, 0xa5, sizeof(pol));
	ck_assert_msg(numa_policy_parse(s, &pol, err, sizeof(err)) == 0,
		      "'%s' rejected: %s", s, err);
	return pol;
}

START_TEST(parse_accepts)
{
	struct numa_policy p;

	p = parse_ok("bind:0");
	ck_assert_int_eq(p.mode, NUMA_BIND);
	ck_assert_uint_eq(p.nodemask, 0x1);

	p = parse_ok("bind:0-2,5");
	ck_assert_int_eq(p.mode, NUMA_BIND);
	ck_assert_uint_eq(p.nodemask, 0x27);

	p = parse_ok("interleave:0,1");
	ck_assert_int_eq(p.mode, NUMA_INTERLEAVE);
	ck_assert_uint_eq(p.nodemask, 0x3);

	p = parse_ok("preferred:1");
	ck_assert_int_eq(p.mode, NUMA_PREFERRED);
	ck_assert_uint_eq(p.nodemask, 0x2);

	p = parse_ok("bind:15");
	ck_assert_uint_eq(p.nodemask, 1u << 15);

	p = parse_ok("interleave:0-15");
	ck_assert_int_eq(p.mode, NUMA_INTERLEAVE);
	ck_assert_uint_eq(p.nodemask, 0xffff);

	p = parse_ok("interleave:3,1,3");
	ck_assert_uint_eq(p.nodemask, 0xa);

	p = parse_ok("bind:4-4");
	ck_assert_uint_eq(p.nodemask, 0x10);

	/* a one-node range is one node, so preferred takes it */
	p = parse_ok("preferred:2-2");
	ck_assert_int_eq(p.mode, NUMA_PREFERRED);
	ck_assert_uint_eq(p.nodemask, 0x4);
}
END_TEST

static const char *const bad_policies[] = {
	"", "bind", "bind:", "bind:x", "bind:0,", "bind:2-1", "bind:16",
	"preferred:0,1", "foo:1", "interleave:-1",
	"bind:,0", "bind:0-", "bind:0-16", "bind:1x", "bind:0,,1", "preferred:0-1",
	"preferred:", "BIND:0", "bindx:0", "bin:0", ":0", "interleave", "bind:0:1",
	"bind: 1", "bind:+1", "bind:1 ", "bind:0- 2", "bind:0-+2", "bind:1-2-3",
	"bind:99999999999999999999", "interleave:4294967296",
};

START_TEST(parse_rejects)
{
	const char *s = bad_policies[_i];
	struct numa_policy pol = { NUMA_INTERLEAVE, 0 };
	char err[256] = "";

	ck_assert_msg(numa_policy_parse(s, &pol, err, sizeof(err)) == -1,
		      "'%s' accepted (mode %d mask %#x)", s, pol.mode, pol.nodemask);
	ck_assert_msg(err[0] != '\0', "no message for '%s'", s);
	/* a rejected policy never changes the mode */
	ck_assert_int_eq(pol.mode, NUMA_INTERLEAVE);
}
END_TEST

START_TEST(parse_messages)
{
	struct numa_policy pol;
	char err[256];

	ck_assert_int_eq(numa_policy_parse("foo:1", &pol, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "foo:1"));
	ck_assert_int_eq(numa_policy_parse("bind:x", &pol, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "'x'"));
	ck_assert_int_eq(numa_policy_parse("preferred:0,1", &pol, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "exactly one node"));
	/* a tiny err buffer is respected */
	memset(err, 'Z', sizeof(err));
	ck_assert_int_eq(numa_policy_parse("foo:1", &pol, err, 8), -1);
	ck_assert_uint_eq(strlen(err), 7);
	ck_assert_int_eq(err[8], 'Z');
}
END_TEST

START_TEST(node_for_interleave)
{
	struct numa_policy p = parse_ok("interleave:0,2");
	unsigned want[] = { 0, 2, 0, 2, 0, 2 };

	for (uint32_t i = 0; i < 6; i++)
		ck_assert_uint_eq(numa_policy_node_for(&p, i), want[i]);
	ck_assert_uint_eq(numa_policy_node_for(&p, UINT32_MAX), 2);

	p = parse_ok("interleave:1,3,4");
	ck_assert_uint_eq(numa_policy_node_for(&p, 0), 1);
	ck_assert_uint_eq(numa_policy_node_for(&p, 1), 3);
	ck_assert_uint_eq(numa_policy_node_for(&p, 2), 4);
	ck_assert_uint_eq(numa_policy_node_for(&p, 3), 1);
	ck_assert_uint_eq(numa_policy_node_for(&p, 7), 3);
}
END_TEST

START_TEST(node_for_bind_preferred)
{
	struct numa_policy p = parse_ok("bind:1");

	for (uint32_t i = 0; i < 5; i++)
		ck_assert_uint_eq(numa_policy_node_for(&p, i), 1);
	/* bind to several nodes fills them in turn */
	p = parse_ok("bind:0-2");
	for (uint32_t i = 0; i < 6; i++)
		ck_assert_uint_eq(numa_policy_node_for(&p, i), i % 3);
	p = parse_ok("preferred:3");
	for (uint32_t i = 0; i < 5; i++)
		ck_assert_uint_eq(numa_policy_node_for(&p, i), 3);
	p = parse_ok("bind:15");
	ck_assert_uint_eq(numa_policy_node_for(&p, 12345), 15);
}
END_TEST

/* Frames 0-7 on nodes 1,0,2,3,1,1,3,0 of four. */
static const uint8_t layout[] = { 1, 0, 2, 3, 1, 1, 3, 0 };

static const struct {
	const char *policy;
	unsigned node;
	uint32_t n;
	uint32_t want[8];
} misplaced[] = {
	/* interleave names each frame's node: every other frame is moved */
	{ "interleave:0,1", 0, 4, { 0, 2, 4, 6 } },
	{ "interleave:0,1", 1, 3, { 1, 3, 7 } },
	/* strict leaves frames 0, 1, 4, 5, 7 on nodes 0 and 1 where they are */
	{ "bind:0,1", 0, 2, { 2, 6 } },
	{ "bind:0,1", 1, 1, { 3 } },
	{ "bind:3", 3, 6, { 0, 1, 2, 4, 5, 7 } },
	{ "preferred:2", 2, 7, { 0, 1, 3, 4, 5, 6, 7 } },
	/* a node the policy does not name gets nothing */
	{ "preferred:2", 0, 0, { 0 } },
	{ "interleave:0,1", 3, 0, { 0 } },
};

START_TEST(misplaced_frames)
{
	struct numa_policy p = parse_ok(misplaced[_i].policy);
	struct frame_table ft;
	uint32_t idx[ARRAY_SIZE(layout)], n;

	ck_assert_int_eq(frame_table_init(&ft, ARRAY_SIZE(layout), 4), 0);
	for (uint32_t i = 0; i < ARRAY_SIZE(layout); i++)
		frame_set_mapped(&ft, &ft.frames[i], layout[i], i);
	n = numa_policy_misplaced(&p, &ft, misplaced[_i].node, idx);
	ck_assert_msg(n == misplaced[_i].n, "%s, node %u: %u frames, want %u", misplaced[_i].policy,
		      misplaced[_i].node, n, misplaced[_i].n);
	for (uint32_t i = 0; i < n; i++)
		ck_assert_uint_eq(idx[i], misplaced[_i].want[i]);
	frame_table_destroy(&ft);
}
END_TEST

static const char *const roundtrip[] = {
	"bind:0", "bind:0,1,2,5", "interleave:0,1", "preferred:1", "interleave:0,2",
	"bind:15", "interleave:0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15",
};

START_TEST(format_roundtrip)
{
	const char *s = roundtrip[_i];
	struct numa_policy p = parse_ok(s), q;
	char buf[128];

	numa_policy_format(&p, buf, sizeof(buf));
	ck_assert_str_eq(buf, s);
	q = parse_ok(buf);
	ck_assert_int_eq(q.mode, p.mode);
	ck_assert_uint_eq(q.nodemask, p.nodemask);
}
END_TEST

START_TEST(format_ranges_expand)
{
	struct numa_policy p = parse_ok("bind:0-2,5");
	char buf[64];

	numa_policy_format(&p, buf, sizeof(buf));
	ck_assert_str_eq(buf, "bind:0,1,2,5");
	/* truncation stays inside the buffer and terminated */
	memset(buf, 'Z', sizeof(buf));
	numa_policy_format(&p, buf, 8);
	ck_assert_str_eq(buf, "bind:0,");
	ck_assert_int_eq(buf[8], 'Z');
	memset(buf, 'Z', sizeof(buf));
	numa_policy_format(&p, buf, 3);
	ck_assert_str_eq(buf, "bi");
	ck_assert_int_eq(buf[3], 'Z');
}
END_TEST

START_TEST(mode_names)
{
	ck_assert_str_eq(numa_mode_name(NUMA_BIND), "bind");
	ck_assert_str_eq(numa_mode_name(NUMA_INTERLEAVE), "interleave");
	ck_assert_str_eq(numa_mode_name(NUMA_PREFERRED), "preferred");
	ck_assert_str_eq(numa_mode_name((enum numa_mode)42), "?");
}
END_TEST

START_TEST(check_nodes)
{
	struct numa_policy p;
	char err[256];

	p = parse_ok("bind:0");
	err[0] = '\0';
	ck_assert_int_eq(numa_policy_check(&p, 1, err, sizeof(err)), 0);
	ck_assert_str_eq(err, "");

	p = parse_ok("interleave:0,1");
	ck_assert_int_eq(numa_policy_check(&p, 2, err, sizeof(err)), 0);
	ck_assert_int_eq(numa_policy_check(&p, 16, err, sizeof(err)), 0);
	ck_assert_int_eq(numa_policy_check(&p, 1, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "node 1"));
	ck_assert_ptr_nonnull(strstr(err, "only 1 node"));

	p = parse_ok("bind:3");
	ck_assert_int_eq(numa_policy_check(&p, 2, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "node 3"));
	ck_assert_ptr_nonnull(strstr(err, "2 nodes"));
	ck_assert_int_eq(numa_policy_check(&p, 4, err, sizeof(err)), 0);

	/* several missing nodes: one of them is named, with the valid range */
	p = parse_ok("bind:0,2-3");
	ck_assert_int_eq(numa_policy_check(&p, 2, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "node 2") || strstr(err, "node 3"), "err: %s", err);
	ck_assert_ptr_nonnull(strstr(err, "(0-1)"));

	/* an empty mask (a zeroed config) must not reach node_for's modulo */
	p = (struct numa_policy){ .mode = NUMA_INTERLEAVE, .nodemask = 0 };
	ck_assert_int_eq(numa_policy_check(&p, 2, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "no node"));

	p = parse_ok("bind:15");
	ck_assert_int_eq(numa_policy_check(&p, 15, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "node 15"));
	ck_assert_int_eq(numa_policy_check(&p, 16, err, sizeof(err)), 0);
	ck_assert_int_eq(numa_policy_check(&p, MAX_NODES, err, sizeof(err)), 0);
}
END_TEST

/* parse_range_list: collect the ranges it reports */
struct ranges {
	unsigned n;
	uint32_t lo[8], hi[8];
};

static void add_range(uint32_t lo, uint32_t hi, void *arg)
{
	struct ranges *r = arg;

	ck_assert_uint_lt(r->n, 8);
	r->lo[r->n] = lo;
	r->hi[r->n] = hi;
	r->n++;
}

START_TEST(range_list_ok)
{
	struct ranges r = { 0 };

	ck_assert_int_eq(parse_range_list("0-3,7", 8, add_range, &r), 0);
	ck_assert_uint_eq(r.n, 2);
	ck_assert_uint_eq(r.lo[0], 0);
	ck_assert_uint_eq(r.hi[0], 3);
	ck_assert_uint_eq(r.lo[1], 7);
	ck_assert_uint_eq(r.hi[1], 7);

	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(parse_range_list("5", 6, add_range, &r), 0);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_uint_eq(r.lo[0], 5);
	ck_assert_uint_eq(r.hi[0], 5);

	/* ranges are reported as written, overlaps included */
	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(parse_range_list("10-20,15,2-2", 100, add_range, &r), 0);
	ck_assert_uint_eq(r.n, 3);
	ck_assert_uint_eq(r.lo[0], 10);
	ck_assert_uint_eq(r.hi[0], 20);
	ck_assert_uint_eq(r.lo[1], 15);
	ck_assert_uint_eq(r.lo[2], 2);
	ck_assert_uint_eq(r.hi[2], 2);

	/* the whole 32-bit index space */
	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(parse_range_list("0-4294967294", UINT32_MAX, add_range, &r), 0);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_uint_eq(r.hi[0], UINT32_MAX - 1);
}
END_TEST

static const char *const bad_ranges[] = {
	"", "a", "-1", " 1", "+1", "1 ", "1-", "-", "3-1", "1,,2", "1,", ",1", "1-2-3",
	"0x1", "1;2", "6", "0-6", "99999999999999999999", "18446744073709551616",
};

START_TEST(range_list_bad)
{
	struct ranges r = { 0 };

	/* limit 6: indices 0..5 */
	ck_assert_msg(parse_range_list(bad_ranges[_i], 6, add_range, &r) == -1,
		      "'%s' accepted", bad_ranges[_i]);
}
END_TEST

START_TEST(range_list_limits)
{
	struct ranges r = { 0 };

	ck_assert_int_eq(parse_range_list("0", 0, add_range, &r), -1);
	ck_assert_int_eq(parse_range_list("4294967295", UINT32_MAX, add_range, &r), -1);
	ck_assert_int_eq(parse_range_list("4294967296", UINT32_MAX, add_range, &r), -1);
	ck_assert_int_eq(parse_range_list("0-4294967296", UINT32_MAX, add_range, &r), -1);
	ck_assert_uint_eq(r.n, 0);
	ck_assert_int_eq(parse_range_list("0", 1, add_range, &r), 0);
	ck_assert_uint_eq(r.n, 1);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, parse_accepts);
	tcase_add_loop_test(tc, parse_rejects, 0, (int)ARRAY_SIZE(bad_policies));
	tcase_add_test(tc, parse_messages);
	tcase_add_test(tc, node_for_interleave);
	tcase_add_test(tc, node_for_bind_preferred);
	tcase_add_loop_test(tc, misplaced_frames, 0, (int)ARRAY_SIZE(misplaced));
	tcase_add_loop_test(tc, format_roundtrip, 0, (int)ARRAY_SIZE(roundtrip));
	tcase_add_test(tc, format_ranges_expand);
	tcase_add_test(tc, mode_names);
	tcase_add_test(tc, check_nodes);
	tcase_add_test(tc, range_list_ok);
	tcase_add_loop_test(tc, range_list_bad, 0, (int)ARRAY_SIZE(bad_ranges));
	tcase_add_test(tc, range_list_limits);
	suite_add_tcase(s, tc);
	return s;
}
