/* stall - a tight CPL3 loop that reads the TSC and stores to one frame, and
 * records the largest gap between two iterations: how long the host held
 * this vCPU (a migration entry on the frame it writes, exits, preemption).
 * bootargs: seconds=N (default 5); frame=N, the 2 MiB frame it writes
 * (default: the last one); gap_us=N (default 20): gaps longer than this are
 * counted and summed, so that moves' share of the guest's lost time can be
 * told from the host's noise by comparing runs. Prints the longest gap in
 * TSC ticks and microseconds, the count and sum of the long ones, and the
 * run's length.
 * A byte on COM1 (frameshift's stdin) ends the run early: how a host that is
 * done moving frames ends it, however slowly it ran. vCPU 0 looks for one
 * every 2^20 iterations, and that look (an exit) is not counted as a gap. */
#include "guest.h"
#include "tsc.h"

#define INPUT_CHECK_MASK ((1u << 20) - 1)

static volatile int stop;

/* Is [gpa, gpa+len) inside one free chunk? */
static bool is_free(const struct guest_env *env, uint64_t gpa, uint64_t len)
{
	for (unsigned i = 0; i < env->nchunks; i++)
		if (gpa >= env->chunks[i].gpa && gpa + len <= env->chunks[i].gpa + env->chunks[i].size)
			return true;
	return false;
}

int program_main(struct guest_env *env, unsigned cpu)
{
	uint64_t khz = tsc_khz(env);
	uint64_t last = env->nchunks ? gpa_frame(env->chunks[env->nchunks - 1].gpa) : 0;
	uint64_t frame = env_arg_u64(env, "frame", last);
	/* one cache line per vCPU at the start of the frame */
	volatile uint64_t *target = (volatile uint64_t *)(frame_gpa(frame) + 64 * cpu);
	uint64_t gap_us = env_arg_u64(env, "gap_us", 20), long_gap = gap_us * khz / 1000;
	uint64_t start, end, prev, max_gap = 0, iters = 0, long_gaps = 0, long_sum = 0;

	if (!is_free(env, frame_gpa(frame), 64 * env->ncpus))
		panic("stall: frame %lu is not free guest RAM\n", frame);
	if (cpu == 0)
		printf("stall: writing frame %lu\n", frame);
	cpu_barrier();
	start = prev = rdtsc();
	end = prev + env_arg_u64(env, "seconds", 5) * 1000 * khz;
	while (prev < end && !stop) {
		uint64_t now = rdtsc();

		*target = now;
		if (now - prev > max_gap)
			max_gap = now - prev;
		if (now - prev > long_gap) {
			long_gaps++;
			long_sum += now - prev;
		}
		prev = now;
		iters++;
		if (cpu == 0 && !(iters & INPUT_CHECK_MASK)) {
			stop = console_input();
			prev = rdtsc();
		}
	}
	printf("stall: vCPU %u: %lu iterations, max gap %lu ticks = %lu us; "
	       "%lu gaps over %lu us, %lu us in all, in %lu ms\n",
	       cpu, iters, max_gap, max_gap * 1000 / khz, long_gaps, gap_us,
	       long_sum * 1000 / khz, (prev - start) / khz);
	return GUEST_PASS;
}
