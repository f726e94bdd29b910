/* copybench.c - the work of scripts/bench-copy: every copy method this CPU
 * has (mm/copy.h), on 2 MiB frames, hot and cold, with 1, 2 and N threads,
 * side by side with the migration engine (mm/migrate.c's batch path through
 * the copy threads) moving a guest memory map with no VM. Best of --reps
 * repetitions; each repetition measures every cell once, so host noise
 * falls on all of them alike. The last line is for machines:
 *   copy: engine=X best=Y engine/best=R best_method=NAME   (GiB/s)
 * engine: the engine with its best copier count (1, 2 or N; the table has
 * each); best: the fastest single-thread cold copy, the bar's measure.
 * --pages prints how many 2 MiB pages the run needs, and runs nothing. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/parse.h"
#include "mm/copy.h"
#include "mm/guest_mem.h"
#include "mm/migrate.h"

#define MAX_THREAD_COUNTS 3 /* 1, 2 and N */
#define MAX_METHODS 16      /* room for copy_methods[], checked in main */

struct bench {
	unsigned reps;
	size_t llc;              /* bytes, from sysfs */
	uint32_t cold_frames;    /* each way: the cold working set */
	uint32_t hot_passes;     /* copies of one frame per thread per measurement */
	unsigned nthreads[MAX_THREAD_COUNTS], ncounts;
	bool hugetlb;            /* else THP, said in the header */
	uint8_t *src, *dst;      /* cold_frames each; hot uses their first frames */
	double best[2][MAX_METHODS][MAX_THREAD_COUNTS]; /* [hot][method][count] GiB/s */
	double engine[MAX_THREAD_COUNTS];
	double pools[MAX_THREAD_COUNTS]; /* measure_pools */
	double engine_share[MAX_THREAD_COUNTS][MSTEP_NR + 1]; /* of its time, by step */
};

/* The last-level cache's size: the highest index level in sysfs. */
static size_t llc_bytes(void)
{
	size_t best = 0;
	unsigned best_level = 0;

	for (unsigned i = 0; i < 8; i++) {
		char path[96];
		unsigned level = 0;
		size_t kib = 0;
		FILE *f;

		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu0/cache/index%u/level", i);
		if (!(f = fopen(path, "r")))
			break;
		if (fscanf(f, "%u", &level) != 1)
			level = 0;
		fclose(f);
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu0/cache/index%u/size", i);
		if (!(f = fopen(path, "r")))
			continue;
		if (fscanf(f, "%zuK", &kib) == 1 && level >= best_level) {
			best_level = level;
			best = kib << 10;
		}
		fclose(f);
	}
	return best;
}

/* len bytes on 2 MiB hugetlb pages while b->hugetlb, else (or when the host
 * has too few free) on THP, clearing b->hugetlb; touched, so no fault is
 * timed. */
