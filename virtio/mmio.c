/* mmio.c - the virtio-mmio version 2 transport (see mmio.h). */
#include <libfdt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "virtio/mmio.h"
#include "lib/command.h"
#include "lib/log.h"

static const char *const error_names[VMMIO_ERR_NR] = {
	[VMMIO_ERR_ACCESS] = "bad_access_width",
	[VMMIO_ERR_OFFSET] = "bad_register",
	[VMMIO_ERR_READ_ONLY] = "write_to_read_only",
	[VMMIO_ERR_FEATURES] = "bad_features",
	[VMMIO_ERR_LATE_FEATURES] = "features_after_features_ok",
	[VMMIO_ERR_STATUS] = "bad_status",
	[VMMIO_ERR_QUEUE_SEL] = "no_such_queue",
	[VMMIO_ERR_QUEUE_LIVE] = "queue_changed_while_ready",
	[VMMIO_ERR_QUEUE_SETUP] = "bad_queue_setup",
	[VMMIO_ERR_NOTIFY_EARLY] = "notify_before_driver_ok",
	[VMMIO_ERR_NOTIFY_QUEUE] = "notify_bad_queue",
	[VMMIO_ERR_NOTIFY_STOPPED] = "notify_while_stopped",
	[VMMIO_ERR_CONFIG] = "bad_config_access",
	[VMMIO_ERR_QUEUE_BROKEN] = "queue_broken",
	[VMMIO_ERR_DEVICE] = "device_error",
};

const char *virtio_mmio_error_name(enum virtio_mmio_error e)
{
	return (unsigned)e < VMMIO_ERR_NR ? error_names[e] : "unknown";
}

void virtio_mmio_error(struct virtio_mmio *t, enum virtio_mmio_error e, const char *fmt, ...)
{
	char prefix[128];
	va_list ap;

	snprintf(prefix, sizeof(prefix), "%s@0x%llx: guest error (%s): ", t->ops->name,
		 (unsigned long long)t->base, error_names[e]);
	va_start(ap, fmt);
	vlog_limited(&t->errors[e], prefix, fmt, ap);
	va_end(ap);
}

static void raise_irq(struct virtio_mmio *t, uint32_t bits)
{
	t->int_status |= bits;
	t->interrupts++;
	if (t->irq.raise)
		t->irq.raise(t, t->irq.arg);
}

void virtio_mmio_needs_reset(struct virtio_mmio *t, enum virtio_mmio_error e, const char *why)
{
	virtio_mmio_error(t, e, "%s; device needs reset", why);
	if (t->status & VIRTIO_STATUS_NEEDS_RESET)
		return;
	snprintf(t->needs_reset_why, sizeof(t->needs_reset_why), "%s", why);
	t->status |= VIRTIO_STATUS_NEEDS_RESET;
	/* 2.1.2: with DRIVER_OK set, tell the driver by a config change */
	if (t->status & VIRTIO_STATUS_DRIVER_OK)
		raise_irq(t, VIRTIO_MMIO_INT_CONFIG);
}

bool virtio_mmio_running(const struct virtio_mmio *t)
{
	return (t->status & VIRTIO_STATUS_DRIVER_OK) &&
	       !(t->status & (VIRTIO_STATUS_NEEDS_RESET | VIRTIO_STATUS_FAILED));
}

static void queue_broke(struct virtio_mmio *t, unsigned q)
{
	char why[96];

	snprintf(why, sizeof(why), "queue %u: %s", q, vq_error_name(t->vq[q].error));
	virtio_mmio_needs_reset(t, VMMIO_ERR_QUEUE_BROKEN, why);
}

static bool stop_requested(const struct virtio_mmio *t)
{
	return t->stop.requested && t->stop.requested(t->stop.arg);
}

int virtio_mmio_pop(struct virtio_mmio *t, unsigned q, struct vq_chain *c)
{
	int ret;

	if (!t->budget[q] || stop_requested(t)) {
		/* an empty ring must still ask for the next kick (event-idx):
		 * the budget may end exactly where the driver's chains did */
		ret = vq_want_notify(&t->vq[q]);
		if (ret < 0)
			queue_broke(t, q);
		else if (ret && !(t->backlog & (1u << q))) {
			t->backlog |= 1u << q;
			t->budget_cuts++;
		}
		return 0;
	}
	ret = vq_pop(&t->vq[q], c);
	if (ret < 0)
		queue_broke(t, q);
	else if (ret > 0)
		t->budget[q]--;
	return ret;
}

