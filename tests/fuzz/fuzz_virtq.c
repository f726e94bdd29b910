/* fuzz_virtq.c - the split-virtqueue walker (virtio/virtqueue.c) against a
 * driver that writes anything into guest memory and rewrites it between the
 * device's steps.
 *
 * Guest RAM is a 64 KiB heap block of exactly that size (ASan sees any
 * access past it); the device reaches it only through vq_mem_flat.
 * Input: a header (queue size, its maximum, event-idx, the three ring
 * addresses), a first image of guest RAM, then a script of steps: pop a
 * chain, push back a popped head (or a made-up one), ask whether to signal,
 * peek for buffers, rewrite guest memory.
 *
 * Properties: a popped chain has 1..num buffers, each wholly inside guest RAM
 * and non-empty, readable ones first, byte counts that add up, and a head
 * below num that was not in flight; the device can read every readable
 * buffer and write every writable one; pushes of heads in flight succeed and
 * of other heads fail; the in-flight count is the heads popped and not
 * pushed; a broken queue stays broken. */
#include <stdbool.h>

#include "virtio/virtqueue.h"
#include "tests/fuzz/fuzz.h"

#define RAM (64u << 10)
#define MAX_STEPS 256

static uint8_t *ram;
static struct vq_buf bufs[VIRTQ_DEV_MAX_SIZE];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	ram = malloc(RAM);
	if (!ram)
		abort();
	return 0;
}

