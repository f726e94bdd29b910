/* virtio_driver.h - the guest's side of virtio, played by the unit tests and
 * fuzz harnesses: guest RAM as one plain buffer, the split rings a driver
 * fills, and the virtio-mmio registers it programs (virtio 1.2, 2.7 and
 * 4.2.3). It knows no Check, so the fuzz harnesses use it too: it returns
 * what it saw and the caller asserts.
 *
 * The rings of a queue lie one page each from a base address (desc, then
 * avail at +VDRV_AVAIL_OFF, used at +VDRV_USED_OFF), as a simple driver lays
 * them out. Tests that want a bad layout program the registers themselves
 * with vdrv_set_queue. */
#ifndef FRAMESHIFT_TESTS_VIRTIO_DRIVER_H
#define FRAMESHIFT_TESTS_VIRTIO_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "virtio/mmio.h"

#define VDRV_AVAIL_OFF 0x1000u
#define VDRV_USED_OFF 0x2000u
#define VDRV_RINGS_SIZE 0x3000u

/* Guest RAM as one heap buffer, reached by a device through mem, with a
 * copy to tell whether the device wrote to it. */
struct vdrv_ram {
	uint8_t *bytes, *copy;
	size_t size;
	struct vq_flat_mem flat;
	struct vq_mem mem;
};

/* size bytes: zero below pattern_from, a pattern from there on, so a buffer
 * the device changes shows. -1 when out of memory. */
int vdrv_ram_init(struct vdrv_ram *r, size_t size, size_t pattern_from);
void vdrv_ram_destroy(struct vdrv_ram *r);
void vdrv_ram_snapshot(struct vdrv_ram *r);
/* Whether RAM is as it was at the last snapshot. */
bool vdrv_ram_unchanged(const struct vdrv_ram *r);

/* One split virtqueue as the driver sees it. */
struct vdrv_queue {
	uint8_t *ram;         /* the host address of guest address 0 */
	unsigned index;       /* its number on the transport */
	uint16_t num;
	uint64_t desc;        /* guest address of the rings */
	uint16_t avail_idx;   /* the driver's avail->idx */
	uint16_t used_seen;   /* used->idx when the driver last looked */
};

/* Queue index of num entries with its rings from guest address rings; the
 * driver's indices at 0. Touches neither RAM nor a device. */
void vdrv_queue_at(struct vdrv_queue *q, uint8_t *ram, unsigned index, uint16_t num, uint64_t rings);
uint16_t *vdrv_avail16(const struct vdrv_queue *q, unsigned off);
uint16_t *vdrv_used16(const struct vdrv_queue *q, unsigned off);
void vdrv_set_desc(const struct vdrv_queue *q, unsigned i, uint64_t gpa, uint32_t len, uint16_t flags,
		   uint16_t next);
/* Make head available: the next avail ring entry, then avail->idx. */
void vdrv_publish(struct vdrv_queue *q, uint16_t head);
/* A one-descriptor chain in the slot of its avail entry, published. */
void vdrv_add_buf(struct vdrv_queue *q, uint64_t gpa, uint32_t len, uint16_t flags);
/* How many buffers the device used since the driver last looked. */
unsigned vdrv_used_new(struct vdrv_queue *q);

/* The registers, 32 bits wide; a read the device does not answer reads
 * 0xdeadbeef. */
uint32_t vdrv_read(struct virtio_mmio *t, uint32_t off);
void vdrv_write(struct virtio_mmio *t, uint32_t off, uint32_t v);
/* Reset, ACKNOWLEDGE | DRIVER, write features, FEATURES_OK; whether the
 * device kept FEATURES_OK (accepted them). */
bool vdrv_negotiate(struct virtio_mmio *t, uint64_t features);
/* Select queue index, write its size and ring addresses, QueueReady = 1. */
void vdrv_set_queue(struct virtio_mmio *t, unsigned index, uint32_t num, uint64_t desc, uint64_t avail,
		    uint64_t used);
/* Program q into the device. */
void vdrv_queue_program(struct virtio_mmio *t, const struct vdrv_queue *q);
/* A fresh queue: q placed as vdrv_queue_at says, its rings zeroed (as a
 * driver starts them) and programmed into the device. */
void vdrv_queue_start(struct virtio_mmio *t, struct vdrv_queue *q, uint8_t *ram, unsigned index,
		      uint16_t num, uint64_t rings);
void vdrv_driver_ok(struct virtio_mmio *t);
void vdrv_notify(struct virtio_mmio *t, const struct vdrv_queue *q);

#endif
