/* numacheck - the nested platform's independent witness of where a running
 * frameshift keeps guest RAM. It runs inside the L1 guest (static, as root)
 * and asks the kernel, never frameshift:
 *
 *   numacheck range PID BYTES            the guest-RAM range of frameshift PID
 *   numacheck where PID BYTES            node of every 2 MiB frame, two ways:
 *                                        move_pages(2) status queries and
 *                                        /proc/PID/numa_maps
 *   numacheck kmove PID BYTES NODE       the kernel's move_pages(2) moves the
 *                                        same guest RAM to NODE (timed)
 *   numacheck memcpy BYTES FROM TO REPS  a plain memcpy of BYTES of hugetlb
 *                                        memory on node FROM into node TO
 *
 * Finding guest RAM: frameshift maps every 2 MiB frame MAP_SHARED from a
 * per-node memfd named "frameshift-node<N>" at a fixed place in one 2 MiB
 * aligned range of exactly --mem bytes. Each pool also has one whole-file
 * "view" mapping of the same memfd, so guest RAM is the run of adjacent
 * memfd:frameshift-node* mappings of 2 MiB each (hugetlb mappings never
 * merge) that adds up to BYTES; the views are single mappings of BYTES.
 *
 * A page is only visible to move_pages and numa_maps while the process has a
 * page-table entry for it, and a frame frameshift just remapped has none
 * until the guest touches it again, so every query first reads one byte of
 * each frame with process_vm_readv(2), which faults it in (a read: guest
 * writes are never held by it).
 *
 * Output is one line of KEY=VALUE words per command, for the shell.
 * Exit status: 0, or 1 on any error (with a message on stderr). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define FRAME (2UL << 20)
#define MAXNODES 64
#define MPOL_BIND 2
#define MPOL_MF_MOVE_ALL (1 << 2)
#ifndef MAP_HUGETLB
#define MAP_HUGETLB 0x40000
#endif

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("numacheck: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static unsigned long parse_size(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 0);

	switch (*end) {
	case 'G': case 'g': v <<= 30; break;
	case 'M': case 'm': v <<= 20; break;
	case 'K': case 'k': v <<= 10; break;
	case 0: break;
	default: die("bad size '%s'", s);
	}
	return v;
}

/* highest online node + 1, from sysfs */
static int node_count(void)
{
	DIR *d = opendir("/sys/devices/system/node");
	struct dirent *e;
	int max = 0;

	if (!d)
		return 1;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "node", 4) && e->d_name[4] >= '0' && e->d_name[4] <= '9') {
			int n = atoi(e->d_name + 4);

			if (n + 1 > max)
				max = n + 1;
		}
	closedir(d);
	return max ? (max > MAXNODES ? MAXNODES : max) : 1;
}

/* The guest-RAM range of frameshift PID (see the top of the file). */
static void find_range(pid_t pid, unsigned long bytes, unsigned long *startp)
{
	char path[64], line[512];
	unsigned long run_start = 0, run_end = 0;
	FILE *f;

	if (bytes < 2 * FRAME || bytes % FRAME)
		die("guest RAM size must be a multiple of 2 MiB and at least 4 MiB");
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "r");
	if (!f)
		die("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		unsigned long a, b;

		if (sscanf(line, "%lx-%lx", &a, &b) != 2)
			continue;
		if (!strstr(line, "/memfd:frameshift-node") || b - a != FRAME) {
			run_start = run_end = 0;
			continue;
		}
		if (a != run_end || !run_end)
			run_start = a;
		run_end = b;
		if (run_end - run_start == bytes && run_start % FRAME == 0) {
			fclose(f);
			*startp = run_start;
			return;
		}
	}
	fclose(f);
	die("no run of frameshift-node* frame mappings adding up to %lu MiB in %s "
	    "(is PID %d frameshift, with --mem %luM?)", bytes >> 20, path, (int)pid, bytes >> 20);
}

