/* control.h - the disks' part of the control socket (docs/control-api.md,
 * "disks"). blk/device.c registers the table with a struct blk_set as its
 * priv. */
#ifndef FRAMESHIFT_BLK_CONTROL_H
#define FRAMESHIFT_BLK_CONTROL_H

#include "blk/blk.h"
#include "lib/command.h"

struct blk_set {
	unsigned n;
	struct blk *disk[BLK_MAX_DISKS];
};

/* "disks": every --disk, its requests, errors and I/O held by migration. */
extern const struct control_cmd blk_commands[];

#endif
