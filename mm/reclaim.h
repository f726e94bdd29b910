/* reclaim.h - give a guest frame's host page back (balloon inflate) and put a
 * fresh one back (deflate, or the guest touching the frame). mm/ knows nothing
 * of virtio: the balloon calls these for frames whose every 4 KiB page the
 * guest has given up. */
#ifndef FRAMESHIFT_MM_RECLAIM_H
#define FRAMESHIFT_MM_RECLAIM_H

#include <stdint.h>

#include "mm/frame.h"
#include "mm/migrate.h"

/* MAPPED -> BALLOONED: unmap the frame from the guest, punch its page out of
 * the pool (the host's free hugepage count rises) and record ops/owner as the
 * frame's owner. The guest range then traps: a guest access puts the frame
 * back (frame_fault_restore), telling the owner through ops->putback.
 * Returns 0, -EBUSY (isolated or migrating: try later), -EINVAL (not MAPPED). */
int frame_reclaim(struct migrator *m, uint32_t idx, const struct frame_ops *ops, void *owner);

/* BALLOONED -> MAPPED: a fresh zeroed page from the frame's node pool, mapped
 * at the frame's guest address; the owner is cleared. Returns 0, -EINVAL (not
 * BALLOONED) or -ENOMEM (the pool cannot give a page). */
int frame_restore(struct migrator *m, uint32_t idx);

/* The uffd reader's half: the guest touched ballooned frame idx. Restore it
 * and wake the waiters. The owner's putback runs once, under the frame table
 * lock, after a page is found and before it is mapped, so no vCPU can use the
 * frame before the owner knows it is back, and no restore or reclaim of the
 * owner's can fall in between. putback must therefore neither take that lock
 * nor touch the frame's guest memory (the reader would wait on itself).
 * -ENOMEM if no node can give a page (the reader retries). */
int frame_fault_restore(struct migrator *m, uint32_t idx);

#endif
