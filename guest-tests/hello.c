/* hello - every vCPU says hello; vCPU 0 first shows what the runtime found.
 * bootargs: exit=N makes the run end with status N (to test exit codes). */
#include "guest.h"

int program_main(struct guest_env *env, unsigned cpu)
{
	unsigned i;

	if (cpu == 0) {
		printf("bootargs: \"%s\"\n", env->bootargs);
		for (i = 0; i < env->nmem; i++)
			printf("memory: 0x%09lx size 0x%09lx node %u\n",
			       env->mem[i].start, env->mem[i].size, env->mem[i].node);
		printf("free: %lu KiB in %u ranges, %u frames; fdt cpus %u, simulated nodes %u\n",
		       env->free_bytes >> 10, env->nfree, env->nframes,
		       env->fdt_cpus, env->sim_nodes);
	}
	cpu_barrier();	/* the hellos come after the summary */
	printf("hello from vCPU %u of %u\n", cpu, env->ncpus);
	return cpu == 0 ? (int)env_arg_u64(env, "exit", GUEST_PASS) : GUEST_PASS;
}
