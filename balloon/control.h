/* control.h - the balloon's part of the control socket (docs/control-api.md,
 * "balloon" and "balloon-stats"): vmm/control.c checks the arguments against
 * its table and hands the request here. */
#ifndef FRAMESHIFT_BALLOON_CONTROL_H
#define FRAMESHIFT_BALLOON_CONTROL_H

#include <stddef.h>

struct vm;
struct balloon;
struct json_object;

#define BALLOON_DEVICE_NAME "virtio-balloon"

/* The VM's balloon, or NULL when the binary has none (the unit tests). */
struct balloon *balloon_of_vm(struct vm *vm);

/* cmd is "balloon" (optional "set": guest memory size such as "192M";
 * "since": only events after this sequence number) or "balloon-stats"
 * (optional "wait_ms": wait up to that long for fresh guest statistics).
 * Adds the results to reply; -1 with a message in err on a bad request. */
int balloon_control(struct balloon *b, const char *cmd, struct json_object *args,
		    struct json_object *reply, char *err, size_t errlen);

/* One log line with what the balloon did (at exit). */
void balloon_log_summary(struct balloon *b);

#endif
