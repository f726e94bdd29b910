/* native.c - `frameshift domxml-to-native FILE.xml`: the run command line a
 * domain means, printed and checked by the run option parser, starting
 * nothing (so it needs no /dev/kvm), as virsh domxml-to-native does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/cli.h"
#include "vmm/domain/domain.h"

/* One argument as the shell reads it back: bare when that is safe, else in
 * single quotes. */
static void print_arg(const char *s)
{
	if (*s && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789,._+:@%/=-") == strlen(s)) {
		fputs(s, stdout);
		return;
	}
	putchar('\'');
	for (; *s; s++)
		fputs(*s == '\'' ? "'\\''" : (char[]){ *s, 0 }, stdout);
	putchar('\'');
}

int domain_native_main(int argc, char **argv)
{
	struct domain_args a;
	struct vm_config cfg;
	char err[512], *text;
	int ret;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		puts("usage: frameshift domxml-to-native FILE.xml\n"
		     "Print the frameshift run command line that FILE.xml (a libvirt domain) means.\n"
		     "docs/domain.md lists the elements frameshift understands.");
		return 0;
	}
	if (argc != 2) {
		fputs("usage: frameshift domxml-to-native FILE.xml\n", stderr);
		return EXIT_USAGE;
	}
	if (domain_load(argv[1], &a, &text, err, sizeof(err)) < 0) {
		fprintf(stderr, "frameshift: %s\n", err);
		return EXIT_USAGE;
	}
	free(text);
	/* what is printed must be what run accepts */
	ret = cli_parse_run(a.argc, a.argv, &cfg);
	if (ret == 0) {
		fputs("frameshift", stdout);
		for (int i = 0; i < a.argc; i++) {
			putchar(' ');
			print_arg(a.argv[i]);
		}
		putchar('\n');
	}
	domain_args_free(&a);
	return ret;
}
