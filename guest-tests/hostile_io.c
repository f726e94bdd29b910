/* hostile_io.c - the hostile guest's attacks on its disk (prog=blk) and
 * network device (prog=net); hostile.c says what each does and starts them. */
#include "hostile.h"

/* ---- blk ---- */

struct blk_attack {
	const char *what;
	uint32_t type;
	uint64_t sector;        /* ~0: the disk's capacity (past the end) */
	struct vbuf b[4];       /* gpa 0: the header; 1: the status byte; else the victim + gpa */
	unsigned n;
};

#define HDR 0
#define ST 1
#define VIC(off) (2 + (off))
#define BIG 0x80000000u         /* a length past any cap (2 GiB) */
#define RANGES (1u << 20)       /* where in the victim frame the bad discard ranges lie */

/* Requests the device must refuse, each answered IOERR or UNSUPP, or (no
 * status byte) returned with nothing written; all counted. */
static const struct blk_attack blk_attacks[] = {
	{ "read past the end", VIRTIO_BLK_T_IN, ~0ULL, { { HDR, 16, false }, { VIC(0), 4096, true }, { ST, 1, true } }, 3 },
	{ "write past the end", VIRTIO_BLK_T_OUT, ~0ULL - 7, { { HDR, 16, false }, { VIC(0), 4096, false }, { ST, 1, true } }, 3 },
	{ "sector near 2^64", VIRTIO_BLK_T_IN, ~0ULL << 1, { { HDR, 16, false }, { VIC(0), 4096, true }, { ST, 1, true } }, 3 },
	{ "a 2 GiB segment", VIRTIO_BLK_T_IN, 0, { { HDR, 16, false }, { VIC(0), BIG, true }, { ST, 1, true } }, 3 },
	{ "no status byte", VIRTIO_BLK_T_IN, 0, { { HDR, 16, false }, { VIC(0), 512, false } }, 2 },
	{ "status byte readable", VIRTIO_BLK_T_FLUSH, 0, { { HDR, 16, false }, { ST, 1, false } }, 2 },
	{ "header of 8 bytes", VIRTIO_BLK_T_IN, 0, { { HDR, 8, false }, { ST, 1, true } }, 2 },
	{ "read with readable data", VIRTIO_BLK_T_IN, 0, { { HDR, 16, false }, { VIC(0), 512, false }, { ST, 1, true } }, 3 },
	{ "half a sector", VIRTIO_BLK_T_OUT, 0, { { HDR, 16, false }, { VIC(0), 100, false }, { ST, 1, true } }, 3 },
	{ "unknown type", 0x7fffffff, 0, { { HDR, 16, false }, { ST, 1, true } }, 2 },
	{ "discard of 2^32 ranges' bytes", VIRTIO_BLK_T_DISCARD, 0, { { HDR, 16, false }, { VIC(0), BIG, false }, { ST, 1, true } }, 3 },
	{ "get-id of 2 GiB", VIRTIO_BLK_T_GET_ID, 0, { { HDR, 16, false }, { VIC(0), BIG, true }, { ST, 1, true } }, 3 },
	{ "discard of bad ranges", VIRTIO_BLK_T_DISCARD, 0, { { HDR, 16, false }, { VIC(RANGES), 48, false }, { ST, 1, true } }, 3 },
};

/* Discard ranges of every kind of wrong (reserved flags, past the end, too
 * long), in the victim frame past what the reads write. */
static void blk_victim_ranges(uint64_t capacity)
{
	struct virtio_blk_discard_write_zeroes *r = (void *)(victim + RANGES);

	r[0] = (struct virtio_blk_discard_write_zeroes){ 0, 8, 0xffffffffu };
	r[1] = (struct virtio_blk_discard_write_zeroes){ capacity, 8, 0 };
	r[2] = (struct virtio_blk_discard_write_zeroes){ 0, 0xffffffffu, 0 };
}