static uint8_t *frames_alloc(struct bench *b, size_t len)
{
	uint8_t *p = b->hugetlb ? mmap(NULL, len, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_POPULATE, -1, 0) :
				  MAP_FAILED;

	if (p != MAP_FAILED)
		return p;
	b->hugetlb = false;
	p = mmap(NULL, len + FRAME_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	p = (uint8_t *)(((uintptr_t)p + FRAME_SIZE - 1) & ~(uintptr_t)(FRAME_SIZE - 1));
	madvise(p, len, MADV_HUGEPAGE);
	memset(p, 0, len);
	return p;
}

struct copy_job {
	const struct copy_method *cm;
	uint8_t *dst;
	const uint8_t *src;
	uint32_t frames;  /* consecutive frames from dst/src */
	uint32_t passes;  /* over them */
};

static void *copy_job_run(void *arg)
{
	const struct copy_job *j = arg;

	for (uint32_t p = 0; p < j->passes; p++)
		for (uint32_t f = 0; f < j->frames; f++)
			j->cm->copy(j->dst + (size_t)f * FRAME_SIZE, j->src + (size_t)f * FRAME_SIZE,
				    FRAME_SIZE);
	return NULL;
}

/* GiB/s of one measurement: threads copy their own frame hot_passes times
 * (hot), or share the cold frames, each thread a slice. */
static double measure_plain(struct bench *b, const struct copy_method *cm, bool hot, unsigned threads)
{
	struct copy_job jobs[64];
	pthread_t tid[64];
	uint32_t per = b->cold_frames / threads;
	uint64_t bytes = 0, t0;

	for (unsigned t = 0; t < threads; t++) {
		jobs[t] = hot ? (struct copy_job){ cm, b->dst + (size_t)t * FRAME_SIZE,
						   b->src + (size_t)t * FRAME_SIZE, 1, b->hot_passes } :
				(struct copy_job){ cm, b->dst + (size_t)t * per * FRAME_SIZE,
						   b->src + (size_t)t * per * FRAME_SIZE, per, 1 };
		bytes += (uint64_t)jobs[t].frames * jobs[t].passes * FRAME_SIZE;
	}
	if (hot) /* the frames are in the cache before the clock starts */
		for (unsigned t = 0; t < threads; t++)
			memcpy(jobs[t].dst, jobs[t].src, FRAME_SIZE);
	t0 = now_ns();
	for (unsigned t = 1; t < threads; t++)
		if (pthread_create(&tid[t], NULL, copy_job_run, &jobs[t])) {
			fprintf(stderr, "bench-copy: cannot start a copy thread\n");
			exit(1);
		}
	copy_job_run(&jobs[0]);
	for (unsigned t = 1; t < threads; t++)
		pthread_join(tid[t], NULL);
	return (double)bytes / (double)(now_ns() - t0) * 1e9 / (double)(1u << 30);
}

/* The engine's time per step, from its trace hook, which runs after each
 * step of a batch: a step's time is from the hook before. The hook after
 * MSTEP_TARGET also covers isolation (and, from the second batch on, the
 * previous batch's finish); what follows the last batch's remap is finish. */
struct step_clock {
	uint64_t last, ns[MSTEP_NR + 1]; /* [MSTEP_NR]: finish */
};

static void step_clock_trace(struct migrator *m, enum migrate_step step, const uint32_t *frames,
			     uint32_t n, void *arg)
{
	struct step_clock *sc = arg;
	uint64_t t = now_ns();

	sc->ns[step] += t - sc->last;
	sc->last = t;
}

/* The engine's copy alone: every frame of gm from its pool page to a free
 * page of the other pool, through the pool views and copy_frames, in the
 * engine's batches, with no migration entry and no remap. */
static double measure_pools(struct guest_mem *gm, unsigned copiers)
{
	struct copy_pool *cp = copy_pool_create(copiers);
	uint32_t n = guest_mem_nframes(gm), *slots = calloc(n, sizeof(*slots));
	struct pool *to = &gm->pools[!gm->ft.frames[0].node];
	struct copy_pair pairs[MIGRATE_BATCH];
	uint64_t ns = 0;

	if (!cp || !slots) {
		fprintf(stderr, "bench-copy: cannot start the copy threads\n");
		exit(1);
	}
	pthread_mutex_lock(&gm->ft.lock);
	for (uint32_t i = 0; i < n; i++)
		if ((slots[i] = pool_get_slot(to)) == FRAME_NONE) {
			fprintf(stderr, "bench-copy: no free page in the target pool\n");
			exit(1);
		}
	pthread_mutex_unlock(&gm->ft.lock);
	for (uint32_t done = 0; done < n; done += MIGRATE_BATCH) {
		uint32_t k = n - done < MIGRATE_BATCH ? n - done : MIGRATE_BATCH;
		uint64_t t0;

		for (uint32_t i = 0; i < k; i++) {
			const struct frame *f = &gm->ft.frames[done + i];

			pairs[i] = (struct copy_pair){ .dst = pool_slot_addr(to, slots[done + i]),
						       .src = pool_slot_addr(&gm->pools[f->node], f->slot) };
		}
		t0 = now_ns();
		copy_frames(cp, pairs, k);
		ns += now_ns() - t0;
	}
	pthread_mutex_lock(&gm->ft.lock);
	for (uint32_t i = 0; i < n; i++)
		pool_put_slot(to, slots[i]);
	pthread_mutex_unlock(&gm->ft.lock);
	copy_pool_destroy(cp);
	free(slots);
	return (double)n * FRAME_SIZE / (double)ns * 1e9 / (double)(1u << 30);
}

/* Move every frame of gm to the other node with `copiers` copiers; GiB/s of
 * the engine's own time, and the share of it spent copying. */
static double measure_engine(struct guest_mem *gm, unsigned copiers, double share[MSTEP_NR + 1])
{
	struct migrator m;
	struct step_clock sc = { 0 };
	struct migrate_result res;
	uint32_t n = guest_mem_nframes(gm), *frames = calloc(n, sizeof(*frames));
	char err[256];
	double gib;

	if (!frames || migrator_init(&m, gm, copiers, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench-copy: the engine: %s\n", frames ? err : "out of memory");
		exit(1);
	}
	m.trace = step_clock_trace;
	m.trace_arg = &sc;
	for (uint32_t i = 0; i < n; i++) {
		frames[i] = i;
		/* mapped in the page tables, as a running guest's frames are:
		 * the write-protect and the remap then have entries to change */
		*(volatile uint8_t *)guest_mem_frame_hva(gm, i);
	}
	sc.last = now_ns();
	migrate_frames(&m, frames, n, !gm->ft.frames[0].node, MIGRATE_SYNC, MR_USER, &res);
	sc.ns[MSTEP_NR] = now_ns() - sc.last;
	if (!res.moved) { /* fewer is fine: a host out of hugepages for the restore reserve */
		fprintf(stderr, "bench-copy: the engine moved none of %u frames\n", n);
		exit(1);
	}
	migrator_destroy(&m);
	free(frames);
	gib = (double)res.bytes / res.seconds / (double)(1u << 30);
	for (unsigned i = 0; i <= MSTEP_NR; i++)
		share[i] = (double)sc.ns[i] * 1e-9 / res.seconds;
	return gib;
}

static void keep_best(double *best, double v)
{
	if (v > *best)
		*best = v;
}

/* Check a method copied the bytes it was given: a wrong method must not
 * win the table. */
static void check_copy(struct bench *b, const struct copy_method *cm)
{
	for (size_t i = 0; i < FRAME_SIZE; i += 8)
		*(uint64_t *)(b->src + i) = i * 0x9e3779b97f4a7c15ull + (uintptr_t)cm;
	memset(b->dst, 0, FRAME_SIZE);
	cm->copy(b->dst, b->src, FRAME_SIZE);
	if (memcmp(b->dst, b->src, FRAME_SIZE)) {
		fprintf(stderr, "bench-copy: %s copied wrong bytes\n", cm->name);
		exit(1);
	}
}

static void run(struct bench *b, struct guest_mem *gm)
{
	for (unsigned r = 0; r < b->reps; r++) {
		for (unsigned i = 0; i < copy_nmethods; i++) {
			if (!copy_method_supported(&copy_methods[i]))
				continue;
			if (r == 0)
				check_copy(b, &copy_methods[i]);
			for (int hot = 0; hot < 2; hot++)
				for (unsigned c = 0; c < b->ncounts; c++)
					keep_best(&b->best[hot][i][c],
						  measure_plain(b, &copy_methods[i], hot, b->nthreads[c]));
		}
		for (unsigned c = 0; c < b->ncounts; c++)
			keep_best(&b->pools[c], measure_pools(gm, b->nthreads[c]));
		for (unsigned c = 0; c < b->ncounts; c++) {
			double share[MSTEP_NR + 1], gib = measure_engine(gm, b->nthreads[c], share);

			if (gib > b->engine[c]) {
				b->engine[c] = gib;
				memcpy(b->engine_share[c], share, sizeof(share));
			}
		}
	}
}

static void report(const struct bench *b)
{
	const struct copy_method *em = copy_engine_method();
	unsigned best_i = 0, engine_c = 0;

	printf("%-22s", "GiB/s, best of reps");
	for (int hot = 1; hot >= 0; hot--)
		for (unsigned c = 0; c < b->ncounts; c++)
			printf(" %6s/%-2u", hot ? "hot" : "cold", b->nthreads[c]);
	printf("\n");
	for (unsigned i = 0; i < copy_nmethods; i++) {
		if (!copy_method_supported(&copy_methods[i]))
			continue;
		printf("%-22s", copy_methods[i].name);
		for (int hot = 1; hot >= 0; hot--)
			for (unsigned c = 0; c < b->ncounts; c++)
				printf(" %9.2f", b->best[hot][i][c]);
		printf("%s\n", &copy_methods[i] == em ? "   (the engine's method)" : "");
		if (b->best[0][i][0] > b->best[0][best_i][0])
			best_i = i;
	}
	printf("%-22s", "pool to pool");
	for (unsigned c = 0; c < b->ncounts; c++)
		printf(" %9s", "-");
	for (unsigned c = 0; c < b->ncounts; c++)
		printf(" %9.2f", b->pools[c]);
	printf("\n%-22s", "engine (migrate)");
	for (unsigned c = 0; c < b->ncounts; c++)
		printf(" %9s", "-");
	for (unsigned c = 0; c < b->ncounts; c++) {
		printf(" %9.2f", b->engine[c]);
		if (b->engine[c] > b->engine[engine_c])
			engine_c = c;
	}
	printf("\n%-22s", "  of it copying");
	for (unsigned c = 0; c < b->ncounts; c++)
		printf(" %9s", "-");
	for (unsigned c = 0; c < b->ncounts; c++)
		printf(" %8.0f%%", 100 * b->engine_share[c][MSTEP_COPY]);
	printf("\nengine, 1 copier, time by step: isolate+target %.1f%%, write-protect %.1f%%, "
	       "copy %.1f%%, remap %.1f%%, finish %.1f%%\n",
	       100 * b->engine_share[0][MSTEP_TARGET], 100 * b->engine_share[0][MSTEP_UNMAP],
	       100 * b->engine_share[0][MSTEP_COPY], 100 * b->engine_share[0][MSTEP_REMAP],
	       100 * b->engine_share[0][MSTEP_NR]);
	printf("copy: engine=%.2f best=%.2f engine/best=%.2f best_method=%s\n", b->engine[engine_c],
	       b->best[0][best_i][0], b->engine[engine_c] / b->best[0][best_i][0],
	       copy_methods[best_i].name);
}

static void usage(void)
{
	fprintf(stderr, "usage: copybench [--reps N] [--quick] [--pages]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct bench b = { .hugetlb = true };
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	bool quick = false, pages = false;
	struct guest_mem gm;
	struct guest_mem_config cfg;
	char err[256];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
			if (parse_uint(argv[++i], 1, 1000, &b.reps) < 0)
				usage();
		} else if (!strcmp(argv[i], "--quick"))
			quick = true;
		else if (!strcmp(argv[i], "--pages"))
			pages = true;
		else
			usage();
	}
	if (!b.reps)
		b.reps = quick ? 1 : 7;
	if (copy_nmethods > MAX_METHODS) {
		fprintf(stderr, "bench-copy: more copy methods than MAX_METHODS\n");
		return 1;
	}
	b.llc = llc_bytes();
	if (!b.llc) {
		b.llc = 32u << 20;
		printf("note: no cache size in sysfs; taking the LLC as 32 MiB\n");
	}
	/* quick: a smoke run, for the output's form, not its numbers */
	b.cold_frames = quick ? 4 : (uint32_t)(4 * b.llc / FRAME_SIZE);
	b.hot_passes = quick ? 2 : 64;
	b.nthreads[b.ncounts++] = 1;
	b.nthreads[b.ncounts++] = 2;
	if (ncpu > 2)
		b.nthreads[b.ncounts++] = ncpu > 64 ? 64 : (unsigned)ncpu;
	if (b.cold_frames < b.nthreads[b.ncounts - 1]) /* hot: a frame per thread */
		b.cold_frames = b.nthreads[b.ncounts - 1];
	if (pages) { /* plain source and destination, and the guest's two pools */
		printf("%u\n", 4 * b.cold_frames + POOL_RESTORE_RESERVE);
		return 0;
	}
	cfg = (struct guest_mem_config){
		.size = (uint64_t)b.cold_frames * FRAME_SIZE,
		.backing = POOL_HUGETLB,
		.sim_nodes = 2,
		.pool_reserve = b.cold_frames,
	};
	if (numa_policy_parse("bind:0", &cfg.policy, err, sizeof(err)) < 0)
		return 1;
	if (guest_mem_init(&gm, &cfg, err, sizeof(err)) < 0) {
		printf("note: the guest on THP instead: %s\n", err);
		cfg.backing = POOL_THP;
		if (guest_mem_init(&gm, &cfg, err, sizeof(err)) < 0) {
			fprintf(stderr, "bench-copy: %s\n", err);
			return 1;
		}
	}
	b.hugetlb = cfg.backing == POOL_HUGETLB;
	b.src = frames_alloc(&b, (size_t)b.cold_frames * FRAME_SIZE);
	b.dst = b.src ? frames_alloc(&b, (size_t)b.cold_frames * FRAME_SIZE) : NULL;
	if (!b.dst) {
		fprintf(stderr, "bench-copy: out of memory\n");
		return 1;
	}
	printf("2 MiB frames on %s (guest) and %s (plain copies); LLC %zu MiB (sysfs); cold: %u MiB "
	       "each way (%s), hot: one frame per thread %u times; %u threads = all CPUs; best of %u\n",
	       pool_backing_name(cfg.backing),
	       b.hugetlb ? "hugetlb" : "THP (too few free 2 MiB hugepages: run scripts/hugepages)",
	       b.llc >> 20, b.cold_frames * 2, quick ? "--quick: a smoke run, not cold" : "4x LLC",
	       b.hot_passes, (unsigned)ncpu, b.reps);
	for (unsigned i = 0; i < copy_nmethods; i++)
		if (!copy_method_supported(&copy_methods[i]))
			printf("skipped: %s (this CPU lacks its instructions)\n", copy_methods[i].name);
	printf("engine: the guest's %u MiB moved between 2 simulated nodes by migrate_frames, "
	       "%s, N copiers (the caller and N-1 copy threads)\n",
	       b.cold_frames * 2, copy_engine_method()->name);
	run(&b, &gm);
	report(&b);
	guest_mem_destroy(&gm);
	return 0;
}