/* Read one byte of every frame in the target, so each has a page-table entry. */
static void prefault(pid_t pid, unsigned long start, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		char c;
		struct iovec local = { &c, 1 }, remote = { (void *)(start + i * FRAME), 1 };

		if (process_vm_readv(pid, &local, 1, &remote, 1, 0) != 1)
			die("process_vm_readv of frame %lu: %s", i, strerror(errno));
	}
}

static long sys_move_pages(pid_t pid, unsigned long n, void **pages, const int *nodes,
			   int *status, int flags)
{
	return syscall(SYS_move_pages, pid, n, pages, nodes, status, flags);
}

/* status[i] = node of frame i, or -errno */
static void query(pid_t pid, unsigned long start, unsigned long n, int *status)
{
	void **pages = calloc(n, sizeof(*pages));

	for (unsigned long i = 0; i < n; i++) {
		pages[i] = (void *)(start + i * FRAME);
		status[i] = -9999;
	}
	if (sys_move_pages(pid, n, pages, NULL, status, 0) < 0)
		die("move_pages(pid %d, query): %s", (int)pid, strerror(errno));
	free(pages);
}

/* Sum numa_maps' N<node>=<pages> over the mappings inside [start, end). */
static int numa_maps(pid_t pid, unsigned long start, unsigned long end, long *per_node)
{
	char path[64], line[1024];
	FILE *f;
	int vmas = 0;

	snprintf(path, sizeof(path), "/proc/%d/numa_maps", (int)pid);
	f = fopen(path, "r");
	if (!f)
		die("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		unsigned long a = strtoul(line, NULL, 16), kb = 4;
		char *p;

		if (a < start || a >= end)
			continue;
		vmas++;
		if ((p = strstr(line, "kernelpagesize_kB=")))
			kb = strtoul(p + 18, NULL, 10);
		for (p = line; (p = strstr(p, " N")); p++) {
			int node;
			long pages;

			if (sscanf(p, " N%d=%ld", &node, &pages) == 2 && node >= 0 && node < MAXNODES)
				per_node[node] += pages * (long)kb / (long)(FRAME >> 10);
		}
	}
	fclose(f);
	return vmas;
}

static char node_char(int st)
{
	return st >= 0 && st < 16 ? "0123456789abcdef"[st] : '?';
}

static int cmd_where(pid_t pid, unsigned long bytes)
{
	unsigned long start, n = bytes / FRAME;
	int *status = calloc(n, sizeof(int)), nodes = node_count(), bad = 0;
	long mp[MAXNODES] = { 0 }, nm[MAXNODES] = { 0 };
	char *map = calloc(n + 1, 1);
	int vmas;

	find_range(pid, bytes, &start);
	prefault(pid, start, n);
	query(pid, start, n, status);
	vmas = numa_maps(pid, start, start + bytes, nm);
	for (unsigned long i = 0; i < n; i++) {
		map[i] = node_char(status[i]);
		if (status[i] >= 0 && status[i] < MAXNODES)
			mp[status[i]]++;
		else
			bad++;
	}
	printf("range=0x%lx-0x%lx frames=%lu map=%s move_pages=", start, start + bytes, n, map);
	for (int i = 0; i < nodes; i++)
		printf("%s%ld", i ? "," : "", mp[i]);
	printf(" numa_maps=");
	for (int i = 0; i < nodes; i++)
		printf("%s%ld", i ? "," : "", nm[i]);
	printf(" vmas=%d errors=%d\n", vmas, bad);
	for (unsigned long i = 0; i < n && bad; i++)
		if (status[i] < 0)
			fprintf(stderr, "numacheck: frame %lu: move_pages status %s\n", i, strerror(-status[i]));
	return 0;
}

