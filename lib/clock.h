/* clock.h - the one clock: monotonic, so a host clock change never shows up
 * as a stall or a negative duration. */
#ifndef FRAMESHIFT_LIB_CLOCK_H
#define FRAMESHIFT_LIB_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* seconds, for durations printed to people */
static inline double now_monotonic(void)
{
	return (double)now_ns() * 1e-9;
}

static inline int64_t now_ms(void)
{
	return (int64_t)(now_ns() / 1000000u);
}

#endif
