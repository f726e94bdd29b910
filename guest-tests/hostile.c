/* hostile - a guest that attacks its virtio devices, for as long as
 * the host lets it run, so that a test can time the host's control commands
 * meanwhile (tests/kvm-hostile.test; issue 13). It never ends by itself.
 *
 * bootargs: prog=NAME (default flood), one of
 *   flood   finding 1 of issue 13: the inflate queue's 256 descriptors all
 *           point at the same huge range (all of guest RAM, up to 4 GiB) and
 *           chain into one another, and all 256 are made available as heads,
 *           then notified, again and again: without caps and a budget one
 *           notification kept the vCPU, and the transport lock, for hours
 *   loops   rings the device must refuse: descriptor loops, a chain longer
 *           than the queue, an indirect table pointing at itself, a next past
 *           the queue, every descriptor field at its maximum, an address
 *           that wraps, avail->idx far ahead, a head past the queue, queue
 *           sizes 0xffffffff and 32768, ring addresses near 2^64, a queue
 *           that does not exist; each breaks the queue, and the device is
 *           reset and set up again for the next
 *   caps    requests just past the device's caps: 257 PFNs in one buffer and
 *           in two, on the inflate and deflate queues; 33 statistics, and 40
 *           in two buffers; a free page report of 132 MiB
 *   config  accesses in the wrong device state: config writes before
 *           FEATURES_OK, to read-only fields, poison_val without PAGE_POISON
 *           and after DRIVER_OK; DRIVER_OK without FEATURES_OK; features not
 *           offered; DriverFeatures after FEATURES_OK; queue registers of a
 *           live queue; status going backwards; read-only registers; unknown
 *           offsets, odd widths, config past its end; notifications before
 *           DRIVER_OK, of a queue that does not exist, while FAILED
 *   touch   finding 2: inflates every whole free frame (256-PFN requests, as
 *           Linux does), waits for a byte on COM1 (the host's sign that it
 *           has no hugepages left), then writes every word of the ballooned
 *           frames without deflating them, checks every word, deflates, and
 *           again (without waiting); a lost write ends the VM with FAIL
 *   blk     the virtio-blk device (the VM needs a --disk): every request
 *           the device must refuse (sectors past the end and near 2^64,
 *           2 GiB segments, no or a readable status byte, a short header,
 *           data in the wrong direction, half sectors, an unknown type,
 *           discard ranges with reserved flags, past the end, too long), and
 *           the rest of the queue full of 256 KiB reads into one victim
 *           frame, all in flight at once, round after round
 *   net     the virtio-net device (the VM needs a --net): transmits that ask
 *           for checksum or GSO offload (not offered), of 2 GiB, of 13 and
 *           1519 bytes of frame, with a device-writable buffer, and the rest
 *           of the transmit queue in 1518-byte broadcast frames; receive
 *           buffers that are device-readable or 8 bytes long
 * vCPU 0 attacks; every other vCPU reads InterruptStatus in a loop, so the
 * device's lock is wanted from several vCPUs at once (and, in a flood, each
 * read serves a budget of chains left on the ring). Each program prints what
 * it does once, then "round N" at N = 1, 2, 4, 8, ... */
#include "guest.h"
#include "tsc.h"
#include "virtio.h"

#define PAGE 4096ULL
#define NUM 256				/* queue size (the device's QueueNumMax) */
#define PFNS_MAX 256			/* the device's caps, one past each is sent */
#define STATS_MAX 32
#define REPORT_MAX (128ULL << 20)
#define ARENA_BYTES (4 * 3 * PAGE + 16 * PAGE)	/* 4 rings, buffers */

static struct vdev dev;
static volatile uintptr_t dev_base;	/* set by vCPU 0, then the others start */
static struct vq vqs[4];
static void *ring_mem[4];
static uint64_t arena_start, arena_next, arena_end;
static uint64_t victim;		/* a whole free frame no program uses itself */
static uint64_t ram_gpa, ram_len;	/* the largest RAM range, len < 4 GiB */

static void wr(uint32_t reg, uint32_t v)
{
	virtio_write32(&dev, reg, v);
}

static uint32_t rd(uint32_t reg)
{
	return virtio_read32(&dev, reg);
}

