/* cli.c - `frameshift run` options. */
#include <errno.h>
#include <getopt.h>
#include <numa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cpus.h"
#include "lib/parse.h"
#include "lib/util.h"
#include "vmm/cli.h"
#include "vmm/control/server.h"
#include "vmm/domain/domain.h"
#include "include/frameshift/guest-abi.h"
#include "lib/log.h"

#define MAX_CPUS 64

void cli_usage(FILE *out)
{
	fputs("usage: frameshift run [OPTIONS] GUEST.elf\n"
	      "       frameshift run [OPTIONS] --kernel BZIMAGE [--initrd FILE] [--cmdline STRING]\n"
	      "       frameshift run --domain FILE.xml [OPTIONS]\n"
	      "       frameshift check [OPTIONS] [GUEST.elf | --kernel BZIMAGE ...]\n"
	      "       frameshift domxml-to-native FILE.xml\n"
	      "       frameshift ctl [--json | --get KEY.PATH...] [--wait SECONDS] [--no-color] SOCKET COMMAND\n"
	      "                      [--ARG VALUE...]\n"
	      "       frameshift --version | --help\n"
	      "\n"
	      "run options:\n"
	      "  -m, --mem SIZE            guest RAM, a multiple of 2M up to 64G (default 64M; K/M/G\n"
	      "                            suffixes); beyond 3G it continues above 4 GiB\n"
	      "  -c, --cpus N              vCPUs (default 1, at most 64)\n"
	      "      --numa-policy POLICY  initial placement: bind:NODES, interleave:NODES or\n"
	      "                            preferred:NODE (default bind:0)\n"
	      "      --sim-nodes K[:S]     run K simulated nodes, all on one host node; the last\n"
	      "                            S of them a slower memory tier\n"
	      "      --tiers LIST          memory tiers, fastest first: node lists with ':'\n"
	      "                            between tiers, e.g. 0,1:2 (default: from the host)\n"
	      "      --no-hugetlb          back guest RAM with shmem + THP instead of hugetlb pages\n"
	      "      --no-prealloc         allocate each frame's page at the guest's first touch,\n"
	      "                            not all before start (faster start; a host out of\n"
	      "                            hugepages then stops the guest at that touch)\n"
	      "      --pool-reserve N      pre-touched spare pages per node pool (default 4)\n"
	      "      --copy-threads N      threads that copy frames during migration, the\n"
	      "                            migrating one included (default 1)\n"
	      "      --cpu-nodes LIST      pin vCPU i to the CPUs of node LIST[i % len], e.g. 0,1\n"
	      "      --emulator-cpus LIST  run the VMM's own threads (all but the vCPUs) on host\n"
	      "                            CPUs LIST, e.g. 0-1 (libvirt's emulatorpin)\n"
	      "      --guest-numa K        show the guest K NUMA nodes (equal RAM slices; vCPUs\n"
	      "                            by --cpu-nodes); slice v starts on node v % nodes\n"
	      "      --autobalance         move frames to the node whose vCPUs write them\n"
	      "      --autobalance-rate R  at most R MiB/s of such moves (default 256)\n"
	      "      --tiering             move cold frames to slower memory tiers, hot ones back\n"
	      "      --tiering-rate R      at most R MiB/s of promotions (default 64)\n"
	      "      --tiering-sample N    frames read-sampled each second (default 1/16 of\n"
	      "                            them, at most 64; 0: writes only)\n"
	      "      --api-socket PATH     serve the JSON control API on a unix socket (mode 0600)\n"
	      "      --append STRING       boot arguments for the guest (FDT /chosen/bootargs)\n"
	      "      --kernel BZIMAGE      boot a Linux kernel (bzImage, or a vmlinux ELF) instead\n"
	      "                            of a test guest. A bzImage's xz/zstd/gzip payload is\n"
	      "                            decompressed on the host, cached in $XDG_CACHE_HOME/\n"
	      "                            frameshift (~/.cache/frameshift) by the image's\n"
	      "                            SHA-256, and entered directly: without KASLR\n"
	      "      --no-kernel-cache     no host decompression or cache: the bzImage\n"
	      "                            decompresses itself in the guest (with KASLR)\n"
	      "      --initrd FILE         initramfs for --kernel\n"
	      "      --cmdline STRING      kernel command line (default: console=ttyS0 reboot=k\n"
	      "                            panic=-1 ...); virtio-mmio devices are appended\n"
	      "      --current-memory SIZE the balloon's target from the start (guest memory,\n"
	      "                            a multiple of 4K; libvirt's currentMemory)\n"
	      "      --domain FILE.xml     run a libvirt domain (docs/domain.md): its run options\n"
	      "                            come first, options given here after them\n"
	      "      --no-seccomp          run without the seccomp sandbox (to debug)\n"
	      "      --disk PATH[,readonly][,serial=S][,node=N]\n"
	      "                            a virtio-blk disk on a raw image file (repeatable, at most 4);\n"
	      "                            node: host node of its I/O threads (default: the one\n"
	      "                            holding most guest memory at start)\n"
	      "      --net tap=NAME[,mac=M][,node=N]\n"
	      "                            a virtio-net device on tap NAME (repeatable, at most 2);\n"
	      "                            node as for --disk\n"
	      "  -v, --verbose             log more\n"
	      "\n"
	      "Exit status: the guest's debug-exit value, or 64 usage, 70 VMM/KVM error,\n"
	      "71 host resource error, 80 guest crash, 128+N signal N. See frameshift(1).\n",
	      out);
}

