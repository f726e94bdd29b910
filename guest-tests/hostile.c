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
 * it does once, then "round N" at N = 1, 2, 4, 8, ... The blk and net
 * programs are in hostile_io.c. */
#include "hostile.h"
#include "tsc.h"

#define PFNS_MAX 256			/* the device's caps, one past each is sent */
#define STATS_MAX 32
#define REPORT_MAX (128ULL << 20)
#define ARENA_BYTES (4 * 3 * PAGE + 16 * PAGE)	/* 4 rings, buffers */

struct vdev dev;
volatile uintptr_t dev_base;	/* set by vCPU 0, then the others start */
struct vq vqs[4];
void *ring_mem[4];
static uint64_t arena_start, arena_next, arena_end;
uint64_t victim;		/* a whole free frame no program uses itself */
uint64_t ram_gpa, ram_len;	/* the largest RAM range, len < 4 GiB */

void wr(uint32_t reg, uint32_t v)
{
	virtio_write32(&dev, reg, v);
}

uint32_t rd(uint32_t reg)
{
	return virtio_read32(&dev, reg);
}

void *take(uint64_t bytes)
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

bool needs_reset(void)
{
	return rd(VIRTIO_MMIO_REG_STATUS) & VIRTIO_STATUS_NEEDS_RESET;
}

void progress(const char *prog, uint64_t round)
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
void add(struct vq *q, const struct vbuf *b, unsigned n)
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
