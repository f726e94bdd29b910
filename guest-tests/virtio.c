/* virtio.c - the test guest's virtio-mmio driver (see virtio.h). x86 keeps
 * stores in order; the fences here are for the compiler and for the one
 * store-load pair (publish avail->idx, then read the device's avail_event). */
#include <libfdt.h>

#include "virtio.h"

#define PAGE 4096ULL

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

uint32_t virtio_read32(struct vdev *d, uint32_t reg)
{
	return *(volatile uint32_t *)(d->base + reg);
}

void virtio_write32(struct vdev *d, uint32_t reg, uint32_t v)
{
	*(volatile uint32_t *)(d->base + reg) = v;
}

uint32_t virtio_status(struct vdev *d)
{
	return virtio_read32(d, VIRTIO_MMIO_REG_STATUS);
}

uint32_t virtio_config32(struct vdev *d, uint32_t off)
{
	uint32_t gen, v;

	do {
		gen = virtio_read32(d, VIRTIO_MMIO_REG_CONFIG_GENERATION);
		v = virtio_read32(d, VIRTIO_MMIO_REG_CONFIG + off);
	} while (gen != virtio_read32(d, VIRTIO_MMIO_REG_CONFIG_GENERATION));
	return v;
}

void virtio_config_write32(struct vdev *d, uint32_t off, uint32_t v)
{
	virtio_write32(d, VIRTIO_MMIO_REG_CONFIG + off, v);
}

uintptr_t virtio_find(const struct guest_env *env, uint32_t device_id, unsigned k)
{
	int node = -1, len;

	for (;;) {
		const fdt32_t *reg;
		uint64_t base;

		node = fdt_node_offset_by_compatible(env->fdt, node, "virtio,mmio");
		if (node < 0)
			return 0;
		reg = fdt_getprop(env->fdt, node, "reg", &len);
		if (!reg || len < 16)
			continue;
		base = (uint64_t)fdt32_ld(&reg[0]) << 32 | fdt32_ld(&reg[1]);
		if (base + VIRTIO_MMIO_WINDOW > FS_IDENTITY_MAP_END)
			continue;
		if (*(volatile uint32_t *)(uintptr_t)(base + VIRTIO_MMIO_REG_MAGIC) != VIRTIO_MMIO_MAGIC ||
		    *(volatile uint32_t *)(uintptr_t)(base + VIRTIO_MMIO_REG_DEVICE_ID) != device_id)
			continue;
		if (k-- == 0)
			return (uintptr_t)base;
	}
}