void blk(void)
{
	const uint64_t features = VIRTIO_BIT(VIRTIO_BLK_F_SEG_MAX) | VIRTIO_BIT(VIRTIO_BLK_F_SIZE_MAX) |
				  VIRTIO_BIT(VIRTIO_BLK_F_FLUSH) | VIRTIO_BIT(VIRTIO_BLK_F_DISCARD) |
				  VIRTIO_BIT(VIRTIO_BLK_F_WRITE_ZEROES) | VIRTIO_BIT(VIRTIO_RING_F_EVENT_IDX);
	const unsigned nattacks = sizeof(blk_attacks) / sizeof(blk_attacks[0]);
	struct virtio_blk_outhdr *hdrs = take(NUM * sizeof(*hdrs));
	uint8_t *status = take(NUM);
	struct vq *q = &vqs[0];
	uint64_t capacity = 0;

	printf("hostile: blk: per round %u bad requests (past the end, 2 GiB segments, no status byte, ...) "
	       "and the rest of the queue in reads of 256 KiB into one victim frame, all in flight at once\n",
	       nattacks);
	for (uint64_t round = 1;; round++) {
		unsigned pending = 0, slot = 0;

		if (round == 1 || needs_reset()) {
			if (round > 1)
				printf("hostile: blk: the device needs a reset (round %lu)\n", round);
			if (virtio_start(&dev, dev_base, VIRTIO_ID_BLOCK, features) < 0)
				panic("hostile: the device would not start");
			if (virtio_setup_queue(&dev, q, 0, NUM, ring_mem[0]) < 0)
				panic("hostile: queue set-up failed");
			virtio_driver_ok(&dev);
			capacity = virtio_config32(&dev, VIRTIO_BLK_CFG_CAPACITY) |
				   (uint64_t)virtio_config32(&dev, VIRTIO_BLK_CFG_CAPACITY + 4) << 32;
			blk_victim_ranges(capacity);
		}
		for (unsigned a = 0; a < nattacks; a++, slot++) {
			const struct blk_attack *at = &blk_attacks[a];
			struct vbuf b[4];

			hdrs[slot] = (struct virtio_blk_outhdr){ at->type, 0, at->sector == ~0ULL ? capacity : at->sector };
			for (unsigned i = 0; i < at->n; i++) {
				b[i] = at->b[i];
				b[i].gpa = at->b[i].gpa == HDR ? (uintptr_t)&hdrs[slot] :
					   at->b[i].gpa == ST ? (uintptr_t)&status[slot] : victim + at->b[i].gpa - 2;
				if (b[i].len == BIG && b[i].gpa + BIG > ram_gpa + ram_len)
					b[i].len = (uint32_t)(ram_gpa + ram_len - b[i].gpa); /* as big as RAM lets */
			}
			add(q, b, at->n);
			pending++;
		}
		/* reads of the disk's first sectors, 256 KiB each, into the same
		 * 128 KiB of the victim frame: the I/O threads kept busy */
		for (; slot < NUM && vq_add(q, (struct vbuf[]){
				{ (uintptr_t)&hdrs[slot], 16, false }, { victim, 128 << 10, true },
				{ victim, 128 << 10, true }, { (uintptr_t)&status[slot], 1, true } }, 4) >= 0; slot++) {
			hdrs[slot] = (struct virtio_blk_outhdr){ VIRTIO_BLK_T_IN, 0, (slot * 512ULL) % (capacity > 512 ? capacity - 512 : 1) };
			pending++;
		}
		vq_kick(q);
		wr(VIRTIO_MMIO_REG_QUEUE_NOTIFY, 0); /* whether asked or not */
		for (unsigned n = 1; pending; n++) {
			while (vq_used(q, NULL) >= 0)
				pending--;
			if (n % 64 == 0 && needs_reset())
				break;
			if (n % 256 == 0)
				wr(VIRTIO_MMIO_REG_QUEUE_NOTIFY, 0);
			cpu_relax();
		}
		progress("blk", round);
	}
}

