/* dirty_ring.h - KVM's per-vCPU dirty rings, read to learn which vCPU wrote
 * which guest page (for mm/autobalance). */
#ifndef FRAMESHIFT_VMM_DIRTY_RING_H
#define FRAMESHIFT_VMM_DIRTY_RING_H

#include <pthread.h>
#include <stdint.h>

struct autobalance;
struct kvm_dirty_gfn;

#define DIRTY_RING_BYTES (64u << 10) /* 4096 entries per vCPU */

struct dirty_ring {
	struct kvm_dirty_gfn *gfns;
	uint32_t entries;
	uint32_t next;          /* next entry to read */
	pthread_mutex_t lock;   /* the harvester and a ring-full vCPU both read */
};

/* The KVM_CAP_DIRTY_LOG_RING* this KVM offers for rings of our size, or 0. */
unsigned dirty_ring_cap(int vm_fd);
/* Turn the rings on for the VM; before any vCPU exists. 0 or -errno. */
int dirty_ring_enable(int vm_fd);
int dirty_ring_map(struct dirty_ring *r, int vcpu_fd);
void dirty_ring_unmap(struct dirty_ring *r);
/* Report every dirty page in r as a write by a vCPU on node, mark the
 * entries collected, and re-arm them with KVM_RESET_DIRTY_RINGS. Returns
 * pages harvested. */
uint32_t dirty_ring_harvest(struct dirty_ring *r, int vm_fd, struct autobalance *ab,
			    unsigned node);

#endif
