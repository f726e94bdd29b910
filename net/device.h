/* device.h - the network devices as frameshift devices (net/device.c). */
#ifndef FRAMESHIFT_NET_DEVICE_H
#define FRAMESHIFT_NET_DEVICE_H

struct vm_config;

/* One virtio-mmio device per --net, in windows 5.. (after the balloon's and
 * the disks'). Called once, before the VM is set up. */
void net_register_devices(const struct vm_config *cfg);

#endif
