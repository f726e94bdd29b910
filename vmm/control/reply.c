/* reply.c - replies on the wire (see reply.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "mm/guest_mem.h"
#include "vmm/control/reply.h"

char *reply_string(struct json_object *o)
{
	return strdup(json_object_to_json_string_ext(o,
			JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

struct json_object *reply_error(const char *msg)
{
	struct json_object *o = json_object_new_object();

	json_add_bool(o, "ok", false);
	json_add_str(o, "error", msg);
	return o;
}

static int send_all(int fd, const char *s, size_t len, int flags)
{
	while (len) {
		ssize_t n = send(fd, s, len, flags | MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		s += n;
		len -= n;
	}
	return 0;
}

int send_line(int fd, char *reply, int flags)
{
	if (!reply)
		return -1;
	size_t len = strlen(reply);
	char *line = realloc(reply, len + 2);
	if (!line) {
		free(reply);
		return -1;
	}
	line[len] = '\n';
	int ret = send_all(fd, line, len + 1, flags);
	free(line);
	return ret;
}

bool reply_wants_progress(const struct control_req *r)
{
	struct json_object *v;

	return r->progress_fd >= 0 && json_object_object_get_ex(r->args, "progress", &v) &&
	       json_object_get_boolean(v);
}

void reply_progress(struct control_req *r, uint32_t done, uint32_t total)
{
	struct json_object *o = json_object_new_object(), *p = json_object_new_object();

	json_add_int(p, "done", done);
	json_add_int(p, "total", total);
	json_object_object_add(o, "progress", p);
	send_line(r->progress_fd, reply_string(o), 0);
	json_object_put(o);
}

void reply_add_nodes(struct json_object *o, const struct guest_mem *gm)
{
	json_add_int(o, "nodes", gm->nnodes);
	json_add_bool(o, "simulated", gm->simulated);
}
