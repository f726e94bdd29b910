/* reclaim.c - ballooned frames: give the host page back, trap the guest range,
 * put a fresh page back on deflate or on the guest's next touch.
 *
 * A BALLOONED frame's guest range is a private anonymous mapping registered
 * with the VM's userfaultfd in MISSING mode and kept empty, so any access
 * (by a vCPU, or by KVM or a device on its behalf) sleeps in the kernel until
 * the uffd reader restores the frame (frame_fault_restore) and wakes it. The
 * frame keeps its node: that is where its page comes back from, and moving a
 * ballooned frame to another node costs nothing (no page, no copy). */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/userfaultfd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mm/reclaim.h"

/* Replace the frame's guest mapping with an empty, trapping one. */
static int frame_trap(struct migrator *m, uint8_t *hva)
{
	struct uffdio_register reg = {
		.range = { (uintptr_t)hva, FRAME_SIZE },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};

	if (mmap(hva, FRAME_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0) == MAP_FAILED)
		return -errno;
	if (ioctl(m->uffd, UFFDIO_REGISTER, &reg) < 0)
		return -errno;
	/* anything a stray access populated before the registration goes */
	madvise(hva, FRAME_SIZE, MADV_DONTNEED);
	return 0;
}

/* Frame idx's ordinary pages: its stretch of the migrator's small-page file. */
static int map_small_pages(struct migrator *m, uint32_t idx)
{
	if (mmap(guest_mem_frame_hva(m->gm, idx), FRAME_SIZE, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, m->small_fd, (off_t)idx * FRAME_SIZE) == MAP_FAILED)
		return -errno;
	return 0;
}

void frame_drop_small_pages(struct migrator *m, uint32_t idx)
{
	fallocate(m->small_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)idx * FRAME_SIZE,
		  FRAME_SIZE);
}

int frame_map_backing(struct migrator *m, struct frame *f)
{
	if (f->degraded)
		return map_small_pages(m, frame_index(&m->gm->ft, f));
	return guest_mem_map_frame(m->gm, f);
}

int frame_reclaim(struct migrator *m, uint32_t idx, const struct frame_ops *ops, void *owner)
{
	struct guest_mem *gm = m->gm;
	struct frame_table *ft = &gm->ft;
	struct frame *f;
	struct pool *p;
	int ret;

	if (idx >= ft->nframes)
		return -EINVAL;
	f = &ft->frames[idx];
	pthread_mutex_lock(&ft->lock);
	if (f->state == FRAME_ISOLATED || f->state == FRAME_MIGRATING) {
		pthread_mutex_unlock(&ft->lock);
		return -EBUSY;
	}
	if (f->state != FRAME_MAPPED) {
		pthread_mutex_unlock(&ft->lock);
		return -EINVAL;
	}
	migrator_new_gen(m, f);
	p = &gm->pools[f->node];
	ret = frame_trap(m, guest_mem_frame_hva(gm, idx));
	if (ret < 0) {
		/* put the page back under the guest: nothing changed */
		if (frame_map_backing(m, f) < 0)
			abort();
		pthread_mutex_unlock(&ft->lock);
		return ret;
	}
	frame_list_del(ft, &ft->node_list[f->node], f);
	ret = 0;
	if (f->degraded) {
		frame_drop_small_pages(m, idx);
		f->degraded = 0;
	} else if ((ret = pool_release_slot(p, f->slot)) < 0) {
		/* the host keeps the page, the frame is still ballooned; a free
		 * slot has a page (a lazy one without stays out of use) */
		ret = 0;
		if (pool_slot_make_page(p, f->slot) == 0)
			pool_put_slot(p, f->slot);
	}
	f->slot = FRAME_NONE;
	f->state = FRAME_BALLOONED;
	f->ops = ops;
	f->owner = owner;
	m->stats.reclaimed++;
	pthread_mutex_unlock(&ft->lock);
	return ret;
}

/* A zeroed page of the frame's node, or if that node has none, of any node
 * not drained, mapped at frame idx. -ENOMEM if no pool has one. */
