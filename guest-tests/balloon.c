/* balloon - a virtio-balloon driver for the test guest, and a check that the
 * memory it gives back comes back usable.
 *
 * vCPU 0 finds the balloon in the device tree, negotiates VERSION_1,
 * MUST_TELL_HOST, STATS_VQ, DEFLATE_ON_OOM, FREE_PAGE_REPORTING and EVENT_IDX
 * (bootarg features=MASK narrows that; queues are numbered over the
 * negotiated ones, as Linux does) and sets its queues up in pages it takes
 * from the free ranges. It then polls the config: when num_pages rises it
 * inflates, giving PFNs of free pages (whole 2 MiB frames first, in a
 * shuffled order and many requests); when it falls it deflates, and checks
 * that every page it got back reads as zero and is writable. It updates
 * `actual` after each step and answers the stats queue whenever the device
 * hands the stats buffer back. Optionally (report=N) it first writes N whole
 * free frames, reports them on the reporting queue, then touches them again:
 * a frame the host took must come back as zeroes.
 *
 * The other vCPUs run the integrity pattern (see integrity.c) over `keep`
 * bytes of whole frames that are never ballooned, interleaved with the
 * ballooned ones, for as long as the balloon runs.
 *
 * bootargs: cycles=N (default 1: stop after the balloon went up and came back
 * to zero N times; 0: run for `seconds`), seconds=N (default 60, the limit),
 * batch=N PFNs per request (default and at most 256, as Linux sends: the
 * device refuses larger requests), inflight=N requests
 * per notification (default 4), shuffle=0|1 (default 1), keep=SIZE (default
 * 32M with more than one vCPU), report=N (default 0), features=MASK,
 * hold=1 (once `cycles` are done, end only when the host asks for stats
 * while the balloon is empty, so a test can look at it, and run more cycles,
 * first). A byte on COM1 (frameshift's stdin) ends the run as the time limit
 * does: how the soak ends a cycles=0 guest however slowly the host ran it. */
#include "guest.h"
#include "tsc.h"
#include "virtio.h"

#define PAGE 4096ULL
#define PAGES_PER_FRAME (FS_FRAME_SIZE / PAGE)
#define MAX_BATCH 256
#define MAX_INFLIGHT 16
#define MAX_SEGS (GUEST_MAX_CHUNKS + 16)
#define MAX_KEEP 512
#define NSTATS 7

struct seg {
	uint64_t gpa;
	uint64_t npages;
	uint64_t first; /* index of its first page in the inflate order */
};

struct worker {
	uint64_t passes, words, mismatches;
	uint64_t first_gpa, expected, found;
	int done;
} __attribute__((aligned(64)));

static struct vdev dev;
static struct vq inflq, deflq, statq, repq;
static bool have_stats, have_report;
static uint64_t tsc_ms;

/* pages taken for the driver: rings, PFN arrays, the stats buffer */
static uint64_t drv_start, drv_next, drv_end;

/* the inflate order: whole frames from the top of memory down, then the
 * pages of partly free frames */
static struct seg segs[MAX_SEGS];
static unsigned nsegs;
static uint64_t ncand;
static uint64_t keep_gpa[MAX_KEEP];
static unsigned nkeep;
static uint64_t inflated; /* the first `inflated` pages of the order are in the balloon */

static uint32_t *pfn_bufs[MAX_INFLIGHT];
static struct virtio_balloon_stat *stats_buf;
static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static struct worker workers[GUEST_MAX_CPUS];
static volatile int stop;
static volatile int go;

static uint64_t xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint64_t page_round(uint64_t bytes)
{
	return (bytes + PAGE - 1) & ~(PAGE - 1);
}

static void *drv_alloc(uint64_t bytes)
{
	uint64_t p = drv_next;

	bytes = page_round(bytes);
	if (p + bytes > drv_end)
		panic("balloon: out of driver memory");
	drv_next += bytes;
	memset((void *)p, 0, bytes);
	return (void *)p;
}

/* Driver memory: the first stretch of a partly free frame big enough,
 * else a whole frame (which then is never ballooned). */
