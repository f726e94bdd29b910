/* io.c - serving the queue, the I/O threads and completion.
 *
 * A thread pool with preadv/pwritev, not io_uring: a request's data move
 * between the image and guest RAM in a thread of ours, so a copy into a frame
 * being migrated waits on the frame's userfaultfd write-protect entry as a
 * vCPU's write does (docs/migration.md), and the sandbox stays four plain
 * calls (preadv, pwritev, fdatasync, fallocate). BLK_IO_THREADS threads take
 * requests from one list in order and finish in any order: the device
 * completes requests out of order, as 5.2.6 allows.
 *
 * A reset drops the requests no thread has taken and waits, under t.lock,
 * for those in I/O (io_lock's busy count); their completions then find the
 * generation changed and touch nothing of the guest's. Only the data phase
 * is waited for, never a completion (that needs t.lock). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blk/state.h"
#include "lib/clock.h"
#include "lib/cpus.h"
#include "lib/log.h"

/* ---- the data phase, on an I/O thread, no lock held ---- */

/* preadv/pwritev until all of r's iovecs are done. */
static int rw_all(struct blk *b, struct blk_req *r, bool write)
{
	struct iovec iov[BLK_QUEUE_SIZE];
	unsigned n = r->niov, i = 0;
	off_t off = (off_t)(r->sector << VIRTIO_BLK_SECTOR_SHIFT);

	memcpy(iov, r->iov, n * sizeof(iov[0]));
	while (i < n) {
		ssize_t got = write ? pwritev(b->fd, iov + i, (int)(n - i), off)
				    : preadv(b->fd, iov + i, (int)(n - i), off);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) /* 0: the image shrank under us */
			return got < 0 ? -errno : -EIO;
		off += got;
		while (i < n && (size_t)got >= iov[i].iov_len)
			got -= (ssize_t)iov[i++].iov_len;
		if (i < n) {
			iov[i].iov_base = (uint8_t *)iov[i].iov_base + got;
			iov[i].iov_len -= (size_t)got;
		}
	}
	return 0;
}

/* Zeroes over [off, off+len) by writing them: where fallocate cannot. */
static int write_zeroes_slow(struct blk *b, off_t off, uint64_t len)
{
	static const uint8_t zeroes[64 << 10];

	while (len) {
		size_t n = len < sizeof(zeroes) ? (size_t)len : sizeof(zeroes);
		struct iovec v = { (void *)zeroes, n };
		ssize_t got = pwritev(b->fd, &v, 1, off);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return got < 0 ? -errno : -EIO;
		off += got;
		len -= (uint64_t)got;
	}
	return 0;
}

static int do_ranges(struct blk *b, struct blk_req *r)
{
	for (unsigned i = 0; i < r->nranges; i++) {
		const struct virtio_blk_discard_write_zeroes *g = &r->ranges[i];
		off_t off = (off_t)(g->sector << VIRTIO_BLK_SECTOR_SHIFT);
		off_t len = (off_t)g->num_sectors << VIRTIO_BLK_SECTOR_SHIFT;
		bool punch = r->type == VIRTIO_BLK_T_DISCARD || (g->flags & VIRTIO_BLK_WZ_F_UNMAP);
		int mode = FALLOC_FL_KEEP_SIZE | (punch ? FALLOC_FL_PUNCH_HOLE : FALLOC_FL_ZERO_RANGE);

		if (!len || fallocate(b->fd, mode, off, len) == 0)
			continue;
		if (errno != EOPNOTSUPP)
			return -errno;
		/* a discard is a hint (5.2.6.2): a file system that cannot punch
		 * ignores it; write-zeroes must still write them */
		if (r->type == VIRTIO_BLK_T_WRITE_ZEROES && write_zeroes_slow(b, off, (uint64_t)len) < 0)
			return -EIO;
	}
	return 0;
}

