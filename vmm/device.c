/* device.c - the list of registered devices. Registration happens from
 * constructors before main(), so the list needs no lock. */
#include <stddef.h>

#include "lib/cpus.h"
#include "vmm/device.h"
#include "vmm/vm.h"

static struct device *devices;

void device_register(struct device *dev)
{
	struct device **pp = &devices;

	while (*pp)
		pp = &(*pp)->next;
	*pp = dev;
}

struct device *device_first(void)
{
	return devices;
}

struct device *device_find(enum device_space space, uint64_t addr, uint32_t len)
{
	for (struct device *d = devices; d; d = d->next)
		if (d->space == space && addr >= d->base && addr - d->base < d->len &&
		    len <= d->len - (addr - d->base))
			return d;
	return NULL;
}

bool device_access(struct vm *vm, enum device_space space, uint64_t addr, uint8_t *data,
		   uint32_t len, bool is_write)
{
	struct device *d = device_find(space, addr, len);

	if (!d)
		return false;
	d->io(d, vm, addr - d->base, data, len, is_write);
	return true;
}

int device_io_node(struct vm *vm, int wanted)
{
	cpu_set_t cpus;
	int node = wanted >= 0 ? wanted : guest_mem_main_host_node(&vm->mem);

	/* --emulator-cpus places the threads a node= does not: unbound, they
	 * keep the emulator CPUs of the thread that starts them */
	if (wanted < 0 && vm->cfg->emulator_pinned)
		return -1;

	/* a memory-only node cannot run threads: leave them to the scheduler */
	return host_node_cpus(node, &cpus) > 0 ? node : -1;
}
