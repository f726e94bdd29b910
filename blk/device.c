/* device.c - each --disk as a frameshift device: virtio-mmio window 1 + i
 * (the balloon has window 0), its interrupt, a virtio_mmio@ node in the
 * device tree (a --kernel guest finds it on the command line), MMIO exits
 * handed to the transport, and the `disks` command. The one file of blk/
 * that knows the VMM; linked into the frameshift binary only. */
#include <stdio.h>
#include <string.h>

#include "blk/control.h"
#include "blk/device.h"
#include "include/frameshift/guest-abi.h"
#include "lib/log.h"
#include "vmm/control/dispatch.h"
#include "vmm/device.h"
#include "vmm/irq.h"
#include "vmm/vm.h"

_Static_assert(BLK_IO_THREADS <= DEVICE_IO_THREADS_MAX, "numastat lists every I/O thread");

static struct device disk_devs[BLK_MAX_DISKS];
static struct blk_set disks;

/* Whether a frame of [gpa, gpa+len) is in state s now (a racy look, for
 * counting only). */
static int disk_init(struct device *dev, struct vm *vm)
{
	unsigned i = (unsigned)(dev - disk_devs);
	struct vq_mem mem;
	struct vq_mem_probe probe;
	struct blk_spec spec = vm->cfg->disks[i];
	char err[PATH_MAX + 128];
	struct blk *b;

	spec.node = device_io_node(vm, spec.node);
	virtio_vm_ram(vm, &mem);
	virtio_vm_probe(vm, &probe);
	b = blk_create(&spec, dev->base, &mem, &probe, err, sizeof(err));
	if (!b) {
		log_info("%s", err);
		return -1;
	}
	dev->priv = b;
	disks.disk[disks.n++] = b;
	virtio_mmio_attach(vm, blk_transport(b));
	return disks.n == 1 ? control_register(blk_commands, &disks) : 0;
}

static void disk_io(struct device *dev, struct vm *vm, uint64_t offset, uint8_t *data, uint32_t len,
		    bool is_write)
{
	virtio_mmio_access(blk_transport(dev->priv), offset, data, len, is_write);
}

static struct vq_holds disk_holds(struct device *dev)
{
	struct blk_status s;

	blk_get_status(dev->priv, &s);
	return s.c.migration;
}

static void disk_io_placement(struct device *dev, struct device_io *io)
{
	unsigned i = (unsigned)(dev - disk_devs);
	struct blk_status s;

	blk_get_status(dev->priv, &s);
	snprintf(io->id, sizeof(io->id), "disk%u", i);
	io->node = s.node;
	io->nthreads = BLK_IO_THREADS;
	memcpy(io->threads, s.threads, sizeof(s.threads));
}

static void disk_quiesce(struct device *dev, struct vm *vm)
{
	blk_stop(dev->priv);
}

static void disk_exit(struct device *dev, struct vm *vm)
{
	if (!dev->priv)
		return;
	if (disks.n) {
		control_unregister(blk_commands); /* the control server has stopped */
		disks.n = 0;
	}
	blk_destroy(dev->priv);
	dev->priv = NULL;
}

void blk_register_disks(const struct vm_config *cfg)
{
	for (unsigned i = 0; i < cfg->ndisks && i < BLK_MAX_DISKS; i++) {
		disk_devs[i] = (struct device){
			.name = "virtio-blk",
			.space = DEV_MMIO,
			.base = FS_MMIO_BASE + (1 + i) * VIRTIO_MMIO_WINDOW,
			.len = VIRTIO_MMIO_WINDOW,
			.init = disk_init,
			.io = disk_io,
			.fdt_node = virtio_mmio_device_fdt,
			.exit = disk_exit,
			.migration_holds = disk_holds,
			.io_placement = disk_io_placement,
			.quiesce = disk_quiesce,
		};
		device_register(&disk_devs[i]);
	}
}
