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
 * Returns 1 if a hugepage went back to the host; 0 if the frame is ballooned
 * but none did (a degraded frame's ordinary pages went; a --no-prealloc frame
 * the guest never touched had none; the host kept the page); -EBUSY
 * (isolated or migrating: try later), -EINVAL (not MAPPED). */
int frame_reclaim(struct migrator *m, uint32_t idx, const struct frame_ops *ops, void *owner);

/* BALLOONED -> MAPPED: a fresh zeroed page mapped at the frame's guest
 * address; the owner is cleared. The page comes from the frame's node pool,
 * else any node's (restores may take the pools' reserve), else, with no
 * hugepage anywhere, from ordinary 4 KiB pages (the frame is then degraded,
 * counted, and moved back onto a hugepage by migrator_tick once its pool has
 * one). Returns 0, -EINVAL (not BALLOONED) or -errno (not even ordinary
 * pages: the frame stays BALLOONED). */
int frame_restore(struct migrator *m, uint32_t idx);

/* The uffd reader's half: the guest touched ballooned frame idx. Restore it
 * as frame_restore does and wake the waiters. The owner's putback runs once,
 * under the frame table lock, after the page is mapped (a failed map leaves
 * the owner as it was), so no restore or reclaim of the owner's can fall in
 * between. putback must therefore neither take that lock nor touch the
 * frame's guest memory (the reader would wait on itself). Returns 0 (restored,
 * or 1 if it was no longer ballooned: only woken) or -errno (the reader
 * retries). */
int frame_fault_restore(struct migrator *m, uint32_t idx);

/* Wait for a touch's restore in progress to finish telling its owner. From
 * the map on a vCPU may use the frame before putback has run; an owner that
 * acts on a guest request (which comes after that use) and finds a frame
 * still ballooned calls this first and looks again. */
void frame_restores_settle(struct migrator *m);

/* Map frame f's current backing (its pool page, or its ordinary pages if it
 * is degraded) at its guest address. */
int frame_map_backing(struct migrator *m, struct frame *f);
/* Give a degraded frame's ordinary pages back (it has left them). */
void frame_drop_small_pages(struct migrator *m, uint32_t idx);

#endif