/* "0,1,1" -> cfg->cpu_nodes; order matters (vCPU i gets entry i % n). */
static int parse_cpu_nodes(const char *s, struct vm_config *cfg)
{
	cfg->ncpu_nodes = 0;
	while (*s) {
		unsigned node;
		char buf[8];
		size_t len = strcspn(s, ",");

		if (len == 0 || len >= sizeof(buf) || cfg->ncpu_nodes == sizeof(cfg->cpu_nodes))
			return -1;
		memcpy(buf, s, len);
		buf[len] = '\0';
		if (parse_uint(buf, 0, MAX_NODES - 1, &node) < 0)
			return -1;
		cfg->cpu_nodes[cfg->ncpu_nodes++] = (uint8_t)node;
		s += len;
		if (*s == ',' && *++s == '\0')
			return -1;
	}
	return cfg->ncpu_nodes ? 0 : -1;
}

static void add_cpus(uint32_t lo, uint32_t hi, void *arg)
{
	for (uint32_t c = lo; c <= hi; c++)
		CPU_SET(c, (cpu_set_t *)arg);
}

#define USAGE_ERROR(...)                                   \
	do {                                               \
		fprintf(stderr, "frameshift %s: ", argv[0]); \
		fprintf(stderr, __VA_ARGS__);              \
		fprintf(stderr, "\nTry 'frameshift --help'.\n"); \
		return EXIT_USAGE;                         \
	} while (0)

enum { OPT_POLICY = 256, OPT_SIM_NODES, OPT_NO_HUGETLB, OPT_NO_PREALLOC, OPT_POOL_RESERVE, OPT_API_SOCKET,
       OPT_APPEND, OPT_COPY_THREADS, OPT_CPU_NODES, OPT_GUEST_NUMA, OPT_AUTOBALANCE,
       OPT_AUTOBALANCE_RATE };

enum { OPT_NO_SECCOMP = 512 };
enum { OPT_KERNEL = 600, OPT_INITRD, OPT_CMDLINE, OPT_NO_KERNEL_CACHE };
enum { OPT_DISK = 700, OPT_NET };
enum { OPT_TIERS = 800, OPT_TIERING, OPT_TIERING_RATE, OPT_TIERING_SAMPLE };
enum { OPT_CURRENT_MEMORY = 900, OPT_DOMAIN, OPT_EMULATOR_CPUS };

/* run --domain FILE [OPTIONS]: the domain's options, then the others, then
 * the domain's guest, parsed as one command line (a later option wins). They and the domain's text
 * stay for the process's life: cfg points into them. */
static bool parsing_domain; /* inside parse_domain_run: no second --domain */

static int parse_domain_run(int argc, char **argv, int at, int skip, const char *path, struct vm_config *cfg)
{
	static struct domain_args loaded;
	static char *loaded_text;
	static char *merged[DOMAIN_MAX_ARGS + 64];
	char err[512];
	int n, ret;

	domain_args_free(&loaded);
	free(loaded_text);
	if (domain_load(path, &loaded, &loaded_text, err, sizeof(err)) < 0) {
		fprintf(stderr, "frameshift %s: %s\n", argv[0], err);
		return EXIT_USAGE;
	}
	if ((size_t)(loaded.argc + argc) > sizeof(merged) / sizeof(merged[0])) {
		fprintf(stderr, "frameshift %s: too many options\n", argv[0]);
		return EXIT_USAGE;
	}
	n = 0;
	merged[n++] = argv[0];
	for (int i = 1; i < loaded.noptions; i++)
		merged[n++] = loaded.argv[i];
	for (int i = 1; i < argc; i++)
		if (i < at || i >= at + skip)
			merged[n++] = argv[i];
	/* the test guest's path last: options stop at the first path */
	for (int i = loaded.noptions; i < loaded.argc; i++)
		merged[n++] = loaded.argv[i];
	merged[n] = NULL;
	parsing_domain = true;
	ret = cli_parse_run(n, merged, cfg);
	parsing_domain = false;
	cfg->domain_xml = loaded_text;
	return ret;
}