/* ---- net ---- */

/* Transmit chains the device must drop (counted, never sent), and the rest
 * of the transmit queue in valid frames of the largest size to the tap;
 * receive chains it must refuse (readable, too small) for whatever frames
 * the host sends meanwhile. */
void net(void)
{
	const uint64_t features = VIRTIO_BIT(VIRTIO_NET_F_MAC) | VIRTIO_BIT(VIRTIO_RING_F_EVENT_IDX);
	const uint32_t hdr = sizeof(struct virtio_net_hdr);
	uint8_t *good = take(hdr + 1518), *gso = take(hdr + 60), *csum = take(hdr + 60);
	struct vq *rx = &vqs[0], *tx = &vqs[1];

	memset(good + hdr, 0xff, 6); /* broadcast, from 52:54:00:..., ethertype 0x88b5 (local experimental) */
	memcpy(good + hdr + 6, "\x52\x54\x00\x12\x34\x56\x88\xb5", 8);
	memcpy(gso, good, hdr + 60);
	memcpy(csum, good, hdr + 60);
	((struct virtio_net_hdr *)gso)->gso_type = 4; /* TCPv6 */
	((struct virtio_net_hdr *)csum)->flags = 1;   /* NEEDS_CSUM */
	printf("hostile: net: per round transmits with offloads asked for, of 2 GiB, of 13 and 1519 bytes, with "
	       "a writable buffer, the rest of the queue in 1518-byte frames; readable and 8-byte receive buffers\n");
	for (uint64_t round = 1;; round++) {
		unsigned pending = 0;

		if (round == 1 || needs_reset()) {
			if (round > 1)
				printf("hostile: net: the device needs a reset (round %lu)\n", round);
			if (virtio_start(&dev, dev_base, VIRTIO_ID_NET, features) < 0)
				panic("hostile: the device would not start");
			for (unsigned q = 0; q < 2; q++)
				if (virtio_setup_queue(&dev, &vqs[q], (uint16_t)q, NUM, ring_mem[q]) < 0)
					panic("hostile: queue %u set-up failed", q);
			virtio_driver_ok(&dev);
			for (unsigned i = 0; i < NUM / 2; i++)
				if (vq_add(rx, &(struct vbuf){ victim, i % 2 ? 8 : 4096, i % 2 == 0 }, 1) < 0)
					break;
			vq_kick(rx);
		}
		add(tx, &(struct vbuf){ (uintptr_t)gso, hdr + 60, false }, 1);
		add(tx, &(struct vbuf){ (uintptr_t)csum, hdr + 60, false }, 1);
		add(tx, &(struct vbuf){ ram_gpa, (uint32_t)ram_len, false }, 1);
		add(tx, &(struct vbuf){ (uintptr_t)good, hdr + 13, false }, 1);
		add(tx, (struct vbuf[]){ { (uintptr_t)good, hdr + 1518, false }, { victim, 1, false } }, 2);
		add(tx, (struct vbuf[]){ { (uintptr_t)good, hdr + 60, false }, { victim, 64, true } }, 2);
		pending = 6;
		while (vq_add(tx, &(struct vbuf){ (uintptr_t)good, hdr + 1518, false }, 1) >= 0)
			pending++;
		vq_kick(tx);
		wr(VIRTIO_MMIO_REG_QUEUE_NOTIFY, 1); /* whether asked or not */
		for (unsigned k = 1; pending; k++) {
			while (vq_used(tx, NULL) >= 0)
				pending--;
			while (vq_used(rx, NULL) >= 0) /* refused receive buffers come back: post them again */
				(void)vq_add(rx, &(struct vbuf){ victim, 8, true }, 1);
			if (k % 64 == 0 && needs_reset())
				break;
			if (k % 256 == 0) {
				vq_kick(rx);
				wr(VIRTIO_MMIO_REG_QUEUE_NOTIFY, 1);
			}
			cpu_relax();
		}
		progress("net", round);
	}
}
