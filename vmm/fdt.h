/* fdt.h - the flattened device tree that tells a test guest its memory, vCPUs
 * and devices (docs/boot-protocol.md). */
#ifndef FRAMESHIFT_VMM_FDT_H
#define FRAMESHIFT_VMM_FDT_H

#include <stddef.h>
#include <stdint.h>

struct fdt_region {
	uint64_t base, size;
};

#define FDT_MAX_RESERVED 16

#define FDT_MAX_MEM 17 /* 16 guest nodes, one of them cut by the MMIO hole */
#define FDT_MAX_CPUS 64

struct fdt_params {
	uint64_t mem_size;
	/* guest NUMA topology: memory ranges with their node (none: all
	 * mem_size bytes of RAM on node 0), and each vCPU's node */
	struct fdt_region mem[FDT_MAX_MEM];
	uint32_t mem_node[FDT_MAX_MEM];
	unsigned nmem;
	uint32_t cpu_node[FDT_MAX_CPUS];
	unsigned ncpus;
	const char *bootargs;      /* NULL: none */
	unsigned sim_nodes;        /* 0: host nodes are real */
	uint32_t tsc_khz;          /* 0: unknown */
	struct fdt_region reserved[FDT_MAX_RESERVED];
	unsigned nreserved;
};

/* Append the guest-physical ranges of RAM offsets [offset, offset + size) to
 * p->mem on guest node `node`: one range, or two where they span the MMIO hole
 * (guest-abi.h). The device tree and the ACPI SRAT list these. -1 if full. */
int fdt_add_ram(struct fdt_params *p, uint64_t offset, uint64_t size, uint32_t node);

/* Build the tree into buf. Returns 0, or a negative libfdt error (e.g.
 * -FDT_ERR_NOSPACE when buf is too small). */
int fdt_build(void *buf, size_t size, const struct fdt_params *p);

#endif
