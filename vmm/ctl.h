/* ctl.h - `frameshift ctl SOCKET COMMAND [ARGS]`, the control-socket client. */
#ifndef FRAMESHIFT_VMM_CTL_H
#define FRAMESHIFT_VMM_CTL_H

/* argv[0] is "ctl". Returns the process exit status. */
int ctl_main(int argc, char **argv);

#endif
