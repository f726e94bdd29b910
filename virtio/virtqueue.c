/* virtqueue.c - the device side of a split virtqueue; see virtqueue.h for the
 * rules it holds the driver to. Ring fields are read with acquire loads and
 * published with release stores: the driver runs on other CPUs. */
#include <string.h>

#include "lib/clock.h"
#include "virtio/virtqueue.h"

void vq_holds_note(struct vq_holds *h, double started)
{
	double took = now_monotonic() - started;

	h->held++;
	if (took > h->longest)
		h->longest = took;
}

static const char *const error_names[VQ_ERR_NR] = {
	[VQ_OK] = "none",
	[VQ_ERR_SIZE] = "queue size is 0, not a power of two, or above the maximum",
	[VQ_ERR_ALIGN] = "ring not aligned (descriptors 16, driver area 2, device area 4)",
	[VQ_ERR_RING_ADDR] = "ring outside guest RAM",
	[VQ_ERR_AVAIL_IDX] = "available index moved more than the queue size",
	[VQ_ERR_HEAD] = "head index out of range or already in flight",
	[VQ_ERR_NEXT] = "next index out of range",
	[VQ_ERR_LOOP] = "descriptor chain longer than the queue (a loop)",
	[VQ_ERR_ZERO_LEN] = "zero-length buffer",
	[VQ_ERR_BUF_ADDR] = "buffer outside guest RAM",
	[VQ_ERR_INDIRECT] = "indirect descriptor (feature not negotiated)",
	[VQ_ERR_ORDER] = "device-readable buffer after a device-writable one",
	[VQ_ERR_USED] = "used a head that is not in flight",
};

static const char *const error_keys[VQ_ERR_NR] = {
	[VQ_OK] = "none",
	[VQ_ERR_SIZE] = "bad_queue_size",
	[VQ_ERR_ALIGN] = "unaligned_ring",
	[VQ_ERR_RING_ADDR] = "ring_outside_ram",
	[VQ_ERR_AVAIL_IDX] = "avail_index_jump",
	[VQ_ERR_HEAD] = "bad_head",
	[VQ_ERR_NEXT] = "bad_next",
	[VQ_ERR_LOOP] = "chain_loop",
	[VQ_ERR_ZERO_LEN] = "zero_length_buffer",
	[VQ_ERR_BUF_ADDR] = "buffer_outside_ram",
	[VQ_ERR_INDIRECT] = "indirect_descriptor",
	[VQ_ERR_ORDER] = "readable_after_writable",
	[VQ_ERR_USED] = "used_not_in_flight",
};

const char *vq_error_name(enum vq_error e)
{
	return (unsigned)e < VQ_ERR_NR ? error_names[e] : "unknown";
}

const char *vq_error_key(enum vq_error e)
{
	return (unsigned)e < VQ_ERR_NR ? error_keys[e] : "unknown";
}

static void *vq_ptr(const struct virtqueue *vq, uint64_t gpa, uint64_t len)
{
	if (gpa + len < gpa)
		return NULL;
	return vq->mem.translate(vq->mem.arg, gpa, len);
}

static bool vq_in_ram(const struct virtqueue *vq, uint64_t gpa, uint64_t len)
{
	if (gpa + len < gpa)
		return false;
	if (vq->mem.in_ram)
		return vq->mem.in_ram(vq->mem.arg, gpa, len);
	return vq->mem.translate(vq->mem.arg, gpa, len) != NULL;
}

void vq_reset(struct virtqueue *vq, const struct vq_mem *mem)
{
	uint64_t popped = vq->popped, pushed = vq->pushed;
	uint64_t errors[VQ_ERR_NR];

	/* counters live across resets: they are the device's history */
	memcpy(errors, vq->errors, sizeof(errors));
	memset(vq, 0, sizeof(*vq));
	memcpy(vq->errors, errors, sizeof(errors));
	vq->popped = popped;
	vq->pushed = pushed;
	vq->mem = *mem;
}

void vq_break(struct virtqueue *vq, enum vq_error e)
{
	vq->errors[e]++;
	if (!vq->broken) {
		vq->broken = true;
		vq->error = e;
	}
}

static bool is_pow2(uint32_t n)
{
	return n && !(n & (n - 1));
}