static void check_chain(struct virtqueue *vq, struct vq_flat_mem *flat, const struct vq_chain *c,
			bool was_inflight)
{
	uint64_t out = 0, in = 0;
	uint32_t sum = 0;

	FUZZ_ASSERT(c->head < vq->num && !was_inflight, "head %u (num %u, in flight %d)", c->head,
		    vq->num, was_inflight);
	FUZZ_ASSERT(c->n >= 1 && c->n <= vq->num && c->nout <= c->n, "chain of %u (%u out), num %u",
		    c->n, c->nout, vq->num);
	for (unsigned i = 0; i < c->n; i++) {
		const struct vq_buf *b = &c->buf[i];
		uint8_t *p = vq->mem.translate(vq->mem.arg, b->gpa, b->len);

		FUZZ_ASSERT(b->len > 0, "empty buffer %u", i);
		FUZZ_ASSERT(b->gpa < flat->size && b->len <= flat->size - b->gpa,
			    "buffer %u [%llx, +%u) outside guest RAM", i, (unsigned long long)b->gpa, b->len);
		FUZZ_ASSERT(p, "buffer %u cannot be reached", i);
		FUZZ_ASSERT(b->write == (i >= c->nout), "buffer %u: write %d but nout %u", i, b->write, c->nout);
		if (b->write) {
			in += b->len;
			memset(p, 0xa5, b->len);
		} else {
			out += b->len;
			for (uint32_t k = 0; k < b->len; k++)
				sum += p[k];
		}
	}
	FUZZ_ASSERT(out == c->out_bytes && in == c->in_bytes, "bytes %llu/%llu, counted %llu/%llu",
		    (unsigned long long)c->out_bytes, (unsigned long long)c->in_bytes,
		    (unsigned long long)out, (unsigned long long)in);
	(void)sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct vq_flat_mem flat = { ram, RAM };
	struct vq_mem mem;
	struct virtqueue vq;
	struct vq_chain c = { .buf = bufs, .cap = VIRTQ_DEV_MAX_SIZE };
	uint16_t num, num_max, held[VIRTQ_DEV_MAX_SIZE];
	unsigned nheld = 0;
	size_t image;

	memset(ram, 0, RAM);
	memset(&vq, 0, sizeof(vq));
	vq_mem_flat(&mem, &flat);
	vq_reset(&vq, &mem);
	num = (uint16_t)fuzz_take(&in, 2);
	num_max = (uint16_t)fuzz_take(&in, 2);
	vq.num = num;
	vq.event_idx = fuzz_take(&in, 1) & 1;
	vq.desc_gpa = fuzz_take(&in, 4);
	vq.avail_gpa = fuzz_take(&in, 4);
	vq.used_gpa = fuzz_take(&in, 4);
	image = (size_t)fuzz_take(&in, 2);
	if (image > in.n)
		image = in.n;
	memcpy(ram, in.p, image);
	in.p += image;
	in.n -= image;

	enum vq_error e = vq_enable(&vq, num_max);
	FUZZ_LOG("enable (size %u, max %u): %s\n", num, num_max, vq_error_name(e));
	if (e != VQ_OK) {
		FUZZ_ASSERT(!vq.ready, "not enabled but ready");
		FUZZ_ASSERT(vq_pop(&vq, &c) == 0, "popped from a queue that is not ready");
		return 0;
	}
	FUZZ_ASSERT(vq.num >= 1 && vq.num <= num_max && vq.num <= VIRTQ_DEV_MAX_SIZE,
		    "enabled with size %u (max %u)", vq.num, num_max);

	for (unsigned step = 0; step < MAX_STEPS && in.n; step++) {
		uint8_t op = (uint8_t)fuzz_take(&in, 1);
		bool broken = vq.broken;

		switch (op % 6) {
		case 0: { /* pop; keep the head to push later */
			int ret;
			bool inflight_before;

			memset(&c, 0, sizeof(c));
			c.buf = bufs;
			c.cap = VIRTQ_DEV_MAX_SIZE;
			ret = vq_pop(&vq, &c);
			FUZZ_LOG("pop: %d%s%s\n", ret, vq.broken ? ", broken: " : "",
				 vq.broken ? vq_error_name(vq.error) : "");
			if (ret == 1) {
				inflight_before = false;
				for (unsigned k = 0; k < nheld; k++)
					if (held[k] == c.head)
						inflight_before = true;
				check_chain(&vq, &flat, &c, inflight_before);
				FUZZ_ASSERT(nheld < VIRTQ_DEV_MAX_SIZE, "more heads in flight than fit");
				held[nheld++] = c.head;
			} else {
				FUZZ_ASSERT(ret == 0 || (ret == -1 && vq.broken), "vq_pop returned %d", ret);
			}
			FUZZ_ASSERT(!broken || ret == -1, "a broken queue popped");
			break;
		}
		case 1: /* push the oldest popped head */
			if (nheld) {
				uint16_t head = held[0];
				int ret = vq_push(&vq, head, (uint32_t)fuzz_take(&in, 2));

				memmove(held, held + 1, --nheld * sizeof(held[0]));
				FUZZ_ASSERT(ret == 0 || vq.broken, "push of in-flight head %u failed", head);
			}
			break;
		case 2: { /* push a made-up head */
			uint16_t head = (uint16_t)fuzz_take(&in, 2);
			bool ours = false;

			for (unsigned k = 0; k < nheld; k++)
				if (held[k] == head)
					ours = true;
			if (!ours)
				FUZZ_ASSERT(vq_push(&vq, head, 0) < 0, "pushed head %u that was never popped", head);
			break;
		}
		case 3:
			vq_should_signal(&vq);
			break;
		case 4:
			vq_want_notify(&vq);
			break;
		case 5: { /* the driver rewrites up to 8 bytes of guest RAM */
			uint32_t off = (uint32_t)fuzz_take(&in, 2);
			unsigned len = (unsigned)fuzz_take(&in, 1) % 9;

			for (unsigned k = 0; k < len && off + k < RAM; k++)
				ram[off + k] = (uint8_t)fuzz_take(&in, 1);
			break;
		}
		}
		FUZZ_ASSERT(vq.inflight <= vq.num, "%u in flight, num %u", vq.inflight, vq.num);
		FUZZ_ASSERT(vq.broken || vq.inflight == nheld, "%u in flight, %u popped and not pushed",
			    vq.inflight, nheld);
		FUZZ_ASSERT(!broken || vq.broken, "a broken queue mended itself");
	}
	return 0;
}
