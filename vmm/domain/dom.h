/* dom.h - inside the domain front end: what the mappers collect from the XML
 * (one mapper per element, in the map_*.c files) before emit.c writes it
 * out as run options, and the helpers they share (parse.c). */
#ifndef FRAMESHIFT_VMM_DOMAIN_DOM_H
#define FRAMESHIFT_VMM_DOMAIN_DOM_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include <libxml/tree.h>

#include "blk/blk.h"
#include "mm/frame.h"
#include "net/net.h"
#include "vmm/domain/domain.h"

#define DOM_MAX_VCPUS 64

struct domain {
	const char *name;              /* file name, for messages */
	struct domain_host host;
	char *err;
	size_t errlen;

	uint64_t memory;               /* <memory>, bytes */
	uint64_t current_memory;       /* <currentMemory>; 0: none */
	uint64_t hard_limit;           /* <memtune><hard_limit>; 0: none */
	int hard_limit_line;
	unsigned vcpus;
	bool hugepages;                /* <memoryBacking><hugepages> */
	bool ondemand;                 /* <memoryBacking><allocation mode='ondemand'> */
	/* <cputune><vcpupin>: host node of each vCPU; -1 not pinned */
	int vcpu_node[DOM_MAX_VCPUS];
	unsigned npinned;
	int vcpupin_line;
	uint64_t emulator_cpus;        /* <cputune><emulatorpin>; 0: none */
	/* <numatune><memory> as a --numa-policy, e.g. "bind:0-1" */
	char policy[96];
	/* <numatune><memnode>: host node of each guest cell; -1 not given */
	int memnode[MAX_NODES];
	int memnode_line[MAX_NODES];
	/* <cpu><numa>: guest cells */
	unsigned ncells;
	uint64_t cell_memory[MAX_NODES];
	uint64_t cell_cpus[MAX_NODES]; /* bit per vCPU */
	int cell_line[MAX_NODES];
	int numa_line;
	/* <os> */
	char *kernel, *initrd, *cmdline;
	bool kernel_is_elf;            /* a test-guest ELF rather than a bzImage */
	/* <devices><disk>, <interface>: their --disk and --net values */
	char *disks[BLK_MAX_DISKS], *nets[NET_MAX];
	unsigned ndisks, nnets;
	/* the <disk> or <interface> being mapped, filled by its children */
	struct {
		char *source, *tap, *mac;
		char serial[VIRTIO_BLK_ID_BYTES + 1];
		bool readonly, target, virtio_model;
	} dev;
	/* <metadata><frameshift:...> */
	unsigned sim_nodes;
	bool autobalance;
	unsigned autobalance_rate;
	unsigned copy_threads, pool_reserve;
};

/* A mapper for one element: 0, or -1 after dom_error. */
typedef int (*dom_map_fn)(struct domain *d, xmlNode *n);
struct dom_element {
	const char *name;
	dom_map_fn map;                /* NULL: accepted, changes nothing */
};

/* "NAME:LINE: <element>: message" into d->err; returns -1. */
int dom_error(struct domain *d, xmlNode *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Map each element child of n by table; any other element is refused with
 * its name and line. Text other than blanks is refused too. */
int dom_children(struct domain *d, xmlNode *n, const struct dom_element *table);
/* Refuse an attribute of n not in the NULL-ended list. */
int dom_attrs(struct domain *d, xmlNode *n, const char *const *allowed);
/* The attribute's value (malloc'd) or NULL; dom_attr_is compares. */
char *dom_attr(xmlNode *n, const char *name);
bool dom_attr_is(xmlNode *n, const char *name, const char *value);
/* Text of n, trimmed, in buf; -1 (dom_error) if too long or empty. */
int dom_text(struct domain *d, xmlNode *n, char *buf, size_t len);
/* A size as libvirt writes one: the text of n in the unit of its 'unit'
 * attribute (default KiB); -1 for an unknown unit or a bad number. */
int dom_size(struct domain *d, xmlNode *n, uint64_t *bytes);
int dom_size_of(struct domain *d, xmlNode *n, const char *value, const char *unit, uint64_t *bytes);
/* An unsigned attribute (or text with attr NULL) in [min, max]. */
int dom_uint(struct domain *d, xmlNode *n, const char *attr, unsigned min, unsigned max, unsigned *out);
/* A libvirt set such as "0-3,5" below limit into a bit mask. */
int dom_set(struct domain *d, xmlNode *n, const char *what, const char *s, unsigned limit, uint64_t *mask);
/* A mask back as a list, each member named ("0,1,3"), as the options take. */
void dom_format_set(uint64_t mask, char *buf, size_t len);

/* The mappers, one per top-level element (map_*.c). */
int map_memory(struct domain *d, xmlNode *n);
int map_current_memory(struct domain *d, xmlNode *n);
int map_memory_backing(struct domain *d, xmlNode *n);
int map_memtune(struct domain *d, xmlNode *n);
int map_vcpu(struct domain *d, xmlNode *n);
int map_cputune(struct domain *d, xmlNode *n);
int map_numatune(struct domain *d, xmlNode *n);
int map_cpu(struct domain *d, xmlNode *n);
int map_os(struct domain *d, xmlNode *n);
int map_devices(struct domain *d, xmlNode *n);
int map_features(struct domain *d, xmlNode *n);
int map_clock(struct domain *d, xmlNode *n);
int map_lifecycle(struct domain *d, xmlNode *n);
int map_metadata(struct domain *d, xmlNode *n);

/* What the elements say together (cells against <memory>, memnodes against
 * the placement frameshift makes), then the run options (emit.c). */
int dom_check(struct domain *d, xmlNode *root);
int dom_emit(struct domain *d, struct domain_args *out);

#endif
