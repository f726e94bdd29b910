/* blk.h - virtio-blk (device id 2) on a raw image file.
 *
 * One queue of up to BLK_QUEUE_SIZE entries. Requests are read, write,
 * flush, get-id, discard and write-zeroes (virtio 1.2, 5.2.6). A notification
 * (on the vCPU, transport lock held) pops at most VIRTIO_MMIO_BUDGET chains
 * and parses each (blk/request.c): the header is copied out once, the data
 * become iovecs over guest RAM, and every rule is checked there, so a bad
 * request is answered at once with IOERR or UNSUPP (or, with no writable
 * status byte, returned with nothing written) and counted. Good requests go
 * to the device's I/O threads (blk/io.c), which run preadv/pwritev/fdatasync/
 * fallocate on the image and complete in whatever order the I/O finishes.
 *
 * Guest memory under migration: an I/O thread that writes into a frame
 * being moved is held in the kernel by the frame's userfaultfd write-protect
 * entry, exactly as a vCPU is, and goes on once the frame is on its new page;
 * it holds no lock the migrator takes (docs/migration.md, "Lock order").
 * A buffer in a frame whose page is with the host (ballooned or reported) is
 * counted; the access brings the frame back through the userfaultfd trap, as
 * a vCPU's touch does, never a host fault.
 *
 * Locking: t.lock (the transport's) over the queue, the config and request
 * completion; io_lock (a leaf) over the I/O threads' work list. Guest data
 * are read and written by the I/O threads with no lock held. */
#ifndef FRAMESHIFT_BLK_BLK_H
#define FRAMESHIFT_BLK_BLK_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "virtio/mmio.h"

#define BLK_MAX_DISKS 4
#define BLK_QUEUE_SIZE 256
/* What one request may carry (config seg_max, size_max): 126 segments of at
 * most 128 KiB, so a request moves at most ~16 MiB and its chain (with a
 * header and a status descriptor) fits a 128-entry queue. */
#define BLK_SEG_MAX 126u
#define BLK_SIZE_MAX (128u << 10)
/* DISCARD and WRITE_ZEROES: ranges per request, sectors per range. */
#define BLK_RANGES_MAX 16u
#define BLK_RANGE_SECTORS_MAX (32u << 11) /* 32 MiB */
#define BLK_IO_THREADS 4

/* --disk PATH[,readonly][,serial=S][,node=N] */
struct blk_spec {
	char path[PATH_MAX];
	bool readonly;
	char serial[VIRTIO_BLK_ID_BYTES + 1];
	int node;       /* host node of the I/O threads; -1: not bound (not given) */
	unsigned index; /* the n-th --disk: names its threads diskN-ioK */
};

/* Parse the index-th --disk value. 0, or -1 with a message in err. */
int blk_spec_parse(const char *s, unsigned index, struct blk_spec *spec, char *err, size_t errlen);

struct blk_counters {
	uint64_t reads, writes, flushes, get_ids, discards, write_zeroes;
	uint64_t bytes_read, bytes_written;
	/* driver errors: counted (and logged a few times); the request is
	 * answered IOERR or UNSUPP as 5.2.6.1 says */
	uint64_t bad_layout;         /* header short, data in the wrong direction or not whole sectors */
	uint64_t no_status;          /* no device-writable status byte: returned with nothing written */
	uint64_t out_of_range;       /* sectors past the end of the image */
	uint64_t readonly_writes;    /* a write to a readonly disk */
	uint64_t unsupported;        /* unknown type, feature not negotiated, reserved flags */
	uint64_t too_many_segments;  /* more data segments than seg_max (or ranges than allowed) */
	uint64_t segment_too_large;  /* a data segment above size_max, a range above its cap */
	uint64_t config_errors;      /* writes to the read-only config */
	uint64_t guest_errors;       /* sum of the above */
	uint64_t ballooned_buffers;  /* buffers in a frame whose page the host had (served) */
	/* host side */
	uint64_t io_errors;          /* the image's I/O failed: IOERR */
	uint64_t out_of_order;       /* completions that overtook an earlier request */
	struct vq_holds migration;   /* requests whose buffers met a frame being moved */
	uint64_t dropped_by_reset;   /* completions of requests a reset forgot */
};

struct blk_status {
	char path[PATH_MAX];
	int node;                    /* host node its I/O threads run on, -1: any */
	char threads[BLK_IO_THREADS][16]; /* their names */
	char serial[VIRTIO_BLK_ID_BYTES + 1];
	bool readonly;
	uint64_t capacity;           /* sectors */
	unsigned inflight, inflight_max;
	struct blk_counters c;
	struct virtio_mmio_status t;
};

struct blk;

/* Open the image (read-only with spec->readonly) and start the I/O threads,
 * on host node spec->node's CPUs when it is >= 0.
 * mem reaches guest RAM; probe may be NULL. NULL with a message in err. */
struct blk *blk_create(const struct blk_spec *spec, uint64_t base, const struct vq_mem *mem,
		       const struct vq_mem_probe *probe, char *err, size_t errlen);
void blk_destroy(struct blk *b);
struct virtio_mmio *blk_transport(struct blk *b);
void blk_get_status(struct blk *b, struct blk_status *s);
/* End the I/O threads (at the VM's stop, while the migrator still serves
 * their faults); requests not yet done are dropped. blk_destroy does it
 * too, if not done. */
void blk_stop(struct blk *b);
/* Wait up to timeout_ms until no request is in flight; whether none is. */
bool blk_wait_idle(struct blk *b, unsigned timeout_ms);
/* Name of a feature bit (NULL for none of ours). */
const char *blk_feature_name(unsigned bit);

#endif
