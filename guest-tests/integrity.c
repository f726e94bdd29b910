/* integrity - every vCPU keeps rewriting and checking all of free guest
 * memory while the host moves frames under it. The words of each frame are
 * dealt out among the vCPUs (word i belongs to vCPU i % ncpus), so every vCPU
 * writes every frame without racing the others. Each pass checks that every
 * word still holds the previous pass's pattern and writes the next one: a lost
 * or misplaced write shows as a mismatch, reported with its frame.
 * bootargs: seconds=N (default 5) or passes=N; seed=N. */
#include "guest.h"
#include "tsc.h"

struct result {
	uint64_t passes, words, mismatches;
	uint64_t first_gpa, expected, found, pass;
} __attribute__((aligned(64)));

static struct result results[GUEST_MAX_CPUS];
static volatile int stop;

static inline uint64_t pattern(uint64_t gpa, uint64_t seq)
{
	uint64_t x = gpa ^ (seq * 0x9e3779b97f4a7c15ULL);

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* One pass over this vCPU's words of every chunk: check seq-1, write seq. */
static void pass(const struct guest_env *env, unsigned cpu, uint64_t seq, struct result *r)
{
	for (unsigned c = 0; c < env->nchunks; c++) {
		uint64_t *p = (uint64_t *)env->chunks[c].gpa + cpu;
		uint64_t *end = (uint64_t *)(env->chunks[c].gpa + env->chunks[c].size);

		for (; p < end; p += env->ncpus) {
			uint64_t want = seq ? pattern((uint64_t)p, seq - 1) : 0;

			if (seq && *p != want && !r->mismatches++) {
				r->first_gpa = (uint64_t)p;
				r->expected = want;
				r->found = *p;
				r->pass = seq;
			}
			*p = pattern((uint64_t)p, seq);
			r->words++;
		}
	}
}

int program_main(struct guest_env *env, unsigned cpu)
{
	uint64_t seconds = env_arg_u64(env, "seconds", 5);
	uint64_t passes = env_arg_u64(env, "passes", 0);
	uint64_t end = rdtsc() + seconds * 1000 * tsc_khz(env);
	struct result *r = &results[cpu], total = { 0 };

	if (cpu == 0)
		printf("integrity: %u vCPUs over %u frames, %s\n", env->ncpus, env->nframes,
		       passes ? "fixed passes" : "timed");
	/* pass 0 only writes (memory starts as zero) */
	for (uint64_t seq = 0; !stop; seq++) {
		pass(env, cpu, seq, r);
		r->passes++;
		if (r->mismatches || (passes ? r->passes >= passes : rdtsc() >= end))
			stop = 1;
	}
	/* final check of what the last pass wrote */
	pass(env, cpu, r->passes, r);
	if (r->mismatches)
		printf("integrity: vCPU %u: MISMATCH at 0x%lx (frame %lu) pass %lu: expected 0x%016lx found 0x%016lx\n",
		       cpu, r->first_gpa, r->first_gpa >> GUEST_FRAME_SHIFT, r->pass,
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
