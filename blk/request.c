/* request.c - a popped chain checked and turned into a struct blk_req.
 *
 * The spec lets a driver frame a request across descriptors as it likes
 * (2.7.4), so the chain is read as two byte streams: the device-readable
 * part (the 16-byte header, then a write's data or DISCARD/WRITE_ZEROES
 * ranges) and the device-writable part (a read's or GET_ID's data, then the
 * status byte, its last byte). vq_pop has already checked every buffer lies
 * in guest RAM and readable ones come first; here the request's own rules
 * are checked, each answered as 5.2.6.1 says and counted. */
#include <stdarg.h>
#include <string.h>

#include "blk/state.h"

/* The host addresses of bytes [off, off+len) of the chain's readable
 * (write false) or writable part, as at most max iovecs. A segment longer
 * than size_max is left for the caller to refuse. Returns 0, -1 when
 * the range is not all there or needs more than max iovecs. Notes in r a
 * buffer in a frame being moved. */
static int chain_iov(struct blk *b, struct blk_req *r, const struct vq_chain *c, bool write, uint64_t off,
		     uint64_t len, struct iovec *iov, unsigned *niov, unsigned max)
{
	unsigned first = write ? c->nout : 0, end = write ? c->n : c->nout;

	*niov = 0;
	for (unsigned i = first; i < end && len; i++) {
		const struct vq_buf *buf = &c->buf[i];
		uint64_t take;
		void *p;

		if (off >= buf->len) {
			off -= buf->len;
			continue;
		}
		take = buf->len - off < len ? buf->len - off : len;
		if (*niov >= max)
			return -1;
		p = b->t.mem.translate(b->t.mem.arg, buf->gpa + off, take);
		if (!p)
			return -1;
		if (b->probe.ballooned && b->probe.ballooned(b->probe.arg, buf->gpa + off, take))
			blk_count(&b->c.ballooned_buffers, 1);
		if (b->probe.migrating && b->probe.migrating(b->probe.arg, buf->gpa + off, take))
			r->migrating = true;
		iov[(*niov)++] = (struct iovec){ p, (size_t)take };
		len -= take;
		off = 0;
	}
	return len ? -1 : 0;
}

/* Copy len bytes at off of the readable part into dst: one snapshot, so a
 * driver rewriting them meanwhile changes nothing we decide. */
static int chain_copy(struct blk *b, struct blk_req *r, const struct vq_chain *c, uint64_t off, void *dst, size_t len)
{
	struct iovec iov[BLK_QUEUE_SIZE];
	unsigned n;
	uint8_t *d = dst;

	if (chain_iov(b, r, c, false, off, len, iov, &n, BLK_QUEUE_SIZE) < 0)
		return -1;
	for (unsigned i = 0; i < n; i++) {
		memcpy(d, iov[i].iov_base, iov[i].iov_len);
		d += iov[i].iov_len;
	}
	return 0;
}

/* Answer r with status, counting the driver's error. */
static bool __attribute__((format(printf, 5, 6)))
fail(struct blk *b, struct blk_req *r, uint8_t status, uint64_t *counter, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	blk_vguest_error(b, counter, fmt, ap);
	va_end(ap);
	r->status = status;
	return false;
}

static const char *type_name(uint32_t type)
{
	switch (type) {
	case VIRTIO_BLK_T_IN: return "read";
	case VIRTIO_BLK_T_OUT: return "write";
	case VIRTIO_BLK_T_FLUSH: return "flush";
	case VIRTIO_BLK_T_GET_ID: return "get-id";
	case VIRTIO_BLK_T_DISCARD: return "discard";
	case VIRTIO_BLK_T_WRITE_ZEROES: return "write-zeroes";
	}
	return "unknown";
}

/* Sectors [sector, sector+n) lie within the image. */
static bool in_range(const struct blk *b, uint64_t sector, uint64_t n)
{
	return sector <= b->capacity && n <= b->capacity - sector;
}

/* The data of a read or write: whole sectors, at most seg_max segments of
 * at most size_max each, within the image. */