static void pick_driver_memory(const struct guest_env *env, uint64_t need)
{
	for (int pass = 0; pass < 2; pass++)
		for (unsigned c = 0; c < env->nchunks; c++) {
			const struct mem_chunk *ch = &env->chunks[c];

			if (ch->size < need || (pass == 0 && ch->size == FS_FRAME_SIZE))
				continue;
			drv_start = drv_next = ch->gpa;
			drv_end = ch->gpa + need;
			return;
		}
	panic("balloon: no %lu KiB of free memory for the driver", need >> 10);
}

static bool in_driver(uint64_t gpa)
{
	return gpa >= drv_start && gpa < drv_end;
}

static void add_seg(uint64_t gpa, uint64_t npages)
{
	if (!npages)
		return;
	if (nsegs == MAX_SEGS)
		panic("balloon: too many segments");
	segs[nsegs] = (struct seg){ gpa, npages, ncand };
	ncand += npages;
	nsegs++;
}

static void build_order(const struct guest_env *env, uint64_t keep_bytes)
{
	uint64_t want_keep = keep_bytes / FS_FRAME_SIZE, whole = 0;
	static uint8_t kept[GUEST_MAX_CHUNKS];

	for (unsigned c = 0; c < env->nchunks; c++)
		whole += env->chunks[c].size == FS_FRAME_SIZE && !in_driver(env->chunks[c].gpa);
	if (want_keep > MAX_KEEP)
		want_keep = MAX_KEEP;
	if (want_keep > whole / 2)
		want_keep = whole / 2;
	/* keep every fourth whole frame (then any) until there are enough, so
	 * kept and ballooned frames sit side by side */
	for (int pass = 0; pass < 2 && nkeep < want_keep; pass++) {
		unsigned w = 0;

		for (unsigned c = 0; c < env->nchunks && nkeep < want_keep; c++) {
			const struct mem_chunk *ch = &env->chunks[c];

			if (ch->size != FS_FRAME_SIZE || in_driver(ch->gpa))
				continue;
			if (!kept[c] && (pass == 1 || w % 4 == 1)) {
				kept[c] = 1;
				keep_gpa[nkeep++] = ch->gpa;
			}
			w++;
		}
	}
	for (unsigned c = env->nchunks; c-- > 0;) {
		const struct mem_chunk *ch = &env->chunks[c];

		if (ch->size == FS_FRAME_SIZE && !kept[c] && !in_driver(ch->gpa))
			add_seg(ch->gpa, PAGES_PER_FRAME);
	}
	for (unsigned c = 0; c < env->nchunks; c++) {
		const struct mem_chunk *ch = &env->chunks[c];
		uint64_t s = ch->gpa, e = ch->gpa + ch->size;

		if (ch->size == FS_FRAME_SIZE)
			continue;
		/* the part of a partly free frame the driver does not use */
		if (s < drv_end && e > drv_start) {
			add_seg(s, s < drv_start ? (drv_start - s) / PAGE : 0);
			s = drv_end > s ? drv_end : s;
		}
		if (s < e)
			add_seg(s, (e - s) / PAGE);
	}
}

/* The gpa of page k of the inflate order. */
static uint64_t page_at(uint64_t k)
{
	unsigned lo = 0, hi = nsegs;

	while (hi - lo > 1) {
		unsigned mid = (lo + hi) / 2;

		if (segs[mid].first <= k)
			lo = mid;
		else
			hi = mid;
	}
	return segs[lo].gpa + (k - segs[lo].first) * PAGE;
}

/* ---- the device ---- */

static void fill_stats(const struct guest_env *env)
{
	uint64_t total = 0, used = inflated * PAGE + (drv_end - drv_start);
	uint64_t free = env->free_bytes > used ? env->free_bytes - used : 0;
	static const uint16_t tags[NSTATS] = {
		VIRTIO_BALLOON_S_SWAP_IN, VIRTIO_BALLOON_S_SWAP_OUT, VIRTIO_BALLOON_S_MAJFLT,
		VIRTIO_BALLOON_S_MINFLT, VIRTIO_BALLOON_S_MEMFREE, VIRTIO_BALLOON_S_MEMTOT,
		VIRTIO_BALLOON_S_AVAIL,
	};

	for (unsigned i = 0; i < env->nmem; i++)
		total += env->mem[i].size;
	for (unsigned i = 0; i < NSTATS; i++) {
		uint64_t v = 0;

		if (tags[i] == VIRTIO_BALLOON_S_MEMFREE || tags[i] == VIRTIO_BALLOON_S_AVAIL)
			v = free;
		else if (tags[i] == VIRTIO_BALLOON_S_MEMTOT)
			v = total - inflated * PAGE;
		stats_buf[i].tag = tags[i];
		stats_buf[i].val = v;
	}
}

