/* check_tier.c - memory tiers (mm/tier.c): --tiers parsing, tiers from a
 * host topology (CPU-less and distant nodes slower; the kernel's
 * memory_tiering where it tells tiers apart, read from a directory laid out
 * as sysfs), simulated slow nodes, distances and the nearest node. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mm/tier.h"
#include "tests/unit.h"

static const int host_of[MAX_NODES] = { 0, 1, 2, 3 };

/* 4 host nodes: 0 and 1 with CPUs, 2 CPU-less at 30 from both, 3 CPU-less
 * at 40 (farther still) */
static void topology(struct host_topology *h)
{
	static const uint8_t d[4][4] = {
		{ 10, 20, 30, 40 }, { 20, 10, 30, 40 }, { 30, 30, 10, 40 }, { 40, 40, 40, 10 },
	};

	memset(h, 0, sizeof(*h));
	h->nnodes = 4;
	h->has_cpu[0] = h->has_cpu[1] = true;
	for (unsigned a = 0; a < 4; a++)
		for (unsigned b = 0; b < 4; b++)
			h->distance[a][b] = d[a][b];
	for (unsigned n = 0; n < MAX_NODES; n++)
		h->kernel_tier[n] = n < 4 ? 4 : -1; /* the kernel's default: all in one */
}

START_TEST(parse)
{
	struct tier_config tc = { 0 };
	char err[256];

	ck_assert_int_eq(tier_parse("0,1:2", &tc, err, sizeof(err)), 0);
	ck_assert_uint_eq(tc.ntiers, 2);
	ck_assert_uint_eq(tc.named, 7);
	ck_assert_uint_eq(tc.tier[0], 0);
	ck_assert_uint_eq(tc.tier[1], 0);
	ck_assert_uint_eq(tc.tier[2], 1);
	ck_assert_int_eq(tier_parse("2:0-1:3", &tc, err, sizeof(err)), 0);
	ck_assert_uint_eq(tc.ntiers, 3);
	ck_assert_uint_eq(tc.tier[2], 0);
	ck_assert_uint_eq(tc.tier[1], 1);
	ck_assert_uint_eq(tc.tier[3], 2);
	ck_assert_int_eq(tier_parse("0,1:1", &tc, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "node 1 is in two tiers"), "%s", err);
	static const char *const bad[] = { "", ":", "0:", ":0", "0::1", "a", "0:16", "0,:1" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(tier_parse(bad[i], &tc, err, sizeof(err)) == -1, "'%s' parsed", bad[i]);
		ck_assert_msg(strstr(err, "--tiers"), "%s", err);
	}
}
END_TEST

