/* linux_vm.h - the --kernel VM's boot steps, called from vm.c. */
#ifndef FRAMESHIFT_VMM_LINUX_VM_H
#define FRAMESHIFT_VMM_LINUX_VM_H

#include <stddef.h>

struct vm;
struct vcpu;
struct vm_config;
struct linux_boot;

/* Read and check --kernel and --initrd, build the command line. Before any
 * guest memory or vCPU exists; -1 with a message is a usage error. */
int linux_vm_prepare(const struct vm_config *cfg, struct linux_boot **out, char *err, size_t errlen);
/* Put kernel, zero page, command line, initrd and MP table in guest RAM. */
struct fdt_params;
/* topo: the guest NUMA topology for the SRAT/SLIT (NULL: none) */
int linux_vm_load(struct vm *vm, const struct fdt_params *topo, char *err, size_t errlen);
/* LAPIC LINT0/1 for every vCPU; entry registers for the boot vCPU. */
int linux_vcpu_boot(struct vcpu *v, char *err, size_t errlen);
const char *linux_vm_cmdline(const struct vm *vm);
void linux_boot_free(struct linux_boot *lb);

#endif
