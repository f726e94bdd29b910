/* state.h - struct blk and what blk/'s files call of one another: blk.c (the
 * device model: config, features, reset, life), request.c (a chain checked
 * and turned into a struct blk_req) and io.c (the I/O threads and
 * completion). Locking as blk.h says. */
#ifndef FRAMESHIFT_BLK_STATE_H
#define FRAMESHIFT_BLK_STATE_H

#include <pthread.h>
#include <stdarg.h>
#include <sys/uio.h>

#include "blk/blk.h"

/* One request between its pop and its push. Allocated per request, so a
 * completion that a reset overtook still has its own gen to compare. */
struct blk_req {
	struct blk_req *next;     /* on the work list */
	uint32_t gen;             /* the device's reset generation when popped */
	uint64_t seq;             /* order popped */
	uint16_t head;
	uint32_t type;
	uint8_t status;           /* VIRTIO_BLK_S_* */
	uint8_t *status_byte;     /* host address of the status byte, NULL: none */
	uint32_t written;         /* bytes the device writes into the chain */
	uint64_t sector;
	uint64_t len;             /* data bytes */
	double start;             /* when the I/O began (monotonic s) */
	bool migrating;           /* a buffer met a frame being moved */
	unsigned niov;
	struct iovec iov[BLK_QUEUE_SIZE];
	unsigned nranges;
	struct virtio_blk_discard_write_zeroes ranges[BLK_RANGES_MAX];
};

struct blk {
	struct virtio_mmio t;
	struct blk_spec spec;
	struct vq_mem_probe probe;
	int fd;
	uint64_t capacity;        /* sectors */
	struct vq_buf chain[BLK_QUEUE_SIZE];

	/* under t.lock */
	uint32_t gen;             /* bumped by each reset */
	uint64_t seq, completed_seq_max;
	unsigned inflight, inflight_max;

	/* io_lock, a leaf: the work list and the threads' life */
	pthread_mutex_t io_lock;
	pthread_cond_t io_cond;   /* work, quit, or a thread finished its I/O */
	struct blk_req *work_head, *work_tail;
	unsigned busy;            /* requests a thread is doing I/O for */
	bool quit;
	pthread_t threads[BLK_IO_THREADS];
	unsigned nthreads;

	struct blk_counters c;    /* atomic adds; migration under io_lock */
};

/* blk.c: count a driver error (and guest_errors), log it a few times. */
void blk_guest_error(struct blk *b, uint64_t *counter, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void blk_vguest_error(struct blk *b, uint64_t *counter, const char *fmt, va_list ap);
static inline void blk_count(uint64_t *counter, uint64_t n)
{
	__atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

/* request.c: check chain c and fill r. Returns true when r is to be run by
 * an I/O thread; false when it is answered now: r->status is IOERR or
 * UNSUPP (and r->status_byte set), or r->status_byte is NULL (no status
 * byte: returned with nothing written). Under t.lock. */
bool blk_parse(struct blk *b, const struct vq_chain *c, struct blk_req *r);

/* io.c */
/* I/O thread k's name: diskN-ioK */
void blk_io_thread_name(const struct blk *b, unsigned k, char name[16]);
int blk_io_start(struct blk *b, char *err, size_t errlen);
void blk_io_stop(struct blk *b);
/* Hand r to the I/O threads (t.lock held). */
void blk_io_submit(struct blk *b, struct blk_req *r);
/* Answer r now (t.lock held): status byte, push; frees r. Whether it was
 * pushed (the caller signals the driver). */
bool blk_complete_locked(struct blk *b, struct blk_req *r);
/* A reset (t.lock held): forget queued requests, wait for those in I/O. */
void blk_io_reset(struct blk *b);
/* Serve the queue (t.lock held). */
void blk_serve(struct blk *b);

#endif
