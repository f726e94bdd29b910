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

int frame_reclaim(struct migrator *m, uint32_t idx, const struct frame_ops *ops, void *owner)
{
	struct guest_mem *gm = m->gm;
	struct frame_table *ft = &gm->ft;
	struct frame *f;
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
	ret = frame_trap(m, guest_mem_frame_hva(gm, idx));
	if (ret < 0) {
		/* put the page back under the guest: nothing changed */
		if (guest_mem_map_frame(gm, f) < 0)
			abort();
		pthread_mutex_unlock(&ft->lock);
		return ret;
	}
	frame_list_del(ft, &ft->node_list[f->node], f);
	ret = pool_release_slot(&gm->pools[f->node], f->slot);
	if (ret < 0) /* the host keeps the page, the frame is still ballooned */
		pool_put_slot(&gm->pools[f->node], f->slot);
	f->slot = FRAME_NONE;
	f->state = FRAME_BALLOONED;
	f->ops = ops;
	f->owner = owner;
	m->stats.reclaimed++;
	pthread_mutex_unlock(&ft->lock);
	return 0;
}

/* Give a BALLOONED frame a zeroed page of its node (or, if that node has
 * none, of any node) and map it. With tell_owner (a touch), the owner's
 * putback runs once a page is found but before it is mapped: from the
 * mapping on any vCPU can use the frame, so the owner must already count it
 * as present. Called with the frame table lock. */
static int frame_restore_locked(struct migrator *m, struct frame *f, bool tell_owner)
{
	struct guest_mem *gm = m->gm;
	uint32_t idx = frame_index(&gm->ft, f);

	if (f->state != FRAME_BALLOONED)
		return -EINVAL;
	for (unsigned i = 0; i < gm->nnodes; i++) {
		unsigned node = (f->node + i) % gm->nnodes;
		uint32_t slot = pool_get_slot(&gm->pools[node]);

		if (slot == FRAME_NONE)
			continue;
		/* a recycled page still holds its last frame's data */
		memset(pool_slot_addr(&gm->pools[node], slot), 0, FRAME_SIZE);
		if (tell_owner && f->ops && f->ops->putback) {
			f->ops->putback(f, f->owner);
			/* told once: if the map fails, the retry does not tell it again */
			f->ops = NULL;
			f->owner = NULL;
		}
		if (guest_mem_map_page(gm, idx, node, slot) < 0) {
			pool_put_slot(&gm->pools[node], slot);
			return -ENOMEM;
		}
		f->node = (uint8_t)node;
		f->slot = slot;
		f->state = FRAME_MAPPED;
		f->ops = NULL;
		f->owner = NULL;
		frame_list_add_tail(&gm->ft, &gm->ft.node_list[node], f);
		m->stats.restored++;
		return 0;
	}
	return -ENOMEM;
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
	return ret;
}

int frame_fault_restore(struct migrator *m, uint32_t idx)
{
	struct guest_mem *gm = m->gm;
	struct uffdio_range r = { (uintptr_t)guest_mem_frame_hva(gm, idx), FRAME_SIZE };
	int ret;

	/* the owner hears of the touch under the lock its own restore and
	 * reclaim take, so neither can come between the restore and putback */
	pthread_mutex_lock(&gm->ft.lock);
	ret = frame_restore_locked(m, &gm->ft.frames[idx], true);
	if (ret == 0)
		m->stats.touch_restored++;
	pthread_mutex_unlock(&gm->ft.lock);
	if (ret == -EINVAL)
		ret = 0; /* restored meanwhile (deflate): just wake */
	if (ret < 0)
		return ret;
	ioctl(m->uffd, UFFDIO_WAKE, &r);
	return 0;
}
