/* heat_sample.c - read sampling with userfaultfd minor faults (heat_sample.h). */
#include <errno.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "mm/heat_sample.h"

static bool sampleable(const struct guest_mem *gm, const struct frame *f)
{
	return f->state == FRAME_MAPPED && !f->degraded && gm->pools[f->node].backing == POOL_HUGETLB;
}

/* Arm frame idx: minor-fault registration, page-table entries dropped.
 * The caller holds the frame table lock. */
static int arm(struct migrator *m, uint32_t idx)
{
	uint8_t *hva = guest_mem_frame_hva(m->gm, idx);
	struct uffdio_register reg = {
		.range = { (uintptr_t)hva, FRAME_SIZE },
		.mode = UFFDIO_REGISTER_MODE_MINOR,
	};

	if (ioctl(m->uffd, UFFDIO_REGISTER, &reg) < 0)
		return -errno;
	return madvise(hva, FRAME_SIZE, MADV_DONTNEED) < 0 ? -errno : 0;
}

uint32_t heat_sample_next(struct migrator *m, uint32_t *cursor, uint32_t n)
{
	struct guest_mem *gm = m->gm;
	uint32_t nframes = gm->ft.nframes, armed = 0;

	if (!m->minor_faults || !nframes)
		return 0;
	pthread_mutex_lock(&gm->ft.lock);
	for (uint32_t tried = 0; tried < nframes && armed < n; tried++) {
		uint32_t idx = *cursor % nframes;

		*cursor = (idx + 1) % nframes;
		if (sampleable(gm, &gm->ft.frames[idx]) && arm(m, idx) == 0)
			armed++;
	}
	pthread_mutex_unlock(&gm->ft.lock);
	return armed;
}

void heat_sample_fault(struct migrator *m, uint32_t idx, bool write)
{
	uint8_t *hva = guest_mem_frame_hva(m->gm, idx);
	struct uffdio_continue c = { .range = { (uintptr_t)hva, FRAME_SIZE } };
	void (*access)(void *, uint32_t, bool) = __atomic_load_n(&m->access, __ATOMIC_ACQUIRE);

	if (access)
		access(m->access_arg, idx, write);
	/* EEXIST: another vCPU's fault mapped it already; EINVAL/ENOENT: the
	 * range is no longer registered for minor faults (a move or a reclaim
	 * took it): the waiter faults again on what is there now */
	if (ioctl(m->uffd, UFFDIO_CONTINUE, &c) < 0)
		migrator_wake(m, idx);
}