static void *take(uint64_t bytes)
{
	uint64_t p = arena_next;

	bytes = (bytes + PAGE - 1) & ~(PAGE - 1);
	if (p + bytes > arena_end)
		panic("hostile: out of arena memory");
	arena_next += bytes;
	memset((void *)p, 0, bytes);
	return (void *)p;
}

/* The arena is the first piece of free memory that holds it, not in the
 * last whole free frame, which is the victim: the PFNs and reports point
 * there, so a device that wrongly acted on them takes nothing we use. */
static void pick_memory(const struct guest_env *env)
{
	for (unsigned c = env->nchunks; c-- > 0;)
		if (env->chunks[c].size == FS_FRAME_SIZE) {
			victim = env->chunks[c].gpa;
			break;
		}
	if (!victim)
		panic("hostile: no whole free frame");
	for (unsigned c = 0; c < env->nchunks && !arena_end; c++)
		if (env->chunks[c].size >= ARENA_BYTES && env->chunks[c].gpa != victim) {
			arena_start = arena_next = env->chunks[c].gpa;
			arena_end = arena_start + ARENA_BYTES;
		}
	if (!arena_end)
		panic("hostile: no %llu KiB of free memory", ARENA_BYTES >> 10);
	for (unsigned i = 0; i < env->nmem; i++)
		if (env->mem[i].size > ram_len) {
			ram_gpa = env->mem[i].start;
			ram_len = env->mem[i].size;
		}
	if (ram_len > 0xfffff000ULL)
		ram_len = 0xfffff000ULL; /* a descriptor's length is 32 bits */
	for (unsigned q = 0; q < 4; q++)
		ring_mem[q] = take(virtio_queue_mem(NUM));
}

/* Reset, negotiate, set up nq queues of NUM, DRIVER_OK: a well-behaved
 * start, so that what follows reaches the code under attack. */
static void start_device(uint64_t features, unsigned nq)
{
	if (virtio_start(&dev, dev_base, VIRTIO_ID_BALLOON, features) < 0)
		panic("hostile: the device would not start");
	for (unsigned q = 0; q < nq; q++)
		if (virtio_setup_queue(&dev, &vqs[q], (uint16_t)q, NUM, ring_mem[q]) < 0)
			panic("hostile: queue %u set-up failed", q);
	virtio_driver_ok(&dev);
}

static bool needs_reset(void)
{
	return rd(VIRTIO_MMIO_REG_STATUS) & VIRTIO_STATUS_NEEDS_RESET;
}

static void progress(const char *prog, uint64_t round)
{
	if (!(round & (round - 1)))
		printf("hostile: %s: round %lu\n", prog, round);
}

static void set_desc(struct vq *q, unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	q->desc[i] = (struct virtq_desc){ .addr = addr, .len = len, .flags = flags, .next = next };
}

static volatile uint16_t *avail_ring(struct vq *q, unsigned i)
{
	return (volatile uint16_t *)(q->avail + VIRTQ_AVAIL_RING(i % q->num));
}

static void publish(struct vq *q, uint16_t idx)
{
	__atomic_store_n((uint16_t *)(q->avail + VIRTQ_AVAIL_IDX), idx, __ATOMIC_RELEASE);
}

static uint16_t used_idx(struct vq *q)
{
	return __atomic_load_n((uint16_t *)(q->used + VIRTQ_USED_IDX), __ATOMIC_ACQUIRE);
}

/* ---- flood ---- */

static void flood(void)
{
	struct vq *q = &vqs[0];
	uint16_t idx = 0;

	printf("hostile: flood: %u chains of %u descriptors, each 0x%lx bytes at 0x%lx, per round\n",
	       NUM, NUM, ram_len, ram_gpa);
	for (uint64_t round = 1;; round++) {
		if (round == 1 || needs_reset()) {
			if (round > 1)
				printf("hostile: flood: the device needs a reset (round %lu)\n", round);
			start_device(0, 2);
			idx = 0;
			for (unsigned i = 0; i < NUM; i++)
				set_desc(q, i, ram_gpa, (uint32_t)ram_len,
					 i + 1 < NUM ? VIRTQ_DESC_F_NEXT : 0, (uint16_t)(i + 1));
		}
		for (unsigned i = 0; i < NUM; i++)
			*avail_ring(q, idx + i) = (uint16_t)i;
		idx = (uint16_t)(idx + NUM);
		publish(q, idx);
		/* notify until the device has used every chain; now and then
		 * look whether it gave up on the queue */
		for (unsigned n = 1; used_idx(q) != idx; n++) {
			wr(VIRTIO_MMIO_REG_QUEUE_NOTIFY, 0);
			if (n % 64 == 0 && needs_reset())
				break;
		}
		progress("flood", round);
	}
}