int virtio_mmio_push(struct virtio_mmio *t, unsigned q, uint16_t head, uint32_t written)
{
	int ret = vq_push(&t->vq[q], head, written);

	if (ret < 0 && t->vq[q].broken)
		queue_broke(t, q);
	return ret;
}

void virtio_mmio_signal_used(struct virtio_mmio *t, unsigned q)
{
	if (vq_should_signal(&t->vq[q]))
		raise_irq(t, VIRTIO_MMIO_INT_VRING);
}

void virtio_mmio_config_changed(struct virtio_mmio *t)
{
	t->config_gen++;
	if (t->status & VIRTIO_STATUS_DRIVER_OK)
		raise_irq(t, VIRTIO_MMIO_INT_CONFIG);
}

static uint64_t offered(const struct virtio_mmio *t)
{
	return t->ops->features | VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_RING_F_EVENT_IDX);
}

static unsigned num_queues(struct virtio_mmio *t)
{
	uint64_t f = t->status & VIRTIO_STATUS_FEATURES_OK ? t->features : offered(t);
	unsigned n = t->ops->num_queues(t, f);

	return n < VIRTIO_MMIO_MAX_QUEUES ? n : VIRTIO_MMIO_MAX_QUEUES;
}

static void device_reset(struct virtio_mmio *t)
{
	for (unsigned q = 0; q < VIRTIO_MMIO_MAX_QUEUES; q++)
		vq_reset(&t->vq[q], &t->mem);
	t->status = 0;
	t->dev_features_sel = t->drv_features_sel = 0;
	t->drv_features = t->features = 0;
	t->queue_sel = 0;
	t->int_status = 0;
	t->needs_reset_why[0] = '\0';
	t->backlog = 0;
	t->resets++;
	if (t->ops->reset)
		t->ops->reset(t);
}

void virtio_mmio_init(struct virtio_mmio *t, const struct virtio_device_ops *ops, void *priv,
		      uint64_t base, const struct vq_mem *mem)
{
	memset(t, 0, sizeof(*t));
	pthread_mutex_init(&t->lock, NULL);
	t->ops = ops;
	t->priv = priv;
	t->base = base;
	t->mem = *mem;
	for (unsigned q = 0; q < VIRTIO_MMIO_MAX_QUEUES; q++)
		vq_reset(&t->vq[q], &t->mem);
}

void virtio_mmio_destroy(struct virtio_mmio *t)
{
	pthread_mutex_destroy(&t->lock);
}

/* The selected queue for set-up, or NULL (counted) when it does not exist
 * or is live. */
static struct virtqueue *setup_queue(struct virtio_mmio *t, uint32_t reg)
{
	struct virtqueue *vq;

	if (t->queue_sel >= num_queues(t)) {
		virtio_mmio_error(t, VMMIO_ERR_QUEUE_SEL, "register 0x%03x for queue %u, which does not exist",
				  reg, t->queue_sel);
		return NULL;
	}
	vq = &t->vq[t->queue_sel];
	if (vq->ready) {
		virtio_mmio_error(t, VMMIO_ERR_QUEUE_LIVE, "register 0x%03x for queue %u while it is ready",
				  reg, t->queue_sel);
		return NULL;
	}
	return vq;
}

static void set_low(uint64_t *v, uint32_t lo)
{
	*v = (*v & ~0xffffffffULL) | lo;
}

static void set_high(uint64_t *v, uint32_t hi)
{
	*v = (*v & 0xffffffffULL) | (uint64_t)hi << 32;
}

