/* tsc.h - time at CPL3: the VMM puts the TSC frequency in the device tree
 * (/chosen frameshift,tsc-khz), so programs can turn rdtsc into seconds. */
#ifndef FRAMESHIFT_GUEST_TSC_H
#define FRAMESHIFT_GUEST_TSC_H

#include <libfdt.h>

#include "guest.h"

/* TSC ticks per millisecond; panics if the VMM did not say. */
static inline uint64_t tsc_khz(const struct guest_env *env)
{
	int len, off = fdt_path_offset(env->fdt, "/chosen");
	const fdt32_t *p = off < 0 ? NULL : fdt_getprop(env->fdt, off, "frameshift,tsc-khz", &len);

	if (!p || len != sizeof(*p) || !fdt32_to_cpu(*p))
		panic("no /chosen frameshift,tsc-khz in the device tree\n");
	return fdt32_to_cpu(*p);
}

#endif
