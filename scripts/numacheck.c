/* numacheck - an independent witness of where a running frameshift keeps
 * guest RAM. It asks the kernel, never frameshift. The nested platform runs
 * it inside the L1 guest (built with gcc -static, as root); the host's KVM
 * tests run it as scripts/numacheck:
 *
 *   numacheck range PID BYTES            the guest-RAM range of frameshift PID
 *   numacheck where PID BYTES            node of every 2 MiB frame, two ways:
 *                                        move_pages(2) status queries and
 *                                        /proc/PID/numa_maps
 *   numacheck backing PID BYTES          which pool file and offset back each
 *                                        frame (/proc/PID/smaps), and whether
 *                                        that file has a page there
 *   numacheck mapped PID BYTES           whether PID's page tables map each
 *                                        frame's page now (/proc/PID/smaps)
 *   numacheck hugepages [PID]            free hugepages per node (sysfs) and
 *                                        the pages PID's pool files hold
 *   numacheck kmove PID BYTES NODE       the kernel's move_pages(2) moves the
 *                                        same guest RAM to NODE (timed)
 *   numacheck memcpy BYTES FROM TO REPS  a plain memcpy of BYTES of hugetlb
 *                                        memory on node FROM into node TO
 *   numacheck verify PID SOCK [--map ERE] [--counts N,N,...]
 *                                        where's view against frameshift's own
 *                                        (map and numastat from its control
 *                                        socket SOCK): numacheck-verify.c
 *
 * Finding guest RAM: frameshift maps every 2 MiB frame MAP_SHARED from a
 * per-node memfd named "frameshift-node<N>" at a fixed place in one 2 MiB
 * aligned range of exactly --mem bytes; a migration maps a run of adjacent
 * frames on adjacent pages of a pool with one mmap, so one mapping may hold
 * several frames. A ballooned frame is instead a private anonymous mapping
 * registered with userfaultfd (smaps VmFlags "um", see mm/reclaim.c), and
 * adjacent ones may merge; a degraded frame (restored while the host had no
 * hugepage) maps its stretch of the ordinary-page file
 * "frameshift-small-pages", and adjacent ones may merge too. Each pool also
 * has one whole-file "view" mapping of the same memfd, a frame larger than
 * guest RAM (room for every frame and a reserve page), so guest RAM is the
 * run of adjacent mappings of whole frames, of memfd:frameshift-node* files,
 * ballooned or degraded, that adds up to BYTES.
 *
 * where and kmove: a page is only visible to move_pages and numa_maps while
 * the process has a page-table entry for it, and a frame frameshift just
 * remapped has none until the guest touches it again, so they first read one
 * byte of each frame with process_vm_readv(2), which faults it in (a read:
 * guest writes are never held by it; but it would refill a ballooned frame).
 *
 * backing faults nothing into PID: it reads smaps, and tests each pool page
 * in a MAP_SHARED mapping of its own of the pool file (opened through
 * /proc/PID/fd) registered with userfaultfd in missing mode with
 * UFFD_FEATURE_SIGBUS: reading a page the file holds maps it, reading a hole
 * raises SIGBUS instead of allocating (mincore and SEEK_DATA cannot tell on
 * hugetlbfs: the one looks at the caller's page table, the other calls the
 * whole file data). One line:
 *   pool=<per frame: the node digit of its pool file, '-' for none, 's' for
 *        ordinary pages (degraded)>
 *   present=<per frame: 1 the pool file has a page at that offset, 0 not>
 *   backing=<per frame N:OFFSET_MiB, comma-separated, '-' for none>
 *
 * mapped: mapped=<per frame: 1 if PID's page tables map any of its pages
 * (/proc/PID/pagemap, bit 63), else 0>. A frame frameshift just remapped is
 * 0 until someone touches it, unless it was prefaulted. Like backing, it
 * faults nothing in.
 *
 * hugepages: free=F0,F1,... from /sys/devices/system/node/node<N>; with PID,
 * pool_pages=P0,P1,... the 2 MiB pages each pool file holds (fstat st_blocks,
 * which hugetlbfs and shmem keep), per frameshift node.
 *
 * Output is one line of KEY=VALUE words per command, for the shell.
 * Exit status: 0, or 1 on any error (with a message on stderr). */
