/* acpi.h - minimal ACPI tables for --kernel guests (docs/linux-guest.md):
 * RSDP, XSDT, FADT (hardware-reduced), MADT (one local APIC per vCPU, the
 * I/O APIC) and the DSDT, which is written in ASL (vmm/acpi/dsdt.asl) and
 * compiled by iasl at build time. The DSDT describes the virtio-balloon's
 * virtio-mmio window as an "LNRO0005" device, which Linux's virtio_mmio
 * driver binds without CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES, and \_S5, which
 * with the FADT's sleep registers gives the guest ACPI power-off. A pure
 * function over a buffer: tests/check_acpi.c checks it without KVM. */
#ifndef FRAMESHIFT_VMM_ACPI_H
#define FRAMESHIFT_VMM_ACPI_H

#include <stddef.h>
#include <stdint.h>

#include "vmm/fdt.h"

/* Guest-physical home of the tables: the BIOS area, where Linux scans for
 * the RSDP (and finds it through boot_params.acpi_rsdp_addr too). Inside
 * the e820 range [0x9fc00, 1 MiB) that linux_load() reserves. */
#define ACPI_TABLES_GPA 0xe0000ULL
#define ACPI_TABLES_MAX 0x20000ULL

#define ACPI_RSDP_SIZE 36
#define ACPI_HDR_SIZE  36
#define ACPI_FADT_SIZE 276 /* ACPI 6.x */

/* The DSDT's virtio-mmio devices (vmm/acpi/dsdt.asl): window n at
 * ACPI_DSDT_MMIO_BASE + n * ACPI_DSDT_MMIO_LEN on IRQ ACPI_DSDT_IRQ + n,
 * for n < ACPI_DSDT_WINDOWS (the balloon, 4 disks, 2 net devices); must
 * match FS_MMIO_BASE and IRQ_VIRTIO_BASE; tests/check_acpi.c compares. */
#define ACPI_DSDT_MMIO_BASE 0xc0000000u
#define ACPI_DSDT_MMIO_LEN  0x1000u
#define ACPI_DSDT_IRQ       5
#define ACPI_DSDT_WINDOWS   7
/* A 32-bit mask, bit n: window n holds a device this run (the DSDT's VMSK,
 * its devices' _STA). Below the tables, in the same reserved e820 range. */
#define ACPI_VIRTIO_PRESENT_GPA 0xdfff0ULL

/* The FADT's SLEEP_CONTROL_REG and SLEEP_STATUS_REG: one 8-bit I/O port
 * (vmm/acpi_sleep.c; VGA's, free since the FADT says no VGA). A control
 * write of SLP_EN with SLP_TYP = ACPI_SLP_TYP_S5, the value of the DSDT's
 * \_S5 package, ends the VM with status 0; other types are counted as
 * guest errors in the uint64_t that the device's priv points at. */
#define ACPI_SLEEP_PORT    0x3c0
#define ACPI_SLP_TYP_S5    5
#define ACPI_SLP_TYP_SHIFT 2
#define ACPI_SLP_TYP_MASK  0x1c
#define ACPI_SLP_EN        0x20

/* Write the tables into buf (which the guest sees at gpa, 16-byte aligned):
 * the RSDP first (at gpa), then DSDT, FADT, MADT, [SRAT, SLIT,] XSDT. Local
 * APIC ids and ACPI processor uids are 0..ncpus-1, the I/O APIC id is ncpus
 * (as in the MP table). With a guest NUMA topology (topo non-NULL and
 * topo->nmem > 0, --guest-numa: the same description the test guest's
 * device tree gets), also an SRAT (each memory range's and each vCPU's
 * proximity domain = guest node) and a SLIT (10 local, 20 remote).
 * Returns the bytes written, or -1 if ncpus is 0 or above 254, a vCPU has
 * no node, or the tables do not fit in max. */
long acpi_write(uint8_t *buf, size_t max, uint64_t gpa, unsigned ncpus, const struct fdt_params *topo);

/* The compiled DSDT (AML), for the tests. */
const uint8_t *acpi_dsdt(size_t *len);

/* The 8-bit sum of len bytes (0 for a table with a correct checksum). */
uint8_t acpi_sum(const uint8_t *p, size_t len);

#endif
