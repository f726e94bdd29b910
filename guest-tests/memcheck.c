/* memcheck - write an address- and seed-dependent pattern to every 8-byte word
 * of free memory, read it all back, and count mismatches. The frames are
 * dealt out among the vCPUs. bootargs: seed=N (default below). */
#include "guest.h"

struct result {
	uint64_t bytes, mismatches;
	uint64_t first_gpa, expected, found;
} __attribute__((aligned(64)));

static struct result results[GUEST_MAX_CPUS];

/* A cheap mix (splitmix64's finalizer) so that neighbouring words, frames
 * and seeds all differ. */
static inline uint64_t pattern(uint64_t gpa, uint64_t seed)
{
	uint64_t x = gpa ^ seed;

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static void fill(const struct mem_chunk *c, uint64_t seed)
{
	uint64_t *p = (uint64_t *)c->gpa, *end = (uint64_t *)(c->gpa + c->size);

	for (; p < end; p++)
		*p = pattern((uint64_t)p, seed);
}

static void verify(const struct mem_chunk *c, uint64_t seed, struct result *r)
{
	const uint64_t *p = (const uint64_t *)c->gpa;
	const uint64_t *end = (const uint64_t *)(c->gpa + c->size);

	for (; p < end; p++) {
		uint64_t want = pattern((uint64_t)p, seed);

		if (*p == want)
			continue;
		if (!r->mismatches++) {
			r->first_gpa = (uint64_t)p;
			r->expected = want;
			r->found = *p;
		}
	}
	r->bytes += c->size;
}

int program_main(struct guest_env *env, unsigned cpu)
{
	uint64_t seed = env_arg_u64(env, "seed", 0x6a09e667f3bcc908ULL);
	struct result *r = &results[cpu], total = { 0 };
	unsigned first, end, i;

	env_cpu_chunks(env, cpu, &first, &end);
	for (i = first; i < end; i++)
		fill(&env->chunks[i], seed);
	cpu_barrier();	/* all written before anyone reads (also a compiler barrier) */
	for (i = first; i < end; i++)
		verify(&env->chunks[i], seed, r);
	if (r->mismatches)
		printf("memcheck: vCPU %u: %lu mismatches, first at 0x%lx (frame %lu): expected 0x%016lx found 0x%016lx\n",
		       cpu, r->mismatches, r->first_gpa, gpa_frame(r->first_gpa),
		       r->expected, r->found);
	cpu_barrier();

	if (cpu != 0)
		return r->mismatches ? GUEST_FAIL : GUEST_PASS;
	for (i = 0; i < env->ncpus; i++) {
		total.bytes += results[i].bytes;
		total.mismatches += results[i].mismatches;
	}
	printf("memcheck: %u frames, %lu MiB checked, %lu mismatches\n",
	       env->nframes, total.bytes >> 20, total.mismatches);
	if (total.mismatches || !env->nframes) {
		printf("FAIL\n");
		return GUEST_FAIL;
	}
	printf("PASS\n");
	return GUEST_PASS;
}