static void copy_serial(const struct blk *b, struct blk_req *r)
{
	const uint8_t *src = (const uint8_t *)b->spec.serial;

	for (unsigned i = 0; i < r->niov; i++) {
		memcpy(r->iov[i].iov_base, src, r->iov[i].iov_len); /* NUL-padded to 20 */
		src += r->iov[i].iov_len;
	}
}

static void run_request(struct blk *b, struct blk_req *r)
{
	int ret = 0;

	switch (r->type) {
	case VIRTIO_BLK_T_IN:
		ret = rw_all(b, r, false);
		break;
	case VIRTIO_BLK_T_OUT:
		ret = rw_all(b, r, true);
		break;
	case VIRTIO_BLK_T_FLUSH:
		/* durable on the host: the data and what is needed to read them */
		ret = fdatasync(b->fd) < 0 ? -errno : 0;
		break;
	case VIRTIO_BLK_T_GET_ID:
		copy_serial(b, r);
		break;
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		ret = do_ranges(b, r);
		break;
	}
	if (ret < 0) {
		static uint64_t logged;

		blk_count(&b->c.io_errors, 1);
		log_limited(&logged, "virtio-blk %s: request type %u at sector %llu: %s", b->spec.path, r->type,
			    (unsigned long long)r->sector, strerror(-ret));
		r->status = VIRTIO_BLK_S_IOERR;
	}
}

static uint64_t *type_counter(struct blk *b, uint32_t type)
{
	switch (type) {
	case VIRTIO_BLK_T_IN: return &b->c.reads;
	case VIRTIO_BLK_T_OUT: return &b->c.writes;
	case VIRTIO_BLK_T_FLUSH: return &b->c.flushes;
	case VIRTIO_BLK_T_GET_ID: return &b->c.get_ids;
	case VIRTIO_BLK_T_DISCARD: return &b->c.discards;
	default: return &b->c.write_zeroes;
	}
}

/* ---- completion (t.lock held) ---- */

bool blk_complete_locked(struct blk *b, struct blk_req *r)
{
	bool pushed = false;

	if (r->gen != b->gen) {
		b->c.dropped_by_reset++;
		free(r);
		return false;
	}
	b->inflight--;
	if (r->seq < b->completed_seq_max)
		blk_count(&b->c.out_of_order, 1);
	else
		b->completed_seq_max = r->seq;
	if (r->status_byte) {
		/* may wait on a migration entry, as a vCPU's write would */
		__atomic_store_n(r->status_byte, r->status, __ATOMIC_RELAXED);
		pushed = virtio_mmio_push(&b->t, 0, r->head, r->written) == 0;
	} else {
		pushed = virtio_mmio_push(&b->t, 0, r->head, 0) == 0;
	}
	free(r);
	return pushed;
}

static void complete(struct blk *b, struct blk_req *r)
{
	pthread_mutex_lock(&b->t.lock);
	if (blk_complete_locked(b, r))
		virtio_mmio_signal_used(&b->t, 0);
	pthread_mutex_unlock(&b->t.lock);
}

/* ---- the I/O threads ---- */

static void *io_thread(void *arg)
{
	struct blk *b = arg;

	pthread_mutex_lock(&b->io_lock);
	for (;;) {
		struct blk_req *r;

		while (!b->quit && !b->work_head)
			pthread_cond_wait(&b->io_cond, &b->io_lock);
		if (b->quit)
			break;
		r = b->work_head;
		b->work_head = r->next;
		if (!b->work_head)
			b->work_tail = NULL;
		b->busy++;
		pthread_mutex_unlock(&b->io_lock);

		r->start = now_monotonic();
		run_request(b, r);
		if (r->status == VIRTIO_BLK_S_OK) {
			blk_count(type_counter(b, r->type), 1);
			if (r->type == VIRTIO_BLK_T_IN)
				blk_count(&b->c.bytes_read, r->len);
			else if (r->type == VIRTIO_BLK_T_OUT)
				blk_count(&b->c.bytes_written, r->len);
		}

		pthread_mutex_lock(&b->io_lock);
		if (r->migrating)
			vq_holds_note(&b->c.migration, r->start); /* io_lock serialises it */
		b->busy--;
		pthread_cond_broadcast(&b->io_cond); /* a reset may wait for busy == 0 */
		pthread_mutex_unlock(&b->io_lock);
		complete(b, r);
		pthread_mutex_lock(&b->io_lock);
	}
	pthread_mutex_unlock(&b->io_lock);
	return NULL;
}

