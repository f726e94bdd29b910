/* coalesced.h - guest writes that KVM queues in a ring instead of exiting
 * to us (KVM_REGISTER_COALESCED_MMIO; ports with KVM_CAP_COALESCED_PIO).
 *
 * A device lends a register whose writes need no answer at once: the UART's
 * THR while its THR-empty interrupt is off, which is how Linux prints its
 * console (a byte out, then a read of LSR). Each such byte is then one exit
 * to this process instead of two. The queued writes reach their device, in
 * the guest's order, before any other access to a device is handled
 * (vm.c drains the ring first), and at least every few milliseconds
 * otherwise (the device's own timer). */
#ifndef FRAMESHIFT_VMM_COALESCED_H
#define FRAMESHIFT_VMM_COALESCED_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "vmm/device.h"

struct vm;
struct kvm_coalesced_mmio;
struct kvm_coalesced_mmio_ring;

struct coalesced {
	struct kvm_coalesced_mmio_ring *ring; /* in vCPU 0's kvm_run mapping; NULL: none */
	bool pio;                 /* ports too, not only MMIO */
	pthread_mutex_t lock;     /* one reader of the ring at a time */
};

/* Probe KVM and find the ring; after the vCPUs exist, before the devices
 * start. Without the capability, devices' requests fail and they exit. */
void coalesced_setup(struct vm *vm);
/* Queue (on) or stop queueing (off) guest writes to [addr, addr+len) in
 * space. 0, or -1 where KVM cannot: the writes then exit as before. */
int coalesced_set(struct vm *vm, enum device_space space, uint64_t addr, uint32_t len, bool on);
/* Hand every queued write to its device, oldest first. Called from any
 * thread, never with a device's lock held (the device's io takes it). */
void coalesced_drain(struct vm *vm);

/* The ring walk itself (tests/check_coalesced.c): calls deliver for each
 * entry from first to last, oldest first, and frees each slot after its
 * call; at most slots entries. Returns the entries delivered. */
unsigned coalesced_ring_drain(struct kvm_coalesced_mmio_ring *ring, uint32_t slots,
			      void (*deliver)(void *arg, const struct kvm_coalesced_mmio *w),
			      void *arg);
/* Entries a ring of one page holds. */
uint32_t coalesced_ring_slots(void);

#endif