START_TEST(sim_nodes_with_slow_ones)
{
	struct tier_config tc = { 0 };
	unsigned nodes = 0;

	ck_assert_int_eq(tier_parse_sim_nodes("3:1", &nodes, &tc), 0);
	ck_assert_uint_eq(nodes, 3);
	ck_assert_uint_eq(tc.sim_slow, 1);
	ck_assert_int_eq(tier_parse_sim_nodes("2", &nodes, &tc), 0);
	ck_assert_uint_eq(nodes, 2);
	ck_assert_uint_eq(tc.sim_slow, 0);
	static const char *const bad[] = { "", "0", "17", "2:2", "1:1", "2:0", "2:", ":1", "2:1x" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(tier_parse_sim_nodes(bad[i], &nodes, &tc) == -1, "'%s' parsed", bad[i]);
	ck_assert_uint_eq(nodes, 2);
}
END_TEST

START_TEST(explicit_tiers_cover_every_node)
{
	struct tier_config tc = { 0 };
	struct host_topology h;
	struct tiers t;
	char err[256];

	topology(&h);
	ck_assert_int_eq(tier_parse("0:1", &tc, err, sizeof(err)), 0);
	ck_assert_int_eq(tiers_init(&t, &tc, 3, true, host_of, &h, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "--tiers puts node 2 in no tier"), "%s", err);
	ck_assert_int_eq(tiers_init(&t, &tc, 1, true, host_of, &h, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "--tiers names node 1, but there is only 1 node"), "%s", err);
	ck_assert_int_eq(tiers_init(&t, &tc, 2, true, host_of, &h, err, sizeof(err)), 0);
	ck_assert_uint_eq(t.source, TIER_EXPLICIT);
	ck_assert_uint_eq(t.ntiers, 2);
	ck_assert_uint_eq(t.tier[1], 1);
	/* simulated: 10 more per tier apart */
	ck_assert_uint_eq(t.distance[0][1], 30);
	ck_assert_uint_eq(t.distance[1][1], 10);
}
END_TEST

START_TEST(from_the_topology)
{
	struct tier_config tc = { 0 };
	struct host_topology h;
	struct tiers t;
	char err[256];

	topology(&h);
	/* the kernel has one tier for all: the topology decides */
	ck_assert_int_eq(tiers_init(&t, &tc, 4, false, host_of, &h, err, sizeof(err)), 0);
	ck_assert_uint_eq(t.source, TIER_TOPOLOGY);
	ck_assert_uint_eq(t.ntiers, 3);
	ck_assert_uint_eq(t.tier[0], 0);
	ck_assert_uint_eq(t.tier[1], 0);
	ck_assert_uint_eq(t.tier[2], 1);
	ck_assert_uint_eq(t.tier[3], 2);
	ck_assert_uint_eq(t.distance[0][2], 30);
	ck_assert_int_eq(tier_nearest(&t, 0, 0xe), 1);
	ck_assert_int_eq(tier_nearest(&t, 0, 0xc), 2);
	ck_assert_int_eq(tier_nearest(&t, 3, 0x7), 0);  /* all at 40: the lowest */
	ck_assert_int_eq(tier_nearest(&t, 0, 0), -1);
	ck_assert_uint_eq(tier_nodes(&t, 4, 0), 3);
	ck_assert_uint_eq(tier_nodes(&t, 4, 2), 8);
	/* where the kernel tells tiers apart, it decides */
	h.kernel_tier[2] = h.kernel_tier[3] = 22;
	ck_assert_int_eq(tiers_init(&t, &tc, 4, false, host_of, &h, err, sizeof(err)), 0);
	ck_assert_uint_eq(t.source, TIER_KERNEL);
	ck_assert_uint_eq(t.ntiers, 2);
	ck_assert_uint_eq(t.tier[3], 1);
	/* every node with CPUs and equally near: one tier */
	topology(&h);
	h.has_cpu[2] = h.has_cpu[3] = true;
	ck_assert_int_eq(tiers_init(&t, &tc, 4, false, host_of, &h, err, sizeof(err)), 0);
	ck_assert_uint_eq(t.source, TIER_FLAT);
	ck_assert_uint_eq(t.ntiers, 1);
}
END_TEST

START_TEST(simulated_slow_nodes)
{
	struct tier_config tc = { .sim_slow = 1 };
	static const int one_host[MAX_NODES] = { 0 };
	struct host_topology h;
	struct tiers t;
	char err[256];

	topology(&h);
	ck_assert_int_eq(tiers_init(&t, &tc, 3, true, one_host, &h, err, sizeof(err)), 0);
	ck_assert_uint_eq(t.source, TIER_SIMULATED);
	ck_assert_uint_eq(t.tier[0] + t.tier[1], 0);
	ck_assert_uint_eq(t.tier[2], 1);
	ck_assert_uint_eq(t.distance[0][1], 20);
	ck_assert_uint_eq(t.distance[1][2], 30);
	tc.sim_slow = 3;
	ck_assert_int_eq(tiers_init(&t, &tc, 3, true, one_host, &h, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "leaves no fast node"), "%s", err);
}
END_TEST

START_TEST(reads_memory_tiering)
{
	char dir[] = "/tmp/check_tier.XXXXXX", path[256];
	struct host_topology h;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/memory_tier4", dir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/memory_tier4/nodelist", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("0\n", f);
	fclose(f);
	host_topology_read(&h, dir);
	ck_assert_int_eq(h.kernel_tier[0], 4);
	ck_assert_int_eq(h.kernel_tier[MAX_NODES - 1], -1);
	ck_assert_uint_ge(h.nnodes, 1);
	ck_assert_uint_eq(h.distance[0][0], 10);
	unlink(path);
	snprintf(path, sizeof(path), "%s/memory_tier4", dir);
	rmdir(path);
	rmdir(dir);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("tier");
	TCase *tc = tcase_create("tier");

	tcase_add_test(tc, parse);
	tcase_add_test(tc, sim_nodes_with_slow_ones);
	tcase_add_test(tc, explicit_tiers_cover_every_node);
	tcase_add_test(tc, from_the_topology);
	tcase_add_test(tc, simulated_slow_nodes);
	tcase_add_test(tc, reads_memory_tiering);
	suite_add_tcase(s, tc);
	return s;
}
