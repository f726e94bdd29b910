/* device.h - the device registry. Each device is one file that defines a
 * struct device and registers it with DEVICE_REGISTER (kvmtool style); vm.c
 * routes port and MMIO exits here and adds each device's FDT node. */
#ifndef FRAMESHIFT_VMM_DEVICE_H
#define FRAMESHIFT_VMM_DEVICE_H

#include <stdbool.h>
#include <stdint.h>

#include "virtio/virtqueue.h"

struct vm;

/* Where a device's own threads run (`ctl numastat` "devices"). */
#define DEVICE_IO_THREADS_MAX 8
struct device_io {
	char id[16];            /* "disk0", "net0" */
	int node;               /* host node whose CPUs they run on; -1: any */
	unsigned nthreads;
	char threads[DEVICE_IO_THREADS_MAX][16]; /* their names (comm) */
};

enum device_space { DEV_PIO, DEV_MMIO };

struct device {
	const char *name;
	enum device_space space;
	uint64_t base, len;
	/* Called once after guest memory exists; -1 (with a logged reason) fails the VM. */
	int (*init)(struct device *dev, struct vm *vm);
	/* offset is relative to base; data holds len bytes (little endian). */
	void (*io)(struct device *dev, struct vm *vm, uint64_t offset, uint8_t *data,
		   uint32_t len, bool is_write);
	/* Describe the device in the guest's device tree (optional). */
	int (*fdt_node)(struct device *dev, void *fdt);
	void (*exit)(struct device *dev, struct vm *vm);
	/* Stop the device's own threads, before the migrator's reader stops
	 * (optional): a thread of it may wait on a userfaultfd fault. */
	void (*quiesce)(struct device *dev, struct vm *vm);
	/* Its I/O that met frames being migrated (`ctl stats` "devices";
	 * optional). */
	struct vq_holds (*migration_holds)(struct device *dev);
	/* Its threads' placement (optional: devices without threads). */
	void (*io_placement)(struct device *dev, struct device_io *io);
	void *priv;
	struct device *next;
};

void device_register(struct device *dev);
/* The host node for a device's threads: wanted (a node=N the CLI checked),
 * or by default the host node holding most guest memory now, if it has CPUs;
 * -1: not bound (also the default with --emulator-cpus, whose CPUs the
 * threads then inherit). */
int device_io_node(struct vm *vm, int wanted);
struct device *device_first(void);
/* The device covering [addr, addr+len) in space, or NULL. */
struct device *device_find(enum device_space space, uint64_t addr, uint32_t len);
/* Hand a guest access to the device covering it (a vCPU's exit, or a write
 * KVM queued); false: no device does. */
bool device_access(struct vm *vm, enum device_space space, uint64_t addr, uint8_t *data,
		   uint32_t len, bool is_write);

#define DEVICE_REGISTER(dev)                                                \
	static void __attribute__((constructor)) register_##dev(void)      \
	{                                                                   \
		device_register(&dev);                                      \
	}

#endif
