/* irq.h - interrupts in --kernel mode: KVM's in-kernel irqchip (PIC, I/O
 * APIC, local APICs) and PIT, and device interrupt lines driven with
 * KVM_IRQ_LINE. The test guest has no interrupt controller (it relies on
 * KVM_EXIT_HLT, which an in-kernel LAPIC would swallow), so none of this
 * exists without --kernel. */
#ifndef FRAMESHIFT_VMM_IRQ_H
#define FRAMESHIFT_VMM_IRQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;
struct virtio_mmio;
struct vq_mem;
struct vq_mem_probe;

#define IRQ_I8042_KBD 1
#define IRQ_SERIAL    4
#define IRQ_VIRTIO_BASE 5 /* virtio-mmio window n gets ISA IRQ 5 + n */
#define IRQ_VIRTIO_MAX 15

/* Before any vCPU exists: KVM_SET_TSS_ADDR, KVM_CREATE_IRQCHIP, KVM_CREATE_PIT2. */
int irqchip_create(int vm_fd, char *err, size_t errlen);
/* LINT0 ExtINT, LINT1 NMI on a vCPU's in-kernel LAPIC (virtual wire mode). */
int irqchip_vcpu_lint(int vcpu_fd);
/* Whether this VM has an in-kernel irqchip (a --kernel VM). */
bool vm_has_irqchip(const struct vm *vm);
/* Drive an interrupt line; no-op without an irqchip. */
void vm_irq_line(struct vm *vm, unsigned irq, bool level);
/* An edge: the line up, then down. */
void vm_irq_pulse(struct vm *vm, unsigned irq);
/* The IRQ of the virtio-mmio window at base (0 if none). */
unsigned virtio_mmio_irq_of(uint64_t base);
/* Give a virtio-mmio transport its interrupt (an edge on its IRQ whenever
 * InterruptStatus gets a bit) when the VM has an irqchip. */
void virtio_mmio_wire_irq(struct vm *vm, struct virtio_mmio *t);
/* Everything a virtio-mmio device needs of the VM: its interrupt
 * (virtio_mmio_wire_irq) and its stop hook (the VM stopping: no more chains
 * popped, so a vCPU in a notification leaves at once). */
void virtio_mmio_attach(struct vm *vm, struct virtio_mmio *t);
/* Guest RAM as a device reaches it: any range wholly in guest RAM
 * (guest_mem_gpa_to_hva), whatever its frame's state. */
void virtio_vm_ram(struct vm *vm, struct vq_mem *mem);
/* The frame states a device counts by (ballooned, being migrated). */
void virtio_vm_probe(struct vm *vm, struct vq_mem_probe *probe);
/* Any virtio-mmio device's device-tree node: its window (a device's
 * fdt_node hook). */
struct device;
int virtio_mmio_device_fdt(struct device *dev, void *fdt);

#endif