#ifndef _GNU_SOURCE /* the automake build defines it */
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/userfaultfd.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/parse.h"
#include "scripts/numacheck.h"

#define MPOL_BIND 2
#define MPOL_MF_MOVE_ALL (1 << 2)
#ifndef MAP_HUGETLB
#define MAP_HUGETLB 0x40000
#endif
#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif
#define POOL_NAME "/memfd:frameshift-node"
#define SMALL_PAGES_NAME "/memfd:frameshift-small-pages"
#define SMALL_PAGES (-3) /* struct vma and struct backing's node: degraded */

void die(const char *fmt, ...)
{
	va_list ap;

	fputs("numacheck: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static unsigned long size_arg(const char *s)
{
	uint64_t v;

	if (parse_size(s, &v) < 0)
		die("bad size '%s'", s);
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

/* What backs one guest frame: a pool file's page, or nothing (ballooned). */
struct backing {
	int node;          /* the pool file's frameshift node, -1: none, SMALL_PAGES */
	unsigned long off; /* offset in the pool file */
};

/* One mapping of /proc/PID/smaps as the range finder sees it. */
struct vma {
	unsigned long a, b, off;
	int node;  /* memfd:frameshift-node<N>: N; -1 anonymous; SMALL_PAGES; -2 anything else */
};

/* Is v a piece of guest RAM: frames of a pool file, ballooned or degraded
 * frames? */
static bool guest_piece(const struct vma *v, bool uffd_missing)
{
	bool whole_frames = v->a % FRAME == 0 && (v->b - v->a) % FRAME == 0;

	if (v->node >= 0 || v->node == SMALL_PAGES)
		return whole_frames;
	return v->node == -1 && uffd_missing && whole_frames;
}

/* The guest-RAM range of frameshift PID (see the top of the file); with fb,
 * what backs each of its frames. */
static void find_range(pid_t pid, unsigned long bytes, unsigned long *startp, struct backing *fb)
{
	char path[64], line[4096];
	unsigned long run_start = 0, run_end = 0, n = bytes / FRAME;
	struct backing *own = fb ? NULL : calloc(n, sizeof(*own));
	struct vma v = { 0, 0, 0, -2 };
	FILE *f;

	if (bytes < 2 * FRAME || bytes % FRAME)
		die("guest RAM size must be a multiple of 2 MiB and at least 4 MiB");
	if (!fb)
		fb = own;
	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	f = fopen(path, "r");
	if (!f)
		die("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		unsigned long a, b, off;
		char *p;
		int at = 0;

		/* a mapping's header line: "A-B perms offset dev inode   path"
		 * (field lines such as "FilePmdMapped:" start with a hex digit too) */
		if (sscanf(line, "%lx-%lx %*s %lx %*s %*u %n", &a, &b, &off, &at) == 3 && at) {
			p = line + at;
			p[strcspn(p, "\n")] = 0;
			v = (struct vma){ a, b, off, !*p ? -1 : !strncmp(p, POOL_NAME, strlen(POOL_NAME)) ?
					  atoi(p + strlen(POOL_NAME)) :
					  !strncmp(p, SMALL_PAGES_NAME, strlen(SMALL_PAGES_NAME)) ? SMALL_PAGES : -2 };
			continue;
		}
		/* VmFlags ends each mapping's block: decide on it here */
		if (strncmp(line, "VmFlags:", 8))
			continue;
		p = strstr(line, " um");
		if (!guest_piece(&v, p && (p[3] == ' ' || p[3] == '\n')) || v.b - v.a > bytes) {
			run_start = run_end = 0;
			continue;
		}
		if (!run_end || v.a != run_end || v.b - run_start > bytes)
			run_start = v.a; /* a run starts here */
		for (a = v.a; a < v.b; a += FRAME) {
			struct backing *fa = &fb[(a - run_start) / FRAME];

			fa->node = v.node;
			fa->off = v.node < 0 ? 0 : v.off + (a - v.a);
		}
		run_end = v.b;
		if (run_end - run_start == bytes && run_start % FRAME == 0) {
			fclose(f);
			free(own);
			*startp = run_start;
			return;
		}
	}
	fclose(f);
	die("no run of frameshift-node* frame mappings adding up to %lu MiB in %s "
	    "(is PID %d frameshift, with --mem %luM and hugetlb backing?)", bytes >> 20, path,
	    (int)pid, bytes >> 20);
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

void kernel_where(pid_t pid, unsigned long bytes, struct kernel_view *kv)
{
	unsigned long n = bytes / FRAME;

	*kv = (struct kernel_view){ .frames = n, .nodes = node_count(), .map = calloc(n + 1, 1),
				    .status = calloc(n, sizeof(int)) };
	find_range(pid, bytes, &kv->start, NULL);
	prefault(pid, kv->start, n);
	query(pid, kv->start, n, kv->status);
	kv->vmas = numa_maps(pid, kv->start, kv->start + bytes, kv->numa_maps);
	for (unsigned long i = 0; i < n; i++) {
		kv->map[i] = node_char(kv->status[i]);
		if (kv->status[i] >= 0 && kv->status[i] < MAXNODES)
			kv->move_pages[kv->status[i]]++;
		else
			kv->errors++;
	}
}

char *format_counts(const long *per_node, int nodes)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	for (int i = 0; f && i < nodes; i++)
		fprintf(f, "%s%ld", i ? "," : "", per_node[i]);
	if (!f || fclose(f))
		die("out of memory");
	return s;
}

static int cmd_where(pid_t pid, unsigned long bytes)
{
	struct kernel_view kv;
	char *mp, *nm;

	kernel_where(pid, bytes, &kv);
	mp = format_counts(kv.move_pages, kv.nodes);
	nm = format_counts(kv.numa_maps, kv.nodes);
	printf("range=0x%lx-0x%lx frames=%lu map=%s move_pages=%s numa_maps=%s vmas=%d errors=%d\n",
	       kv.start, kv.start + bytes, kv.frames, kv.map, mp, nm, kv.vmas, kv.errors);
	free(mp);
	free(nm);
	for (unsigned long i = 0; i < kv.frames && kv.errors; i++)
		if (kv.status[i] < 0)
			fprintf(stderr, "numacheck: frame %lu: move_pages status %s\n", i,
				strerror(-kv.status[i]));
	free(kv.status);
	free(kv.map);
	return 0;
}

static int cmd_kmove(pid_t pid, unsigned long bytes, int node)
{
	unsigned long start, n = bytes / FRAME, on = 0;
	void **pages = calloc(n, sizeof(*pages));
	int *nodes = calloc(n, sizeof(int)), *status = calloc(n, sizeof(int));
	long ret;
	double t;

	find_range(pid, bytes, &start, NULL);
	prefault(pid, start, n);
	for (unsigned long i = 0; i < n; i++) {
		pages[i] = (void *)(start + i * FRAME);
		nodes[i] = node;
		status[i] = -9999;
	}
	t = now_monotonic();
	/* MOVE_ALL: a pool page is mapped twice (frame and view) */
	ret = sys_move_pages(pid, n, pages, nodes, status, MPOL_MF_MOVE_ALL);
	t = now_monotonic() - t;
	if (ret < 0)
		die("move_pages(pid %d, %lu frames to node %d): %s", (int)pid, n, node, strerror(errno));
	/* the move's own status array says where each page ended up; check it */
	query(pid, start, n, status);
	for (unsigned long i = 0; i < n; i++)
		on += status[i] == node;
	printf("to_node=%d frames=%lu on_node=%lu not_moved=%ld bytes=%lu seconds=%.6f gib_per_s=%.3f\n",
	       node, n, on, ret, bytes, t, (double)bytes / (1UL << 30) / t);
	free(pages);
	free(nodes);
	free(status);
	return on == n ? 0 : 1;
}

/* fds[N] = PID's pool file of frameshift node N, opened read-write through
 * /proc/PID/fd (userfaultfd registers only mappings that may write), or -1.
 * Returns the highest node with a pool file + 1. */
static int open_pools(pid_t pid, int *fds)
{
	char dir[64], path[320], link[256];
	struct dirent *e;
	DIR *d;
	int top = 0;

	for (int i = 0; i < MAXNODES; i++)
		fds[i] = -1;
	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	d = opendir(dir);
	if (!d)
		die("%s: %s", dir, strerror(errno));
	while ((e = readdir(d))) {
		ssize_t len;
		int node;

		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		len = readlink(path, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = 0;
		if (strncmp(link, POOL_NAME, strlen(POOL_NAME)))
			continue;
		node = atoi(link + strlen(POOL_NAME));
		if (node < 0 || node >= MAXNODES || fds[node] >= 0)
			continue;
		fds[node] = open(path, O_RDWR | O_CLOEXEC);
		if (fds[node] < 0)
			die("%s (%s): %s", path, link, strerror(errno));
		if (node + 1 > top)
			top = node + 1;
	}
	closedir(d);
	return top;
}

static sigjmp_buf probe_env;

static void probe_sigbus(int sig)
{
	(void)sig;
	siglongjmp(probe_env, 1);
}

/* For each of the n frames that node's pool file fd backs: present[i] = '1'
 * if the file holds a page at the frame's offset, '0' if not, found without
 * allocating one (see the top). */
static void probe_pages(int fd, unsigned long n, const struct backing *fb, int node, char *present)
{
	struct sigaction sa = { .sa_handler = probe_sigbus }, old;
	struct uffdio_api api = { .api = UFFD_API, .features = UFFD_FEATURE_SIGBUS };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct stat st;
	char *m;
	int uffd;

	if (fstat(fd, &st) < 0 || st.st_size <= 0)
		die("pool file of node %d: fstat: %s", node, strerror(errno));
	m = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED | MAP_NORESERVE, fd, 0);
	if (m == MAP_FAILED)
		die("mmap the pool file of node %d: %s", node, strerror(errno));
	uffd = syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);
	if (uffd < 0 && errno == EINVAL) /* before Linux 5.11 */
		uffd = syscall(SYS_userfaultfd, O_CLOEXEC);
	if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api) < 0)
		die("userfaultfd with UFFD_FEATURE_SIGBUS: %s", strerror(errno));
	reg.range.start = (uintptr_t)m;
	reg.range.len = st.st_size;
	if (ioctl(uffd, UFFDIO_REGISTER, &reg) < 0)
		die("userfaultfd register the pool file of node %d: %s", node, strerror(errno));
	sigaction(SIGBUS, &sa, &old);
	for (unsigned long i = 0; i < n; i++) {
		if (fb[i].node != node)
			continue;
		if (fb[i].off >= (unsigned long)st.st_size)
			die("frame %lu at offset %lu MiB, past the end of the pool file", i, fb[i].off >> 20);
		present[i] = '0';
		if (!sigsetjmp(probe_env, 1)) {
			(void)*(volatile char *)(m + fb[i].off);
			present[i] = '1';
		}
	}
	sigaction(SIGBUS, &old, NULL);
	close(uffd);
	munmap(m, st.st_size);
}

