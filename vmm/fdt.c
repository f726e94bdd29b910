/* fdt.c - build the guest's device tree with libfdt's sequential writer. */
#include <libfdt.h>
#include <stdio.h>

#include "include/frameshift/guest-abi.h"
#include "vmm/device.h"
#include "vmm/fdt.h"

#define TRY(expr)                      \
	do {                           \
		int err__ = (expr);    \
		if (err__ < 0)         \
			return err__;  \
	} while (0)

static int fdt_cpus(void *fdt, unsigned ncpus, const uint32_t *cpu_node)
{
	TRY(fdt_begin_node(fdt, "cpus"));
	TRY(fdt_property_u32(fdt, "#address-cells", 1));
	TRY(fdt_property_u32(fdt, "#size-cells", 0));
	for (unsigned i = 0; i < ncpus; i++) {
		char name[32];

		snprintf(name, sizeof(name), "cpu@%u", i);
		TRY(fdt_begin_node(fdt, name));
		TRY(fdt_property_string(fdt, "device_type", "cpu"));
		TRY(fdt_property_u32(fdt, "reg", i));
		/* the guest's topology; where its memory lives on the host is
		 * invisible to it */
		TRY(fdt_property_u32(fdt, "numa-node-id", i < FDT_MAX_CPUS ? cpu_node[i] : 0));
		TRY(fdt_end_node(fdt));
	}
	return fdt_end_node(fdt);
}

static int fdt_memory(void *fdt, uint64_t base, uint64_t size, uint32_t node)
{
	fdt64_t reg[2] = { cpu_to_fdt64(base), cpu_to_fdt64(size) };
	char name[40];

	snprintf(name, sizeof(name), "memory@%llx", (unsigned long long)base);
	TRY(fdt_begin_node(fdt, name));
	TRY(fdt_property_string(fdt, "device_type", "memory"));
	TRY(fdt_property(fdt, "reg", reg, sizeof(reg)));
	TRY(fdt_property_u32(fdt, "numa-node-id", node));
	return fdt_end_node(fdt);
}

int fdt_add_ram(struct fdt_params *p, uint64_t offset, uint64_t size, uint32_t node)
{
	while (size) {
		uint64_t take = size;

		if (offset < FS_LOW_RAM_MAX && take > FS_LOW_RAM_MAX - offset)
			take = FS_LOW_RAM_MAX - offset;
		if (p->nmem >= FDT_MAX_MEM)
			return -1;
		p->mem[p->nmem] = (struct fdt_region){ fs_ram_offset_gpa(offset), take };
		p->mem_node[p->nmem++] = node;
		offset += take;
		size -= take;
	}
	return 0;
}

static int fdt_chosen(void *fdt, const struct fdt_params *p)
{
	TRY(fdt_begin_node(fdt, "chosen"));
	TRY(fdt_property_string(fdt, "bootargs", p->bootargs ? p->bootargs : ""));
	if (p->sim_nodes)
		TRY(fdt_property_u32(fdt, "frameshift,simulated-nodes", p->sim_nodes));
	if (p->tsc_khz)
		TRY(fdt_property_u32(fdt, "frameshift,tsc-khz", p->tsc_khz));
	return fdt_end_node(fdt);
}

int fdt_build(void *buf, size_t size, const struct fdt_params *p)
{
	void *fdt = buf;

	if (size > INT32_MAX)
		size = INT32_MAX;
	TRY(fdt_create(fdt, (int)size));
	for (unsigned i = 0; i < p->nreserved; i++)
		if (p->reserved[i].size) /* size 0 is the map's terminator to libfdt */
			TRY(fdt_add_reservemap_entry(fdt, p->reserved[i].base, p->reserved[i].size));
	TRY(fdt_finish_reservemap(fdt));
	TRY(fdt_begin_node(fdt, ""));
	TRY(fdt_property_u32(fdt, "#address-cells", 2));
	TRY(fdt_property_u32(fdt, "#size-cells", 2));
	TRY(fdt_property_string(fdt, "compatible", "frameshift,test-vm"));
	TRY(fdt_property_string(fdt, "model", "frameshift"));
	TRY(fdt_chosen(fdt, p));
	TRY(fdt_cpus(fdt, p->ncpus, p->cpu_node));
	if (!p->nmem) {
		struct fdt_params whole = { .nmem = 0 };

		fdt_add_ram(&whole, 0, p->mem_size, 0);
		for (unsigned i = 0; i < whole.nmem; i++)
			TRY(fdt_memory(fdt, whole.mem[i].base, whole.mem[i].size, 0));
	}
	for (unsigned i = 0; i < p->nmem && i < FDT_MAX_MEM; i++)
		TRY(fdt_memory(fdt, p->mem[i].base, p->mem[i].size, p->mem_node[i]));
	for (struct device *d = device_first(); d; d = d->next)
		if (d->fdt_node)
			TRY(d->fdt_node(d, fdt));
	TRY(fdt_end_node(fdt));
	return fdt_finish(fdt);
}
