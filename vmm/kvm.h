/* kvm.h - thin wrappers over the KVM ioctls frameshift uses. */
#ifndef FRAMESHIFT_VMM_KVM_H
#define FRAMESHIFT_VMM_KVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kvm_cpuid2;

/* Open /dev/kvm and create a VM; -1 with a user-facing message on failure. */
int kvm_open_vm(int *kvm_fd, int *vm_fd, char *err, size_t errlen);
/* Turn off KVM's "zap every mapping on any slot delete" quirk where offered;
 * returns 1 if disabled, 0 if the kernel lacks it. */
int kvm_disable_slot_zap_all(int vm_fd);
/* Does this VM's KVM offer KVM_PRE_FAULT_MEMORY (Linux 6.10+, two-dimensional
 * paging only)? frameshift reports it and does not issue it: a vCPU ioctl
 * waits for the vCPU's mutex, which KVM_RUN holds (docs/migration.md). */
bool kvm_has_pre_fault_memory(int vm_fd);
int kvm_set_memory(int vm_fd, uint32_t slot, uint64_t gpa, uint64_t size, void *hva,
		   uint32_t flags);
/* The host's supported CPUID, or NULL. Caller frees. */
struct kvm_cpuid2 *kvm_supported_cpuid(int kvm_fd);
/* Give vcpu_fd the supported CPUID with its own APIC ID filled in. */
int kvm_set_vcpu_cpuid(int vcpu_fd, const struct kvm_cpuid2 *supported, unsigned apic_id);

const char *kvm_exit_name(uint32_t reason);

#endif
