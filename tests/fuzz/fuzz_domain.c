/* fuzz_domain.c - the libvirt domain front end (vmm/domain/) over any
 * input: domain_to_args with a made-up host of 2 nodes and 4 CPUs.
 *
 * Properties: a domain is refused with a message that names the input
 * ("in.xml:LINE: ..."), or mapped to run options that `frameshift run`
 * accepts as they are (what domxml-to-native prints, run must take). A
 * <kernel> names a file: /proc/self/exe is an ELF, /dev/null is not. */
#include <stdbool.h>

#include "vmm/cli.h"
#include "vmm/domain/domain.h"
#include "tests/fuzz/fuzz.h"

static int node_of_cpu(int cpu)
{
	return cpu < 2 ? 0 : cpu < 4 ? 1 : -1;
}

static const struct domain_host host = { .nnodes = 2, .ncpus = 4, .node_of_cpu = node_of_cpu };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct domain_args a;
	struct vm_config cfg;
	char err[512] = "";

	if (domain_to_args((const char *)data, size, "in.xml", &host, &a, err, sizeof(err)) < 0) {
		FUZZ_ASSERT(!strncmp(err, "in.xml", 6), "a refusal that does not name the input: '%s'", err);
		FUZZ_LOG("refused: %s\n", err);
		return 0;
	}
	FUZZ_ASSERT(a.argc >= 5 && !strcmp(a.argv[0], "run"), "mapped to %d arguments", a.argc);
	/* cli_parse_run says on stderr why, if it refuses */
	FUZZ_ASSERT(cli_parse_run(a.argc, a.argv, &cfg) == 0, "run refuses what the domain maps to");
	FUZZ_LOG("mapped: %d arguments\n", a.argc);
	domain_args_free(&a);
	return 0;
}