static void queue_ready(struct virtio_mmio *t, uint32_t value)
{
	struct virtqueue *vq;
	enum vq_error e;
	char why[96];

	if (t->queue_sel >= num_queues(t)) {
		virtio_mmio_error(t, VMMIO_ERR_QUEUE_SEL, "QueueReady for queue %u, which does not exist",
				  t->queue_sel);
		return;
	}
	vq = &t->vq[t->queue_sel];
	if (!value) {
		vq->ready = false;
		return;
	}
	if (vq->ready)
		return;
	if (!(t->status & VIRTIO_STATUS_FEATURES_OK)) {
		snprintf(why, sizeof(why), "queue %u made ready before FEATURES_OK", t->queue_sel);
		virtio_mmio_needs_reset(t, VMMIO_ERR_QUEUE_SETUP, why);
		return;
	}
	vq->event_idx = virtio_has_feature(t, VIRTIO_RING_F_EVENT_IDX);
	e = vq_enable(vq, t->ops->queue_num_max);
	if (e != VQ_OK) {
		snprintf(why, sizeof(why), "queue %u (size %u): %s", t->queue_sel, vq->num,
			 vq_error_name(e));
		virtio_mmio_needs_reset(t, VMMIO_ERR_QUEUE_SETUP, why);
	}
}

static void queue_notify(struct virtio_mmio *t, uint32_t value)
{
	unsigned q = value & 0xffff;

	t->notifies++;
	if (!(t->status & VIRTIO_STATUS_DRIVER_OK)) {
		/* Linux primes the balloon's stats queue this way; it is looked
		 * at once DRIVER_OK is set */
		virtio_mmio_error(t, VMMIO_ERR_NOTIFY_EARLY, "queue %u notified before DRIVER_OK", q);
		return;
	}
	if (t->status & (VIRTIO_STATUS_NEEDS_RESET | VIRTIO_STATUS_FAILED)) {
		virtio_mmio_error(t, VMMIO_ERR_NOTIFY_STOPPED, "queue %u notified while the device is stopped", q);
		return;
	}
	if (q >= num_queues(t) || !t->vq[q].ready) {
		virtio_mmio_error(t, VMMIO_ERR_NOTIFY_QUEUE, "queue %u notified: it %s", q,
				  q >= num_queues(t) ? "does not exist" : "is not ready");
		return;
	}
	if (t->ops->notify)
		t->ops->notify(t, q);
}

static void features_ok(struct virtio_mmio *t)
{
	uint64_t f = t->drv_features;

	if (f & ~offered(t)) {
		virtio_mmio_error(t, VMMIO_ERR_FEATURES, "driver accepted features 0x%llx that were not offered",
				  (unsigned long long)(f & ~offered(t)));
		return;
	}
	if (!(f & VIRTIO_BIT(VIRTIO_F_VERSION_1))) {
		virtio_mmio_error(t, VMMIO_ERR_FEATURES, "driver did not accept VIRTIO_F_VERSION_1 (legacy is not supported)");
		return;
	}
	if (t->ops->features_ok && t->ops->features_ok(t, f) < 0) {
		virtio_mmio_error(t, VMMIO_ERR_FEATURES, "device refused features 0x%llx", (unsigned long long)f);
		return;
	}
	t->features = f;
	t->status |= VIRTIO_STATUS_FEATURES_OK;
}

