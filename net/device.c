/* device.c - each --net as a frameshift device: virtio-mmio window 5 + i
 * (after the balloon's 0 and the disks' 1-4), its interrupt, a
 * virtio_mmio@ node in the device tree, MMIO exits handed to the transport,
 * and the `nets` command. The tap is opened here, at set-up (the sandbox
 * allows no open later). The one file of net/ that knows the VMM. */
#include <stdio.h>

#include "include/frameshift/guest-abi.h"
#include "lib/log.h"
#include "net/control.h"
#include "net/device.h"
#include "vmm/control/dispatch.h"
#include "vmm/device.h"
#include "vmm/irq.h"
#include "vmm/vm.h"

#define NET_FIRST_WINDOW 5

static struct device net_devs[NET_MAX];
static struct net_set nets;

static int net_dev_init(struct device *dev, struct vm *vm)
{
	struct net_spec spec = vm->cfg->nets[dev - net_devs];
	struct vq_mem mem;
	struct vq_mem_probe probe;
	char err[256];
	int fd = net_tap_open(spec.tap, err, sizeof(err));
	struct net *n;

	spec.node = device_io_node(vm, spec.node);
	virtio_vm_ram(vm, &mem);
	virtio_vm_probe(vm, &probe);
	n = fd < 0 ? NULL : net_create(&spec, fd, dev->base, &mem, &probe, err, sizeof(err));
	if (!n) {
		log_info("%s", err);
		return -1;
	}
	dev->priv = n;
	nets.dev[nets.n++] = n;
	virtio_mmio_attach(vm, net_transport(n));
	return nets.n == 1 ? control_register(net_commands, &nets) : 0;
}

static void net_dev_io(struct device *dev, struct vm *vm, uint64_t offset, uint8_t *data, uint32_t len,
		       bool is_write)
{
	virtio_mmio_access(net_transport(dev->priv), offset, data, len, is_write);
}

static void net_dev_io_placement(struct device *dev, struct device_io *io)
{
	unsigned i = (unsigned)(dev - net_devs);
	struct net_status s;

	net_get_status(dev->priv, &s);
	snprintf(io->id, sizeof(io->id), "net%u", i);
	io->node = s.node;
	io->nthreads = 1;
	snprintf(io->threads[0], sizeof(io->threads[0]), "%s", s.thread);
}

static struct vq_holds net_dev_holds(struct device *dev)
{
	struct net_status s;

	net_get_status(dev->priv, &s);
	return s.c.migration;
}

static void net_dev_quiesce(struct device *dev, struct vm *vm)
{
	net_stop(dev->priv);
}

static void net_dev_exit(struct device *dev, struct vm *vm)
{
	if (!dev->priv)
		return;
	if (nets.n) {
		control_unregister(net_commands); /* the control server has stopped */
		nets.n = 0;
	}
	net_destroy(dev->priv);
	dev->priv = NULL;
}

void net_register_devices(const struct vm_config *cfg)
{
	for (unsigned i = 0; i < cfg->nnets && i < NET_MAX; i++) {
		net_devs[i] = (struct device){
			.name = "virtio-net",
			.space = DEV_MMIO,
			.base = FS_MMIO_BASE + (NET_FIRST_WINDOW + i) * VIRTIO_MMIO_WINDOW,
			.len = VIRTIO_MMIO_WINDOW,
			.init = net_dev_init,
			.io = net_dev_io,
			.fdt_node = virtio_mmio_device_fdt,
			.exit = net_dev_exit,
			.quiesce = net_dev_quiesce,
			.io_placement = net_dev_io_placement,
			.migration_holds = net_dev_holds,
		};
		device_register(&net_devs[i]);
	}
}
