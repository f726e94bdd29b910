/* util.h - logging and small helpers shared by the VMM. */
#ifndef FRAMESHIFT_VMM_UTIL_H
#define FRAMESHIFT_VMM_UTIL_H

#include <stdbool.h>
#include <stdint.h>

extern bool log_verbose;

/* Messages to stderr prefixed "frameshift: "; debug only with --verbose. */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A guest-caused bad event: counted by the caller, logged at most a few
 * times per call site so a hostile guest cannot flood the log. */
#define log_guest_error(counter, ...)                                       \
	do {                                                                \
		if ((counter)++ < 8)                                        \
			log_info(__VA_ARGS__);                              \
	} while (0)

double now_monotonic(void);

#endif