static int cmd_backing(pid_t pid, unsigned long bytes)
{
	unsigned long start, n = bytes / FRAME;
	struct backing *fb = calloc(n, sizeof(*fb));
	char *pool = calloc(n + 1, 1), *present = calloc(n + 1, 1);
	int fds[MAXNODES];

	find_range(pid, bytes, &start, fb);
	open_pools(pid, fds);
	memset(present, '0', n);
	for (unsigned long i = 0; i < n; i++) {
		pool[i] = fb[i].node == SMALL_PAGES ? 's' : fb[i].node < 0 ? '-' : node_char(fb[i].node);
		if (fb[i].node >= 0 && (fb[i].node >= MAXNODES || fds[fb[i].node] < 0))
			die("frame %lu maps frameshift-node%d, which PID %d has no file of", i,
			    fb[i].node, (int)pid);
	}
	for (int node = 0; node < MAXNODES; node++)
		if (fds[node] >= 0)
			probe_pages(fds[node], n, fb, node, present);
	printf("pool=%s present=%s backing=", pool, present);
	for (unsigned long i = 0; i < n; i++)
		if (fb[i].node < 0)
			printf("%s%c", i ? "," : "", pool[i]);
		else
			printf("%s%d:%lu", i ? "," : "", fb[i].node, fb[i].off >> 20);
	printf("\n");
	for (int node = 0; node < MAXNODES; node++)
		if (fds[node] >= 0)
			close(fds[node]);
	free(fb);
	free(pool);
	free(present);
	return 0;
}

