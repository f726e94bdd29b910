/* pool.c - per-node pools of host pages (hugetlb or shmem memfds). */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <numa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mm/pool.h"

#ifndef MFD_HUGE_2MB
#define MFD_HUGE_2MB (21 << 26)
#endif

const char *pool_backing_name(enum pool_backing b)
{
	switch (b) {
	case POOL_HUGETLB: return "hugetlb-2M";
	case POOL_THP: return "shmem-thp";
	case POOL_SHMEM: return "shmem";
	}
	return "?";
}

int pool_init(struct pool *p, unsigned node, int host_node, enum pool_backing backing,
	      uint32_t capacity)
{
	char name[32];
	unsigned flags = MFD_CLOEXEC;
	uint64_t bytes = (uint64_t)capacity * FRAME_SIZE;

	memset(p, 0, sizeof(*p));
	p->fd = -1;
	p->node = node;
	p->host_node = host_node;
	p->backing = backing;
	p->capacity = capacity;
	p->populate = pool_populate_host;
	if (backing == POOL_HUGETLB)
		flags |= MFD_HUGETLB | MFD_HUGE_2MB;
	snprintf(name, sizeof(name), "frameshift-node%u", node);
	p->fd = memfd_create(name, flags);
	if (p->fd < 0)
		goto fail;
	if (ftruncate(p->fd, (off_t)bytes) < 0)
		goto fail;
	/* NORESERVE: pages are allocated explicitly by pool_fill(), never by a
	 * stray fault, so an exhausted host shows up as an error, not SIGBUS. */
	p->view = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, p->fd, 0);
	if (p->view == MAP_FAILED) {
		p->view = NULL;
		goto fail;
	}
	if (backing == POOL_THP)
		madvise(p->view, bytes, MADV_HUGEPAGE);
	p->free_stack = calloc(capacity, sizeof(*p->free_stack));
	p->populated = calloc(capacity, 1);
	if (!p->free_stack || !p->populated) {
		errno = ENOMEM;
		goto fail;
	}
	return 0;
fail: {
	int err = errno;

	pool_destroy(p);
	return -err;
}
}

void pool_destroy(struct pool *p)
{
	if (p->view)
		munmap(p->view, (uint64_t)p->capacity * FRAME_SIZE);
	if (p->fd >= 0)
		close(p->fd);
	free(p->free_stack);
	free(p->populated);
	p->view = NULL;
	p->fd = -1;
	p->free_stack = NULL;
	p->populated = NULL;
}

/* fallocate() allocates under the calling thread's memory policy (neither
 * hugetlbfs nor our shmem file has a shared policy), so bind the thread to the
 * pool's node for the call: the page is placed, zeroed and so pre-touched. */
int pool_populate_host(struct pool *p, uint32_t slot)
{
	bool bind = p->host_node >= 0 && numa_available() >= 0;
	int ret = 0;

	if (bind) {
		struct bitmask *mask = numa_allocate_nodemask();

		numa_bitmask_setbit(mask, (unsigned)p->host_node);
		numa_set_membind(mask);
		numa_free_nodemask(mask);
	}
	if (fallocate(p->fd, 0, (off_t)pool_slot_offset(slot), FRAME_SIZE) < 0)
		ret = -errno;
	if (bind)
		numa_set_localalloc();
	return ret;
}

static int pool_populate_slot(struct pool *p, uint32_t slot)
{
	int ret = p->populate(p, slot);

	if (ret < 0) {
		p->populate_failures++;
		return ret;
	}
	p->populated[slot] = POOL_SLOT_PAGE;
	p->npopulated++;
	return 0;
}

static uint32_t pool_find_hole(const struct pool *p)
{
	for (uint32_t s = 0; s < p->capacity; s++)
		if (p->populated[s] == POOL_SLOT_HOLE)
			return s;
	return FRAME_NONE;
}

uint32_t pool_fill(struct pool *p, uint32_t n)
{
	uint32_t added = 0;

	while (added < n) {
		uint32_t slot = pool_find_hole(p);

		if (slot == FRAME_NONE || pool_populate_slot(p, slot) < 0)
			break;
		p->free_stack[p->nfree++] = slot;
		added++;
	}
	return added;
}

uint32_t pool_get_slot(struct pool *p)
{
	if (p->nfree == 0 && pool_fill(p, 1) == 0)
		return FRAME_NONE;
	return p->free_stack[--p->nfree];
}

uint32_t pool_get_spare_slot(struct pool *p)
{
	while (p->nfree <= POOL_RESTORE_RESERVE)
		if (pool_fill(p, 1) == 0)
			return FRAME_NONE;
	return p->free_stack[--p->nfree];
}

void pool_put_slot(struct pool *p, uint32_t slot)
{
	p->free_stack[p->nfree++] = slot;
}

/* The pool file's allocated 512-byte blocks, as the kernel counts them
 * (hugetlbfs and shmem keep st_blocks); 0 if that fails. The fstat system
 * call itself: glibc's fstat() is newfstatat(), which takes a path, and the
 * sandbox allows no call that does (docs/reliability.md). */
static uint64_t pool_file_blocks(const struct pool *p)
{
	struct stat st;

	return syscall(SYS_fstat, p->fd, &st) == 0 ? (uint64_t)st.st_blocks : 0;
}

int pool_release_slot(struct pool *p, uint32_t slot)
{
	bool lazy = pool_slot_is_lazy(p, slot);
	uint64_t before = lazy ? pool_file_blocks(p) : 0;
	bool returned;

	if (fallocate(p->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      (off_t)pool_slot_offset(slot), FRAME_SIZE) < 0)
		return -errno;
	/* a lazy slot had a page if the guest touched it: the file says. A
	 * guest touch elsewhere between the two looks can hide one (a floor) */
	returned = !lazy || pool_file_blocks(p) < before;
	if (lazy)
		p->nlazy--;
	else
		p->npopulated--;
	p->pages_returned += returned;
	p->populated[slot] = POOL_SLOT_HOLE;
	return returned;
}

uint32_t pool_get_lazy_slot(struct pool *p)
{
	uint32_t slot = pool_find_hole(p);

	if (slot != FRAME_NONE) {
		p->populated[slot] = POOL_SLOT_LAZY;
		p->nlazy++;
	}
	return slot;
}

int pool_slot_make_page(struct pool *p, uint32_t slot)
{
	int ret;

	if (!pool_slot_is_lazy(p, slot))
		return 0;
	/* a no-op where the guest's first touch already made the page */
	ret = pool_populate_slot(p, slot);
	if (ret == 0)
		p->nlazy--;
	return ret;
}
