/* integrity - every vCPU keeps rewriting and checking all of free guest
 * memory while the host moves frames under it. The words of each frame are
 * dealt out among the vCPUs (word i belongs to vCPU i % ncpus), so every vCPU
 * writes every frame without racing the others. Each pass checks that every
 * word still holds the previous pass's pattern and writes the next one: a lost
 * or misplaced write shows as a mismatch, reported with its frame.
 * bootargs: seconds=N (default 5) or passes=N; cpuN=A-B gives frames A..B to
 * vCPU N alone (all their words; the others leave them alone), to make
 * per-node working sets for the autobalance test; cold=A-B makes frames A..B
 * cold: written in the first pass and checked at the end, left alone in
 * between (the tiering tests' cold region); report=1 has vCPU 0 print, about
 * once a second, the words all vCPUs have accessed so far in the hot and the
 * cold region ("integrity: accesses hot=H cold=C"), which the host weighs
 * by each region's placement into the share of accesses that land on the
 * fast tier (scripts/bench-tiering). A byte on COM1 (written
 * to frameshift's stdin) ends the run early, with its verdict: how a test
 * that is done with the guest ends it, however slowly the host ran. */
#include "guest.h"
#include "tsc.h"

struct result {
	uint64_t passes, words, cold_words, mismatches;
	uint64_t first_gpa, expected, found, pass;
} __attribute__((aligned(64)));

static struct result results[GUEST_MAX_CPUS];
static volatile int stop;
static int owner[GUEST_MAX_CHUNKS]; /* per chunk: its only writer, or -1: all share */
static bool cold[GUEST_MAX_CHUNKS];  /* per chunk: written first, checked last, else untouched */

/* Parse a "A-B" frame range; false if absent or malformed. */
static bool frame_range(const char *s, uint64_t *a, uint64_t *b)
{
	*a = *b = 0;
	if (!s || *s < '0' || *s > '9')
		return false;
	while (*s >= '0' && *s <= '9')
		*a = *a * 10 + (uint64_t)(*s++ - '0');
	if (*s++ != '-' || *s < '0' || *s > '9')
		return false;
	while (*s >= '0' && *s <= '9')
		*b = *b * 10 + (uint64_t)(*s++ - '0');
	return !*s && *a <= *b;
}

static void assign_owners(const struct guest_env *env)
{
	for (unsigned c = 0; c < env->nchunks; c++)
		owner[c] = -1;
	for (unsigned cpu = 0; cpu < env->ncpus; cpu++) {
		char key[16];
		uint64_t a, b;

		snprintf(key, sizeof(key), "cpu%u", cpu);
		if (!env_arg(env, key))
			continue;
		if (!frame_range(env_arg(env, key), &a, &b))
			panic("integrity: bad %s=%s (want FIRST-LAST frames)\n", key, env_arg(env, key));
		for (unsigned c = 0; c < env->nchunks; c++) {
			uint64_t frame = gpa_frame(env->chunks[c].gpa);

			if (frame >= a && frame <= b)
				owner[c] = (int)cpu;
		}
		printf("integrity: frames %lu-%lu belong to vCPU %u\n", a, b, cpu);
	}
	if (env_arg(env, "cold")) {
		uint64_t a, b;

		if (!frame_range(env_arg(env, "cold"), &a, &b))
			panic("integrity: bad cold=%s (want FIRST-LAST frames)\n", env_arg(env, "cold"));
		for (unsigned c = 0; c < env->nchunks; c++) {
			uint64_t frame = gpa_frame(env->chunks[c].gpa);

			cold[c] = frame >= a && frame <= b;
		}
		printf("integrity: frames %lu-%lu are cold\n", a, b);
	}
}

