/* control.h - the balloon's part of the control socket (docs/control-api.md,
 * "balloon" and "balloon-stats"). balloon/device.c registers the table with
 * the balloon as its priv. */
#ifndef FRAMESHIFT_BALLOON_CONTROL_H
#define FRAMESHIFT_BALLOON_CONTROL_H

#include "lib/command.h"

struct balloon;

/* "balloon" (optional "set": guest memory size such as "192M"; "since": only
 * events after this sequence number; or "action" set/stats with a "value")
 * and "balloon-stats" (optional "wait_ms": wait up to that long for fresh
 * guest statistics). */
extern const struct control_cmd balloon_commands[];

/* One log line with what the balloon did (at exit). */
void balloon_log_summary(struct balloon *b);

#endif