int virtio_start(struct vdev *d, uintptr_t base, uint32_t device_id, uint64_t wanted)
{
	uint32_t status;

	d->base = base;
	if (virtio_read32(d, VIRTIO_MMIO_REG_MAGIC) != VIRTIO_MMIO_MAGIC ||
	    virtio_read32(d, VIRTIO_MMIO_REG_VERSION) != VIRTIO_MMIO_VERSION_2) {
		printf("virtio: no virtio-mmio version 2 device at 0x%lx\n", (uint64_t)base);
		return -1;
	}
	d->device_id = virtio_read32(d, VIRTIO_MMIO_REG_DEVICE_ID);
	if (d->device_id != device_id) {
		printf("virtio: device at 0x%lx is id %u, not %u\n", (uint64_t)base, d->device_id, device_id);
		return -1;
	}
	virtio_write32(d, VIRTIO_MMIO_REG_STATUS, 0);
	virtio_write32(d, VIRTIO_MMIO_REG_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	virtio_write32(d, VIRTIO_MMIO_REG_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	virtio_write32(d, VIRTIO_MMIO_REG_DEVICE_FEATURES_SEL, 0);
	d->offered = virtio_read32(d, VIRTIO_MMIO_REG_DEVICE_FEATURES);
	virtio_write32(d, VIRTIO_MMIO_REG_DEVICE_FEATURES_SEL, 1);
	d->offered |= (uint64_t)virtio_read32(d, VIRTIO_MMIO_REG_DEVICE_FEATURES) << 32;
	if (!(d->offered & VIRTIO_BIT(VIRTIO_F_VERSION_1))) {
		printf("virtio: device does not offer VIRTIO_F_VERSION_1\n");
		return -1;
	}
	d->features = (d->offered & wanted) | VIRTIO_BIT(VIRTIO_F_VERSION_1);
	virtio_write32(d, VIRTIO_MMIO_REG_DRIVER_FEATURES_SEL, 0);
	virtio_write32(d, VIRTIO_MMIO_REG_DRIVER_FEATURES, (uint32_t)d->features);
	virtio_write32(d, VIRTIO_MMIO_REG_DRIVER_FEATURES_SEL, 1);
	virtio_write32(d, VIRTIO_MMIO_REG_DRIVER_FEATURES, (uint32_t)(d->features >> 32));
	status = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK;
	virtio_write32(d, VIRTIO_MMIO_REG_STATUS, status);
	if (!(virtio_status(d) & VIRTIO_STATUS_FEATURES_OK)) {
		printf("virtio: device refused features 0x%lx\n", d->features);
		return -1;
	}
	return 0;
}

uint64_t virtio_queue_mem(uint16_t num)
{
	return align_up(VIRTQ_DESC_SIZE(num), PAGE) + align_up(VIRTQ_AVAIL_SIZE(num), PAGE) +
	       align_up(VIRTQ_USED_SIZE(num), PAGE);
}

static void set_addr(struct vdev *d, uint32_t low_reg, uint64_t gpa)
{
	virtio_write32(d, low_reg, (uint32_t)gpa);
	virtio_write32(d, low_reg + 4, (uint32_t)(gpa >> 32));
}

int virtio_setup_queue(struct vdev *d, struct vq *q, uint16_t index, uint16_t num, void *mem)
{
	uint32_t max;

	virtio_write32(d, VIRTIO_MMIO_REG_QUEUE_SEL, index);
	if (virtio_read32(d, VIRTIO_MMIO_REG_QUEUE_READY)) {
		printf("virtio: queue %u is already live\n", index);
		return -1;
	}
	max = virtio_read32(d, VIRTIO_MMIO_REG_QUEUE_NUM_MAX);
	if (!max) {
		printf("virtio: queue %u does not exist\n", index);
		return -1;
	}
	if (num > max)
		num = (uint16_t)max;
	if (num > GUEST_VQ_MAX)
		num = GUEST_VQ_MAX;
	while (num & (num - 1)) /* a power of two */
		num &= (uint16_t)(num - 1);

	memset(q, 0, sizeof(*q));
	memset(mem, 0, virtio_queue_mem(num));
	q->dev = d;
	q->index = index;
	q->num = num;
	q->desc = mem;
	q->avail = (uint8_t *)mem + align_up(VIRTQ_DESC_SIZE(num), PAGE);
	q->used = q->avail + align_up(VIRTQ_AVAIL_SIZE(num), PAGE);
	q->event_idx = d->features & VIRTIO_BIT(VIRTIO_RING_F_EVENT_IDX);
	for (uint16_t i = 0; i < num; i++)
		q->desc[i].next = (uint16_t)(i + 1);
	q->nfree = num;

	virtio_write32(d, VIRTIO_MMIO_REG_QUEUE_NUM, num);
	set_addr(d, VIRTIO_MMIO_REG_QUEUE_DESC_LOW, (uintptr_t)q->desc);
	set_addr(d, VIRTIO_MMIO_REG_QUEUE_DRIVER_LOW, (uintptr_t)q->avail);
	set_addr(d, VIRTIO_MMIO_REG_QUEUE_DEVICE_LOW, (uintptr_t)q->used);
	virtio_write32(d, VIRTIO_MMIO_REG_QUEUE_READY, 1);
	if (!virtio_read32(d, VIRTIO_MMIO_REG_QUEUE_READY)) {
		printf("virtio: queue %u did not become ready (status 0x%x)\n", index, virtio_status(d));
		return -1;
	}
	return 0;
}

void virtio_driver_ok(struct vdev *d)
{
	virtio_write32(d, VIRTIO_MMIO_REG_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
		       VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
}

int vq_add(struct vq *q, const struct vbuf *bufs, unsigned n)
{
	uint16_t head = q->free_head, i = head, last = head;

	if (!n || n > q->nfree)
		return -1;
	for (unsigned k = 0; k < n; k++) {
		struct virtq_desc *d = &q->desc[i];

		d->addr = bufs[k].gpa;
		d->len = bufs[k].len;
		d->flags = (uint16_t)((bufs[k].write ? VIRTQ_DESC_F_WRITE : 0) |
				      (k + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
		last = i;
		i = d->next; /* the free list runs through next */
	}
	q->free_head = q->desc[last].next;
	q->nfree = (uint16_t)(q->nfree - n);
	q->chain_len[head] = (uint16_t)n;
	*(volatile uint16_t *)(q->avail + VIRTQ_AVAIL_RING(q->avail_idx % q->num)) = head;
	q->avail_idx++;
	return head;
}

void vq_kick(struct vq *q)
{
	bool notify;

	__atomic_store_n((uint16_t *)(q->avail + VIRTQ_AVAIL_IDX), q->avail_idx, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (q->event_idx) {
		uint16_t event = *(volatile uint16_t *)(q->used + VIRTQ_USED_AVAIL_EVENT(q->num));

		notify = virtq_need_event(event, q->avail_idx, q->kicked_idx);
	} else {
		notify = !(*(volatile uint16_t *)(q->used + VIRTQ_USED_FLAGS) & VIRTQ_USED_F_NO_NOTIFY);
	}
	q->kicked_idx = q->avail_idx;
	if (notify)
		virtio_write32(q->dev, VIRTIO_MMIO_REG_QUEUE_NOTIFY, q->index);
}

int vq_used(struct vq *q, uint32_t *len)
{
	uint16_t idx = __atomic_load_n((uint16_t *)(q->used + VIRTQ_USED_IDX), __ATOMIC_ACQUIRE);
	const struct virtq_used_elem *e;
	uint16_t head, i, n;

	if (idx == q->last_used)
		return -1;
	e = (const struct virtq_used_elem *)(q->used + VIRTQ_USED_RING(q->last_used % q->num));
	head = (uint16_t)e->id;
	if (len)
		*len = e->len;
	if (head >= q->num || !q->chain_len[head])
		panic("virtio: queue %u: device used head %u it was not given", q->index, head);
	n = q->chain_len[head];
	q->chain_len[head] = 0;
	q->nfree = (uint16_t)(q->nfree + n);
	for (i = head; --n; i = q->desc[i].next)
		;
	q->desc[i].next = q->free_head;
	q->free_head = head;
	q->last_used++;
	if (q->event_idx)
		*(volatile uint16_t *)(q->avail + VIRTQ_AVAIL_USED_EVENT(q->num)) = q->last_used;
	return head;
}

int vq_wait(struct vq *q, uint32_t *len, uint64_t tsc_per_ms, uint64_t timeout_ms)
{
	uint64_t end = rdtsc() + tsc_per_ms * timeout_ms;
	int head;

	while ((head = vq_used(q, len)) < 0) {
		if (rdtsc() > end)
			panic("virtio: queue %u: no used buffer after %lu ms (device status 0x%x)",
			      q->index, timeout_ms, virtio_status(q->dev));
		cpu_relax();
	}
	return head;
}