void blk_io_thread_name(const struct blk *b, unsigned k, char name[16])
{
	snprintf(name, 16, "disk%u-io%u", b->spec.index, k);
}

int blk_io_start(struct blk *b, char *err, size_t errlen)
{
	pthread_attr_t attr;

	if (node_thread_attr(&attr, b->spec.node) < 0) {
		snprintf(err, errlen, "virtio-blk: host node %d has no CPUs for its I/O threads", b->spec.node);
		return -1;
	}
	for (unsigned i = 0; i < BLK_IO_THREADS; i++) {
		char name[16];
		int ret = pthread_create(&b->threads[i], &attr, io_thread, b);

		if (ret) {
			snprintf(err, errlen, "virtio-blk: cannot start an I/O thread: %s", strerror(ret));
			break;
		}
		b->nthreads++;
		blk_io_thread_name(b, i, name);
		pthread_setname_np(b->threads[i], name);
	}
	pthread_attr_destroy(&attr);
	return b->nthreads == BLK_IO_THREADS ? 0 : -1;
}

static void drop_queued(struct blk *b)
{
	while (b->work_head) {
		struct blk_req *r = b->work_head;

		b->work_head = r->next;
		free(r);
	}
	b->work_tail = NULL;
}

void blk_io_stop(struct blk *b)
{
	pthread_mutex_lock(&b->io_lock);
	b->quit = true;
	pthread_cond_broadcast(&b->io_cond);
	pthread_mutex_unlock(&b->io_lock);
	for (unsigned i = 0; i < b->nthreads; i++)
		pthread_join(b->threads[i], NULL);
	b->nthreads = 0;
	drop_queued(b);
}

void blk_io_submit(struct blk *b, struct blk_req *r)
{
	pthread_mutex_lock(&b->io_lock);
	r->next = NULL;
	if (b->work_tail)
		b->work_tail->next = r;
	else
		b->work_head = r;
	b->work_tail = r;
	pthread_cond_signal(&b->io_cond);
	pthread_mutex_unlock(&b->io_lock);
}

void blk_io_reset(struct blk *b)
{
	pthread_mutex_lock(&b->io_lock);
	drop_queued(b);
	/* the threads touch guest RAM only while busy: after this wait, no
	 * byte of the reset device's requests is written */
	while (b->busy)
		pthread_cond_wait(&b->io_cond, &b->io_lock);
	pthread_mutex_unlock(&b->io_lock);
	b->gen++;
	b->inflight = 0;
	b->completed_seq_max = b->seq;
}

/* ---- the queue (t.lock held) ---- */

void blk_serve(struct blk *b)
{
	struct vq_chain c = { .buf = b->chain, .cap = BLK_QUEUE_SIZE };
	bool pushed = false;

	for (;;) {
		struct blk_req *r = malloc(sizeof(*r));

		if (!r) {
			static uint64_t logged;

			/* the chains stay on the ring: the next access serves them */
			log_limited(&logged, "virtio-blk %s: out of memory for a request", b->spec.path);
			break;
		}
		if (virtio_mmio_pop(&b->t, 0, &c) <= 0) {
			free(r);
			break;
		}
		r->gen = b->gen;
		r->seq = ++b->seq;
		b->inflight++;
		if (b->inflight > b->inflight_max)
			b->inflight_max = b->inflight;
		if (blk_parse(b, &c, r))
			blk_io_submit(b, r);
		else
			pushed |= blk_complete_locked(b, r);
	}
	if (pushed)
		virtio_mmio_signal_used(&b->t, 0);
}