static int cmd_mapped(pid_t pid, unsigned long bytes)
{
	unsigned long start, n = bytes / FRAME, psz = (unsigned long)sysconf(_SC_PAGESIZE);
	unsigned long per = FRAME / psz;
	uint64_t *e = calloc(per, sizeof(*e));
	char path[64];
	int fd;

	find_range(pid, bytes, &start, NULL);
	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || !e)
		die("%s: %s", path, strerror(errno));
	printf("mapped=");
	for (unsigned long i = 0; i < n; i++) {
		off_t at = (off_t)((start + i * FRAME) / psz * sizeof(*e));
		bool any = false;

		if (pread(fd, e, per * sizeof(*e), at) != (ssize_t)(per * sizeof(*e)))
			die("%s: %s", path, strerror(errno));
		for (unsigned long k = 0; k < per && !any; k++)
			any = e[k] >> 63;
		putchar(any ? '1' : '0');
	}
	printf("\n");
	close(fd);
	free(e);
	return 0;
}

/* A number from a sysfs file, or -1 if it cannot be read. */
static long read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static int cmd_hugepages(pid_t pid)
{
	int nodes = node_count(), fds[MAXNODES], pools = 0;
	char path[128];

	printf("free=");
	for (int i = 0; i < nodes; i++) {
		long v;

		snprintf(path, sizeof(path),
			 "/sys/devices/system/node/node%d/hugepages/hugepages-2048kB/free_hugepages", i);
		v = read_long(path);
		if (v < 0 && nodes == 1) /* no NUMA in this kernel: the one global count */
			v = read_long("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages");
		printf("%s%ld", i ? "," : "", v < 0 ? 0 : v);
	}
	if (pid > 0) {
		pools = open_pools(pid, fds);
		printf(" pool_pages=");
		for (int i = 0; i < (pools > nodes ? pools : nodes); i++) {
			struct stat st = { 0 };

			if (fds[i] >= 0 && fstat(fds[i], &st) < 0)
				die("fstat the pool file of node %d: %s", i, strerror(errno));
			printf("%s%lld", i ? "," : "", (long long)st.st_blocks * 512 / (long long)FRAME);
			if (fds[i] >= 0)
				close(fds[i]);
		}
	}
	printf("\n");
	return 0;
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
		double t = now_monotonic();

		memcpy(dst, src, bytes);
		t = now_monotonic() - t;
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
	const char *usage = "usage: numacheck range|where|backing|mapped PID BYTES | hugepages [PID] | "
			    "kmove PID BYTES NODE | memcpy BYTES FROM TO REPS | "
			    "verify PID SOCK [--map ERE] [--counts N,N,...]";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && !strcmp(argv[1], "hugepages") && argc <= 3)
		return cmd_hugepages(argc == 3 ? atoi(argv[2]) : 0);
	if (argc < 3)
		die("%s", usage);
	if (!strcmp(argv[1], "range") && argc == 4) {
		unsigned long start, bytes = size_arg(argv[3]);

		find_range(atoi(argv[2]), bytes, &start, NULL);
		printf("range=0x%lx-0x%lx frames=%lu\n", start, start + bytes, bytes / FRAME);
		return 0;
	}
	if (!strcmp(argv[1], "where") && argc == 4)
		return cmd_where(atoi(argv[2]), size_arg(argv[3]));
	if (!strcmp(argv[1], "backing") && argc == 4)
		return cmd_backing(atoi(argv[2]), size_arg(argv[3]));
	if (!strcmp(argv[1], "mapped") && argc == 4)
		return cmd_mapped(atoi(argv[2]), size_arg(argv[3]));
	if (!strcmp(argv[1], "kmove") && argc == 5)
		return cmd_kmove(atoi(argv[2]), size_arg(argv[3]), atoi(argv[4]));
	if (!strcmp(argv[1], "verify") && argc >= 4)
		return cmd_verify(atoi(argv[2]), argv[3], argc - 4, argv + 4);
	if (!strcmp(argv[1], "memcpy") && argc == 6)
		return cmd_memcpy(size_arg(argv[2]), atoi(argv[3]), atoi(argv[4]), atoi(argv[5]));
	die("%s", usage);
}
