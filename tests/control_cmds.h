/* control_cmds.h - for tests of the control server: a connection to it, and
 * commands for tests of the server alone (check_server, fuzz_server), which
 * knows none of its own. Register test_control_cmds with priv = the address
 * of the server's pointer.
 *   info   {"clients": N}: the server's connection count
 *   big    {"data": "xx..."}, "bytes" of it: a reply past any socket buffer
 *   sleep  takes "ms" (at most 10000) to answer: a command that runs long */
#ifndef FRAMESHIFT_TESTS_CONTROL_CMDS_H
#define FRAMESHIFT_TESTS_CONTROL_CMDS_H

#include "lib/command.h"

extern const struct control_cmd test_control_cmds[];

/* A new blocking connection to the socket at path; -1 with errno set. */
int test_control_connect(const char *path);

#endif
