/* coalesced.c - KVM's coalesced-write ring (Documentation/virt/kvm/api.rst,
 * "KVM_REGISTER_COALESCED_MMIO"): KVM appends at last, we take from first
 * and move first on, which frees the slot. A full ring makes KVM exit as if
 * nothing were registered, so the guest never waits on us. */
#include <errno.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "lib/log.h"
#include "vmm/coalesced.h"
#include "vmm/vm.h"

#define RING_BYTES 4096u /* one page: KVM_COALESCED_MMIO_MAX with x86's page */

uint32_t coalesced_ring_slots(void)
{
	return (RING_BYTES - sizeof(struct kvm_coalesced_mmio_ring)) / sizeof(struct kvm_coalesced_mmio);
}

unsigned coalesced_ring_drain(struct kvm_coalesced_mmio_ring *ring, uint32_t slots,
			      void (*deliver)(void *arg, const struct kvm_coalesced_mmio *w),
			      void *arg)
{
	unsigned n = 0;
	uint32_t first = ring->first;

	/* KVM fills an entry before it publishes last (smp_wmb): acquire it */
	while (first != __atomic_load_n(&ring->last, __ATOMIC_ACQUIRE) && n < slots) {
		/* last comes from the kernel, but only a corrupt kernel puts it
		 * out of range: stop rather than read past the page */
		if (first >= slots)
			break;
		deliver(arg, &ring->coalesced_mmio[first]);
		first = (first + 1) % slots;
		/* the entry is read before KVM may reuse its slot */
		__atomic_store_n(&ring->first, first, __ATOMIC_RELEASE);
		n++;
	}
	return n;
}

void coalesced_setup(struct vm *vm)
{
	struct coalesced *c = &vm->coalesced;
	int offset = ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_COALESCED_MMIO);
	long page = sysconf(_SC_PAGESIZE);

	pthread_mutex_init(&c->lock, NULL);
	c->ring = NULL;
	/* the capability is the ring's page offset in a vCPU's mapping */
	if (offset <= 0 || page != RING_BYTES || (long)(offset + 1) * page > vm->vcpu_mmap_size)
		return;
	c->ring = (struct kvm_coalesced_mmio_ring *)((char *)vm->vcpus[0].run + (long)offset * page);
	c->pio = ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_COALESCED_PIO) > 0;
}

int coalesced_set(struct vm *vm, enum device_space space, uint64_t addr, uint32_t len, bool on)
{
	struct kvm_coalesced_mmio_zone zone = { .addr = addr, .size = len, .pio = space == DEV_PIO };

	if (!vm->coalesced.ring || (space == DEV_PIO && !vm->coalesced.pio))
		return -1;
	if (ioctl(vm->vm_fd, on ? KVM_REGISTER_COALESCED_MMIO : KVM_UNREGISTER_COALESCED_MMIO, &zone) < 0) {
		log_info("%s of %s 0x%llx+%u: %s", on ? "KVM_REGISTER_COALESCED_MMIO" : "KVM_UNREGISTER_COALESCED_MMIO",
			 space == DEV_PIO ? "port" : "MMIO", (unsigned long long)addr, len, strerror(errno));
		return -1;
	}
	return 0;
}

static void deliver_write(void *arg, const struct kvm_coalesced_mmio *w)
{
	struct vm *vm = arg;
	enum device_space space = w->pio ? DEV_PIO : DEV_MMIO;
	uint32_t len = w->len > sizeof(w->data) ? sizeof(w->data) : w->len;
	uint8_t data[sizeof(w->data)];

	/* only registered ranges reach the ring, and those belong to devices */
	memcpy(data, w->data, len);
	device_access(vm, space, w->phys_addr, data, len, true);
}

void coalesced_drain(struct vm *vm)
{
	struct coalesced *c = &vm->coalesced;

	/* the common case, an empty ring, without the lock */
	if (!c->ring || c->ring->first == __atomic_load_n(&c->ring->last, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&c->lock);
	coalesced_ring_drain(c->ring, coalesced_ring_slots(), deliver_write, vm);
	pthread_mutex_unlock(&c->lock);
}
