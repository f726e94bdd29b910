/* virtio.h - a small virtio-mmio (version 2) driver for test-guest programs.
 *
 * The test guest has no interrupt controller, so the driver polls: the used
 * ring for its buffers, the config generation for device changes. Devices are
 * found in the device tree (compatible "virtio,mmio"); their registers are
 * reached through the VMM's identity map at CPL3, each access an MMIO exit.
 * Ring memory is the caller's (page-aligned, zeroed here). */
#ifndef FRAMESHIFT_GUEST_VIRTIO_H
#define FRAMESHIFT_GUEST_VIRTIO_H

#include "guest.h"
#include "include/frameshift/virtio-abi.h"

struct vdev {
	uintptr_t base;		/* the MMIO window (guest-physical = virtual) */
	uint32_t device_id;
	uint64_t offered;	/* the device's features */
	uint64_t features;	/* negotiated */
};

#define GUEST_VQ_MAX 256 /* largest queue this driver sets up */

struct vq {
	struct vdev *dev;
	uint16_t index, num;
	struct virtq_desc *desc;
	uint8_t *avail;		/* flags, idx, ring[num], used_event */
	uint8_t *used;		/* flags, idx, ring[num], avail_event */
	uint16_t free_head, nfree;
	uint16_t avail_idx;	/* next avail->idx to publish */
	uint16_t kicked_idx;	/* avail_idx at the last notification */
	uint16_t last_used;
	bool event_idx;
	uint16_t chain_len[GUEST_VQ_MAX];
};

struct vbuf {
	uint64_t gpa;
	uint32_t len;
	bool write;		/* device-writable */
};

/* The k-th virtio-mmio window in the device tree with this device id; 0 if
 * there is none. */
uintptr_t virtio_find(const struct guest_env *env, uint32_t device_id, unsigned k);

/* Reset, check magic/version/id, negotiate wanted & offered (VERSION_1 must
 * be offered), set FEATURES_OK. Returns 0 or a negative code (printed). */
int virtio_start(struct vdev *d, uintptr_t base, uint32_t device_id, uint64_t wanted);
/* Bytes of ring memory a queue of size num needs (desc, avail, used, each
 * part page-aligned). */
uint64_t virtio_queue_mem(uint16_t num);
/* Set up queue index with up to num entries (capped by QueueNumMax) in mem. */
int virtio_setup_queue(struct vdev *d, struct vq *q, uint16_t index, uint16_t num, void *mem);
void virtio_driver_ok(struct vdev *d);
uint32_t virtio_status(struct vdev *d);

uint32_t virtio_read32(struct vdev *d, uint32_t reg);
void virtio_write32(struct vdev *d, uint32_t reg, uint32_t v);
/* A consistent 32-bit config field (ConfigGeneration read around it). */
uint32_t virtio_config32(struct vdev *d, uint32_t off);
void virtio_config_write32(struct vdev *d, uint32_t off, uint32_t v);

/* Add a chain (readable buffers first); returns its head, or -1 if the ring
 * lacks descriptors. Not visible to the device until vq_kick. */
int vq_add(struct vq *q, const struct vbuf *bufs, unsigned n);
/* Publish added chains and notify the device if it asked for it. */
void vq_kick(struct vq *q);
/* The next used chain's head (len: bytes the device wrote), or -1. */
int vq_used(struct vq *q, uint32_t *len);
/* Spin until a chain comes back; panics after timeout_ms. */
int vq_wait(struct vq *q, uint32_t *len, uint64_t tsc_per_ms, uint64_t timeout_ms);

#endif
