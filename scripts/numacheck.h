/* numacheck.h - what numacheck.c (the kernel's view) shares with
 * numacheck-verify.c (that view against frameshift's own). */
#ifndef FRAMESHIFT_SCRIPTS_NUMACHECK_H
#define FRAMESHIFT_SCRIPTS_NUMACHECK_H

#include <sys/types.h>

#define FRAME (2UL << 20)
#define MAXNODES 64

/* Where the kernel keeps frameshift's guest RAM (numacheck where). */
struct kernel_view {
	unsigned long start, frames;
	int nodes;                /* online nodes, from sysfs */
	char *map;                /* node digit per frame; '?' where move_pages failed */
	int *status;              /* move_pages status per frame: node or -errno */
	long move_pages[MAXNODES]; /* frames per node, by move_pages */
	long numa_maps[MAXNODES];  /* frames per node, by /proc/PID/numa_maps */
	int vmas, errors;         /* numa_maps mappings read; frames with no node */
};

/* Faults each frame in (a read, see numacheck.c) and asks the kernel where it
 * is; dies on an error. The caller frees map and status. */
void kernel_where(pid_t pid, unsigned long bytes, struct kernel_view *kv);
/* "N0,N1,..." (malloc'ed) */
char *format_counts(const long *per_node, int nodes);
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* numacheck verify PID SOCK [--map ERE] [--counts N,N,...] */
int cmd_verify(pid_t pid, const char *sock, int argc, char **argv);

#endif
