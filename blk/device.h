/* device.h - the disks as frameshift devices (blk/device.c). */
#ifndef FRAMESHIFT_BLK_DEVICE_H
#define FRAMESHIFT_BLK_DEVICE_H

struct vm_config;

/* One virtio-mmio device per --disk, in windows 1.. (the balloon has 0).
 * Called once, before the VM is set up. */
void blk_register_disks(const struct vm_config *cfg);

#endif
