/* linux_vm.c - `frameshift run --kernel`: the bzImage and initrd are read and
 * checked before anything else is set up (a bad image is a usage error, exit
 * 64, before any vCPU exists), a bzImage's payload decompressed on the host
 * or taken from the cache (direct boot); then the kernel, zero page, command line,
 * initrd and MP table go into guest RAM, and the boot vCPU enters the 64-bit
 * entry point with RSI at the zero page. The other vCPUs wait in the
 * in-kernel LAPIC for the INIT/SIPI that Linux sends them. */
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vmm/acpi.h"
#include "vmm/boot.h"
#include "vmm/device.h"
#include "include/frameshift/guest-abi.h"
#include "vmm/irq.h"
#include "vmm/kernel_cache.h"
#include "vmm/linux.h"
#include "vmm/linux_vm.h"
#include "lib/log.h"
#include "vmm/vm.h"

struct linux_boot {
	uint8_t *kernel_file, *initrd;
	uint8_t *vmlinux;           /* the bzImage's kernel decompressed now (direct boot) */
	int vmlinux_fd;             /* or the kernel cache's file of it (-1: none) */
	size_t kernel_len, initrd_len;
	struct linux_image image;
	struct linux_layout layout;
	char cmdline[LINUX_CMDLINE_MAX];
};

/* pci=off: frameshift has no PCI bus, and Linux's early probes of one
 * (the AMD GART aperture checks, 8 s of a nested boot) only cost exits */
#define DEFAULT_CMDLINE "console=ttyS0 reboot=k panic=-1 pci=off i8042.noaux i8042.nomux i8042.dumbkbd"

/* the kernel, initrd and decompressed kernel, once in guest RAM or unused */
static void release_files(struct linux_boot *lb)
{
	free(lb->kernel_file);
	free(lb->initrd);
	free(lb->vmlinux);
	if (lb->vmlinux_fd >= 0)
		close(lb->vmlinux_fd);
	lb->kernel_file = lb->initrd = lb->vmlinux = NULL;
	lb->vmlinux_fd = -1;
	lb->image.vmlinux = ELF_SOURCE_MEM(NULL, 0);
}

void linux_boot_free(struct linux_boot *lb)
{
	if (!lb)
		return;
	release_files(lb);
	free(lb);
}

/* A bzImage is entered past its own decompressor: its payload is undone on
 * the host (or read from the cache) and the kernel's ELF loaded directly.
 * --no-kernel-cache, or a codec the host does not undo, keeps the in-guest
 * path. */
static int direct_boot(const struct vm_config *cfg, struct linux_boot *lb, char *err, size_t errlen)
{
	static const char *const how[] = {
		[KERNEL_CACHE_HIT] = "from the kernel cache",
		[KERNEL_CACHE_STORED] = "decompressed on the host, now cached",
		[KERNEL_CACHE_UNSTORED] = "decompressed on the host (no cache)",
	};
	enum kernel_cache_source source;
	struct elf_source vmlinux;
	char dir[4096];
	int ret;

	if (cfg->no_kernel_cache) {
		log_info("kernel: --no-kernel-cache, the kernel decompresses itself");
		return 0;
	}
	ret = kernel_cache_get(kernel_cache_dir(dir, sizeof(dir)) == 0 ? dir : NULL, lb->kernel_file,
			       lb->kernel_len, lb->image.payload, lb->image.payload_len, &lb->vmlinux, &vmlinux,
			       &source, err, errlen);
	if (ret < 0)
		return -1;
	if (ret == 0) {
		log_info("kernel: %s; the kernel decompresses itself", err);
		return 0;
	}
	lb->vmlinux_fd = vmlinux.fd;
	lb->image.vmlinux = vmlinux;
	log_info("kernel: %llu MiB %s, direct 64-bit entry, no KASLR", (unsigned long long)vmlinux.len >> 20,
		 how[source]);
	return 0;
}

int linux_vm_prepare(const struct vm_config *cfg, struct linux_boot **out, char *err, size_t errlen)
{
	struct linux_boot *lb = calloc(1, sizeof(*lb));
	size_t n;
	int len, ret;

	*out = NULL;
	if (!lb) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	lb->vmlinux_fd = -1;
	if (read_file(cfg->kernel_path, LINUX_MAX_KERNEL, &lb->kernel_file, &lb->kernel_len, err, errlen) < 0) {
		n = strlen(err);
		snprintf(err + n, errlen - n, " (--kernel)");
		goto fail;
	}
	if (linux_is_elf(lb->kernel_file, lb->kernel_len))
		ret = linux_parse_vmlinux(lb->kernel_file, lb->kernel_len, &lb->image, err, errlen);
	else
		ret = linux_parse(lb->kernel_file, lb->kernel_len, &lb->image, err, errlen);
	if (ret < 0) {
		n = strlen(err);
		snprintf(err + n, errlen - n, " (--kernel %s)", cfg->kernel_path);
		goto fail;
	}
	if (cfg->initrd_path &&
	    read_file(cfg->initrd_path, LINUX_MAX_INITRD, &lb->initrd, &lb->initrd_len, err, errlen) < 0) {
		n = strlen(err);
		snprintf(err + n, errlen - n, " (--initrd)");
		goto fail;
	}
	/* the command line: the user's (or ours), then every virtio-mmio window */
	len = snprintf(lb->cmdline, sizeof(lb->cmdline), "%s", cfg->cmdline ? cfg->cmdline : DEFAULT_CMDLINE);
	for (struct device *d = device_first(); d && len >= 0 && (size_t)len < sizeof(lb->cmdline); d = d->next)
		if (d->space == DEV_MMIO && virtio_mmio_irq_of(d->base))
			len += snprintf(lb->cmdline + len, sizeof(lb->cmdline) - (size_t)len,
					" virtio_mmio.device=%lluK@0x%llx:%u", (unsigned long long)d->len >> 10,
					(unsigned long long)d->base, virtio_mmio_irq_of(d->base));
	if (len < 0 || (size_t)len >= sizeof(lb->cmdline)) {
		snprintf(err, errlen, "kernel command line too long");
		goto fail;
	}
	/* last, once the cheap checks passed: the decompression */
	if (!lb->image.vmlinux.len && direct_boot(cfg, lb, err, errlen) < 0) {
		n = strlen(err);
		snprintf(err + n, errlen - n, " (--kernel %s)", cfg->kernel_path);
		goto fail;
	}
	*out = lb;
	return 0;
fail:
	linux_boot_free(lb);
	return -1;
}