static int restore_on_pool_page(struct migrator *m, struct frame *f, uint32_t idx)
{
	struct guest_mem *gm = m->gm;

	for (unsigned i = 0; i < gm->nnodes; i++) {
		unsigned node = (f->node + i) % gm->nnodes;
		uint32_t slot;
		int ret;

		if (guest_mem_node_drained(gm, node))
			continue;
		slot = pool_get_slot(&gm->pools[node]);
		if (slot == FRAME_NONE)
			continue;
		/* a recycled page still holds its last frame's data */
		memset(pool_slot_addr(&gm->pools[node], slot), 0, FRAME_SIZE);
		ret = guest_mem_map_page(gm, idx, node, slot);
		if (ret < 0) {
			pool_put_slot(&gm->pools[node], slot);
			return ret;
		}
		f->node = (uint8_t)node;
		f->slot = slot;
		return 0;
	}
	return -ENOMEM;
}

/* No hugepage anywhere: the guest goes on, on ordinary pages, allocated now
 * (an exhausted host shows here, not as a SIGBUS in the guest). */
static int restore_on_small_pages(struct migrator *m, struct frame *f, uint32_t idx)
{
	int ret;

	if (m->inject.no_small_pages)
		return -ENOMEM;
	if (fallocate(m->small_fd, 0, (off_t)idx * FRAME_SIZE, FRAME_SIZE) < 0)
		return -errno;
	ret = map_small_pages(m, idx);
	if (ret < 0) {
		frame_drop_small_pages(m, idx);
		return ret;
	}
	f->degraded = 1;
	m->stats.degraded++;
	migrator_kick(m); /* its ticks move the frame back once there are pages */
	return 0;
}

/* Give a BALLOONED frame a zeroed page and map it. With tell_owner (a
 * touch), the owner's putback runs once the page is mapped: if no page can
 * be mapped, the owner still rightly counts the frame as ballooned. Called
 * with the frame table lock. */
static int frame_restore_locked(struct migrator *m, struct frame *f, bool tell_owner)
{
	struct frame_table *ft = &m->gm->ft;
	uint32_t idx = frame_index(ft, f);
	int ret;

	if (f->state != FRAME_BALLOONED)
		return -EINVAL;
	ret = restore_on_pool_page(m, f, idx);
	if (ret < 0)
		ret = restore_on_small_pages(m, f, idx);
	if (ret < 0) {
		/* a failed MAP_FIXED may have dropped the trap: set it again */
		frame_trap(m, guest_mem_frame_hva(m->gm, idx));
		return ret;
	}
	f->state = FRAME_MAPPED;
	frame_list_add_tail(ft, &ft->node_list[f->node], f);
	if (tell_owner && f->ops && f->ops->putback)
		f->ops->putback(f, f->owner);
	f->ops = NULL;
	f->owner = NULL;
	m->stats.restored++;
	return 0;
}

void frame_restores_settle(struct migrator *m)
{
	/* the restore maps and tells the owner in one hold of the lock */
	pthread_mutex_lock(&m->gm->ft.lock);
	pthread_mutex_unlock(&m->gm->ft.lock);
}

int frame_restore(struct migrator *m, uint32_t idx)
{
	struct frame_table *ft = &m->gm->ft;
	int ret;

	if (idx >= ft->nframes)
		return -EINVAL;
	pthread_mutex_lock(&ft->lock);
	ret = frame_restore_locked(m, &ft->frames[idx], false);
	pthread_mutex_unlock(&ft->lock);
	/* a touch waiting meanwhile goes on, on the new page; its message, if
	 * the reader has not read it yet, goes with the wake (the kernel's
	 * doing), so it cannot come back as a touch of a later trap */
	if (ret == 0)
		migrator_wake(m, idx);
	return ret;
}

int frame_fault_restore(struct migrator *m, uint32_t idx)
{
	struct guest_mem *gm = m->gm;
	int ret;

	/* the owner hears of the touch under the lock its own restore and
	 * reclaim take, so neither can come between the restore and putback */
	pthread_mutex_lock(&gm->ft.lock);
	ret = frame_restore_locked(m, &gm->ft.frames[idx], true);
	if (ret == 0)
		m->stats.touch_restored++;
	pthread_mutex_unlock(&gm->ft.lock);
	if (ret == -EINVAL)
		ret = 1; /* restored meanwhile (deflate): just wake */
	if (ret < 0)
		return ret;
	migrator_wake(m, idx);
	return ret;
}