static void give_stats(const struct guest_env *env)
{
	struct vbuf b = { (uintptr_t)stats_buf, NSTATS * sizeof(*stats_buf), false };

	fill_stats(env);
	if (vq_add(&statq, &b, 1) < 0)
		panic("balloon: stats queue full");
}

static uint64_t stats_answered;

static void service_stats(const struct guest_env *env)
{
	if (!have_stats || vq_used(&statq, NULL) < 0)
		return;
	give_stats(env);
	vq_kick(&statq);
	stats_answered++;
}

static void setup_device(const struct guest_env *env, uint64_t wanted)
{
	uintptr_t base = virtio_find(env, VIRTIO_ID_BALLOON, 0);
	unsigned q = 0;

	if (!base)
		panic("balloon: no virtio-balloon in the device tree");
	if (virtio_start(&dev, base, VIRTIO_ID_BALLOON, wanted) < 0)
		panic("balloon: the device would not start");
	have_stats = dev.features & VIRTIO_BIT(VIRTIO_BALLOON_F_STATS_VQ);
	have_report = dev.features & VIRTIO_BIT(VIRTIO_BALLOON_F_REPORTING);
	/* inflate, deflate, then stats and reporting if negotiated, numbered
	 * without gaps (Linux's virtio_balloon does the same) */
	if (virtio_setup_queue(&dev, &inflq, q++, 64, drv_alloc(virtio_queue_mem(64))) < 0 ||
	    virtio_setup_queue(&dev, &deflq, q++, 64, drv_alloc(virtio_queue_mem(64))) < 0 ||
	    (have_stats && virtio_setup_queue(&dev, &statq, q++, 4, drv_alloc(virtio_queue_mem(4))) < 0) ||
	    (have_report && virtio_setup_queue(&dev, &repq, q++, 32, drv_alloc(virtio_queue_mem(32))) < 0))
		panic("balloon: queue set-up failed");
	for (unsigned i = 0; i < MAX_INFLIGHT; i++)
		pfn_bufs[i] = drv_alloc(MAX_BATCH * sizeof(uint32_t));
	stats_buf = drv_alloc(NSTATS * sizeof(*stats_buf));
	if (have_stats)
		give_stats(env); /* primed before DRIVER_OK, kicked after (5.5.5) */
	virtio_driver_ok(&dev);
	if (have_stats)
		vq_kick(&statq);
	printf("balloon: device at 0x%lx, features 0x%lx, %u queues, %lu pages to give, %u frames kept for integrity\n",
	       (uint64_t)base, dev.features, q, ncand, nkeep);
}

static void check_device(void)
{
	uint32_t s = virtio_status(&dev);

	if (s & (VIRTIO_STATUS_NEEDS_RESET | VIRTIO_STATUS_FAILED))
		panic("balloon: device status 0x%x (needs reset)", s);
}

/* Send pages [from, from+n) of the order on q, in requests of `batch`,
 * `inflight` at a time; wait until the device has used them all. */
static void send_pages(struct vq *q, uint64_t from, uint64_t n, unsigned batch,
		       unsigned inflight, bool shuffle, bool mark)
{
	while (n) {
		unsigned reqs = 0;

		for (; reqs < inflight && n; reqs++) {
			unsigned k = n < batch ? (unsigned)n : batch;
			uint32_t *pfns = pfn_bufs[reqs];
			struct vbuf b = { (uintptr_t)pfns, k * 4, false };

			for (unsigned i = 0; i < k; i++) {
				uint64_t gpa = page_at(from + i);

				/* leave something in a page going into the balloon,
				 * so the zero check after deflate means something */
				if (mark)
					*(volatile uint64_t *)(gpa + (from + i) % (PAGE / 8) * 8) = ~gpa;
				pfns[i] = (uint32_t)(gpa / PAGE);
			}
			for (unsigned i = k; shuffle && i > 1; i--) {
				unsigned j = (unsigned)(xorshift() % i);
				uint32_t t = pfns[i - 1];

				pfns[i - 1] = pfns[j];
				pfns[j] = t;
			}
			if (vq_add(q, &b, 1) < 0)
				panic("balloon: queue %u full", q->index);
			from += k;
			n -= k;
		}
		vq_kick(q);
		for (unsigned i = 0; i < reqs; i++)
			vq_wait(q, NULL, tsc_ms, 20000);
	}
}

