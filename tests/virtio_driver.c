/* virtio_driver.c - the guest's side of virtio for the tests
 * (virtio_driver.h). */
#include <stdlib.h>
#include <string.h>

#include "tests/virtio_driver.h"

int vdrv_ram_init(struct vdrv_ram *r, size_t size, size_t pattern_from)
{
	r->bytes = calloc(1, size);
	r->copy = malloc(size);
	if (!r->bytes || !r->copy) {
		vdrv_ram_destroy(r);
		return -1;
	}
	r->size = size;
	for (size_t i = pattern_from; i < size; i++)
		r->bytes[i] = (uint8_t)(i * 7);
	r->flat = (struct vq_flat_mem){ r->bytes, size };
	vq_mem_flat(&r->mem, &r->flat);
	return 0;
}

void vdrv_ram_destroy(struct vdrv_ram *r)
{
	free(r->bytes);
	free(r->copy);
	r->bytes = r->copy = NULL;
}

void vdrv_ram_snapshot(struct vdrv_ram *r)
{
	memcpy(r->copy, r->bytes, r->size);
}

bool vdrv_ram_unchanged(const struct vdrv_ram *r)
{
	return memcmp(r->copy, r->bytes, r->size) == 0;
}

void vdrv_queue_at(struct vdrv_queue *q, uint8_t *ram, unsigned index, uint16_t num, uint64_t rings)
{
	*q = (struct vdrv_queue){ .ram = ram, .index = index, .num = num, .desc = rings };
}

uint16_t *vdrv_avail16(const struct vdrv_queue *q, unsigned off)
{
	return (uint16_t *)(q->ram + q->desc + VDRV_AVAIL_OFF + off);
}

uint16_t *vdrv_used16(const struct vdrv_queue *q, unsigned off)
{
	return (uint16_t *)(q->ram + q->desc + VDRV_USED_OFF + off);
}

void vdrv_set_desc(const struct vdrv_queue *q, unsigned i, uint64_t gpa, uint32_t len, uint16_t flags,
		   uint16_t next)
{
	((struct virtq_desc *)(q->ram + q->desc))[i] = (struct virtq_desc){ gpa, len, flags, next };
}

void vdrv_publish(struct vdrv_queue *q, uint16_t head)
{
	*vdrv_avail16(q, VIRTQ_AVAIL_RING(q->avail_idx % q->num)) = head;
	*vdrv_avail16(q, VIRTQ_AVAIL_IDX) = ++q->avail_idx;
}

void vdrv_add_buf(struct vdrv_queue *q, uint64_t gpa, uint32_t len, uint16_t flags)
{
	uint16_t slot = (uint16_t)(q->avail_idx % q->num);

	vdrv_set_desc(q, slot, gpa, len, flags, 0);
	vdrv_publish(q, slot);
}

unsigned vdrv_used_new(struct vdrv_queue *q)
{
	uint16_t idx = *vdrv_used16(q, VIRTQ_USED_IDX);
	unsigned n = (uint16_t)(idx - q->used_seen);

	q->used_seen = idx;
	return n;
}

uint32_t vdrv_read(struct virtio_mmio *t, uint32_t off)
{
	uint32_t v = 0xdeadbeef;

	virtio_mmio_access(t, off, (uint8_t *)&v, 4, false);
	return v;
}

void vdrv_write(struct virtio_mmio *t, uint32_t off, uint32_t v)
{
	virtio_mmio_access(t, off, (uint8_t *)&v, 4, true);
}

bool vdrv_negotiate(struct virtio_mmio *t, uint64_t features)
{
	const uint32_t s = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER;

	vdrv_write(t, VIRTIO_MMIO_REG_STATUS, 0);
	vdrv_write(t, VIRTIO_MMIO_REG_STATUS, s);
	vdrv_write(t, VIRTIO_MMIO_REG_DRIVER_FEATURES_SEL, 0);
	vdrv_write(t, VIRTIO_MMIO_REG_DRIVER_FEATURES, (uint32_t)features);
	vdrv_write(t, VIRTIO_MMIO_REG_DRIVER_FEATURES_SEL, 1);
	vdrv_write(t, VIRTIO_MMIO_REG_DRIVER_FEATURES, (uint32_t)(features >> 32));
	vdrv_write(t, VIRTIO_MMIO_REG_STATUS, s | VIRTIO_STATUS_FEATURES_OK);
	return vdrv_read(t, VIRTIO_MMIO_REG_STATUS) & VIRTIO_STATUS_FEATURES_OK;
}

void vdrv_set_queue(struct virtio_mmio *t, unsigned index, uint32_t num, uint64_t desc, uint64_t avail,
		    uint64_t used)
{
	vdrv_write(t, VIRTIO_MMIO_REG_QUEUE_SEL, index);
	vdrv_write(t, VIRTIO_MMIO_REG_QUEUE_NUM, num);
	vdrv_write(t, VIRTIO_MMIO_REG_QUEUE_DESC_LOW, (uint32_t)desc);
	vdrv_write(t, VIRTIO_MMIO_REG_QUEUE_DESC_HIGH, (uint32_t)(desc >> 32));
	vdrv_write(t, VIRTIO_MMIO_REG_QUEUE_DRIVER_LOW, (uint32_t)avail);
	vdrv_write(t, VIRTIO_MMIO_REG_QUEUE_DRIVER_HIGH, (uint32_t)(avail >> 32));
	vdrv_write(t, VIRTIO_MMIO_REG_QUEUE_DEVICE_LOW, (uint32_t)used);
	vdrv_write(t, VIRTIO_MMIO_REG_QUEUE_DEVICE_HIGH, (uint32_t)(used >> 32));
	vdrv_write(t, VIRTIO_MMIO_REG_QUEUE_READY, 1);
}

void vdrv_queue_program(struct virtio_mmio *t, const struct vdrv_queue *q)
{
	vdrv_set_queue(t, q->index, q->num, q->desc, q->desc + VDRV_AVAIL_OFF, q->desc + VDRV_USED_OFF);
}

void vdrv_queue_start(struct virtio_mmio *t, struct vdrv_queue *q, uint8_t *ram, unsigned index,
		      uint16_t num, uint64_t rings)
{
	vdrv_queue_at(q, ram, index, num, rings);
	memset(ram + rings, 0, VDRV_RINGS_SIZE);
	vdrv_queue_program(t, q);
}

void vdrv_driver_ok(struct virtio_mmio *t)
{
	vdrv_write(t, VIRTIO_MMIO_REG_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
		   VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
}

void vdrv_notify(struct virtio_mmio *t, const struct vdrv_queue *q)
{
	vdrv_write(t, VIRTIO_MMIO_REG_QUEUE_NOTIFY, q->index);
}
