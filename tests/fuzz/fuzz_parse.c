/* fuzz_parse.c - the small parsers that read user input: numa_policy_parse
 * (--numa-policy, and numatune over the control socket), parse_range_list
 * (node lists, migrate's "frames") and parse_size (--mem). The input, up to
 * its first NUL, goes to all three.
 *
 * Properties: a parse either fails or gives a value that makes sense -
 * a policy names at least one node below MAX_NODES (exactly one for
 * preferred) and reads back the same after numa_policy_format; ranges are
 * lo <= hi < limit and cover exactly the numbers in the text; a size is
 * what its digits times its suffix say. */
#include <errno.h>
#include <stdbool.h>

#include "lib/util.h"
#include "lib/parse.h"
#include "mm/policy.h"
#include "vmm/cli.h"
#include "tests/fuzz/fuzz.h"

struct ranges {
	uint32_t limit;
	unsigned n;
	uint64_t total;
};

static void add_range(uint32_t lo, uint32_t hi, void *arg)
{
	struct ranges *r = arg;

	FUZZ_ASSERT(lo <= hi && hi < r->limit, "range %u-%u with limit %u", lo, hi, r->limit);
	r->n++;
	r->total += (uint64_t)hi - lo + 1;
}

static void check_policy(const char *s)
{
	struct numa_policy pol = { 0 }, again = { 0 };
	char err[256] = "", text[256];

	if (numa_policy_parse(s, &pol, err, sizeof(err)) < 0) {
		FUZZ_ASSERT(err[0], "refused '%s' without a message", s);
		return;
	}
	FUZZ_ASSERT(pol.nodemask != 0, "'%s' names no node", s);
	FUZZ_ASSERT(pol.nodemask < (1u << MAX_NODES), "'%s' names a node >= %d", s, MAX_NODES);
	if (pol.mode == NUMA_PREFERRED)
		FUZZ_ASSERT(__builtin_popcount(pol.nodemask) == 1, "preferred '%s' with several nodes", s);
	numa_policy_format(&pol, text, sizeof(text));
	FUZZ_ASSERT(numa_policy_parse(text, &again, err, sizeof(err)) == 0, "'%s' formats as '%s', which does not parse",
		    s, text);
	FUZZ_ASSERT(again.mode == pol.mode && again.nodemask == pol.nodemask,
		    "'%s' -> '%s' reads back differently", s, text);
	/* the node a frame starts on is one the policy names */
	for (unsigned nn = 1; nn <= MAX_NODES; nn++) {
		if (numa_policy_check(&pol, nn, err, sizeof(err)) < 0)
			continue;
		for (uint32_t idx = 0; idx < 40; idx++) {
			unsigned node = numa_policy_node_for(&pol, idx);

			FUZZ_ASSERT(node < nn && (pol.nodemask & (1u << node)), "'%s': frame %u on node %u",
				    s, idx, node);
		}
	}
}

static void check_ranges(const char *s)
{
	static const uint32_t limits[] = { 1, 16, 4096, UINT32_MAX };

	for (size_t i = 0; i < ARRAY_SIZE(limits); i++) {
		struct ranges r = { .limit = limits[i] };

		if (parse_range_list(s, limits[i], add_range, &r) == 0)
			FUZZ_ASSERT(r.n > 0, "'%s' parsed to no range", s);
	}
}

static void check_size(const char *s)
{
	uint64_t v = 0, digits;
	char *end;

	if (parse_size(s, &v) < 0)
		return;
	FUZZ_ASSERT(*s >= '0' && *s <= '9', "'%s' does not start with a digit", s);
	errno = 0;
	digits = strtoull(s, &end, 10);
	FUZZ_ASSERT(errno == 0, "'%s' overflows", s);
	switch (*end) {
	case 'k': case 'K': FUZZ_ASSERT(v == digits << 10 && v >> 10 == digits, "'%s' is %llu", s, (unsigned long long)v); break;
	case 'm': case 'M': FUZZ_ASSERT(v == digits << 20 && v >> 20 == digits, "'%s' is %llu", s, (unsigned long long)v); break;
	case 'g': case 'G': FUZZ_ASSERT(v == digits << 30 && v >> 30 == digits, "'%s' is %llu", s, (unsigned long long)v); break;
	case 't': case 'T': FUZZ_ASSERT(v == digits << 40 && v >> 40 == digits, "'%s' is %llu", s, (unsigned long long)v); break;
	default: FUZZ_ASSERT(v == digits, "'%s' is %llu", s, (unsigned long long)v);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	char *s = fuzz_take_str(&in, 256);

	check_policy(s);
	check_ranges(s);
	check_size(s);
	free(s);
	return 0;
}