int cli_parse_run(int argc, char **argv, struct vm_config *cfg)
{
	static const struct option opts[] = {
		{ "mem", required_argument, NULL, 'm' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "numa-policy", required_argument, NULL, OPT_POLICY },
		{ "sim-nodes", required_argument, NULL, OPT_SIM_NODES },
		{ "no-hugetlb", no_argument, NULL, OPT_NO_HUGETLB },
		{ "no-prealloc", no_argument, NULL, OPT_NO_PREALLOC },
		{ "pool-reserve", required_argument, NULL, OPT_POOL_RESERVE },
		{ "api-socket", required_argument, NULL, OPT_API_SOCKET },
		{ "append", required_argument, NULL, OPT_APPEND },
		{ "copy-threads", required_argument, NULL, OPT_COPY_THREADS },
		{ "cpu-nodes", required_argument, NULL, OPT_CPU_NODES },
		{ "guest-numa", required_argument, NULL, OPT_GUEST_NUMA },
		{ "autobalance", no_argument, NULL, OPT_AUTOBALANCE },
		{ "autobalance-rate", required_argument, NULL, OPT_AUTOBALANCE_RATE },
		{ "no-seccomp", no_argument, NULL, OPT_NO_SECCOMP },
		{ "kernel", required_argument, NULL, OPT_KERNEL },
		{ "initrd", required_argument, NULL, OPT_INITRD },
		{ "cmdline", required_argument, NULL, OPT_CMDLINE },
		{ "disk", required_argument, NULL, OPT_DISK },
		{ "net", required_argument, NULL, OPT_NET },
		{ "tiers", required_argument, NULL, OPT_TIERS },
		{ "tiering", no_argument, NULL, OPT_TIERING },
		{ "tiering-rate", required_argument, NULL, OPT_TIERING_RATE },
		{ "tiering-sample", required_argument, NULL, OPT_TIERING_SAMPLE },
		{ "current-memory", required_argument, NULL, OPT_CURRENT_MEMORY },
		{ "domain", required_argument, NULL, OPT_DOMAIN },
		{ "emulator-cpus", required_argument, NULL, OPT_EMULATOR_CPUS },
		{ "no-kernel-cache", no_argument, NULL, OPT_NO_KERNEL_CACHE },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	char err[256];
	const char *domain = NULL;
	int c, domain_at = 0, domain_skip = 0;

	memset(cfg, 0, sizeof(*cfg));
	cfg->cpus = 1;
	cfg->copy_threads = 1;
	cfg->autobalance_rate = 256;
	cfg->tiering_rate = 64;
	cfg->tiering_sample = -1;
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
				USAGE_ERROR("--mem %s is larger than the %llu GiB the guest's identity map holds",
					    optarg, FS_RAM_MAX >> 30);
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
			if (tier_parse_sim_nodes(optarg, &cfg->mem.sim_nodes, &cfg->mem.tiers) < 0)
				USAGE_ERROR("bad --sim-nodes '%s' (want K, 1 to %d, or K:S, the last S of "
					    "the K nodes slow)", optarg, MAX_NODES);
			break;
		case OPT_TIERING:
			cfg->tiering = true;
			break;
		case OPT_TIERING_RATE: {
			unsigned rate;

			if (parse_uint(optarg, 1, 1u << 20, &rate) < 0)
				USAGE_ERROR("bad --tiering-rate '%s' (MiB/s, 1 or more)", optarg);
			cfg->tiering_rate = rate;
			break;
		}
		case OPT_TIERING_SAMPLE: {
			unsigned n;

			if (parse_uint(optarg, 0, 1u << 20, &n) < 0)
				USAGE_ERROR("bad --tiering-sample '%s' (frames, 0 or more)", optarg);
			cfg->tiering_sample = (int)n;
			break;
		}
		case OPT_TIERS:
			if (tier_parse(optarg, &cfg->mem.tiers, err, sizeof(err)) < 0)
				USAGE_ERROR("%s", err);
			break;
		case OPT_NO_HUGETLB:
			cfg->mem.backing = POOL_THP;
			break;
		case OPT_NO_PREALLOC:
			cfg->mem.lazy = true;
			break;
		case OPT_POOL_RESERVE:
			if (parse_uint(optarg, 0, 1u << 20, &cfg->mem.pool_reserve) < 0)
				USAGE_ERROR("bad --pool-reserve '%s' (want 0 to %u)", optarg, 1u << 20);
			break;
		case OPT_API_SOCKET:
			cfg->api_socket = optarg;
			break;
		case OPT_COPY_THREADS:
			if (parse_uint(optarg, 1, 64, &cfg->copy_threads) < 0)
				USAGE_ERROR("bad --copy-threads '%s' (want 1 to 64)", optarg);
			break;
		case OPT_CPU_NODES:
			if (parse_cpu_nodes(optarg, cfg) < 0)
				USAGE_ERROR("bad --cpu-nodes '%s' (want a list of nodes such as 0,1 or 0,0,1,1)",
					    optarg);
			break;
		case OPT_GUEST_NUMA:
			if (parse_uint(optarg, 1, MAX_NODES, &cfg->mem.guest_nodes) < 0)
				USAGE_ERROR("bad --guest-numa '%s' (want 1 to %d)", optarg, MAX_NODES);
			break;
		case OPT_AUTOBALANCE:
			cfg->autobalance = true;
			break;
		case OPT_AUTOBALANCE_RATE: {
			unsigned rate;

			if (parse_uint(optarg, 1, 1u << 20, &rate) < 0)
				USAGE_ERROR("bad --autobalance-rate '%s' (MiB/s, 1 or more)", optarg);
			cfg->autobalance_rate = rate;
			break;
		}
		case OPT_APPEND:
			cfg->append = optarg;
			break;
		case OPT_KERNEL:
			cfg->kernel_path = optarg;
			break;
		case OPT_INITRD:
			cfg->initrd_path = optarg;
			break;
		case OPT_CMDLINE:
			cfg->cmdline = optarg;
			break;
		case OPT_DOMAIN:
			if (parsing_domain || domain)
				USAGE_ERROR("--domain given twice");
			domain = optarg;
			/* "--domain FILE" or "--domain=FILE": where it stands, to drop it */
			domain_skip = strcmp(argv[optind - 1], optarg) ? 1 : 2;
			domain_at = optind - domain_skip;
			break;
		case OPT_CURRENT_MEMORY:
			if (parse_size(optarg, &cfg->current_memory) < 0 || !cfg->current_memory ||
			    cfg->current_memory % 4096)
				USAGE_ERROR("bad --current-memory '%s' (a multiple of 4K, e.g. 192M)", optarg);
			break;
		case OPT_EMULATOR_CPUS:
			CPU_ZERO(&cfg->emulator_cpus);
			if (parse_range_list(optarg, CPU_SETSIZE, add_cpus, &cfg->emulator_cpus) < 0)
				USAGE_ERROR("bad --emulator-cpus '%s' (want host CPUs such as 0-1,4)", optarg);
			cfg->emulator_pinned = true;
			break;
		case OPT_NO_KERNEL_CACHE:
			cfg->no_kernel_cache = true;
			break;
		case OPT_NO_SECCOMP:
			cfg->no_seccomp = true;
			break;
		case OPT_DISK:
			if (cfg->ndisks == BLK_MAX_DISKS)
				USAGE_ERROR("more than %d --disk", BLK_MAX_DISKS);
			if (blk_spec_parse(optarg, cfg->ndisks, &cfg->disks[cfg->ndisks], err, sizeof(err)) < 0)
				USAGE_ERROR("%s", err);
			cfg->ndisks++;
			break;
		case OPT_NET:
			if (cfg->nnets == NET_MAX)
				USAGE_ERROR("more than %d --net", NET_MAX);
			if (net_spec_parse(optarg, cfg->nnets, &cfg->nets[cfg->nnets], err, sizeof(err)) < 0)
				USAGE_ERROR("%s", err);
			cfg->nnets++;
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
	if (domain)
		return parse_domain_run(argc, argv, domain_at, domain_skip, domain, cfg);
	if (cfg->current_memory > cfg->mem.size)
		USAGE_ERROR("--current-memory is larger than --mem");
	if (cfg->mem.guest_nodes && cfg->mem.guest_nodes > cfg->mem.size / FRAME_SIZE)
		USAGE_ERROR("--guest-numa %u needs at least %u frames of guest RAM", cfg->mem.guest_nodes,
			    cfg->mem.guest_nodes);
	if (cfg->kernel_path) {
		if (optind < argc)
			USAGE_ERROR("give either --kernel or a guest image '%s', not both", argv[optind]);
		if (!*cfg->kernel_path)
			USAGE_ERROR("--kernel needs a file name");
		if (cfg->append)
			USAGE_ERROR("--append is for test guests; give a Linux kernel --cmdline");
		return 0;
	}
	if (cfg->initrd_path || cfg->cmdline || cfg->no_kernel_cache)
		USAGE_ERROR("%s needs --kernel", cfg->initrd_path ? "--initrd"
						 : cfg->cmdline ? "--cmdline" : "--no-kernel-cache");
	/* check asks about the options alone; a guest is optional there */
	if (optind == argc && !strcmp(argv[0], "check"))
		return 0;
	if (optind != argc - 1)
		USAGE_ERROR("%s", optind >= argc ? "no guest image given (a GUEST.elf, or --kernel BZIMAGE)"
						 : "more than one guest image given");
	cfg->guest_path = argv[optind];
	return 0;
}

/* path exists and is a regular file we may read (and write, for a disk
 * that is not readonly). */
static int check_file(const char *path, const char *what, int mode, char *err, size_t errlen)
{
	struct stat st;

	if (stat(path, &st) < 0 || access(path, mode) < 0) {
		snprintf(err, errlen, "cannot open %s (%s): %s", path, what, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s (%s) is not a regular file", path, what);
		return -1;
	}
	return 0;
}

/* A device's node=N names a host node with CPUs for its threads (-1: not
 * given). Host nodes, also with --sim-nodes: the I/O runs on real CPUs. */
static int check_io_node(int node, const char *what, char *err, size_t errlen)
{
	cpu_set_t cpus;
	int n = node < 0 ? 1 : host_node_cpus(node, &cpus);

	if (n > 0)
		return 0;
	if (n == 0)
		snprintf(err, errlen, "%s node=%d: host node %d has no CPUs", what, node, node);
	else if (numa_available() < 0)
		snprintf(err, errlen, "%s node=%d: this host has no NUMA nodes (libnuma)", what, node);
	else
		snprintf(err, errlen, "%s node=%d: no such host node (this host has nodes 0-%d)", what, node,
			 numa_max_node());
	return -1;
}

int cli_check_files(const struct vm_config *cfg, char *err, size_t errlen)
{
	const struct { const char *path, *what; } files[] = {
		{ cfg->guest_path, "guest image" },
		{ cfg->kernel_path, "--kernel" },
		{ cfg->initrd_path, "--initrd" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(files); i++)
		if (files[i].path && check_file(files[i].path, files[i].what, R_OK, err, errlen) < 0)
			return -1;
	for (unsigned i = 0; i < cfg->ndisks; i++)
		if (check_file(cfg->disks[i].path, "--disk", cfg->disks[i].readonly ? R_OK : R_OK | W_OK,
			       err, errlen) < 0 ||
		    check_io_node(cfg->disks[i].node, "--disk", err, errlen) < 0)
			return -1;
	for (unsigned i = 0; i < cfg->nnets; i++)
		if (check_io_node(cfg->nets[i].node, "--net", err, errlen) < 0)
			return -1;
	return 0;
}

/* Every CPU of --emulator-cpus is one this process may run on (the host's,
 * within its cgroup and taskset), so the pinning cannot fail later. */
static int check_emulator_cpus(const struct vm_config *cfg, char *err, size_t errlen)
{
	cpu_set_t allowed;

	if (!cfg->emulator_pinned)
		return 0;
	if (sched_getaffinity(0, sizeof(allowed), &allowed) < 0) {
		snprintf(err, errlen, "--emulator-cpus: cannot read this process's CPUs: %s", strerror(errno));
		return -1;
	}
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &cfg->emulator_cpus) && !CPU_ISSET(c, &allowed)) {
			snprintf(err, errlen, "--emulator-cpus: CPU %d is not one this process may run on", c);
			return -1;
		}
	return 0;
}

int cli_validate(const struct vm_config *cfg)
{
	struct guest_mem_plan plan;
	char err[512];

	bool stale;

	if (cli_check_files(cfg, err, sizeof(err)) < 0 || check_emulator_cpus(cfg, err, sizeof(err)) < 0 ||
	    (cfg->api_socket && control_check_path(cfg->api_socket, &stale, err, sizeof(err)) < 0) ||
	    guest_mem_plan(&cfg->mem, &plan, err, sizeof(err)) < 0) {
		fprintf(stderr, "frameshift: %s\n", err);
		return EXIT_USAGE;
	}
	return 0;
}
