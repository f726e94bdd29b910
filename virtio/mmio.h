/* mmio.h - the virtio-mmio transport, version 2 (virtio 1.2, 4.2.2).
 *
 * One struct virtio_mmio per device window: magic, version, device/vendor id,
 * 64-bit feature negotiation (VERSION_1 required), queue select/size/ready/
 * addresses, notify, interrupt status/ack, status with reset, and the config
 * space with its generation counter. A device model plugs in through struct
 * virtio_device_ops; every callback runs with the transport lock held.
 *
 * Interrupts are a hook: the transport sets InterruptStatus bits and calls
 * irq->raise, if set. The test guest has no interrupt controller and polls;
 * a guest with a KVM irqchip would get an irqfd here (docs/virtio.md).
 * Notifications arrive as MMIO writes to QueueNotify and are handled on the
 * vCPU thread that made them.
 *
 * Bounded work: in one guest access (a QueueNotify, DRIVER_OK) a device pops
 * at most VIRTIO_MMIO_BUDGET chains of each queue, and none once the VMM is
 * stopping (struct virtio_stop), so the transport lock is never held across
 * more. Chains past the budget stay on the ring, unpopped: the queue is
 * marked and a used-buffer interrupt raised, and the driver's next access to
 * the device (Linux's interrupt handler reads InterruptStatus, a polling
 * driver reads its registers) or next notification serves the next budget.
 *
 * Bad driver behaviour is counted per kind (enum virtio_mmio_error), logged a
 * few times, and never reaches outside guest RAM. Where the device cannot go
 * on (a broken queue, a queue set up wrong), it sets DEVICE_NEEDS_RESET and
 * sends a configuration change notification, as 2.1.2 asks. */
#ifndef FRAMESHIFT_VIRTIO_MMIO_H
#define FRAMESHIFT_VIRTIO_MMIO_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "include/frameshift/virtio-abi.h"
#include "virtio/virtqueue.h"

#define VIRTIO_MMIO_MAX_QUEUES 8
/* Chains of one queue a device may pop in one guest access: Linux's balloon
 * driver queues one request per notification, the test guest at most 16. */
#define VIRTIO_MMIO_BUDGET 16

struct virtio_mmio;

struct virtio_device_ops {
	const char *name;
	uint32_t device_id;
	uint64_t features;        /* offered; the transport adds VERSION_1 and EVENT_IDX */
	uint16_t queue_num_max;   /* <= VIRTQ_DEV_MAX_SIZE */
	uint32_t config_size;     /* bytes of device config at 0x100 */
	/* How many queues exist under these features (the driver's, once
	 * FEATURES_OK; the offered ones before). */
	unsigned (*num_queues)(struct virtio_mmio *t, uint64_t features);
	/* FEATURES_OK: 0 accepts the driver's features, <0 refuses. Optional. */
	int (*features_ok)(struct virtio_mmio *t, uint64_t features);
	/* Config space access; off + len <= config_size (checked). */
	void (*config_read)(struct virtio_mmio *t, uint32_t off, uint8_t *data, uint32_t len);
	void (*config_write)(struct virtio_mmio *t, uint32_t off, const uint8_t *data, uint32_t len);
	/* DRIVER_OK was set: start work (buffers may already be waiting). */
	void (*driver_ok)(struct virtio_mmio *t);
	/* The driver notified queue q (ready, DRIVER_OK set, not NEEDS_RESET). */
	void (*notify)(struct virtio_mmio *t, unsigned q);
	/* A device reset (status 0): forget all driver state. */
	void (*reset)(struct virtio_mmio *t);
};

enum virtio_mmio_error {
	VMMIO_ERR_ACCESS,        /* register access not 32 bits wide and aligned */
	VMMIO_ERR_OFFSET,        /* no register at that offset */
	VMMIO_ERR_READ_ONLY,     /* write to a read-only register */
	VMMIO_ERR_FEATURES,      /* features not offered, or no VERSION_1 */
	VMMIO_ERR_LATE_FEATURES, /* features written after FEATURES_OK */
	VMMIO_ERR_STATUS,        /* status bits cleared without a reset, or out of order */
	VMMIO_ERR_QUEUE_SEL,     /* set-up of a queue that does not exist */
	VMMIO_ERR_QUEUE_LIVE,    /* set-up of a queue that is ready */
	VMMIO_ERR_QUEUE_SETUP,   /* QueueReady with a bad size, alignment or address */
	VMMIO_ERR_NOTIFY_EARLY,  /* notification before DRIVER_OK */
	VMMIO_ERR_NOTIFY_QUEUE,  /* notification of a queue that does not exist or is not ready */
	VMMIO_ERR_NOTIFY_STOPPED,/* notification while NEEDS_RESET or FAILED */
	VMMIO_ERR_CONFIG,        /* config access outside the device's config */
	VMMIO_ERR_QUEUE_BROKEN,  /* a queue broke (vq->error says why) */
	VMMIO_ERR_DEVICE,        /* the device model reported a fatal driver error */
	VMMIO_ERR_NR
};

