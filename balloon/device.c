/* device.c - the virtio-balloon as a frameshift device: the first virtio-mmio
 * window (FS_MMIO_BASE), a virtio_mmio@ node in the device tree, MMIO exits
 * handed to the transport, and its commands (balloon/control.c) on the
 * control socket. The one file of balloon/ that knows the VMM. Linked into
 * the frameshift binary only (devices register from constructors); the unit
 * tests drive balloon.c directly. */
#include "balloon/balloon.h"
#include "balloon/control.h"
#include "vmm/control/dispatch.h"
#include "vmm/device.h"
#include "include/frameshift/guest-abi.h"
#include "vmm/irq.h"
#include "lib/log.h"
#include "vmm/vm.h"

static int balloon_dev_init(struct device *dev, struct vm *vm)
{
	struct balloon *b = balloon_create(&vm->mem, &vm->migrator, dev->base);

	if (!b) {
		log_info("virtio-balloon: out of memory");
		return -1;
	}
	dev->priv = b;
	virtio_mmio_attach(vm, balloon_transport(b));
	/* --current-memory (libvirt's currentMemory): the driver finds the
	 * target when it starts */
	if (vm->cfg->current_memory && balloon_set_target(b, vm->cfg->current_memory) < 0) {
		log_info("virtio-balloon: cannot set the target to --current-memory");
		return -1;
	}
	return control_register(balloon_commands, b);
}

static void balloon_dev_io(struct device *dev, struct vm *vm, uint64_t offset, uint8_t *data,
			   uint32_t len, bool is_write)
{
	virtio_mmio_access(balloon_transport(dev->priv), offset, data, len, is_write);
}

static void balloon_dev_exit(struct device *dev, struct vm *vm)
{
	struct balloon *b = dev->priv;

	if (!b)
		return;
	control_unregister(balloon_commands); /* the control server has stopped */
	balloon_log_summary(b);
	dev->priv = NULL;
	balloon_destroy(b);
}

static struct device balloon_dev = {
	.name = "virtio-balloon",
	.space = DEV_MMIO,
	.base = FS_MMIO_BASE + 0 * VIRTIO_MMIO_WINDOW,
	.len = VIRTIO_MMIO_WINDOW,
	.init = balloon_dev_init,
	.io = balloon_dev_io,
	.fdt_node = virtio_mmio_device_fdt,
	.exit = balloon_dev_exit,
};
DEVICE_REGISTER(balloon_dev)
