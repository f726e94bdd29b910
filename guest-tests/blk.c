/* blk - a virtio-blk driver for the test guest that writes a known pattern
 * to the disk and reads it back, with checksums, while the host moves the
 * guest's frames.
 *
 * vCPU 0 finds the first virtio-blk device in the device tree, negotiates
 * VERSION_1, FLUSH, SEG_MAX, SIZE_MAX and EVENT_IDX, and takes the largest
 * free range of RAM: the ring, request headers and status bytes at its start,
 * then `mib` MiB of data, which spans many frames. Each round fills the data
 * with a pattern of the round, writes it to the disk's first `mib` MiB in
 * `req` KiB requests, `inflight` of them outstanding (the device may finish
 * them in any order), flushes, zeroes the data, reads the disk back into it
 * and compares word by word: the checksum of what was written must be that
 * of what came back, and no word may differ. The last round's pattern stays
 * on the disk: verify=ROUND (rounds then default to 0) reads the disk and checks
 * it holds that round's pattern, so a second boot checks what the first one
 * wrote. It also checks GET_ID against serial=S when given, and that a read
 * past the end is refused with IOERR.
 *
 * bootargs: mib=N (default 8), rounds=N (default 3, 0 with verify or bench;
 * 0 otherwise: until
 * a byte comes on COM1, how a test ends it once done), req=KIB (default 64,
 * at most 128: the device's size_max), inflight=N (default 8, at most 32),
 * verify=ROUND, serial=S, seconds=N (default 120: a limit), bench=OPS (after
 * the rounds: OPS 4 KiB requests of each of sequential write, sequential
 * read, random write, random read over the first `mib` MiB, `inflight`
 * outstanding, each phase's IOPS printed; scripts/bench-blk). */
#include "guest.h"
#include "tsc.h"
#include "virtio.h"

#define PAGE 4096UL
#define QSIZE 64
#define MAX_INFLIGHT 32

static struct vdev dev;
static struct vq q;
static uint64_t tsc_ms, deadline;
static struct virtio_blk_outhdr *hdrs; /* one per slot */
static volatile uint8_t *statuses;
static int slot_of_head[QSIZE];
static uint64_t capacity;

static uint64_t word_of(uint64_t round, uint64_t i)
{
	uint64_t x = (round + 1) * 0x9e3779b97f4a7c15ULL ^ (i * 0xbf58476d1ce4e5b9ULL);

	return x ^ (x >> 31);
}

/* Add one request in slot s: header, optional data, status. */
static void add(unsigned s, uint32_t type, uint64_t sector, uint64_t data, uint32_t len, bool data_write)
{
	struct vbuf b[3];
	unsigned n = 0;
	int head;

	hdrs[s] = (struct virtio_blk_outhdr){ type, 0, sector };
	statuses[s] = 0xff;
	b[n++] = (struct vbuf){ (uint64_t)(uintptr_t)&hdrs[s], sizeof(hdrs[s]), false };
	if (len)
		b[n++] = (struct vbuf){ data, len, data_write };
	b[n++] = (struct vbuf){ (uint64_t)(uintptr_t)&statuses[s], 1, true };
	head = vq_add(&q, b, n);
	if (head < 0)
		panic("blk: the ring is full");
	slot_of_head[head] = (int)s;
}

/* Wait for one request back; its slot, checked OK (or want). */
static unsigned reap(uint8_t want)
{
	uint32_t len;
	int head = vq_wait(&q, &len, tsc_ms, deadline > rdtsc() ? (deadline - rdtsc()) / tsc_ms + 1 : 1);
	unsigned s = (unsigned)slot_of_head[head];

	if (statuses[s] != want)
		panic("blk: request type %u at sector %lu: status %u, want %u", hdrs[s].type, hdrs[s].sector,
		      statuses[s], want);
	return s;
}

/* One request, waited for: its status. */
static uint8_t one(uint32_t type, uint64_t sector, uint64_t data, uint32_t len, bool data_write)
{
	uint32_t wlen;
	int head;

	add(0, type, sector, data, len, data_write);
	vq_kick(&q);
	head = vq_wait(&q, &wlen, tsc_ms, 10000);
	return statuses[slot_of_head[head]];
}

/* Move bytes [0, bytes) of the disk to or from data, req bytes a request,
 * inflight outstanding; completions may come in any order. */