const char *virtio_mmio_error_name(enum virtio_mmio_error e);

struct virtio_irq {
	void (*raise)(struct virtio_mmio *t, void *arg); /* InterruptStatus became non-zero */
	void *arg;
};

/* Whether the VMM is stopping (quit, a signal, the guest's end): the device
 * then pops no more chains. NULL: never. */
struct virtio_stop {
	bool (*requested)(void *arg);
	void *arg;
};

struct virtio_mmio {
	pthread_mutex_t lock;
	const struct virtio_device_ops *ops;
	void *priv;                  /* the device model */
	uint64_t base;               /* guest-physical address of the window */
	struct vq_mem mem;
	struct virtio_irq irq;
	struct virtio_stop stop;
	/* bounded work (see above) */
	uint16_t budget[VIRTIO_MMIO_MAX_QUEUES]; /* chains left to pop in this access */
	uint32_t backlog;            /* bit per queue left with chains on its ring */
	/* registers */
	uint32_t status;
	uint32_t dev_features_sel, drv_features_sel;
	uint64_t drv_features;       /* as written */
	uint64_t features;           /* negotiated (valid once FEATURES_OK) */
	uint32_t queue_sel;
	uint32_t int_status;
	uint32_t config_gen;
	struct virtqueue vq[VIRTIO_MMIO_MAX_QUEUES];
	/* counters */
	uint64_t errors[VMMIO_ERR_NR];
	uint64_t notifies, interrupts, resets;
	uint64_t budget_cuts;        /* times a queue was left with chains for a later access */
	char needs_reset_why[96];
};

void virtio_mmio_init(struct virtio_mmio *t, const struct virtio_device_ops *ops, void *priv,
		      uint64_t base, const struct vq_mem *mem);
void virtio_mmio_destroy(struct virtio_mmio *t);

/* A guest access at offset off of the window: the struct device io hook. */
void virtio_mmio_access(struct virtio_mmio *t, uint64_t off, uint8_t *data, uint32_t len,
			bool is_write);

/* For device models, with t->lock held: */
/* Used buffers were pushed on queue q: notify the driver if it wants it. */
void virtio_mmio_signal_used(struct virtio_mmio *t, unsigned q);
/* The device changed its config: bump the generation, notify the driver. */
void virtio_mmio_config_changed(struct virtio_mmio *t);
/* The device cannot go on: DEVICE_NEEDS_RESET (+ config notification). */
void virtio_mmio_needs_reset(struct virtio_mmio *t, enum virtio_mmio_error e, const char *why);
/* Count a driver error (logged a few times), without stopping the device. */
void virtio_mmio_error(struct virtio_mmio *t, enum virtio_mmio_error e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Whether the device may process queues: DRIVER_OK, not NEEDS_RESET/FAILED. */
bool virtio_mmio_running(const struct virtio_mmio *t);
/* Pop queue q; a queue error becomes NEEDS_RESET. Same returns as vq_pop,
 * except that it answers 0 (the chain stays on the ring, served by a later
 * access) once this access's budget for q is spent or the VMM is stopping. */
int virtio_mmio_pop(struct virtio_mmio *t, unsigned q, struct vq_chain *c);
/* Push and count a failure like virtio_mmio_pop. */
int virtio_mmio_push(struct virtio_mmio *t, unsigned q, uint16_t head, uint32_t written);

/* The transport's part of a device's status (ctl disks, nets). */
struct virtio_mmio_status {
	uint64_t base;
	uint64_t features;           /* negotiated */
	bool driver_ok, needs_reset;
	char needs_reset_why[96];
	uint64_t transport_errors[VMMIO_ERR_NR];
	uint64_t queue_errors[VQ_ERR_NR]; /* summed over the queues */
	uint64_t budget_cuts;
};
/* With t->lock held. */
void virtio_mmio_get_status(const struct virtio_mmio *t, struct virtio_mmio_status *s);
/* The driver's errors the transport and its queues counted. */
uint64_t virtio_mmio_status_errors(const struct virtio_mmio_status *s);
/* "driver" (absent, ok, needs-reset), "needs_reset_reason" (only then) and
 * "features" (by feature_name; "unknown" where it has none) into a reply. */
struct json_object;
void virtio_mmio_status_json(struct json_object *o, const struct virtio_mmio_status *s,
			     const char *(*feature_name)(unsigned bit));
/* The "migration" object of ctl disks and ctl nets: held, longest_hold_us */
struct json_object *virtio_holds_json(const struct vq_holds *h);

static inline bool virtio_has_feature(const struct virtio_mmio *t, unsigned bit)
{
	return t->features & VIRTIO_BIT(bit);
}

/* The device-tree node for a window: virtio_mmio@ADDR, compatible
 * "virtio,mmio", reg. Returns 0 or a negative libfdt error. */
int virtio_mmio_fdt_node(void *fdt, uint64_t base, uint64_t size);

#endif
