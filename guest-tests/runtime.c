/* runtime.c - the CPL3 side of start-up and shutdown: vCPU 0 reads the device
 * tree, every vCPU runs program_main(), and vCPU 0 reports the result. */
#pragma GCC target("general-regs-only")	/* guest_exit() also runs at CPL0 */

#include "runtime.h"

static struct guest_env env;
static int env_ready;
static int result;		/* the first non-zero program_main() return */
static unsigned finished;	/* vCPUs back from program_main() */
static unsigned barrier_count, barrier_gen;

void guest_main_cpu(unsigned cpu)
{
	int ret, none = 0;

	/* Parsed at CPL3, where it runs natively. */
	if (cpu == 0) {
		env_init(&env, (const void *)boot_fdt, boot_ncpus);
		__atomic_store_n(&env_ready, 1, __ATOMIC_RELEASE);
	} else {
		while (!__atomic_load_n(&env_ready, __ATOMIC_ACQUIRE))
			cpu_relax();
	}

	ret = program_main(&env, cpu);
	if (ret)
		__atomic_compare_exchange_n(&result, &none, ret, false,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
	__atomic_add_fetch(&finished, 1, __ATOMIC_RELEASE);
	if (cpu != 0)
		halt_forever();
	while (__atomic_load_n(&finished, __ATOMIC_ACQUIRE) < env.ncpus)
		cpu_relax();
	guest_exit(__atomic_load_n(&result, __ATOMIC_RELAXED));
}

void cpu_barrier(void)
{
	unsigned gen = __atomic_load_n(&barrier_gen, __ATOMIC_ACQUIRE);

	if (__atomic_add_fetch(&barrier_count, 1, __ATOMIC_ACQ_REL) == env.ncpus) {
		__atomic_store_n(&barrier_count, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&barrier_gen, gen + 1, __ATOMIC_RELEASE);
		return;
	}
	while (__atomic_load_n(&barrier_gen, __ATOMIC_ACQUIRE) == gen)
		cpu_relax();
}

void guest_exit(int code)
{
	/* The VMM keeps the low 8 bits: a failure must not wrap to 0. */
	if (code && !(code & 0xff))
		code = GUEST_FAIL;
	outl(FS_PORT_DEBUG_EXIT, code);
	halt_forever();
}

void panic(const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("PANIC on vCPU %u: %s\n", this_cpu(), msg);
	guest_exit(GUEST_EXIT_PANIC);
}

/* libfdt is built with -fstack-protector. */
void __stack_chk_fail(void)
{
	panic("stack protector: stack smashed");
}