static void write_status(struct virtio_mmio *t, uint32_t value)
{
	uint32_t old = t->status, add;

	if (value == 0) {
		device_reset(t);
		return;
	}
	value &= ~VIRTIO_STATUS_NEEDS_RESET; /* the device's bit, not the driver's */
	if (old & ~value & ~VIRTIO_STATUS_NEEDS_RESET) {
		virtio_mmio_error(t, VMMIO_ERR_STATUS, "status 0x%x clears bits of 0x%x without a reset",
				  value, old);
		return;
	}
	add = value & ~old;
	if (add & VIRTIO_STATUS_FAILED)
		t->status |= VIRTIO_STATUS_FAILED;
	t->status |= add & (VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	if (add & VIRTIO_STATUS_FEATURES_OK)
		features_ok(t);
	if (add & VIRTIO_STATUS_DRIVER_OK) {
		if (!(t->status & VIRTIO_STATUS_FEATURES_OK)) {
			virtio_mmio_error(t, VMMIO_ERR_STATUS, "DRIVER_OK without FEATURES_OK");
			return;
		}
		t->status |= VIRTIO_STATUS_DRIVER_OK;
		if (virtio_mmio_running(t) && t->ops->driver_ok)
			t->ops->driver_ok(t);
	}
}

static uint32_t read_reg(struct virtio_mmio *t, uint32_t off)
{
	unsigned q = t->queue_sel;
	bool qok = q < num_queues(t);

	switch (off) {
	case VIRTIO_MMIO_REG_MAGIC: return VIRTIO_MMIO_MAGIC;
	case VIRTIO_MMIO_REG_VERSION: return VIRTIO_MMIO_VERSION_2;
	case VIRTIO_MMIO_REG_DEVICE_ID: return t->ops->device_id;
	case VIRTIO_MMIO_REG_VENDOR_ID: return VIRTIO_MMIO_VENDOR;
	case VIRTIO_MMIO_REG_DEVICE_FEATURES:
		return t->dev_features_sel < 2 ? (uint32_t)(offered(t) >> (32 * t->dev_features_sel)) : 0;
	case VIRTIO_MMIO_REG_QUEUE_NUM_MAX: return qok ? t->ops->queue_num_max : 0;
	case VIRTIO_MMIO_REG_QUEUE_READY: return qok && t->vq[q].ready;
	case VIRTIO_MMIO_REG_INTERRUPT_STATUS: return t->int_status;
	case VIRTIO_MMIO_REG_STATUS: return t->status;
	case VIRTIO_MMIO_REG_QUEUE_DESC_LOW: return qok ? (uint32_t)t->vq[q].desc_gpa : 0;
	case VIRTIO_MMIO_REG_QUEUE_DESC_HIGH: return qok ? (uint32_t)(t->vq[q].desc_gpa >> 32) : 0;
	case VIRTIO_MMIO_REG_QUEUE_DRIVER_LOW: return qok ? (uint32_t)t->vq[q].avail_gpa : 0;
	case VIRTIO_MMIO_REG_QUEUE_DRIVER_HIGH: return qok ? (uint32_t)(t->vq[q].avail_gpa >> 32) : 0;
	case VIRTIO_MMIO_REG_QUEUE_DEVICE_LOW: return qok ? (uint32_t)t->vq[q].used_gpa : 0;
	case VIRTIO_MMIO_REG_QUEUE_DEVICE_HIGH: return qok ? (uint32_t)(t->vq[q].used_gpa >> 32) : 0;
	/* no shared memory regions: a length of -1 says so */
	case VIRTIO_MMIO_REG_SHM_LEN_LOW:
	case VIRTIO_MMIO_REG_SHM_LEN_HIGH:
	case VIRTIO_MMIO_REG_SHM_BASE_LOW:
	case VIRTIO_MMIO_REG_SHM_BASE_HIGH: return 0xffffffffu;
	case VIRTIO_MMIO_REG_CONFIG_GENERATION: return t->config_gen;
	/* write-only registers read as 0 */
	case VIRTIO_MMIO_REG_DEVICE_FEATURES_SEL:
	case VIRTIO_MMIO_REG_DRIVER_FEATURES:
	case VIRTIO_MMIO_REG_DRIVER_FEATURES_SEL:
	case VIRTIO_MMIO_REG_QUEUE_SEL:
	case VIRTIO_MMIO_REG_QUEUE_NUM:
	case VIRTIO_MMIO_REG_QUEUE_NOTIFY:
	case VIRTIO_MMIO_REG_INTERRUPT_ACK:
	case VIRTIO_MMIO_REG_SHM_SEL:
		return 0;
	}
	virtio_mmio_error(t, VMMIO_ERR_OFFSET, "read of offset 0x%03x", off);
	return 0;
}

static void write_reg(struct virtio_mmio *t, uint32_t off, uint32_t v)
{
	struct virtqueue *vq;

	switch (off) {
	case VIRTIO_MMIO_REG_DEVICE_FEATURES_SEL: t->dev_features_sel = v; return;
	case VIRTIO_MMIO_REG_DRIVER_FEATURES_SEL: t->drv_features_sel = v; return;
	case VIRTIO_MMIO_REG_DRIVER_FEATURES:
		if (t->status & VIRTIO_STATUS_FEATURES_OK) {
			virtio_mmio_error(t, VMMIO_ERR_LATE_FEATURES, "DriverFeatures written after FEATURES_OK");
			return;
		}
		if (t->drv_features_sel == 0)
			set_low(&t->drv_features, v);
		else if (t->drv_features_sel == 1)
			set_high(&t->drv_features, v);
		else if (v)
			virtio_mmio_error(t, VMMIO_ERR_FEATURES, "feature word %u = 0x%x: not offered",
					  t->drv_features_sel, v);
		return;
	case VIRTIO_MMIO_REG_QUEUE_SEL: t->queue_sel = v; return;
	case VIRTIO_MMIO_REG_QUEUE_NUM:
		if ((vq = setup_queue(t, off)))
			vq->num = v > 0xffff ? 0 : (uint16_t)v; /* 0 fails at QueueReady */
		return;
	case VIRTIO_MMIO_REG_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_REG_QUEUE_DESC_HIGH:
	case VIRTIO_MMIO_REG_QUEUE_DRIVER_LOW:
	case VIRTIO_MMIO_REG_QUEUE_DRIVER_HIGH:
	case VIRTIO_MMIO_REG_QUEUE_DEVICE_LOW:
	case VIRTIO_MMIO_REG_QUEUE_DEVICE_HIGH: {
		uint64_t *addr;

		if (!(vq = setup_queue(t, off)))
			return;
		addr = off < VIRTIO_MMIO_REG_QUEUE_DRIVER_LOW ? &vq->desc_gpa :
		       off < VIRTIO_MMIO_REG_QUEUE_DEVICE_LOW ? &vq->avail_gpa : &vq->used_gpa;
		if (off & 4)
			set_high(addr, v);
		else
			set_low(addr, v);
		return;
	}
	case VIRTIO_MMIO_REG_QUEUE_READY: queue_ready(t, v); return;
	case VIRTIO_MMIO_REG_QUEUE_NOTIFY: queue_notify(t, v); return;
	case VIRTIO_MMIO_REG_INTERRUPT_ACK: t->int_status &= ~v; return;
	case VIRTIO_MMIO_REG_STATUS: write_status(t, v); return;
	case VIRTIO_MMIO_REG_SHM_SEL: return;
	case VIRTIO_MMIO_REG_MAGIC:
	case VIRTIO_MMIO_REG_VERSION:
	case VIRTIO_MMIO_REG_DEVICE_ID:
	case VIRTIO_MMIO_REG_VENDOR_ID:
	case VIRTIO_MMIO_REG_DEVICE_FEATURES:
	case VIRTIO_MMIO_REG_QUEUE_NUM_MAX:
	case VIRTIO_MMIO_REG_INTERRUPT_STATUS:
	case VIRTIO_MMIO_REG_CONFIG_GENERATION:
	case VIRTIO_MMIO_REG_SHM_LEN_LOW:
	case VIRTIO_MMIO_REG_SHM_LEN_HIGH:
	case VIRTIO_MMIO_REG_SHM_BASE_LOW:
	case VIRTIO_MMIO_REG_SHM_BASE_HIGH:
		virtio_mmio_error(t, VMMIO_ERR_READ_ONLY, "write of 0x%x to read-only offset 0x%03x", v, off);
		return;
	}
	virtio_mmio_error(t, VMMIO_ERR_OFFSET, "write of 0x%x to offset 0x%03x", v, off);
}

/* Queues a device left with chains on their rings get this access's budget
 * first (before a register read, so InterruptStatus shows what it used). */
static void serve_backlog(struct virtio_mmio *t)
{
	uint32_t queues = t->backlog;

	t->backlog = 0;
	if (!queues || !virtio_mmio_running(t) || !t->ops->notify)
		return; /* a stopped device serves nothing; a reset empties the rings */
	for (unsigned q = 0; q < VIRTIO_MMIO_MAX_QUEUES; q++)
		if ((queues & (1u << q)) && t->vq[q].ready)
			t->ops->notify(t, q);
}

void virtio_mmio_access(struct virtio_mmio *t, uint64_t off, uint8_t *data, uint32_t len,
			bool is_write)
{
	pthread_mutex_lock(&t->lock);
	for (unsigned q = 0; q < VIRTIO_MMIO_MAX_QUEUES; q++)
		t->budget[q] = VIRTIO_MMIO_BUDGET;
	serve_backlog(t);
	if (off >= VIRTIO_MMIO_REG_CONFIG) {
		uint64_t coff = off - VIRTIO_MMIO_REG_CONFIG;

		if (coff > t->ops->config_size || len > t->ops->config_size - coff ||
		    (len != 1 && len != 2 && len != 4 && len != 8)) {
			virtio_mmio_error(t, VMMIO_ERR_CONFIG, "%u-byte config %s at offset 0x%llx (config is %u bytes)",
					  len, is_write ? "write" : "read", (unsigned long long)coff,
					  t->ops->config_size);
			if (!is_write)
				memset(data, 0, len);
		} else if (is_write) {
			if (t->ops->config_write)
				t->ops->config_write(t, (uint32_t)coff, data, len);
		} else {
			memset(data, 0, len);
			if (t->ops->config_read)
				t->ops->config_read(t, (uint32_t)coff, data, len);
		}
	} else if (len != 4 || off % 4) {
		virtio_mmio_error(t, VMMIO_ERR_ACCESS, "%u-byte %s at offset 0x%llx (registers take 32-bit aligned accesses)",
				  len, is_write ? "write" : "read", (unsigned long long)off);
		if (!is_write)
			memset(data, 0, len);
	} else if (is_write) {
		uint32_t v;

		memcpy(&v, data, 4);
		write_reg(t, (uint32_t)off, v);
	} else {
		uint32_t v = read_reg(t, (uint32_t)off);

		memcpy(data, &v, 4);
	}
	/* chains left for later: an interrupt brings an interrupt-driven driver
	 * back (even one that asked for none yet: it may wait for just those) */
	if (t->backlog && virtio_mmio_running(t))
		raise_irq(t, VIRTIO_MMIO_INT_VRING);
	pthread_mutex_unlock(&t->lock);
}

int virtio_mmio_fdt_node(void *fdt, uint64_t base, uint64_t size)
{
	fdt64_t reg[2] = { cpu_to_fdt64(base), cpu_to_fdt64(size) };
	char name[48];
	int err;

	snprintf(name, sizeof(name), "virtio_mmio@%llx", (unsigned long long)base);
	if ((err = fdt_begin_node(fdt, name)) < 0 ||
	    (err = fdt_property_string(fdt, "compatible", "virtio,mmio")) < 0 ||
	    (err = fdt_property(fdt, "reg", reg, sizeof(reg))) < 0 ||
	    (err = fdt_property(fdt, "dma-coherent", NULL, 0)) < 0)
		return err;
	return fdt_end_node(fdt);
}

void virtio_mmio_get_status(const struct virtio_mmio *t, struct virtio_mmio_status *s)
{
	memset(s, 0, sizeof(*s));
	s->base = t->base;
	s->features = t->features;
	s->driver_ok = (t->status & VIRTIO_STATUS_DRIVER_OK) != 0;
	s->needs_reset = (t->status & VIRTIO_STATUS_NEEDS_RESET) != 0;
	memcpy(s->needs_reset_why, t->needs_reset_why, sizeof(s->needs_reset_why));
	memcpy(s->transport_errors, t->errors, sizeof(s->transport_errors));
	for (unsigned q = 0; q < VIRTIO_MMIO_MAX_QUEUES; q++)
		for (unsigned e = 0; e < VQ_ERR_NR; e++)
			s->queue_errors[e] += t->vq[q].errors[e];
	s->budget_cuts = t->budget_cuts;
}

uint64_t virtio_mmio_status_errors(const struct virtio_mmio_status *s)
{
	uint64_t total = 0;

	for (unsigned e = 0; e < VMMIO_ERR_NR; e++)
		total += s->transport_errors[e];
	for (unsigned e = VQ_OK + 1; e < VQ_ERR_NR; e++)
		total += s->queue_errors[e];
	return total;
}

struct json_object *virtio_holds_json(const struct vq_holds *h)
{
	struct json_object *m = json_object_new_object();

	json_add_int(m, "held", (int64_t)h->held);
	json_add_double(m, "longest_hold_us", h->longest * 1e6);
	return m;
}

void virtio_mmio_status_json(struct json_object *o, const struct virtio_mmio_status *s,
			     const char *(*feature_name)(unsigned bit))
{
	struct json_object *f = json_object_new_array();

	json_add_str(o, "driver", s->needs_reset ? "needs-reset" : s->driver_ok ? "ok" : "absent");
	if (s->needs_reset)
		json_add_str(o, "needs_reset_reason", s->needs_reset_why);
	for (unsigned bit = 0; bit < 64; bit++)
		if (s->features & (1ULL << bit))
			json_object_array_add(f, json_object_new_string(feature_name(bit) ? feature_name(bit) : "unknown"));
	json_object_object_add(o, "features", f);
}