/* ---- loops ---- */

/* Each attack starts from a reset; those on descriptors from a live queue. */
static void loop_two(struct vq *q)
{
	set_desc(q, 0, victim, 64, VIRTQ_DESC_F_NEXT, 1);
	set_desc(q, 1, victim, 64, VIRTQ_DESC_F_NEXT, 0);
}

static void loop_past_queue(struct vq *q)
{
	for (unsigned i = 0; i < q->num; i++)
		set_desc(q, i, victim, 4, VIRTQ_DESC_F_NEXT, (uint16_t)((i + 1) % q->num));
}

static void indirect_self(struct vq *q)
{
	set_desc(q, 0, (uintptr_t)q->desc, (uint32_t)VIRTQ_DESC_SIZE(q->num),
		 VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 0);
}

static void next_past_queue(struct vq *q)
{
	set_desc(q, 0, victim, 4, VIRTQ_DESC_F_NEXT, (uint16_t)q->num);
	set_desc(q, 1, victim, 4, VIRTQ_DESC_F_NEXT, 0xffff);
	*avail_ring(q, 1) = 1;
}

static void fields_max(struct vq *q)
{
	set_desc(q, 0, ~0ULL - 0xfff, 0xffffffffu, 0xffff, 0xffff);
}

static void addr_wraps(struct vq *q)
{
	set_desc(q, 0, ~0ULL - 15, 0xffffffffu, 0, 0);
	set_desc(q, 1, ram_gpa + ram_len - 8, 0xffffffffu, 0, 0);
	*avail_ring(q, 1) = 1;
}

static void head_past_queue(struct vq *q)
{
	*avail_ring(q, 0) = 0xffff;
}

static void queue_regs(uint32_t sel, uint32_t num, uint64_t desc, uint64_t avail, uint64_t used)
{
	wr(VIRTIO_MMIO_REG_QUEUE_SEL, sel);
	wr(VIRTIO_MMIO_REG_QUEUE_NUM, num);
	wr(VIRTIO_MMIO_REG_QUEUE_DESC_LOW, (uint32_t)desc);
	wr(VIRTIO_MMIO_REG_QUEUE_DESC_HIGH, (uint32_t)(desc >> 32));
	wr(VIRTIO_MMIO_REG_QUEUE_DRIVER_LOW, (uint32_t)avail);
	wr(VIRTIO_MMIO_REG_QUEUE_DRIVER_HIGH, (uint32_t)(avail >> 32));
	wr(VIRTIO_MMIO_REG_QUEUE_DEVICE_LOW, (uint32_t)used);
	wr(VIRTIO_MMIO_REG_QUEUE_DEVICE_HIGH, (uint32_t)(used >> 32));
	wr(VIRTIO_MMIO_REG_QUEUE_READY, 1);
}

static void queue_at(uint32_t sel, uint32_t num, uint64_t base)
{
	queue_regs(sel, num, base, base + PAGE, base + 2 * PAGE);
}

static void size_max(struct vq *q)
{
	queue_at(0, 0xffffffffu, (uintptr_t)ring_mem[0]);
}

static void size_above_max(struct vq *q)
{
	queue_at(0, VIRTQ_MAX_SIZE, (uintptr_t)ring_mem[0]);
}

static void rings_near_top(struct vq *q)
{
	queue_regs(0, NUM, ~0ULL - 0xfff, ~0ULL - 0x7ff, ~0ULL - 0x3ff);
}

static void no_such_queue(struct vq *q)
{
	queue_at(0xffffffffu, 0xffffffffu, ~0ULL - 0xfff);
	virtio_driver_ok(&dev);
	wr(VIRTIO_MMIO_REG_QUEUE_NOTIFY, 0xffffffffu);
}

