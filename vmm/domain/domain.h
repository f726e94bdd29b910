/* domain.h - libvirt domain XML as frameshift's front end (docs/domain.md).
 *
 * A domain becomes the `frameshift run` command line that means the same
 * (domxml-to-native prints it; run --domain parses it as if typed), so every
 * element maps onto an existing run option and nothing has two meanings.
 * libxml2 reads the XML; where libvirt's schemas are installed the document
 * is validated against domain.rng first. An element frameshift does not
 * understand is refused with its name and line, never ignored. */
#ifndef FRAMESHIFT_VMM_DOMAIN_DOMAIN_H
#define FRAMESHIFT_VMM_DOMAIN_DOMAIN_H

#include <stdbool.h>
#include <stddef.h>

/* libvirt's schema, as Debian's libvirt0 installs it */
#define DOMAIN_SCHEMA "/usr/share/libvirt/schemas/domain.rng"
#define DOMAIN_MAX_BYTES (1u << 20)
/* the namespace of frameshift's own <metadata> element */
#define DOMAIN_NS "https://frameshift.dev/xmlns/domain/1"
#define DOMAIN_MAX_ARGS 48

/* What the mapping asks of the host; domain_host_probe fills it from this
 * machine, unit tests make one up. */
struct domain_host {
	unsigned nnodes;          /* NUMA nodes (simulated ones replace them) */
	int ncpus;                /* host CPUs 0..ncpus-1 */
	int (*node_of_cpu)(int cpu); /* host node of a CPU, -1 if none */
};
void domain_host_probe(struct domain_host *h);

/* The run options a domain means: argv[0] is "run"; the strings are owned.
 * argv[noptions..argc-1] is the test guest's path, if it has one. */
struct domain_args {
	int argc, noptions;
	char *argv[DOMAIN_MAX_ARGS + 1];
};
void domain_args_free(struct domain_args *a);

/* Map the XML text (len bytes; name is for messages) onto run options.
 * 0, or -1 with "NAME:LINE: <element>: why" in err. Does not validate. */
int domain_to_args(const char *xml, size_t len, const char *name, const struct domain_host *host,
		   struct domain_args *out, char *err, size_t errlen);

/* Read a domain file (at most DOMAIN_MAX_BYTES) and NUL-end it. */
int domain_read_file(const char *path, char **text, size_t *len, char *err, size_t errlen);
/* Validate against DOMAIN_SCHEMA: 0 valid, 1 no schema installed here, -1
 * with the schema's first error and its line in err. */
int domain_validate(const char *xml, size_t len, const char *name, char *err, size_t errlen);

/* Everything run --domain FILE and domxml-to-native do before mapping:
 * read, validate, map against this host. On success *text holds the XML
 * (kept for dumpxml). 0, or -1 with err. */
int domain_load(const char *path, struct domain_args *out, char **text, char *err, size_t errlen);

/* `frameshift domxml-to-native FILE.xml`: print the run command line. */
int domain_native_main(int argc, char **argv);

#endif