static bool rw_data(struct blk *b, const struct vq_chain *c, struct blk_req *r, bool write, uint64_t off)
{
	const char *what = type_name(r->type);

	if (r->len % VIRTIO_BLK_SECTOR_SIZE || !r->len)
		return fail(b, r, VIRTIO_BLK_S_IOERR, &b->c.bad_layout, "%s: %llu data bytes (want whole sectors)",
			    what, (unsigned long long)r->len);
	if (!in_range(b, r->sector, r->len >> VIRTIO_BLK_SECTOR_SHIFT))
		return fail(b, r, VIRTIO_BLK_S_IOERR, &b->c.out_of_range, "%s: sector %llu + %llu sectors past the end",
			    what, (unsigned long long)r->sector, (unsigned long long)(r->len >> VIRTIO_BLK_SECTOR_SHIFT));
	if (chain_iov(b, r, c, write, off, r->len, r->iov, &r->niov, BLK_SEG_MAX) < 0)
		return fail(b, r, VIRTIO_BLK_S_IOERR, &b->c.too_many_segments, "%s: %llu bytes need more than %llu segments",
			    what, (unsigned long long)r->len, (unsigned long long)BLK_SEG_MAX);
	for (unsigned i = 0; i < r->niov; i++)
		if (r->iov[i].iov_len > BLK_SIZE_MAX)
			return fail(b, r, VIRTIO_BLK_S_IOERR, &b->c.segment_too_large, "%s: a %llu-byte segment (size_max %llu)",
				    what, (unsigned long long)r->iov[i].iov_len, (unsigned long long)BLK_SIZE_MAX);
	return true;
}

/* DISCARD and WRITE_ZEROES: an array of ranges, each checked. */
static bool ranges(struct blk *b, const struct vq_chain *c, struct blk_req *r, uint64_t bytes)
{
	const char *what = type_name(r->type);
	unsigned feature = r->type == VIRTIO_BLK_T_DISCARD ? VIRTIO_BLK_F_DISCARD : VIRTIO_BLK_F_WRITE_ZEROES;
	uint32_t flags_ok = r->type == VIRTIO_BLK_T_WRITE_ZEROES ? VIRTIO_BLK_WZ_F_UNMAP : 0;

	if (!virtio_has_feature(&b->t, feature))
		return fail(b, r, VIRTIO_BLK_S_UNSUPP, &b->c.unsupported, "%s: feature not negotiated",
			    what);
	if (!bytes || bytes % sizeof(r->ranges[0]))
		return fail(b, r, VIRTIO_BLK_S_IOERR, &b->c.bad_layout, "%s: %llu bytes of ranges",
			    what, (unsigned long long)bytes);
	r->nranges = (unsigned)(bytes / sizeof(r->ranges[0]) < BLK_RANGES_MAX + 1 ?
				bytes / sizeof(r->ranges[0]) : BLK_RANGES_MAX + 1);
	if (r->nranges > BLK_RANGES_MAX)
		return fail(b, r, VIRTIO_BLK_S_IOERR, &b->c.too_many_segments, "%s: %llu ranges (at most %llu)",
			    what, (unsigned long long)(bytes / sizeof(r->ranges[0])), (unsigned long long)BLK_RANGES_MAX);
	if (chain_copy(b, r, c, sizeof(struct virtio_blk_outhdr), r->ranges, r->nranges * sizeof(r->ranges[0])) < 0)
		return fail(b, r, VIRTIO_BLK_S_IOERR, &b->c.bad_layout, "%s: ranges unreadable",
			    what);
	for (unsigned i = 0; i < r->nranges; i++) {
		const struct virtio_blk_discard_write_zeroes *g = &r->ranges[i];

		/* 5.2.6.1: UNSUPP for flags the type does not take */
		if (g->flags & ~flags_ok)
			return fail(b, r, VIRTIO_BLK_S_UNSUPP, &b->c.unsupported, "%s: range flags 0x%llx",
				    what, (unsigned long long)g->flags);
		if (g->num_sectors > BLK_RANGE_SECTORS_MAX)
			return fail(b, r, VIRTIO_BLK_S_IOERR, &b->c.segment_too_large, "%s: %llu sectors in a range (at most %llu)",
				    what, (unsigned long long)g->num_sectors, (unsigned long long)BLK_RANGE_SECTORS_MAX);
		if (!in_range(b, g->sector, g->num_sectors))
			return fail(b, r, VIRTIO_BLK_S_IOERR, &b->c.out_of_range, "%s: sector %llu + %llu sectors past the end",
				    what, (unsigned long long)g->sector, (unsigned long long)g->num_sectors);
		r->len += (uint64_t)g->num_sectors << VIRTIO_BLK_SECTOR_SHIFT;
	}
	return true;
}

