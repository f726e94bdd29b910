/* heat_sample.h - seeing guest reads (mm/heat_probe.h says how, and
 * whether this host can): each period the tiering policy samples the next
 * few frames in turn. A sampled frame's guest range is registered for
 * userfaultfd minor faults and its page-table entries dropped
 * (MADV_DONTNEED; the page stays in its pool file, KVM's MMU notifier drops
 * the guest's mappings); the guest's next access of either kind faults, the
 * migrator's reader tells the owner (migrator.access) and maps the page back
 * with UFFDIO_CONTINUE. One fault per sampled frame per turn.
 *
 * Migration and ballooning replace or re-register a frame's range: a
 * registration of the same userfaultfd replaces the modes, a new mapping
 * has none. So only MAPPED, non-degraded hugetlb frames are sampled, under
 * the frame table lock (no move or reclaim is under way on them), and a
 * minor fault that arrives after the frame was taken for one (CONTINUE
 * refused) only wakes the waiter, which faults again on what is there now. */
#ifndef FRAMESHIFT_MM_HEAT_SAMPLE_H
#define FRAMESHIFT_MM_HEAT_SAMPLE_H

#include <stdbool.h>
#include <stdint.h>

#include "mm/migrate.h"

/* Sample up to n frames from *cursor on (wrapping; *cursor moves past
 * them). Returns how many were armed; 0 if the migrator has no minor
 * faults. */
uint32_t heat_sample_next(struct migrator *m, uint32_t *cursor, uint32_t n);
/* The reader's half: a minor fault on frame idx (write: a write access). */
void heat_sample_fault(struct migrator *m, uint32_t idx, bool write);

#endif
