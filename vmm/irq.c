/* irq.c - the in-kernel irqchip and device interrupt lines (see irq.h). */
#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "virtio/mmio.h"
#include "include/frameshift/guest-abi.h"
#include "vmm/device.h"
#include "vmm/irq.h"
#include "lib/log.h"
#include "vmm/vm.h"

int irqchip_create(int vm_fd, char *err, size_t errlen)
{
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };

	/* Intel needs the TSS address set before the first vCPU runs; AMD
	 * ignores it. Three pages just below the BIOS area at 4 GiB. */
	if (ioctl(vm_fd, KVM_SET_TSS_ADDR, 0xfffbd000UL) < 0)
		log_debug("KVM_SET_TSS_ADDR: %s", strerror(errno));
	if (ioctl(vm_fd, KVM_CREATE_IRQCHIP, 0) < 0) {
		snprintf(err, errlen, "KVM_CREATE_IRQCHIP: %s", strerror(errno));
		return -1;
	}
	if (ioctl(vm_fd, KVM_CREATE_PIT2, &pit) < 0) {
		snprintf(err, errlen, "KVM_CREATE_PIT2: %s", strerror(errno));
		return -1;
	}
	return 0;
}

#define APIC_LVT0 0x350
#define APIC_LVT1 0x360
#define APIC_MODE_NMI    0x4
#define APIC_MODE_EXTINT 0x7

static void set_lvt_mode(struct kvm_lapic_state *l, unsigned reg, unsigned mode)
{
	uint32_t v;

	memcpy(&v, l->regs + reg, 4);
	v = (v & ~0x700u) | mode << 8;
	memcpy(l->regs + reg, &v, 4);
}

int irqchip_vcpu_lint(int vcpu_fd)
{
	struct kvm_lapic_state l;

	if (ioctl(vcpu_fd, KVM_GET_LAPIC, &l) < 0)
		return -1;
	set_lvt_mode(&l, APIC_LVT0, APIC_MODE_EXTINT);
	set_lvt_mode(&l, APIC_LVT1, APIC_MODE_NMI);
	return ioctl(vcpu_fd, KVM_SET_LAPIC, &l);
}

bool vm_has_irqchip(const struct vm *vm)
{
	return vm && vm->cfg && vm->cfg->kernel_path;
}

void vm_irq_line(struct vm *vm, unsigned irq, bool level)
{
	struct kvm_irq_level l = { .irq = irq, .level = level };
	static uint64_t failures;

	if (!vm_has_irqchip(vm) || vm->vm_fd < 0)
		return;
	if (ioctl(vm->vm_fd, KVM_IRQ_LINE, &l) < 0)
		log_limited(&failures, "KVM_IRQ_LINE %u: %s", irq, strerror(errno));
}

void vm_irq_pulse(struct vm *vm, unsigned irq)
{
	vm_irq_line(vm, irq, true);
	vm_irq_line(vm, irq, false);
}

unsigned virtio_mmio_irq_of(uint64_t base)
{
	uint64_t n;

	if (base < FS_MMIO_BASE)
		return 0;
	n = (base - FS_MMIO_BASE) / 0x1000;
	return n <= IRQ_VIRTIO_MAX - IRQ_VIRTIO_BASE ? IRQ_VIRTIO_BASE + (unsigned)n : 0;
}

struct wired {
	struct vm *vm;
	unsigned irq;
};

static struct wired wired[IRQ_VIRTIO_MAX - IRQ_VIRTIO_BASE + 1];

static void virtio_raise(struct virtio_mmio *t, void *arg)
{
	struct wired *w = arg;

	vm_irq_pulse(w->vm, w->irq);
}

void virtio_mmio_wire_irq(struct vm *vm, struct virtio_mmio *t)
{
	unsigned irq = virtio_mmio_irq_of(t->base);
	struct wired *w;

	if (!vm_has_irqchip(vm) || !irq)
		return;
	w = &wired[irq - IRQ_VIRTIO_BASE];
	w->vm = vm;
	w->irq = irq;
	t->irq.arg = w;
	t->irq.raise = virtio_raise;
}

/* The VM is stopping (quit, a signal, the guest's end). */
static bool vm_stopping(void *arg)
{
	struct vm *vm = arg;
	bool stopping;

	pthread_mutex_lock(&vm->lock); /* a leaf: taken under t.lock */
	stopping = vm->state == VM_STOPPING;
	pthread_mutex_unlock(&vm->lock);
	return stopping;
}

void virtio_mmio_attach(struct vm *vm, struct virtio_mmio *t)
{
	virtio_mmio_wire_irq(vm, t); /* --kernel: an edge on its IRQ */
	t->stop = (struct virtio_stop){ vm_stopping, vm };
}

static void *gm_translate(void *arg, uint64_t gpa, uint64_t len)
{
	return guest_mem_gpa_to_hva(arg, gpa, len);
}

void virtio_vm_ram(struct vm *vm, struct vq_mem *mem)
{
	*mem = (struct vq_mem){ .translate = gm_translate, .arg = &vm->mem };
}

static bool range_in_state(struct guest_mem *gm, uint64_t gpa, uint64_t len, enum frame_state s)
{
	uint32_t first, last;

	if (!guest_mem_gpa_frames(gm, gpa, len, &first, &last))
		return false;
	for (uint32_t fr = first; fr <= last; fr++)
		if (__atomic_load_n(&gm->ft.frames[fr].state, __ATOMIC_RELAXED) == s)
			return true;
	return false;
}

static bool gm_ballooned(void *arg, uint64_t gpa, uint64_t len)
{
	return range_in_state(arg, gpa, len, FRAME_BALLOONED);
}

static bool gm_migrating(void *arg, uint64_t gpa, uint64_t len)
{
	return range_in_state(arg, gpa, len, FRAME_MIGRATING);
}

void virtio_vm_probe(struct vm *vm, struct vq_mem_probe *probe)
{
	*probe = (struct vq_mem_probe){ gm_ballooned, gm_migrating, &vm->mem };
}

int virtio_mmio_device_fdt(struct device *dev, void *fdt)
{
	return virtio_mmio_fdt_node(fdt, dev->base, dev->len);
}