enum vq_error vq_enable(struct virtqueue *vq, uint16_t num_max)
{
	enum vq_error e = VQ_OK;
	uint16_t num = vq->num;

	if (!is_pow2(num) || num > num_max || num > VIRTQ_DEV_MAX_SIZE)
		e = VQ_ERR_SIZE;
	else if (vq->desc_gpa % VIRTQ_DESC_ALIGN || vq->avail_gpa % VIRTQ_AVAIL_ALIGN ||
		 vq->used_gpa % VIRTQ_USED_ALIGN)
		e = VQ_ERR_ALIGN;
	else if (!vq_ptr(vq, vq->desc_gpa, VIRTQ_DESC_SIZE(num)) ||
		 !vq_ptr(vq, vq->avail_gpa, VIRTQ_AVAIL_SIZE(num)) ||
		 !vq_ptr(vq, vq->used_gpa, VIRTQ_USED_SIZE(num)))
		e = VQ_ERR_RING_ADDR;
	if (e != VQ_OK) {
		vq->errors[e]++;
		return e;
	}
	vq->ready = true;
	vq->broken = false;
	vq->error = VQ_OK;
	vq->last_avail = vq->avail_idx = vq->used_idx = 0;
	vq->signalled_valid = false;
	vq->inflight = 0;
	memset(vq->inflight_map, 0, sizeof(vq->inflight_map));
	return VQ_OK;
}

/* Read avail->idx once and check it against what we consumed. */
static int read_avail_idx(struct virtqueue *vq)
{
	uint16_t *p = vq_ptr(vq, vq->avail_gpa + VIRTQ_AVAIL_IDX, 2);
	uint16_t idx;

	if (!p) {
		vq_break(vq, VQ_ERR_RING_ADDR);
		return -1;
	}
	idx = __atomic_load_n(p, __ATOMIC_ACQUIRE);
	if ((uint16_t)(idx - vq->last_avail) > vq->num) {
		vq_break(vq, VQ_ERR_AVAIL_IDX);
		return -1;
	}
	vq->avail_idx = idx;
	return 0;
}

/* With event-idx: ask to be notified when the driver makes slot last_avail
 * available. */
static int write_avail_event(struct virtqueue *vq)
{
	uint16_t *p = vq_ptr(vq, vq->used_gpa + VIRTQ_USED_AVAIL_EVENT(vq->num), 2);

	if (!p) {
		vq_break(vq, VQ_ERR_RING_ADDR);
		return -1;
	}
	__atomic_store_n(p, vq->last_avail, __ATOMIC_RELAXED);
	return 0;
}

int vq_want_notify(struct virtqueue *vq)
{
	if (!vq->ready)
		return 0;
	if (vq->broken)
		return -1;
	if (read_avail_idx(vq) < 0)
		return -1;
	if (vq->last_avail != vq->avail_idx || !vq->event_idx)
		return vq->last_avail != vq->avail_idx;
	/* ask for a kick on the next buffer, then look again: the driver may
	 * have added one before it saw the request */
	if (write_avail_event(vq) < 0)
		return -1;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (read_avail_idx(vq) < 0)
		return -1;
	return vq->last_avail != vq->avail_idx;
}

static bool inflight_test(const struct virtqueue *vq, uint16_t head)
{
	return vq->inflight_map[head / 64] & (1ULL << (head % 64));
}

static void inflight_set(struct virtqueue *vq, uint16_t head, bool on)
{
	if (on)
		vq->inflight_map[head / 64] |= 1ULL << (head % 64);
	else
		vq->inflight_map[head / 64] &= ~(1ULL << (head % 64));
}

static int pop_fail(struct virtqueue *vq, enum vq_error e)
{
	vq_break(vq, e);
	return -1;
}