/* The DSDT's mask of the virtio-mmio windows that hold a device. */
static void write_virtio_present(uint8_t *at)
{
	uint32_t mask = 0;

	for (unsigned n = 0; n < ACPI_DSDT_WINDOWS; n++)
		if (device_find(DEV_MMIO, ACPI_DSDT_MMIO_BASE + n * ACPI_DSDT_MMIO_LEN, 4))
			mask |= 1u << n;
	memcpy(at, &mask, sizeof(mask)); /* little endian, as x86 and ACPI */
}

int linux_vm_load(struct vm *vm, const struct fdt_params *topo, char *err, size_t errlen)
{
	struct linux_boot *lb = vm->linux_boot;
	struct fdt_params unused = { 0 };
	long mp, acpi;

	/* the boot GDT and identity page tables of the test-guest protocol
	 * serve the 64-bit entry too (code 0x08, data 0x10, all RAM mapped);
	 * linux_load writes the zero page and command line after them */
	_Static_assert(LINUX_CMDLINE + LINUX_CMDLINE_MAX <= FS_BOOT_PD &&
		       FS_BOOT_RESERVED_END <= LINUX_MPTABLE, "boot tables clear of Linux's boot data");
	_Static_assert(LINUX_BOOT_STACK < FS_BOOT_FDT && LINUX_ZERO_PAGE + 0x1000 <= FS_BOOT_FDT,
		       "Linux's stack and zero page below the test guest's FDT");
	boot_write_tables(vm->mem.hva, &unused);
	if (linux_load(&lb->image, vm->mem.hva, vm->mem.size, lb->cmdline, lb->initrd, lb->initrd_len,
		       &lb->layout, err, errlen) < 0) {
		size_t n = strlen(err);

		snprintf(err + n, errlen - n, " (--kernel %s)", vm->cfg->kernel_path);
		return -1;
	}
	mp = mptable_write(vm->mem.hva + LINUX_MPTABLE, LINUX_EBDA_END - LINUX_MPTABLE, LINUX_MPTABLE,
			   vm->ncpus);
	if (mp < 0) {
		snprintf(err, errlen, "%u vCPUs do not fit the MP table", vm->ncpus);
		return -1;
	}
	/* ACPI (RSDP in the BIOS area, where Linux scans; also in the zero
	 * page): the MADT supersedes the MP table for Linux, and the DSDT
	 * describes the virtio-mmio balloon window; SRAT/SLIT with
	 * --guest-numa (vmm/acpi.h) */
	acpi = acpi_write(vm->mem.hva + ACPI_TABLES_GPA, ACPI_TABLES_MAX, ACPI_TABLES_GPA, vm->ncpus, topo);
	if (acpi < 0) {
		snprintf(err, errlen, "%u vCPUs (%u guest NUMA nodes) do not fit the ACPI tables", vm->ncpus,
			 topo ? topo->nmem : 0);
		return -1;
	}
	write_virtio_present(vm->mem.hva + ACPI_VIRTIO_PRESENT_GPA);
	if (lb->image.version >= 0x020e)
		linux_set_rsdp(vm->mem.hva + LINUX_ZERO_PAGE, ACPI_TABLES_GPA);
	log_debug("linux: kernel at 0x%llx (entry 0x%llx), initrd %llu KiB at 0x%llx, MP table %ld bytes, "
		  "ACPI tables %ld bytes at 0x%llx, cmdline \"%s\"", (unsigned long long)lb->layout.kernel_addr,
		  (unsigned long long)lb->layout.entry, (unsigned long long)lb->layout.initrd_size >> 10,
		  (unsigned long long)lb->layout.initrd_addr, mp, acpi,
		  (unsigned long long)ACPI_TABLES_GPA, lb->cmdline);
	/* the files are in guest RAM now */
	release_files(lb);
	return 0;
}

int linux_vcpu_boot(struct vcpu *v, char *err, size_t errlen)
{
	struct linux_boot *lb = v->vm->linux_boot;
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	if (irqchip_vcpu_lint(v->fd) < 0)
		goto fail;
	if (v->index != 0)
		return 0; /* an AP: waits for INIT/SIPI in the in-kernel LAPIC */
	if (ioctl(v->fd, KVM_GET_SREGS, &sregs) < 0)
		goto fail;
	boot_vcpu_state(&sregs, &regs, lb->layout.entry, 0, 1);
	memset(&regs, 0, sizeof(regs));
	regs.rip = lb->layout.entry;
	regs.rsi = lb->layout.zero_page;
	regs.rsp = regs.rbp = LINUX_BOOT_STACK;
	regs.rflags = 0x2;
	if (ioctl(v->fd, KVM_SET_SREGS, &sregs) < 0 || ioctl(v->fd, KVM_SET_REGS, &regs) < 0)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "setting up vCPU %u for Linux: %m", v->index);
	return -1;
}

const char *linux_vm_cmdline(const struct vm *vm)
{
	return vm->linux_boot ? vm->linux_boot->cmdline : NULL;
}
