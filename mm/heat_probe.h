/* heat_probe.h - can this host see a guest's reads of hugetlb memory?
 *
 * Dirty rings show writes only. The way to see reads (issue 16): drop a
 * frame's page-table entries with MADV_DONTNEED on its MAP_SHARED hugetlb
 * mapping (the page stays in the pool file), so the next access of either
 * kind raises a userfaultfd *minor* fault; the handler notes the access and
 * maps the page back with UFFDIO_CONTINUE. Guest RAM is also registered for
 * write-protect (migration's entry) and its ballooned frames for MISSING
 * faults, all on the migrator's one userfaultfd. heat_probe_reads tries the
 * whole sequence on one spare hugepage, with a second thread as the guest:
 * minor fault on a read, CONTINUE, contents intact; write-protect fault on
 * a write to the same range (registered MINOR|WP); a MISSING fault on an
 * anonymous page beside it; a minor fault on a write after another
 * DONTNEED, and the write lands in the file. `frameshift check` reports it. */
#ifndef FRAMESHIFT_MM_HEAT_PROBE_H
#define FRAMESHIFT_MM_HEAT_PROBE_H

#include <stddef.h>

/* 0: it works; -1: it does not, and why (a step and the error); 1: cannot
 * tell (no free hugepage to try it on). */
int heat_probe_reads(char *why, size_t len);

#endif