static const struct attack {
	const char *name;
	void (*ring)(struct vq *q);	/* on a live queue 0 ... */
	void (*regs)(struct vq *q);	/* ... or on the registers, after FEATURES_OK */
	uint16_t avail_idx;		/* published after ring (0: one chain) */
} attacks[] = {
	{ "two descriptors that loop", loop_two, NULL, 0 },
	{ "a chain longer than the queue", loop_past_queue, NULL, 0 },
	{ "an indirect table pointing at itself", indirect_self, NULL, 0 },
	{ "next past the queue", next_past_queue, NULL, 2 },
	{ "every descriptor field at its maximum", fields_max, NULL, 0 },
	{ "buffers that wrap the address space", addr_wraps, NULL, 2 },
	{ "avail->idx far ahead", fields_max, NULL, 0xffff },
	{ "a head past the queue", head_past_queue, NULL, 0 },
	{ "queue size 0xffffffff", NULL, size_max, 0 },
	{ "queue size 32768", NULL, size_above_max, 0 },
	{ "rings near 2^64", NULL, rings_near_top, 0 },
	{ "a queue that does not exist", NULL, no_such_queue, 0 },
};

#define NATTACKS (sizeof(attacks) / sizeof(attacks[0]))

static void loops(void)
{
	printf("hostile: loops: %u attacks per round, each from a reset\n", (unsigned)NATTACKS);
	for (uint64_t round = 1;; round++) {
		for (unsigned a = 0; a < NATTACKS; a++) {
			const struct attack *at = &attacks[a];
			struct vq *q = &vqs[0];
			uint32_t status;

			if (at->ring) {
				start_device(0, 2);
				at->ring(q); /* the ring is zeroed: head 0 unless it sets one */
				publish(q, at->avail_idx ? at->avail_idx : 1);
				wr(VIRTIO_MMIO_REG_QUEUE_NOTIFY, 0);
			} else {
				if (virtio_start(&dev, dev_base, VIRTIO_ID_BALLOON, 0) < 0)
					panic("hostile: the device would not start");
				at->regs(q);
			}
			status = rd(VIRTIO_MMIO_REG_STATUS);
			if (round == 1)
				printf("hostile: loops: %s: device status 0x%x%s\n", at->name, status,
				       status & VIRTIO_STATUS_NEEDS_RESET ? " (needs reset)" : "");
		}
		progress("loops", round);
	}
}

/* ---- caps ---- */

/* n bytes of PFNs of the victim frame's pages */
static uint32_t *victim_pfns(unsigned n)
{
	uint32_t *p = take(n * 4);

	for (unsigned i = 0; i < n; i++)
		p[i] = (uint32_t)(victim / PAGE + i % (FS_FRAME_SIZE / PAGE));
	return p;
}

/* Add a chain (panics if the ring is full: every chain comes back). */
static void add(struct vq *q, const struct vbuf *b, unsigned n)
{
	if (vq_add(q, b, n) < 0)
		panic("hostile: queue %u full", q->index);
}

