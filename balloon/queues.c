/* queues.c - the balloon's requests: PFN arrays on the inflate and deflate
 * queues, free memory on the reporting queue. Each is checked here and acted
 * on by frames.c. */
#include <string.h>

#include "balloon/state.h"

/* ---- inflate and deflate ---- */

/* One buffer of 32-bit PFNs (at most BALLOON_PFNS_MAX: the request's cap),
 * copied into host memory first, so the driver changing it meanwhile cannot
 * change what we do. Returns deflate_pfns' -EAGAIN, else 0. */
static int pfn_buffer(struct balloon *b, const struct vq_buf *buf, bool inflate)
{
	const char *what = inflate ? "inflate" : "deflate";
	uint32_t n = buf->len / 4;
	const void *src;

	if (buf->write) {
		guest_error(b, &b->c.bad_buffers, "%s: buffer at 0x%llx is device-writable",
			    what, (unsigned long long)buf->gpa);
		return 0;
	}
	if (buf->len % 4)
		guest_error(b, &b->c.bad_buffers, "%s: buffer length %u is not a multiple of 4 (the last %u bytes are ignored)",
			    what, buf->len, buf->len % 4);
	if (!n)
		return 0;
	src = balloon_translate(b, buf->gpa, (uint64_t)n * 4);
	if (!src) {
		guest_error(b, &b->c.bad_buffers, "%s: PFN array at 0x%llx lies in ballooned memory",
			    what, (unsigned long long)buf->gpa);
		return 0;
	}
	memcpy(b->pfns, src, (size_t)n * 4);
	if (!inflate)
		return deflate_pfns(b, n);
	inflate_pfns(b, n);
	return 0;
}

void do_pfn_queue(struct balloon *b, unsigned q, bool inflate)
{
	struct vq_chain c = { .buf = b->chain, .cap = BALLOON_QUEUE_SIZE };
	bool pushed = false;

	/* deflates are acknowledged in order: a held one goes first */
	if (!inflate && b->deflate_held)
		return;
	while (virtio_mmio_pop(&b->t, q, &c) > 0) {
		int owed = 0;

		if (inflate)
			b->c.inflate_requests++;
		else
			b->c.deflate_requests++;
		if (!request_oversized(b, inflate ? "inflate" : "deflate", &c, BALLOON_PFNS_MAX * 4))
			for (unsigned i = 0; i < c.n; i++)
				owed |= pfn_buffer(b, &c.buf[i], inflate);
		if (owed) { /* the driver must not use the pages yet */
			hold_deflate(b, q, c.head);
			break;
		}
		if (virtio_mmio_push(&b->t, q, c.head, 0) < 0)
			break;
		pushed = true;
	}
	if (pushed)
		virtio_mmio_signal_used(&b->t, q);
}

/* ---- free page reporting ---- */

static bool poison_kept(const struct balloon *b)
{
	return virtio_has_feature(&b->t, VIRTIO_BALLOON_F_PAGE_POISON) && b->poison_val != 0;
}

static void report_buffer(struct balloon *b, const struct vq_buf *buf)
{
	/* the transport checked the buffer lies in RAM (balloon_in_ram): in one
	 * range, so its frames follow its RAM offsets */
	uint64_t start = guest_mem_gpa_offset(b->gm, buf->gpa, buf->len), end = start + buf->len;
	uint64_t first = (start + FRAME_SIZE - 1) >> FRAME_SHIFT, last = end >> FRAME_SHIFT;

	if (!buf->write) {
		guest_error(b, &b->c.bad_buffers, "report: buffer at 0x%llx is device-readable",
			    (unsigned long long)buf->gpa);
		return;
	}
	b->c.report_bytes += buf->len;
	if (first >= last) {
		b->c.report_partial_bytes += buf->len;
		return;
	}
	b->c.report_partial_bytes += ((first << FRAME_SHIFT) - start) + (end - (last << FRAME_SHIFT));
	for (uint64_t fr = first; fr < last; fr++) {
		if (poison_kept(b)) {
			/* a fresh page would read as zero, not as poison_val */
			b->c.report_kept_poison++;
			continue;
		}
		if (!frame_reclaimed(b, (uint32_t)fr) && try_reclaim(b, (uint32_t)fr, WHY_REPORT) == 0)
			b->c.frames_reported++;
	}
}

void do_report(struct balloon *b, unsigned q)
{
	struct vq_chain c = { .buf = b->chain, .cap = BALLOON_QUEUE_SIZE };
	bool pushed = false;

	while (virtio_mmio_pop(&b->t, q, &c) > 0) {
		b->c.report_requests++;
		if (!request_oversized(b, "report", &c, BALLOON_REPORT_BYTES_MAX))
			for (unsigned i = 0; i < c.n; i++)
				report_buffer(b, &c.buf[i]);
		if (virtio_mmio_push(&b->t, q, c.head, 0) < 0)
			break;
		pushed = true;
	}
	if (pushed)
		virtio_mmio_signal_used(&b->t, q);
}