static int cmd_kmove(pid_t pid, unsigned long bytes, int node)
{
	unsigned long start, n = bytes / FRAME, on = 0;
	void **pages = calloc(n, sizeof(*pages));
	int *nodes = calloc(n, sizeof(int)), *status = calloc(n, sizeof(int));
	long ret;
	double t;

	find_range(pid, bytes, &start);
	prefault(pid, start, n);
	for (unsigned long i = 0; i < n; i++) {
		pages[i] = (void *)(start + i * FRAME);
		nodes[i] = node;
		status[i] = -9999;
	}
	t = now();
	/* MOVE_ALL: a pool page is mapped twice (frame and view) */
	ret = sys_move_pages(pid, n, pages, nodes, status, MPOL_MF_MOVE_ALL);
	t = now() - t;
	if (ret < 0)
		die("move_pages(pid %d, %lu frames to node %d): %s", (int)pid, n, node, strerror(errno));
	/* the move's own status array says where each page ended up; check it */
	query(pid, start, n, status);
	for (unsigned long i = 0; i < n; i++)
		on += status[i] == node;
	printf("to_node=%d frames=%lu on_node=%lu not_moved=%ld bytes=%lu seconds=%.6f gib_per_s=%.3f\n",
	       node, n, on, ret, bytes, t, (double)bytes / (1UL << 30) / t);
	return on == n ? 0 : 1;
}

static void *alloc_on(unsigned long bytes, int node)
{
	unsigned long mask = 1UL << node;
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);

	if (p == MAP_FAILED)
		die("mmap %lu MiB of hugetlb: %s", bytes >> 20, strerror(errno));
	if (syscall(SYS_mbind, p, bytes, MPOL_BIND, &mask, 64UL, 0U) < 0)
		die("mbind node %d: %s", node, strerror(errno));
	memset(p, 0x5a, bytes);
	return p;
}

static int cmd_memcpy(unsigned long bytes, int from, int to, int reps)
{
	char *src = alloc_on(bytes, from), *dst = alloc_on(bytes, to);
	int st[2] = { -1, -1 };
	void *pg[2] = { src, dst };
	double best = 1e9, sum = 0;

	syscall(SYS_move_pages, 0, 2UL, pg, NULL, st, 0);
	if (st[0] != from || st[1] != to)
		die("buffers landed on nodes %d and %d, not %d and %d", st[0], st[1], from, to);
	for (int r = 0; r < reps; r++) {
		double t = now();

		memcpy(dst, src, bytes);
		t = now() - t;
		sum += t;
		if (t < best)
			best = t;
		src[r] ^= 1; /* keep the copies from being folded together */
	}
	printf("from=%d to=%d bytes=%lu reps=%d seconds=%.6f gib_per_s=%.3f best_gib_per_s=%.3f\n",
	       from, to, bytes, reps, sum / reps, (double)bytes / (1UL << 30) / (sum / reps),
	       (double)bytes / (1UL << 30) / best);
	return 0;
}

int main(int argc, char **argv)
{
	const char *usage = "usage: numacheck range|where PID BYTES | kmove PID BYTES NODE | "
			    "memcpy BYTES FROM TO REPS";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 3)
		die("%s", usage);
	if (!strcmp(argv[1], "range") && argc == 4) {
		unsigned long start, bytes = parse_size(argv[3]);

		find_range(atoi(argv[2]), bytes, &start);
		printf("range=0x%lx-0x%lx frames=%lu\n", start, start + bytes, bytes / FRAME);
		return 0;
	}
	if (!strcmp(argv[1], "where") && argc == 4)
		return cmd_where(atoi(argv[2]), parse_size(argv[3]));
	if (!strcmp(argv[1], "kmove") && argc == 5)
		return cmd_kmove(atoi(argv[2]), parse_size(argv[3]), atoi(argv[4]));
	if (!strcmp(argv[1], "memcpy") && argc == 6)
		return cmd_memcpy(parse_size(argv[2]), atoi(argv[3]), atoi(argv[4]), atoi(argv[5]));
	die("%s", usage);
}
