/* virtqueue.h - the device side of a split virtqueue (virtio 1.2, 2.7).
 *
 * Nothing here trusts the driver. Every ring and buffer address goes through a
 * guest-memory accessor (struct vq_mem) that answers NULL for anything not
 * wholly inside guest RAM; avail->idx is read once per look and must not run
 * more than the queue size ahead; heads and next indices must be below the
 * queue size; a chain may hold at most queue-size descriptors (so a loop is
 * caught); zero-length buffers, indirect descriptors (never offered) and
 * device-readable buffers after device-writable ones are refused. The first
 * such error breaks the queue: it stops, the error is counted and named, and
 * the transport sets DEVICE_NEEDS_RESET. Each descriptor is copied out of
 * guest memory once, so a driver rewriting it meanwhile changes nothing.
 *
 * The code knows no KVM and no transport, so tests/check_virtqueue.c builds
 * rings in a plain buffer. */
#ifndef FRAMESHIFT_VIRTIO_VIRTQUEUE_H
#define FRAMESHIFT_VIRTIO_VIRTQUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include "include/frameshift/virtio-abi.h"

/* How the device reaches guest memory. */
struct vq_mem {
	/* A host pointer to [gpa, gpa+len) if the device may read and write all
	 * of it now, else NULL. Rings and the buffers a device reads or writes
	 * go through here. */
	void *(*translate)(void *arg, uint64_t gpa, uint64_t len);
	/* Whether [gpa, gpa+len) lies in guest RAM (the device may not touch
	 * it: e.g. free pages a balloon is told about). NULL: translate != NULL. */
	bool (*in_ram)(void *arg, uint64_t gpa, uint64_t len);
	void *arg;
};

/* What the VMM knows of guest frames, for a device's counters (both
 * optional). */
struct vq_mem_probe {
	/* [gpa, gpa+len) touches a frame whose page is with the host */
	bool (*ballooned)(void *arg, uint64_t gpa, uint64_t len);
	/* [gpa, gpa+len) touches a frame being migrated (writes held) */
	bool (*migrating)(void *arg, uint64_t gpa, uint64_t len);
	void *arg;
};

/* Device I/O that met a frame being migrated (its copy waited on the
 * frame's migration entry): how many, and the longest, start to end. */
struct vq_holds {
	uint64_t held;
	double longest; /* s */
};

/* One such I/O, begun at `started` (now_monotonic()), has ended. The
 * caller serialises calls on h. */
void vq_holds_note(struct vq_holds *h, double started);

enum vq_error {
	VQ_OK,
	/* set-up (QueueReady) */
	VQ_ERR_SIZE,       /* queue size 0, not a power of two, or above the maximum */
	VQ_ERR_ALIGN,      /* a ring part not aligned as 2.7 requires */
	VQ_ERR_RING_ADDR,  /* a ring part not wholly in guest RAM */
	/* running */
	VQ_ERR_AVAIL_IDX,  /* avail->idx more than the queue size ahead */
	VQ_ERR_HEAD,       /* a head index >= queue size, or one already in flight */
	VQ_ERR_NEXT,       /* a next index >= queue size */
	VQ_ERR_LOOP,       /* a chain longer than the queue: a loop */
	VQ_ERR_ZERO_LEN,   /* a zero-length buffer */
	VQ_ERR_BUF_ADDR,   /* a buffer not wholly in guest RAM (or it wraps) */
	VQ_ERR_INDIRECT,   /* VIRTQ_DESC_F_INDIRECT: the feature is never offered */
	VQ_ERR_ORDER,      /* a device-readable buffer after a device-writable one */
	VQ_ERR_USED,       /* the device pushed a head it never popped */
	VQ_ERR_NR
};

/* A sentence for logs, and a short key for counters in JSON. */
const char *vq_error_name(enum vq_error e);
const char *vq_error_key(enum vq_error e);

struct vq_buf {
	uint64_t gpa;
	uint32_t len;
	bool write; /* device-writable */
};

/* One popped chain. buf must have room for the queue size (vq_chain_cap). */
struct vq_chain {
	uint16_t head;
	uint16_t n;     /* buffers in buf[] */
	uint16_t nout;  /* the first nout are device-readable, the rest writable */
	uint64_t out_bytes, in_bytes;
	struct vq_buf *buf;
	uint32_t cap;
};

/* The largest queue frameshift's devices offer (QueueNumMax is per device,
 * at most this): bounds the in-flight map and a chain's buffer array. */
#define VIRTQ_DEV_MAX_SIZE 1024u

struct virtqueue {
	/* written by the driver through the transport */
	uint16_t num;           /* queue size */
	bool ready;
	uint64_t desc_gpa, avail_gpa, used_gpa;
	/* negotiated */
	bool event_idx;
	/* device state */
	uint16_t last_avail;    /* next avail ring slot to consume */
	uint16_t avail_idx;     /* the last avail->idx read (snapshot) */
	uint16_t used_idx;      /* our copy of used->idx */
	uint16_t signalled_used; /* used_idx at the last driver notification */
	bool signalled_valid;
	uint16_t inflight;      /* popped, not yet pushed */
	uint64_t inflight_map[VIRTQ_DEV_MAX_SIZE / 64]; /* by head */
	bool broken;
	enum vq_error error;    /* why it broke */
	struct vq_mem mem;
	/* counters */
	uint64_t popped, pushed;
	uint64_t errors[VQ_ERR_NR];
};

/* Reset to the state after a device reset: not ready, size 0, no addresses. */
void vq_reset(struct virtqueue *vq, const struct vq_mem *mem);

/* Check the driver's set-up and start the queue (QueueReady = 1). Returns
 * VQ_OK, or the error (counted; the queue stays not ready). */
enum vq_error vq_enable(struct virtqueue *vq, uint16_t num_max);

/* Take the next available chain. Returns 1 with *c filled, 0 when there is
 * none (with event-idx, after asking the driver to notify on the next one),
 * or -1 when the queue is broken (vq->error says why; counted once). */
int vq_pop(struct virtqueue *vq, struct vq_chain *c);

/* Whether the driver has made buffers available that we have not popped:
 * 1 yes, 0 no, and then (with event-idx) the driver is asked to notify on
 * the next one it adds; -1 when the queue is broken (counted once). A device
 * that stops popping with the ring empty must call it, or a driver that
 * notifies only when asked never will again. */
int vq_want_notify(struct virtqueue *vq);

/* Return a chain to the driver with `written` bytes written into it. */
int vq_push(struct virtqueue *vq, uint16_t head, uint32_t written);

/* After pushes: whether the driver wants a used-buffer notification now
 * (event-idx or VIRTQ_AVAIL_F_NO_INTERRUPT). Records it as sent if so. */
bool vq_should_signal(struct virtqueue *vq);

/* Mark the queue broken with this error (counted), e.g. a device-level
 * problem the transport turns into DEVICE_NEEDS_RESET. */
void vq_break(struct virtqueue *vq, enum vq_error e);

/* A vq_mem over one host buffer that stands for guest RAM [0, size). */
struct vq_flat_mem {
	uint8_t *base;
	uint64_t size;
};
void vq_mem_flat(struct vq_mem *mem, struct vq_flat_mem *flat);

#endif
