/* kvm.c - KVM system and VM ioctls. */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vmm/kvm.h"

#ifndef KVM_X86_QUIRK_SLOT_ZAP_ALL
#define KVM_X86_QUIRK_SLOT_ZAP_ALL (1 << 7)
#endif
#ifndef KVM_CAP_PRE_FAULT_MEMORY
#define KVM_CAP_PRE_FAULT_MEMORY 236 /* Linux 6.10 */
#endif

int kvm_open_vm(int *kvm_fd, int *vm_fd, char *err, size_t errlen)
{
	int api;

	*kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (*kvm_fd < 0) {
		snprintf(err, errlen, "cannot open /dev/kvm: %s%s", strerror(errno),
			 errno == ENOENT ? " (is the kvm module loaded and virtualisation enabled?)" :
			 errno == EACCES ? " (add yourself to the kvm group or run as root)" : "");
		return -1;
	}
	api = ioctl(*kvm_fd, KVM_GET_API_VERSION, 0);
	if (api != KVM_API_VERSION) {
		snprintf(err, errlen, "KVM API version %d, need %d", api, KVM_API_VERSION);
		goto fail;
	}
	if (ioctl(*kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_IMMEDIATE_EXIT) <= 0) {
		snprintf(err, errlen, "KVM lacks KVM_CAP_IMMEDIATE_EXIT (kernel too old)");
		goto fail;
	}
	do
		*vm_fd = ioctl(*kvm_fd, KVM_CREATE_VM, 0);
	while (*vm_fd < 0 && errno == EINTR);
	if (*vm_fd < 0) {
		snprintf(err, errlen, "KVM_CREATE_VM: %s", strerror(errno));
		goto fail;
	}
	/* Intel needs a 3-page TSS area outside RAM; harmless elsewhere. */
	ioctl(*vm_fd, KVM_SET_TSS_ADDR, 0xfffbd000UL);
	return 0;
fail:
	close(*kvm_fd);
	*kvm_fd = -1;
	return -1;
}

int kvm_disable_slot_zap_all(int vm_fd)
{
	int quirks = ioctl(vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_DISABLE_QUIRKS2);
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_DISABLE_QUIRKS2,
		.args = { KVM_X86_QUIRK_SLOT_ZAP_ALL },
	};

	if (quirks <= 0 || !(quirks & KVM_X86_QUIRK_SLOT_ZAP_ALL))
		return 0;
	return ioctl(vm_fd, KVM_ENABLE_CAP, &cap) == 0;
}

bool kvm_has_pre_fault_memory(int vm_fd)
{
	return ioctl(vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_PRE_FAULT_MEMORY) > 0;
}

int kvm_set_memory(int vm_fd, uint32_t slot, uint64_t gpa, uint64_t size, void *hva,
		   uint32_t flags)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)hva,
	};

	return ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0 ? -errno : 0;
}

struct kvm_cpuid2 *kvm_supported_cpuid(int kvm_fd)
{
	for (unsigned n = 64; n <= 4096; n *= 2) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));

		if (!c)
			return NULL;
		c->nent = n;
		if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0)
			return c;
		free(c);
		if (errno != E2BIG)
			return NULL;
	}
	return NULL;
}

int kvm_set_vcpu_cpuid(int vcpu_fd, const struct kvm_cpuid2 *supported, unsigned apic_id)
{
	size_t size = sizeof(*supported) + supported->nent * sizeof(supported->entries[0]);
	struct kvm_cpuid2 *c = malloc(size);
	int ret;

	if (!c)
		return -ENOMEM;
	memcpy(c, supported, size);
	for (unsigned i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function == 1) {
			e->ebx = (e->ebx & 0x00ffffff) | (apic_id << 24);
			/* the hypervisor bit, which KVM_GET_SUPPORTED_CPUID leaves
			 * clear: without it Linux ignores the KVM leaves at
			 * 0x40000000 and has no kvmclock; under hardware-reduced
			 * ACPI (no PIT, no PM timer) kvmclock is its only way to
			 * learn the TSC frequency (docs/linux-guest.md) */
			e->ecx |= 1u << 31;
		}
		else if (e->function == 0xb || e->function == 0x1f)
			e->edx = apic_id;
	}
	ret = ioctl(vcpu_fd, KVM_SET_CPUID2, c) < 0 ? -errno : 0;
	free(c);
	return ret;
}
