/* control_cmds.c - commands for tests of the control server alone (see
 * control_cmds.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "vmm/control/server.h"
#include "tests/control_cmds.h"

static int cmd_info(struct control_req *r)
{
	struct control_server **srv = r->priv;
	struct control_stats st;

	control_server_stats(*srv, &st);
	json_add_int(r->reply, "clients", st.clients);
	return 0;
}

static int cmd_big(struct control_req *r)
{
	int64_t bytes;
	char *s;

	if (control_arg_int(r, "bytes", 0, 0, 64 << 20, &bytes) < 0)
		return -1;
	if (!(s = malloc((size_t)bytes + 1)))
		return control_error(r, "out of memory");
	memset(s, 'x', (size_t)bytes);
	s[bytes] = '\0';
	json_add_str(r->reply, "data", s);
	free(s);
	return 0;
}

static int cmd_sleep(struct control_req *r)
{
	int64_t ms;

	if (control_arg_int(r, "ms", 0, 0, 10000, &ms) < 0)
		return -1;
	usleep((useconds_t)ms * 1000);
	return 0;
}

static const struct control_arg big_args[] = { { "bytes", json_type_int }, { NULL } };
static const struct control_arg sleep_args[] = { { "ms", json_type_int }, { NULL } };

const struct control_cmd test_control_cmds[] = {
	{ "info", NULL, cmd_info },
	{ "big", big_args, cmd_big },
	{ "sleep", sleep_args, cmd_sleep },
	{ NULL },
};

int test_control_connect(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int err = errno;

		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}
