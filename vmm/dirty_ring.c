/* dirty_ring.c - harvest KVM dirty rings (Documentation/virt/kvm/api.rst,
 * "KVM_CAP_DIRTY_LOG_RING"). Entries are published by KVM with the DIRTY
 * flag and handed back with RESET; KVM_RESET_DIRTY_RINGS then write-protects
 * those pages again so the next write is logged. */
#include <errno.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mm/autobalance.h"
#include "mm/frame.h"
#include "mm/guest_mem.h"
#include "vmm/dirty_ring.h"

unsigned dirty_ring_cap(int vm_fd)
{
	/* the acquire/release flavour where offered: required on weakly
	 * ordered hosts, the same protocol on x86 */
	unsigned cap = ioctl(vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_DIRTY_LOG_RING_ACQ_REL) > 0 ?
		       KVM_CAP_DIRTY_LOG_RING_ACQ_REL : KVM_CAP_DIRTY_LOG_RING;

	return ioctl(vm_fd, KVM_CHECK_EXTENSION, cap) >= (int)DIRTY_RING_BYTES ? cap : 0;
}

int dirty_ring_enable(int vm_fd)
{
	struct kvm_enable_cap cap = { .cap = dirty_ring_cap(vm_fd), .args = { DIRTY_RING_BYTES } };

	if (!cap.cap)
		return -EOPNOTSUPP;
	return ioctl(vm_fd, KVM_ENABLE_CAP, &cap) < 0 ? -errno : 0;
}

int dirty_ring_map(struct dirty_ring *r, int vcpu_fd)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p = mmap(NULL, DIRTY_RING_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu_fd,
		       KVM_DIRTY_LOG_PAGE_OFFSET * page);

	if (p == MAP_FAILED)
		return -errno;
	r->gfns = p;
	r->entries = DIRTY_RING_BYTES / sizeof(struct kvm_dirty_gfn);
	r->next = 0;
	pthread_mutex_init(&r->lock, NULL);
	return 0;
}

void dirty_ring_unmap(struct dirty_ring *r)
{
	if (r->gfns)
		munmap(r->gfns, DIRTY_RING_BYTES);
	r->gfns = NULL;
}

uint32_t dirty_ring_harvest(struct dirty_ring *r, int vm_fd, struct autobalance *ab,
			    unsigned node)
{
	uint32_t n = 0, run_frame = FRAME_NONE, run = 0;

	if (!r->gfns)
		return 0;
	pthread_mutex_lock(&r->lock);
	for (;;) {
		struct kvm_dirty_gfn *e = &r->gfns[r->next % r->entries];
		uint32_t frame;

		if (!(__atomic_load_n(&e->flags, __ATOMIC_ACQUIRE) & KVM_DIRTY_GFN_F_DIRTY))
			break;
		frame = guest_mem_slot_frame(e->slot, e->offset);
		if (frame != run_frame) {
			if (run)
				autobalance_note_writes(ab, run_frame, node, run);
			run_frame = frame;
			run = 0;
		}
		run++;
		__atomic_store_n(&e->flags, KVM_DIRTY_GFN_F_RESET, __ATOMIC_RELEASE);
		r->next++;
		n++;
	}
	if (run)
		autobalance_note_writes(ab, run_frame, node, run);
	pthread_mutex_unlock(&r->lock);
	if (n)
		ioctl(vm_fd, KVM_RESET_DIRTY_RINGS, 0);
	return n;
}
