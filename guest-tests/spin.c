/* spin - keep every vCPU busy at CPL3 until the host ends the VM, or for
 * seconds=N (0, the default, is forever). For demos and control-socket tests. */
#include "guest.h"
#include "tsc.h"

int program_main(struct guest_env *env, unsigned cpu)
{
	uint64_t seconds = env_arg_u64(env, "seconds", 0);
	uint64_t end = rdtsc() + seconds * 1000 * tsc_khz(env);

	if (cpu == 0)
		printf("spin: %u vCPUs, %s\n", env->ncpus, seconds ? "until time is up" : "until stopped");
	while (!seconds || rdtsc() < end)
		cpu_relax();
	return GUEST_PASS;
}
