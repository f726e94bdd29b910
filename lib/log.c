/* log.c - logging (see log.h). */
#include <stdio.h>

#include "lib/log.h"

bool log_verbose;

static void vlog(const char *fmt, va_list ap)
{
	char buf[1024];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	fprintf(stderr, "frameshift: %s\n", buf);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

void vlog_limited(uint64_t *counter, const char *prefix, const char *fmt, va_list ap)
{
	char msg[512];

	if ((*counter)++ >= LOG_LIMITED)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	log_info("%s%s%s", prefix, msg, *counter == LOG_LIMITED ? " (no more of these logged)" : "");
}

void log_limited(uint64_t *counter, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog_limited(counter, "", fmt, ap);
	va_end(ap);
}
