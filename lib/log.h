/* log.h - messages to stderr, and the one rate-limited logger. */
#ifndef FRAMESHIFT_LIB_LOG_H
#define FRAMESHIFT_LIB_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

extern bool log_verbose;

/* Messages to stderr prefixed "frameshift: "; debug only with --verbose. */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* For an error that can repeat without bound (a guest can cause one as often
 * as it likes): each kind has its own counter, which counts every one, and
 * only the first LOG_LIMITED of a kind are logged. */
#define LOG_LIMITED 8
void log_limited(uint64_t *counter, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vlog_limited(uint64_t *counter, const char *prefix, const char *fmt, va_list ap);

#endif