static inline uint64_t pattern(uint64_t gpa, uint64_t seq)
{
	uint64_t x = gpa ^ (seq * 0x9e3779b97f4a7c15ULL);

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* One pass over this vCPU's words of every chunk: check seq-1, write seq.
 * A cold chunk is written in pass 0 and checked in the final pass only. */
static void pass(const struct guest_env *env, unsigned cpu, uint64_t seq, bool final, struct result *r)
{
	/* each vCPU starts its sweep at its own offset: vCPUs walking memory in
	 * lockstep would be an odd workload, and one the host's write sampling
	 * would see as "whoever leads owns everything" */
	for (unsigned k = 0; k < env->nchunks; k++) {
		unsigned c = (k + cpu * env->nchunks / env->ncpus) % env->nchunks;
		bool shared = owner[c] < 0;
		uint64_t s = cold[c] && seq ? 1 : seq;
		uint64_t *p = (uint64_t *)env->chunks[c].gpa + (shared ? cpu : 0);
		uint64_t *end = (uint64_t *)(env->chunks[c].gpa + env->chunks[c].size);
		unsigned stride = shared ? env->ncpus : 1;
		uint64_t words = 0;

		if ((!shared && owner[c] != (int)cpu) || (cold[c] && seq && !final))
			continue;
		for (; p < end; p += stride) {
			uint64_t want = s ? pattern((uint64_t)p, s - 1) : 0;

			if (s && *p != want && !r->mismatches++) {
				r->first_gpa = (uint64_t)p;
				r->expected = want;
				r->found = *p;
				r->pass = seq;
			}
			*p = pattern((uint64_t)p, s);
			words++;
		}
		r->words += words;
		if (cold[c])
			r->cold_words += words;
	}
}

/* vCPU 0's report=1 line: the others' counts are read as they run (each
 * word its own writer's), so a line may lag them by part of a pass */
static void report_accesses(const struct guest_env *env)
{
	uint64_t words = 0, cold_words = 0;

	for (unsigned i = 0; i < env->ncpus; i++) {
		words += __atomic_load_n(&results[i].words, __ATOMIC_RELAXED);
		cold_words += __atomic_load_n(&results[i].cold_words, __ATOMIC_RELAXED);
	}
	printf("integrity: accesses hot=%lu cold=%lu\n", words - cold_words, cold_words);
}

int program_main(struct guest_env *env, unsigned cpu)
{
	uint64_t seconds = env_arg_u64(env, "seconds", 5);
	uint64_t passes = env_arg_u64(env, "passes", 0);
	uint64_t end = rdtsc() + seconds * 1000 * tsc_khz(env);
	uint64_t report = cpu == 0 && env_arg_u64(env, "report", 0) ? tsc_khz(env) * 1000 : 0;
	uint64_t next_report = rdtsc() + report;
	struct result *r = &results[cpu], total = { 0 };

	if (cpu == 0) {
		printf("integrity: %u vCPUs over %u frames, %s\n", env->ncpus, env->nframes,
		       passes ? "fixed passes" : "timed");
		assign_owners(env);
	}
	cpu_barrier(); /* owners known before anyone writes */
	/* pass 0 only writes (memory starts as zero) */
	for (uint64_t seq = 0; !stop; seq++) {
		pass(env, cpu, seq, false, r);
		r->passes++;
		if (report && rdtsc() >= next_report) {
			report_accesses(env);
			next_report = rdtsc() + report;
		}
		if (r->mismatches || (passes ? r->passes >= passes : rdtsc() >= end) ||
		    (cpu == 0 && console_input()))
			stop = 1;
	}
	/* final check of what the last pass wrote */
	pass(env, cpu, r->passes, true, r);
	if (r->mismatches)
		printf("integrity: vCPU %u: MISMATCH at 0x%lx (frame %lu) pass %lu: expected 0x%016lx found 0x%016lx\n",
		       cpu, r->first_gpa, gpa_frame(r->first_gpa), r->pass,
		       r->expected, r->found);
	cpu_barrier();
	if (cpu != 0)
		return r->mismatches ? GUEST_FAIL : GUEST_PASS;
	for (unsigned i = 0; i < env->ncpus; i++) {
		total.passes += results[i].passes;
		total.words += results[i].words;
		total.mismatches += results[i].mismatches;
	}
	printf("integrity: %lu passes, %lu MiB written, %lu mismatches\n",
	       total.passes, total.words >> 17, total.mismatches);
	printf("%s\n", total.mismatches ? "FAIL" : "PASS");
	return total.mismatches ? GUEST_FAIL : GUEST_PASS;
}
