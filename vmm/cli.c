/* cli.c - `frameshift run` options. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/cli.h"
#include "vmm/guest-abi.h"
#include "vmm/util.h"

#define MAX_CPUS 64

void cli_usage(FILE *out)
{
	fputs("usage: frameshift run [OPTIONS] GUEST.elf\n"
	      "       frameshift ctl [--json] [--no-color] SOCKET COMMAND [--ARG VALUE...]\n"
	      "       frameshift --version | --help\n"
	      "\n"
	      "run options:\n"
	      "  -m, --mem SIZE            guest RAM, a multiple of 2M (default 64M; K/M/G suffixes)\n"
	      "  -c, --cpus N              vCPUs (default 1, at most 64)\n"
	      "      --numa-policy POLICY  initial placement: bind:NODES, interleave:NODES or\n"
	      "                            preferred:NODE (default bind:0)\n"
	      "      --sim-nodes K         run K simulated nodes, all on one host node\n"
	      "      --no-hugetlb          back guest RAM with shmem + THP instead of hugetlb pages\n"
	      "      --pool-reserve N      pre-touched spare pages per node pool (default 4)\n"
	      "      --copy-threads N      threads that copy frames during migration (default 1)\n"
	      "      --api-socket PATH     serve the JSON control API on a unix socket (mode 0600)\n"
	      "      --append STRING       boot arguments for the guest (FDT /chosen/bootargs)\n"
	      "  -v, --verbose             log more\n"
	      "\n"
	      "Exit status: the guest's debug-exit value, or 64 usage, 70 VMM/KVM error,\n"
	      "71 host resource error, 80 guest crash, 128+N signal N. See frameshift(1).\n",
	      out);
}

int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	unsigned shift = 0;

	if (*s < '0' || *s > '9') /* strtoull would take spaces and a sign */
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	}
	if (*end == 'i' && shift)
		end++;
	if ((*end == 'B' || *end == 'b') && (shift || end[1] == '\0'))
		end++;
	if (*end || (shift && v > (UINT64_MAX >> shift)))
		return -1;
	*out = v << shift;
	return 0;
}

static int parse_uint(const char *s, unsigned min, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

#define USAGE_ERROR(...)                                   \
	do {                                               \
		fprintf(stderr, "frameshift run: ");       \
		fprintf(stderr, __VA_ARGS__);              \
		fprintf(stderr, "\nTry 'frameshift --help'.\n"); \
		return EXIT_USAGE;                         \
	} while (0)

enum { OPT_POLICY = 256, OPT_SIM_NODES, OPT_NO_HUGETLB, OPT_POOL_RESERVE, OPT_API_SOCKET,
       OPT_APPEND, OPT_COPY_THREADS };

int cli_parse_run(int argc, char **argv, struct vm_config *cfg)
{
	static const struct option opts[] = {
		{ "mem", required_argument, NULL, 'm' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "numa-policy", required_argument, NULL, OPT_POLICY },
		{ "sim-nodes", required_argument, NULL, OPT_SIM_NODES },
		{ "no-hugetlb", no_argument, NULL, OPT_NO_HUGETLB },
		{ "pool-reserve", required_argument, NULL, OPT_POOL_RESERVE },
		{ "api-socket", required_argument, NULL, OPT_API_SOCKET },
		{ "append", required_argument, NULL, OPT_APPEND },
		{ "copy-threads", required_argument, NULL, OPT_COPY_THREADS },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	char err[256];
	int c;

	memset(cfg, 0, sizeof(*cfg));
	cfg->cpus = 1;
	cfg->copy_threads = 1;
	cfg->mem.size = 64ULL << 20;
	cfg->mem.backing = POOL_HUGETLB;
	cfg->mem.pool_reserve = 4;
	cfg->mem.policy = (struct numa_policy){ .mode = NUMA_BIND, .nodemask = 1 };
	optind = 0; /* 0, not 1: also resets getopt's state inside a -xyz group */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:m:c:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (parse_size(optarg, &cfg->mem.size) < 0)
				USAGE_ERROR("bad --mem '%s' (want e.g. 64M or 1G)", optarg);
			if (cfg->mem.size == 0 || cfg->mem.size % FRAME_SIZE)
				USAGE_ERROR("--mem %s is not a non-zero multiple of 2M", optarg);
			if (cfg->mem.size > FS_RAM_MAX)
				USAGE_ERROR("--mem %s is larger than the %llu MiB below the MMIO window",
					    optarg, FS_RAM_MAX >> 20);
			break;
		case 'c':
			if (parse_uint(optarg, 1, MAX_CPUS, &cfg->cpus) < 0)
				USAGE_ERROR("bad --cpus '%s' (want 1 to %d)", optarg, MAX_CPUS);
			break;
		case OPT_POLICY:
			if (numa_policy_parse(optarg, &cfg->mem.policy, err, sizeof(err)) < 0)
				USAGE_ERROR("%s", err);
			break;
		case OPT_SIM_NODES:
			if (parse_uint(optarg, 1, MAX_NODES, &cfg->mem.sim_nodes) < 0)
				USAGE_ERROR("bad --sim-nodes '%s' (want 1 to %d)", optarg, MAX_NODES);
			break;
		case OPT_NO_HUGETLB:
			cfg->mem.backing = POOL_THP;
			break;
		case OPT_POOL_RESERVE:
			if (parse_uint(optarg, 0, 1u << 20, &cfg->mem.pool_reserve) < 0)
				USAGE_ERROR("bad --pool-reserve '%s'", optarg);
			break;
		case OPT_API_SOCKET:
			cfg->api_socket = optarg;
			break;
		case OPT_COPY_THREADS:
			if (parse_uint(optarg, 1, 64, &cfg->copy_threads) < 0)
				USAGE_ERROR("bad --copy-threads '%s' (want 1 to 64)", optarg);
			break;
		case OPT_APPEND:
			cfg->append = optarg;
			break;
		case 'v':
			cfg->verbose = true;
			break;
		case 'h':
			cli_usage(stdout);
			return 1;
		case ':':
			USAGE_ERROR("option '%s' needs a value", argv[optind - 1]);
		default:
			/* a long option names itself; optopt would be its short letter */
			if (optopt > 0 && optopt < 128 && strncmp(argv[optind - 1], "--", 2))
				USAGE_ERROR("unknown option '-%c'", optopt);
			USAGE_ERROR("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		USAGE_ERROR("%s", optind >= argc ? "no guest image given" : "more than one guest image given");
	cfg->guest_path = argv[optind];
	return 0;
}