/* Deflated pages must read as zero and take writes. */
static uint64_t verify_deflated(uint64_t from, uint64_t n, uint64_t *bad)
{
	for (uint64_t k = from; k < from + n; k++) {
		volatile uint64_t *p = (volatile uint64_t *)page_at(k);

		for (unsigned w = 0; w < PAGE / 8; w++) {
			uint64_t v = p[w];

			if (v) {
				if (!(*bad)++)
					printf("balloon: deflated page 0x%lx word %u reads 0x%lx, not zero\n",
					       (uint64_t)p, w, v);
				break;
			}
		}
		p[0] = k ^ 0x5a5a5a5a5a5a5a5aULL;
		p[PAGE / 8 - 1] = ~k;
		if (p[0] != (k ^ 0x5a5a5a5a5a5a5a5aULL) || p[PAGE / 8 - 1] != ~k) {
			if (!(*bad)++)
				printf("balloon: deflated page 0x%lx does not keep a write\n", (uint64_t)p);
		}
	}
	return n;
}

/* report=N: hand N whole free frames to the host as free, then use them. */
static int report_frames(unsigned n)
{
	struct vbuf b[32] = { 0 };
	uint64_t zero = 0, kept = 0;

	if (!have_report)
		return printf("balloon: report=%u but FREE_PAGE_REPORTING is not negotiated\n", n), GUEST_FAIL;
	if (n > 32)
		n = 32;
	if (n > ncand / PAGES_PER_FRAME)
		n = (unsigned)(ncand / PAGES_PER_FRAME);
	/* the frames inflated last: those the balloon reaches least */
	for (unsigned i = 0; i < n; i++) {
		uint64_t gpa = segs[0].gpa, k;

		for (k = 0; k < nsegs && segs[k].npages == PAGES_PER_FRAME; k++)
			;
		gpa = segs[k - 1 - i].gpa;
		memset((void *)gpa, 0xa5, FS_FRAME_SIZE);
		b[i] = (struct vbuf){ gpa, (uint32_t)FS_FRAME_SIZE, true };
	}
	if (vq_add(&repq, b, n) < 0)
		panic("balloon: reporting queue full");
	vq_kick(&repq);
	vq_wait(&repq, NULL, tsc_ms, 20000);
	/* reported pages may be used again without telling the device */
	for (unsigned i = 0; i < n; i++) {
		const uint64_t *p = (const uint64_t *)b[i].gpa;
		uint64_t nz = 0;

		for (unsigned w = 0; w < FS_FRAME_SIZE / 8; w++)
			nz += p[w] != 0;
		if (nz == 0)
			zero++;
		else if (nz == FS_FRAME_SIZE / 8 && p[0] == 0xa5a5a5a5a5a5a5a5ULL)
			kept++;
		memset((void *)b[i].gpa, 0, FS_FRAME_SIZE);
	}
	printf("balloon: reported %u free frames: %lu came back as zeroes, %lu kept their data\n",
	       n, zero, kept);
	return zero + kept == n ? GUEST_PASS : GUEST_FAIL;
}

/* ---- integrity on the kept frames ---- */

