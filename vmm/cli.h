/* cli.h - command-line parsing for `frameshift run`; the options are documented
 * in docs/frameshift.1. */
#ifndef FRAMESHIFT_VMM_CLI_H
#define FRAMESHIFT_VMM_CLI_H

#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>

#include "blk/blk.h"
#include "mm/guest_mem.h"
#include "net/net.h"

/* Process exit statuses that are not the guest's own debug-exit value. */
#define EXIT_USAGE    64 /* bad command line (sysexits EX_USAGE) */
#define EXIT_SOFTWARE 70 /* unexpected KVM behaviour, an unhandled exit */
#define EXIT_OSERR    71 /* the host lacks something: /dev/kvm, hugepages, memory */
#define EXIT_GUEST_CRASH 80 /* triple fault / guest shutdown */

struct vm_config {
	const char *guest_path;    /* test-guest ELF, or NULL with --kernel */
	const char *kernel_path;   /* --kernel bzImage (docs/linux-guest.md) */
	const char *initrd_path;   /* --initrd */
	const char *cmdline;       /* --cmdline: replaces the default kernel command line */
	bool no_kernel_cache;      /* --no-kernel-cache: the bzImage decompresses itself in the guest */
	unsigned cpus;
	struct guest_mem_config mem;
	const char *api_socket;
	const char *append;   /* bootargs for the guest */
	unsigned copy_threads; /* migration copy threads */
	unsigned ncpu_nodes;   /* --cpu-nodes: vCPU i runs on cpu_nodes[i % ncpu_nodes] */
	uint8_t cpu_nodes[64];
	bool autobalance;      /* sample writes with dirty rings, move frames */
	double autobalance_rate; /* MiB/s */
	bool tiering;          /* --tiering: demote cold frames, promote hot ones (mm/tier_policy.h) */
	double tiering_rate;   /* promotions, MiB/s */
	int tiering_sample;    /* frames armed for read sampling a period; -1: the default */
	bool verbose;
	bool no_seccomp;       /* --no-seccomp: no sandbox (vmm/sandbox.c) */
	unsigned ndisks;       /* --disk, repeatable (blk/) */
	struct blk_spec disks[BLK_MAX_DISKS];
	unsigned nnets;        /* --net, repeatable (net/) */
	struct net_spec nets[NET_MAX];
	uint64_t current_memory; /* --current-memory: the balloon's target at start; 0: none */
	const char *domain_xml; /* run --domain: the domain's text, for ctl dumpxml */
	/* --emulator-cpus: the VMM's own threads (not the vCPUs) on these CPUs */
	bool emulator_pinned;
	cpu_set_t emulator_cpus;
};

/* Parse `run` arguments (argv[0] is "run", or "check": the guest is optional). Returns 0, or EXIT_USAGE after
 * printing a message to stderr; 1 means --help was printed (exit 0). */
int cli_parse_run(int argc, char **argv, struct vm_config *cfg);
void cli_usage(FILE *out);
/* The guest's files exist and are readable regular files, and each device's
 * node=N is a host node with CPUs; -1 with a message. */
int cli_check_files(const struct vm_config *cfg, char *err, size_t errlen);
/* What can be checked before anything is allocated: the guest's files, the
 * control socket's path, and the nodes and policy against this host. 0, or
 * EXIT_USAGE after a message. */
int cli_validate(const struct vm_config *cfg);

#endif