static void caps(void)
{
	const uint64_t features = VIRTIO_BIT(VIRTIO_BALLOON_F_STATS_VQ) | VIRTIO_BIT(VIRTIO_BALLOON_F_REPORTING);
	uint32_t *pfns = victim_pfns(PFNS_MAX + 1);
	struct virtio_balloon_stat *stats = take(2 * STATS_MAX * sizeof(*stats));
	struct vq *infl = &vqs[0], *defl = &vqs[1], *statq = NULL, *repq = NULL;
	const uint32_t stat = sizeof(*stats);
	struct vbuf report[REPORT_MAX / FS_FRAME_SIZE + 2];
	unsigned nreport = REPORT_MAX / FS_FRAME_SIZE + 2;	/* 132 MiB */
	unsigned nq = 2;

	for (unsigned i = 0; i < 2 * STATS_MAX; i++)
		stats[i] = (struct virtio_balloon_stat){ .tag = (uint16_t)(i % 10), .val = i };
	for (unsigned i = 0; i < nreport; i++)
		report[i] = (struct vbuf){ victim, (uint32_t)FS_FRAME_SIZE, true };
	printf("hostile: caps: per round 257 PFNs (inflate, in one buffer and in two; deflate), "
	       "33 and 2 x 20 statistics, a report of %u MiB\n", nreport * 2);
	for (uint64_t round = 1;; round++) {
		unsigned pending;

		if (round == 1 || needs_reset()) {
			if (round > 1)
				printf("hostile: caps: the device needs a reset (round %lu)\n", round);
			if (virtio_start(&dev, dev_base, VIRTIO_ID_BALLOON, features) < 0)
				panic("hostile: the device would not start");
			nq = 2;
			statq = dev.features & VIRTIO_BIT(VIRTIO_BALLOON_F_STATS_VQ) ? &vqs[nq++] : NULL;
			repq = dev.features & VIRTIO_BIT(VIRTIO_BALLOON_F_REPORTING) ? &vqs[nq++] : NULL;
			for (unsigned q = 0; q < nq; q++)
				if (virtio_setup_queue(&dev, &vqs[q], (uint16_t)q, NUM, ring_mem[q]) < 0)
					panic("hostile: queue %u set-up failed", q);
			virtio_driver_ok(&dev);
		}
		add(infl, &(struct vbuf){ (uintptr_t)pfns, (PFNS_MAX + 1) * 4, false }, 1);
		add(infl, (struct vbuf[]){ { (uintptr_t)pfns, PFNS_MAX * 4, false },
					   { (uintptr_t)pfns, 4, false } }, 2);
		add(defl, &(struct vbuf){ (uintptr_t)pfns, (PFNS_MAX + 1) * 4, false }, 1);
		pending = 3;
		if (statq) {
			/* the device holds one stats buffer and hands the older
			 * back: take back what it gave, then add two more */
			while (vq_used(statq, NULL) >= 0)
				;
			add(statq, &(struct vbuf){ (uintptr_t)stats, (STATS_MAX + 1) * stat, false }, 1);
			add(statq, (struct vbuf[]){ { (uintptr_t)stats, 20 * stat, false },
						    { (uintptr_t)(stats + 20), 20 * stat, false } }, 2);
		}
		if (repq) {
			add(repq, report, nreport);
			pending++;
		}
		for (unsigned q = 0; q < nq; q++) {
			vq_kick(&vqs[q]);
			wr(VIRTIO_MMIO_REG_QUEUE_NOTIFY, q); /* whether asked or not */
		}
		for (unsigned n = 1; pending; n++) {
			struct vq *qs[3] = { infl, defl, repq };

			for (unsigned k = 0; k < 3; k++)
				while (qs[k] && vq_used(qs[k], NULL) >= 0)
					pending--;
			if (n % 64 == 0 && needs_reset())
				break;
			cpu_relax();
		}
		progress("caps", round);
	}
}

/* ---- config ---- */

static void w8(uint32_t off, uint8_t v)
{
	*(volatile uint8_t *)(dev_base + off) = v;
}

static void w16(uint32_t off, uint16_t v)
{
	*(volatile uint16_t *)(dev_base + off) = v;
}

static void w64(uint32_t off, uint64_t v)
{
	*(volatile uint64_t *)(dev_base + off) = v;
}

static uint16_t r16(uint32_t off)
{
	return *(volatile uint16_t *)(dev_base + off);
}