static inline uint64_t pattern(uint64_t gpa, uint64_t seq)
{
	uint64_t x = gpa ^ (seq * 0x9e3779b97f4a7c15ULL);

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static void integrity_pass(unsigned w, unsigned nw, uint64_t seq, struct worker *r)
{
	for (unsigned f = 0; f < nkeep; f++) {
		uint64_t *p = (uint64_t *)keep_gpa[f] + w;
		uint64_t *end = (uint64_t *)(keep_gpa[f] + FS_FRAME_SIZE);

		for (; p < end; p += nw) {
			uint64_t want = seq ? pattern((uint64_t)p, seq - 1) : 0;

			if (seq && *p != want && !r->mismatches++) {
				r->first_gpa = (uint64_t)p;
				r->expected = want;
				r->found = *p;
			}
			*p = pattern((uint64_t)p, seq);
			r->words++;
		}
	}
}

static int integrity_worker(const struct guest_env *env, unsigned cpu)
{
	unsigned w = cpu - 1, nw = env->ncpus - 1;
	struct worker *r = &workers[cpu];
	uint64_t seq = 0;

	while (!go)
		cpu_relax();
	while (!stop && nkeep) {
		integrity_pass(w, nw, seq++, r);
		r->passes++;
	}
	if (nkeep)
		integrity_pass(w, nw, seq, r); /* check the last pass */
	if (r->mismatches)
		printf("balloon: integrity: vCPU %u: MISMATCH at 0x%lx (frame %lu): expected 0x%016lx found 0x%016lx\n",
		       cpu, r->first_gpa, gpa_frame(r->first_gpa), r->expected, r->found);
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	return r->mismatches ? GUEST_FAIL : GUEST_PASS;
}

/* ---- vCPU 0: the driver ---- */

static uint64_t mib(uint64_t pages)
{
	return pages * PAGE >> 20;
}

int program_main(struct guest_env *env, unsigned cpu)
{
	uint64_t cycles = env_arg_u64(env, "cycles", 1);
	uint64_t seconds = env_arg_u64(env, "seconds", 60);
	uint64_t batch = env_arg_u64(env, "batch", 256);
	uint64_t inflight = env_arg_u64(env, "inflight", 4);
	bool shuffle = env_arg_u64(env, "shuffle", 1);
	uint64_t keep = env_arg_u64(env, "keep", env->ncpus > 1 ? 32 << 20 : 0);
	uint64_t report = env_arg_u64(env, "report", 0);
	uint64_t hold = env_arg_u64(env, "hold", 0), hold_from = 0;
	uint64_t wanted = env_arg_u64(env, "features",
				      VIRTIO_BIT(VIRTIO_BALLOON_F_MUST_TELL_HOST) |
				      VIRTIO_BIT(VIRTIO_BALLOON_F_STATS_VQ) |
				      VIRTIO_BIT(VIRTIO_BALLOON_F_DEFLATE_ON_OOM) |
				      VIRTIO_BIT(VIRTIO_BALLOON_F_REPORTING) |
				      VIRTIO_BIT(VIRTIO_RING_F_EVENT_IDX));
	uint64_t end, last_poll = 0, phase_start = 0, phase_pages = 0, verify_tsc = 0;
	uint64_t done_cycles = 0, peak = 0, verified = 0, bad = 0, ticks = 0;
	uint32_t gen = ~0u, num_pages = 0, actual = 0, status;
	int phase = 0, result = GUEST_PASS; /* phase: +1 inflating, -1 deflating */
	bool up = false, warned = false, ended_by_host = false;

	if (cpu != 0)
		return integrity_worker(env, cpu);

	tsc_ms = tsc_khz(env);
	end = rdtsc() + seconds * 1000 * tsc_ms;
	if (batch < 1 || batch > MAX_BATCH)
		panic("balloon: batch=%lu (1..%d)", batch, MAX_BATCH);
	if (inflight < 1 || inflight > MAX_INFLIGHT)
		panic("balloon: inflight=%lu (1..%d)", inflight, MAX_INFLIGHT);
	/* what setup's drv_allocs take, each rounded up to a page */
	pick_driver_memory(env, 4 * page_round(virtio_queue_mem(64)) +
			   MAX_INFLIGHT * page_round(MAX_BATCH * sizeof(uint32_t)) + 2 * PAGE);
	build_order(env, env->ncpus > 1 ? keep : 0);
	setup_device(env, wanted);
	go = 1;
	if (report && report_frames((unsigned)report) != GUEST_PASS)
		result = GUEST_FAIL;

	while (result == GUEST_PASS) {
		uint64_t now = rdtsc(), want;

		if (now > end || ended_by_host) {
			if (cycles && done_cycles < cycles) {
				printf("balloon: FAIL: %lu of %lu cycles done in %lu s\n", done_cycles, cycles, seconds);
				result = GUEST_FAIL;
			}
			break;
		}
		/* the device changes num_pages (and the generation) at run time */
		if (now - last_poll > tsc_ms || phase) {
			uint32_t g = virtio_read32(&dev, VIRTIO_MMIO_REG_CONFIG_GENERATION);

			last_poll = now;
			ended_by_host = console_input();
			if (g != gen) {
				gen = g;
				num_pages = virtio_config32(&dev, VIRTIO_BALLOON_CFG_NUM_PAGES);
			}
			if (++ticks % 64 == 0 || !phase)
				check_device();
		}
		service_stats(env);
		want = num_pages < ncand ? num_pages : ncand;
		if (num_pages > ncand && !warned) {
			printf("balloon: target %u pages, this program can give %lu\n", num_pages, ncand);
			warned = true;
		}
		if (want != inflated && !phase) {
			phase = want > inflated ? 1 : -1;
			phase_start = rdtsc();
			phase_pages = 0;
			verify_tsc = 0;
		}
		if (want > inflated && phase > 0) {
			uint64_t n = want - inflated, step = batch * inflight;

			n = n < step ? n : step;
			send_pages(&inflq, inflated, n, (unsigned)batch, (unsigned)inflight, shuffle, true);
			inflated += n;
			phase_pages += n;
		} else if (want < inflated && phase < 0) {
			uint64_t n = inflated - want, step = batch * inflight, t;

			n = n < step ? n : step;
			send_pages(&deflq, inflated - n, n, (unsigned)batch, (unsigned)inflight, shuffle, false);
			inflated -= n;
			phase_pages += n;
			t = rdtsc();
			verified += verify_deflated(inflated, n, &bad);
			verify_tsc += rdtsc() - t;
			if (bad)
				result = GUEST_FAIL;
		} else if (phase) {
			uint64_t us = (rdtsc() - phase_start - verify_tsc) * 1000 / tsc_ms;

			/* MiB/s = pages * 4 KiB / 1 MiB / (us / 1e6) */
			printf("balloon: %s %lu MiB in %lu.%03lu ms: %lu MiB/s%s\n",
			       phase > 0 ? "inflated" : "deflated", mib(phase_pages),
			       us / 1000, us % 1000, us ? phase_pages * 1000000 / 256 / us : 0,
			       phase > 0 ? "" : " (zero and write checks not counted)");
			phase = 0;
		}
		if (inflated > peak)
			peak = inflated;
		if (actual != inflated && !phase) {
			actual = (uint32_t)inflated;
			virtio_config_write32(&dev, VIRTIO_BALLOON_CFG_ACTUAL, actual);
		}
		if (inflated && !phase)
			up = true;
		if (up && !inflated && !phase) {
			up = false;
			done_cycles++;
			hold_from = stats_answered;
			printf("balloon: cycle %lu done\n", done_cycles);
			if (cycles && done_cycles >= cycles && !(hold && have_stats))
				break;
		}
		/* hold: the host looked at the empty balloon and says it is done
		 * by asking for stats once more */
		if (hold && have_stats && done_cycles >= cycles && done_cycles && !inflated && !phase &&
		    stats_answered > hold_from)
			break;
		if (!phase)
			for (uint64_t t = rdtsc(); rdtsc() - t < tsc_ms / 4;)
				cpu_relax();
	}

	stop = 1;
	for (unsigned c = 1; c < env->ncpus; c++)
		while (!__atomic_load_n(&workers[c].done, __ATOMIC_ACQUIRE))
			cpu_relax();
	status = virtio_status(&dev);
	{
		struct worker total = { 0 };

		for (unsigned c = 1; c < env->ncpus; c++) {
			total.passes += workers[c].passes;
			total.words += workers[c].words;
			total.mismatches += workers[c].mismatches;
		}
		printf("balloon: %lu cycles, peak %lu MiB ballooned, %lu pages checked after deflate (%lu bad), "
		       "%lu stats answered, device status 0x%x\n",
		       done_cycles, mib(peak), verified, bad, stats_answered, status);
		if (env->ncpus > 1)
			printf("balloon: integrity over %u kept frames: %lu passes, %lu MiB written, %lu mismatches\n",
			       nkeep, total.passes, total.words >> 17, total.mismatches);
		if (total.mismatches || (status & VIRTIO_STATUS_NEEDS_RESET))
			result = GUEST_FAIL;
	}
	printf("%s\n", result == GUEST_PASS ? "PASS" : "FAIL");
	return result;
}