static void transfer(uint64_t data, uint64_t bytes, uint32_t req, unsigned inflight, bool to_disk)
{
	uint64_t next = 0;
	unsigned out = 0, free_slots[MAX_INFLIGHT], nfree = 0;

	for (unsigned s = 0; s < inflight; s++)
		free_slots[nfree++] = s;
	while (next < bytes || out) {
		while (next < bytes && nfree) {
			unsigned s = free_slots[--nfree];
			uint32_t len = bytes - next < req ? (uint32_t)(bytes - next) : req;

			add(s, to_disk ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN, next >> VIRTIO_BLK_SECTOR_SHIFT,
			    data + next, len, !to_disk);
			next += len;
			out++;
		}
		vq_kick(&q);
		free_slots[nfree++] = reap(VIRTIO_BLK_S_OK);
		out--;
	}
}

/* bench=OPS: OPS requests of 4 KiB of each kind (sequential or random
 * read, write), inflight outstanding, over the first `bytes` of the disk;
 * each phase's rate on the console. */
static void bench(uint64_t data, uint64_t bytes, uint64_t ops, unsigned inflight)
{
	static const struct { const char *name; uint32_t type; bool random; } phases[] = {
		{ "seq-write", VIRTIO_BLK_T_OUT, false }, { "seq-read", VIRTIO_BLK_T_IN, false },
		{ "rand-write", VIRTIO_BLK_T_OUT, true }, { "rand-read", VIRTIO_BLK_T_IN, true },
	};
	uint64_t blocks = bytes / 4096;

	for (unsigned p = 0; p < sizeof(phases) / sizeof(phases[0]); p++) {
		uint64_t next = 0, x = 0x2545f4914f6cdd1dULL, t0 = rdtsc(), us;
		unsigned out = 0, free_slots[MAX_INFLIGHT], nfree = 0;

		for (unsigned s = 0; s < inflight; s++)
			free_slots[nfree++] = s;
		while (next < ops || out) {
			while (next < ops && nfree) {
				unsigned s = free_slots[--nfree];
				uint64_t block = next % blocks;

				if (phases[p].random) {
					x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
					block = x % blocks;
				}
				add(s, phases[p].type, block * 8, data + s * 4096, 4096, phases[p].type == VIRTIO_BLK_T_IN);
				next++;
				out++;
			}
			vq_kick(&q);
			free_slots[nfree++] = reap(VIRTIO_BLK_S_OK);
			out--;
		}
		us = (rdtsc() - t0) * 1000 / tsc_ms;
		printf("blk: bench %s 4K qd %u: %lu ops in %lu us: %lu IOPS\n", phases[p].name, inflight, ops, us,
		       us ? ops * 1000000 / us : 0);
	}
}

static uint64_t fill(uint64_t *w, uint64_t n, uint64_t round)
{
	uint64_t sum = 0;

	for (uint64_t i = 0; i < n; i++) {
		w[i] = word_of(round, i);
		sum += w[i] * (i | 1);
	}
	return sum;
}

/* Words that differ from the round's pattern; the checksum in *sum. */
static uint64_t check(const uint64_t *w, uint64_t n, uint64_t round, uint64_t *sum)
{
	uint64_t bad = 0;

	*sum = 0;
	for (uint64_t i = 0; i < n; i++) {
		*sum += w[i] * (i | 1);
		if (w[i] != word_of(round, i) && bad++ < 4)
			printf("blk: word %lu (disk byte 0x%lx) is 0x%lx, want 0x%lx\n", i, i * 8, w[i],
			       word_of(round, i));
	}
	return bad;
}

static void setup(const struct guest_env *env, uint64_t bytes, uint64_t *data)
{
	const struct mem_range *best = NULL;
	uint64_t wanted = VIRTIO_BIT(VIRTIO_BLK_F_FLUSH) | VIRTIO_BIT(VIRTIO_BLK_F_SEG_MAX) |
			  VIRTIO_BIT(VIRTIO_BLK_F_SIZE_MAX) | VIRTIO_BIT(VIRTIO_RING_F_EVENT_IDX);
	uintptr_t base = virtio_find(env, VIRTIO_ID_BLOCK, 0);
	uint64_t p, ring = (virtio_queue_mem(QSIZE) + PAGE - 1) & ~(PAGE - 1);

	if (!base)
		panic("blk: no virtio-blk device in the device tree");
	for (unsigned i = 0; i < env->nfree; i++)
		if (!best || env->free[i].size > best->size)
			best = &env->free[i];
	if (!best || best->size < ring + 2 * PAGE + bytes)
		panic("blk: no %lu KiB of free memory", (uint64_t)((ring + 2 * PAGE + bytes) >> 10));
	p = best->start;
	if (virtio_start(&dev, base, VIRTIO_ID_BLOCK, wanted) < 0)
		panic("blk: device start failed");
	memset((void *)p, 0, ring + 2 * PAGE);
	if (virtio_setup_queue(&dev, &q, 0, QSIZE, (void *)p) < 0)
		panic("blk: queue set-up failed");
	hdrs = (struct virtio_blk_outhdr *)(p + ring);
	statuses = (volatile uint8_t *)(p + ring + PAGE);
	*data = p + ring + 2 * PAGE;
	virtio_driver_ok(&dev);
	capacity = virtio_config32(&dev, VIRTIO_BLK_CFG_CAPACITY) |
		   (uint64_t)virtio_config32(&dev, VIRTIO_BLK_CFG_CAPACITY + 4) << 32;
}