static void config(void)
{
	const uint32_t ack = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER;
	const uint32_t cfg = VIRTIO_MMIO_REG_CONFIG;

	printf("hostile: config: wrong-state writes before FEATURES_OK, after DRIVER_OK, to read-only fields, status backwards\n");
	for (uint64_t round = 1;; round++) {
		/* before FEATURES_OK */
		wr(VIRTIO_MMIO_REG_STATUS, 0);
		wr(VIRTIO_MMIO_REG_STATUS, ack);
		wr(VIRTIO_MMIO_REG_QUEUE_NOTIFY, 0);
		wr(cfg + VIRTIO_BALLOON_CFG_ACTUAL, 0xffffffffu);
		wr(cfg + VIRTIO_BALLOON_CFG_NUM_PAGES, 0xffffffffu);
		wr(cfg + VIRTIO_BALLOON_CFG_POISON_VAL, 0xdeadbeefu);
		wr(VIRTIO_MMIO_REG_STATUS, ack | VIRTIO_STATUS_DRIVER_OK);
		queue_at(0, NUM, (uintptr_t)ring_mem[0]);	/* ready before FEATURES_OK */
		wr(VIRTIO_MMIO_REG_STATUS, 0);
		wr(VIRTIO_MMIO_REG_STATUS, ack);
		wr(VIRTIO_MMIO_REG_DRIVER_FEATURES_SEL, 1);
		wr(VIRTIO_MMIO_REG_DRIVER_FEATURES, 0xffffffffu);	/* not offered */
		wr(VIRTIO_MMIO_REG_DRIVER_FEATURES_SEL, 7);
		wr(VIRTIO_MMIO_REG_DRIVER_FEATURES, 0xffffffffu);
		wr(VIRTIO_MMIO_REG_STATUS, ack | VIRTIO_STATUS_FEATURES_OK);
		/* a proper start, then everything after DRIVER_OK */
		start_device(0, 2);
		wr(VIRTIO_MMIO_REG_DRIVER_FEATURES_SEL, 0);
		wr(VIRTIO_MMIO_REG_DRIVER_FEATURES, 0xffffffffu);
		queue_at(0, 16, (uintptr_t)ring_mem[2]);		/* queue 0 is live */
		wr(cfg + VIRTIO_BALLOON_CFG_POISON_VAL, 0xdeadbeefu);
		wr(cfg + VIRTIO_BALLOON_CFG_FREE_PAGE_HINT_CMD_ID, 1);
		w64(cfg + VIRTIO_BALLOON_CFG_FREE_PAGE_HINT_CMD_ID, ~0ULL);
		w8(cfg + VIRTIO_BALLOON_CFG_NUM_PAGES, 0xff);
		w16(cfg + VIRTIO_BALLOON_CFG_SIZE - 1, 0xffff);	/* past the end */
		wr(cfg + 0x100, 1);
		(void)r16(VIRTIO_MMIO_REG_STATUS);		/* 16-bit register access */
		w8(VIRTIO_MMIO_REG_STATUS + 1, 0xff);
		wr(VIRTIO_MMIO_REG_STATUS + 2, 0);		/* unaligned */
		for (uint32_t off = VIRTIO_MMIO_REG_MAGIC; off <= VIRTIO_MMIO_REG_VENDOR_ID; off += 4)
			wr(off, 0xffffffffu);			/* read-only */
		wr(VIRTIO_MMIO_REG_DEVICE_FEATURES, 0);
		wr(VIRTIO_MMIO_REG_QUEUE_NUM_MAX, 0xffffffffu);
		wr(VIRTIO_MMIO_REG_INTERRUPT_STATUS, 0xffffffffu);
		wr(VIRTIO_MMIO_REG_CONFIG_GENERATION, 0);
		wr(0x0c0, 1);					/* no register */
		wr(0x0f8, 1);
		(void)rd(0x0c4);
		wr(VIRTIO_MMIO_REG_QUEUE_NOTIFY, 7);		/* no such queue */
		wr(VIRTIO_MMIO_REG_STATUS, ack);		/* backwards */
		wr(VIRTIO_MMIO_REG_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
		wr(VIRTIO_MMIO_REG_STATUS, rd(VIRTIO_MMIO_REG_STATUS) | VIRTIO_STATUS_FAILED);
		wr(VIRTIO_MMIO_REG_QUEUE_NOTIFY, 0);		/* while FAILED */
		wr(VIRTIO_MMIO_REG_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
		if (round == 1)
			printf("hostile: config: after round 1 the device status is 0x%x\n",
			       rd(VIRTIO_MMIO_REG_STATUS));
		progress("config", round);
	}
}

/* ---- touch ---- */

#define TOUCH_MAX_FRAMES 512

static const struct guest_env *genv;

/* Send the PFNs of pages [0, npages) of frames[] on q, 256 a request, 4
 * requests a notification, and wait for each. */
static void send_frames(struct vq *q, const uint64_t *frames, uint64_t npages, uint32_t *pfns[4],
			uint64_t tsc_ms)
{
	const uint64_t per_frame = FS_FRAME_SIZE / PAGE;

	for (uint64_t k = 0; k < npages;) {
		unsigned reqs = 0;

		for (; reqs < 4 && k < npages; reqs++) {
			unsigned n = 0;

			for (; n < PFNS_MAX && k < npages; n++, k++)
				pfns[reqs][n] = (uint32_t)(frames[k / per_frame] / PAGE + k % per_frame);
			add(q, &(struct vbuf){ (uintptr_t)pfns[reqs], n * 4, false }, 1);
		}
		vq_kick(q);
		for (unsigned i = 0; i < reqs; i++)
			vq_wait(q, NULL, tsc_ms, 60000);
	}
}

/* Write every word of the frames, then check every word: the number of
 * words that did not keep their write. */
static uint64_t write_and_check(const uint64_t *frames, unsigned nframes, uint64_t round)
{
	uint64_t lost = 0;

	for (unsigned f = 0; f < nframes; f++)
		for (uint64_t *p = (uint64_t *)frames[f]; p < (uint64_t *)(frames[f] + FS_FRAME_SIZE); p++)
			*(volatile uint64_t *)p = (uint64_t)p ^ (round * 0x9e3779b97f4a7c15ULL);
	for (unsigned f = 0; f < nframes; f++)
		for (uint64_t *p = (uint64_t *)frames[f]; p < (uint64_t *)(frames[f] + FS_FRAME_SIZE); p++)
			if (*(volatile uint64_t *)p != ((uint64_t)p ^ (round * 0x9e3779b97f4a7c15ULL)) && !lost++)
				printf("hostile: touch: LOST WRITE at 0x%lx in round %lu\n", (uint64_t)p, round);
	return lost;
}

static void touch(void)
{
	static uint64_t frames[TOUCH_MAX_FRAMES];
	uint64_t tsc_ms = tsc_khz(genv), npages;
	uint32_t *pfns[4];
	unsigned nframes = 0;

	for (unsigned c = 0; c < genv->nchunks && nframes < TOUCH_MAX_FRAMES; c++) {
		const struct mem_chunk *ch = &genv->chunks[c];

		if (ch->size == FS_FRAME_SIZE && (ch->gpa >= arena_end || ch->gpa + ch->size <= arena_start))
			frames[nframes++] = ch->gpa;
	}
	npages = nframes * (FS_FRAME_SIZE / PAGE);
	for (unsigned i = 0; i < 4; i++)
		pfns[i] = take(PFNS_MAX * 4);
	start_device(VIRTIO_BIT(VIRTIO_BALLOON_F_MUST_TELL_HOST), 2);
	printf("hostile: touch: %u frames (%lu MiB) per round\n", nframes, (uint64_t)(npages * PAGE >> 20));
	for (uint64_t round = 1;; round++) {
		uint64_t lost;

		send_frames(&vqs[0], frames, npages, pfns, tsc_ms);
		virtio_config_write32(&dev, VIRTIO_BALLOON_CFG_ACTUAL, (uint32_t)npages);
		if (round == 1) {
			printf("hostile: touch: ballooned; waiting for a byte on COM1\n");
			while (!console_input())
				cpu_relax();
		}
		lost = write_and_check(frames, nframes, round);
		if (lost) {
			printf("hostile: touch: %lu words lost their write in round %lu\nFAIL\n", lost, round);
			guest_exit(GUEST_FAIL);
		}
		send_frames(&vqs[1], frames, npages, pfns, tsc_ms);
		virtio_config_write32(&dev, VIRTIO_BALLOON_CFG_ACTUAL, 0);
		progress("touch", round);
	}
}

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

static void blk(void)
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
static void net(void)
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

/* ---- all vCPUs ---- */

int program_main(struct guest_env *env, unsigned cpu)
{
	const char *prog = env_arg(env, "prog");
	uint32_t id;
	static const struct {
		const char *name;
		void (*run)(void);
	} progs[] = { { "flood", flood }, { "loops", loops }, { "caps", caps }, { "config", config },
		      { "touch", touch }, { "blk", blk }, { "net", net } };

	if (cpu != 0) {
		while (!dev_base)
			cpu_relax();
		dev.base = dev_base;
		for (;;)
			(void)rd(VIRTIO_MMIO_REG_INTERRUPT_STATUS);
	}
	if (!prog)
		prog = "flood";
	genv = env;
	for (unsigned p = 0; p < sizeof(progs) / sizeof(progs[0]); p++) {
		if (strcmp(prog, progs[p].name))
			continue;
		pick_memory(env);
		id = progs[p].run == blk ? VIRTIO_ID_BLOCK : progs[p].run == net ? VIRTIO_ID_NET : VIRTIO_ID_BALLOON;
		dev.base = virtio_find(env, id, 0);
		if (!dev.base)
			panic("hostile: no virtio device %u in the device tree", id);
		printf("hostile: %s on %u vCPUs (the others read InterruptStatus in a loop)\n", prog, env->ncpus);
		dev_base = dev.base;
		progs[p].run(); /* never returns */
	}
	printf("hostile: prog=%s: no such program (flood, loops, caps, config, touch, blk, net)\n", prog);
	return GUEST_FAIL;
}