int vq_pop(struct virtqueue *vq, struct vq_chain *c)
{
	uint16_t *slot, head, i;
	bool seen_write = false;

	if (!vq->ready)
		return 0;
	if (vq->broken)
		return -1;
	if (vq->last_avail == vq->avail_idx) {
		int more = vq_want_notify(vq);

		if (more <= 0)
			return more;
	}
	slot = vq_ptr(vq, vq->avail_gpa + VIRTQ_AVAIL_RING(vq->last_avail % vq->num), 2);
	if (!slot)
		return pop_fail(vq, VQ_ERR_RING_ADDR);
	head = __atomic_load_n(slot, __ATOMIC_RELAXED);
	if (head >= vq->num || inflight_test(vq, head))
		return pop_fail(vq, VQ_ERR_HEAD);

	c->head = head;
	c->n = c->nout = 0;
	c->out_bytes = c->in_bytes = 0;
	for (i = head;;) {
		struct virtq_desc d;
		const void *p;

		if (c->n >= vq->num || c->n >= c->cap)
			return pop_fail(vq, VQ_ERR_LOOP);
		p = vq_ptr(vq, vq->desc_gpa + (uint64_t)i * sizeof(d), sizeof(d));
		if (!p)
			return pop_fail(vq, VQ_ERR_RING_ADDR);
		memcpy(&d, p, sizeof(d)); /* one snapshot of the descriptor */
		if (d.flags & VIRTQ_DESC_F_INDIRECT)
			return pop_fail(vq, VQ_ERR_INDIRECT);
		if (d.len == 0)
			return pop_fail(vq, VQ_ERR_ZERO_LEN);
		if (!vq_in_ram(vq, d.addr, d.len))
			return pop_fail(vq, VQ_ERR_BUF_ADDR);
		if (d.flags & VIRTQ_DESC_F_WRITE) {
			seen_write = true;
			c->in_bytes += d.len;
		} else {
			if (seen_write)
				return pop_fail(vq, VQ_ERR_ORDER);
			c->nout++;
			c->out_bytes += d.len;
		}
		c->buf[c->n++] = (struct vq_buf){ d.addr, d.len, (d.flags & VIRTQ_DESC_F_WRITE) != 0 };
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			break;
		if (d.next >= vq->num)
			return pop_fail(vq, VQ_ERR_NEXT);
		i = d.next;
	}
	vq->last_avail++;
	inflight_set(vq, head, true);
	vq->inflight++;
	vq->popped++;
	return 1;
}

int vq_push(struct virtqueue *vq, uint16_t head, uint32_t written)
{
	struct virtq_used_elem *e;
	uint16_t *idx;

	if (!vq->ready || vq->broken)
		return -1;
	if (head >= vq->num || !inflight_test(vq, head)) {
		vq_break(vq, VQ_ERR_USED);
		return -1;
	}
	e = vq_ptr(vq, vq->used_gpa + VIRTQ_USED_RING(vq->used_idx % vq->num), sizeof(*e));
	idx = vq_ptr(vq, vq->used_gpa + VIRTQ_USED_IDX, 2);
	if (!e || !idx) {
		vq_break(vq, VQ_ERR_RING_ADDR);
		return -1;
	}
	e->id = head;
	e->len = written;
	vq->used_idx++;
	__atomic_store_n(idx, vq->used_idx, __ATOMIC_RELEASE);
	inflight_set(vq, head, false);
	vq->inflight--;
	vq->pushed++;
	return 0;
}

bool vq_should_signal(struct virtqueue *vq)
{
	uint16_t old = vq->signalled_used, event, *p;
	bool valid = vq->signalled_valid;

	if (!vq->ready || vq->broken)
		return false;
	/* the used index store must be visible before we read the driver's wish */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!vq->event_idx) {
		p = vq_ptr(vq, vq->avail_gpa + VIRTQ_AVAIL_FLAGS, 2);
		return p && !(__atomic_load_n(p, __ATOMIC_RELAXED) & VIRTQ_AVAIL_F_NO_INTERRUPT);
	}
	p = vq_ptr(vq, vq->avail_gpa + VIRTQ_AVAIL_USED_EVENT(vq->num), 2);
	if (!p)
		return false;
	event = __atomic_load_n(p, __ATOMIC_RELAXED);
	vq->signalled_used = vq->used_idx;
	vq->signalled_valid = true;
	return !valid || virtq_need_event(event, vq->used_idx, old);
}

static void *flat_translate(void *arg, uint64_t gpa, uint64_t len)
{
	struct vq_flat_mem *m = arg;

	if (gpa > m->size || len > m->size - gpa)
		return NULL;
	return m->base + gpa;
}

void vq_mem_flat(struct vq_mem *mem, struct vq_flat_mem *flat)
{
	*mem = (struct vq_mem){ .translate = flat_translate, .arg = flat };
}
