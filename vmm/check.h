/* check.h - `frameshift check`: can `frameshift run` work here? */
#ifndef FRAMESHIFT_VMM_CHECK_H
#define FRAMESHIFT_VMM_CHECK_H

#include "vmm/cli.h"

/* Probe every requirement of `run` with cfg, print one line each; 0 if all
 * are met, else EXIT_OSERR. */
int check_main(const struct vm_config *cfg);

#endif