bool blk_parse(struct blk *b, const struct vq_chain *c, struct blk_req *r)
{
	struct virtio_blk_outhdr h;
	uint64_t out_data, in_data;
	struct iovec st;
	unsigned n;

	r->head = c->head;
	r->status = VIRTIO_BLK_S_OK;
	r->status_byte = NULL;
	r->written = 0;
	r->len = 0;
	r->niov = r->nranges = 0;
	r->migrating = false;
	/* the status byte first: without it nothing can be answered */
	if (!c->in_bytes || chain_iov(b, r, c, true, c->in_bytes - 1, 1, &st, &n, 1) < 0) {
		blk_guest_error(b, &b->c.no_status, "request without a device-writable status byte (%llu writable bytes)",
				(unsigned long long)c->in_bytes);
		return false;
	}
	r->status_byte = st.iov_base;
	r->written = 1;
	in_data = c->in_bytes - 1;
	if (c->out_bytes < sizeof(h) || chain_copy(b, r, c, 0, &h, sizeof(h)) < 0)
		return fail(b, r, VIRTIO_BLK_S_IOERR, &b->c.bad_layout, "%s: %llu readable bytes, a header is %llu",
			    "request", (unsigned long long)c->out_bytes, (unsigned long long)sizeof(h));
	out_data = c->out_bytes - sizeof(h);
	r->type = h.type;
	r->sector = h.sector;
	switch (h.type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_GET_ID:
		if (out_data)
			return fail(b, r, VIRTIO_BLK_S_IOERR, &b->c.bad_layout, "%s: %llu device-readable data bytes",
				    type_name(h.type), (unsigned long long)out_data);
		if (h.type == VIRTIO_BLK_T_GET_ID) {
			r->len = in_data < VIRTIO_BLK_ID_BYTES ? in_data : VIRTIO_BLK_ID_BYTES;
			if (chain_iov(b, r, c, true, 0, r->len, r->iov, &r->niov, BLK_QUEUE_SIZE) < 0)
				return fail(b, r, VIRTIO_BLK_S_IOERR, &b->c.bad_layout, "%s: id buffer unreachable",
					    "get-id");
			r->written += (uint32_t)r->len;
			return true;
		}
		r->len = in_data;
		if (!rw_data(b, c, r, true, 0))
			return false;
		r->written += (uint32_t)r->len;
		return true;
	case VIRTIO_BLK_T_OUT:
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		if (in_data)
			return fail(b, r, VIRTIO_BLK_S_IOERR, &b->c.bad_layout, "%s: %llu device-writable data bytes",
				    type_name(h.type), (unsigned long long)in_data);
		if (h.type != VIRTIO_BLK_T_OUT)
			return ranges(b, c, r, out_data);
		if (b->spec.readonly)
			/* 5.2.6.2: IOERR for a write when RO is offered */
			return fail(b, r, VIRTIO_BLK_S_IOERR, &b->c.readonly_writes, "%s: sector %llu of a readonly disk",
				    "write", (unsigned long long)h.sector);
		r->len = out_data;
		return rw_data(b, c, r, false, sizeof(h));
	case VIRTIO_BLK_T_FLUSH:
		if (in_data || out_data)
			return fail(b, r, VIRTIO_BLK_S_IOERR, &b->c.bad_layout, "%s: %llu data bytes",
				    "flush", (unsigned long long)(in_data + out_data));
		return true;
	}
	return fail(b, r, VIRTIO_BLK_S_UNSUPP, &b->c.unsupported, "unknown request type %u", h.type);
}
