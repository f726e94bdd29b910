/* main.c - frameshift's entry: `run` a VM, `check` that it can run here, or
 * talk to one with `ctl`. */
#include <stdio.h>
#include <string.h>

#include "blk/device.h"
#include "net/device.h"
#include "vmm/check.h"
#include "vmm/cli.h"
#include "vmm/ctl.h"
#include "vmm/domain/domain.h"
#include "vmm/sandbox.h"
#include "lib/log.h"
#include "vmm/vm.h"

int main(int argc, char **argv)
{
	struct vm_config cfg;
	int ret;

	sandbox_early();
	if (argc < 2) {
		cli_usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		cli_usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("frameshift %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "ctl"))
		return ctl_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "domxml-to-native"))
		return domain_native_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "run") && strcmp(argv[1], "check")) {
		fprintf(stderr, "frameshift: unknown command '%s'\nTry 'frameshift --help'.\n", argv[1]);
		return EXIT_USAGE;
	}
	ret = cli_parse_run(argc - 1, argv + 1, &cfg);
	if (ret)
		return ret == 1 ? 0 : ret;
	log_verbose = cfg.verbose;
	if (!strcmp(argv[1], "check"))
		return check_main(&cfg);
	ret = cli_validate(&cfg);
	if (ret)
		return ret;
	blk_register_disks(&cfg);
	net_register_devices(&cfg);
	return vm_run_main(&cfg);
}