int program_main(struct guest_env *env, unsigned cpu)
{
	const char *verify = env_arg(env, "verify"), *serial = env_arg(env, "serial"), *benching = env_arg(env, "bench");
	uint64_t mib = env_arg_u64(env, "mib", 8), rounds = env_arg_u64(env, "rounds", verify || benching ? 0 : 3);
	uint64_t req = env_arg_u64(env, "req", 64) << 10, inflight = env_arg_u64(env, "inflight", 8);
	uint64_t seconds = env_arg_u64(env, "seconds", 120);
	uint64_t bytes = mib << 20, data, sum_w, sum_r, bad = 0;
	bool until_input = !rounds && !verify && !benching;
	uint64_t *w;

	if (cpu != 0)
		return GUEST_PASS;
	tsc_ms = tsc_khz(env);
	deadline = rdtsc() + seconds * 1000 * tsc_ms;
	if (!req || req > (128 << 10) || req % 512 || !inflight || inflight > MAX_INFLIGHT)
		panic("blk: req=%lu KiB (1..128, whole sectors) inflight=%lu (1..%d)", req >> 10, inflight,
		      MAX_INFLIGHT);
	setup(env, bytes, &data);
	w = (uint64_t *)data;
	if (capacity < bytes >> VIRTIO_BLK_SECTOR_SHIFT)
		panic("blk: the disk has %lu sectors, %lu MiB need %lu", capacity, mib,
		      bytes >> VIRTIO_BLK_SECTOR_SHIFT);
	if (serial) {
		char id[VIRTIO_BLK_ID_BYTES + 1] = { 0 };

		if (one(VIRTIO_BLK_T_GET_ID, 0, (uint64_t)(uintptr_t)id, VIRTIO_BLK_ID_BYTES, true) != VIRTIO_BLK_S_OK ||
		    strcmp(id, serial)) {
			printf("blk: FAIL: GET_ID gave '%s', want '%s'\n", id, serial);
			return GUEST_FAIL;
		}
	}
	if (one(VIRTIO_BLK_T_IN, capacity, data, 512, true) != VIRTIO_BLK_S_IOERR) {
		printf("blk: FAIL: a read past the end was not refused with IOERR\n");
		return GUEST_FAIL;
	}
	for (uint64_t r = 0; until_input ? !console_input() : r < rounds; r++) {
		if (rdtsc() > deadline) {
			printf("blk: FAIL: %lu rounds done in %lu s\n", r, seconds);
			return GUEST_FAIL;
		}
		sum_w = fill(w, bytes / 8, r);
		transfer(data, bytes, (uint32_t)req, (unsigned)inflight, true);
		if (one(VIRTIO_BLK_T_FLUSH, 0, 0, 0, false) != VIRTIO_BLK_S_OK)
			panic("blk: flush failed");
		memset(w, 0, bytes);
		transfer(data, bytes, (uint32_t)req, (unsigned)inflight, false);
		bad += check(w, bytes / 8, r, &sum_r);
		printf("blk: round %lu: %lu MiB written and read back, checksum 0x%lx / 0x%lx, %lu bad words\n",
		       r, mib, sum_w, sum_r, bad);
		if (bad || sum_w != sum_r)
			return GUEST_FAIL;
	}
	if (benching)
		bench(data, bytes, env_arg_u64(env, "bench", 0), (unsigned)inflight);
	if (verify) {
		uint64_t round = env_arg_u64(env, "verify", 0);

		sum_w = fill(w, bytes / 8, round);
		memset(w, 0, bytes);
		transfer(data, bytes, (uint32_t)req, (unsigned)inflight, false);
		bad = check(w, bytes / 8, round, &sum_r);
		printf("blk: verify round %lu: checksum 0x%lx / 0x%lx, %lu bad words\n", round, sum_w, sum_r, bad);
		if (bad || sum_w != sum_r)
			return GUEST_FAIL;
	}
	printf("blk: PASS\n");
	return GUEST_PASS;
}
