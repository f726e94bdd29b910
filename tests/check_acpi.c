/* check_acpi.c - the ACPI tables of a --kernel guest without KVM: every
 * table's signature, length and checksum, the RSDP -> XSDT -> FADT/MADT ->
 * DSDT pointers, one local APIC per vCPU in the MADT, and the iasl-compiled
 * DSDT's virtio-mmio device ("LNRO0005", its window and interrupt matching
 * the balloon's, include/frameshift/guest-abi.h and vmm/irq.h), the SRAT/SLIT of a
 * guest NUMA topology, and ACPI power-off: the FADT's sleep registers, the
 * DSDT's \_S5 and the sleep register's port handler (vmm/acpi_sleep.c);
 * and that iasl reads back every table as written. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/acpi.h"
#include "vmm/device.h"
#include "include/frameshift/guest-abi.h"
#include "vmm/irq.h"
#include "vmm/linux.h"
#include "vmm/vm.h"
#include "tests/unit.h"

#define GPA ACPI_TABLES_GPA
#define MAX ACPI_TABLES_MAX

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t get32(const uint8_t *p) { return get16(p) | (uint32_t)get16(p + 2) << 16; }
static uint64_t get64(const uint8_t *p) { return get32(p) | (uint64_t)get32(p + 4) << 32; }

/* the table at guest address a, checked: in the buffer, signature, length, checksum */
static const uint8_t *table(const uint8_t *buf, long len, uint64_t a, const char *sig)
{
	const uint8_t *t;

	ck_assert_uint_ge(a, GPA);
	ck_assert_uint_le(a + ACPI_HDR_SIZE, GPA + (uint64_t)len);
	t = buf + (a - GPA);
	ck_assert_msg(!memcmp(t, sig, 4), "want %s at 0x%llx", sig, (unsigned long long)a);
	ck_assert_uint_le(a + get32(t + 4), GPA + (uint64_t)len);
	ck_assert_msg(acpi_sum(t, get32(t + 4)) == 0, "%s checksum", sig);
	return t;
}

static const uint8_t *find(const uint8_t *hay, size_t len, const void *needle, size_t n)
{
	for (size_t i = 0; i + n <= len; i++)
		if (!memcmp(hay + i, needle, n))
			return hay + i;
	return NULL;
}

/* a Generic Address Structure: SystemIO, 8 bits at offset 0, byte access, port */
static void assert_gas_port8(const uint8_t *g, uint64_t port, const char *what)
{
	ck_assert_msg(g[0] == 1 && g[1] == 8 && g[2] == 0 && g[3] == 1,
		      "%s: space %u, width %u, offset %u, access %u; want SystemIO, 8-bit, byte access",
		      what, g[0], g[1], g[2], g[3]);
	ck_assert_msg(get64(g + 4) == port, "%s at 0x%llx, want 0x%llx", what,
		      (unsigned long long)get64(g + 4), (unsigned long long)port);
}

START_TEST(tables_chain_and_checksums)
{
	unsigned ncpus = (unsigned[]){ 1, 2, 8, 254 }[_i];
	uint8_t *buf = calloc(1, MAX);
	const uint8_t *rsdp = buf, *xsdt, *fadt = NULL, *madt = NULL, *dsdt, *e, *end;
	long len = acpi_write(buf, MAX, GPA, ncpus, NULL);
	unsigned lapics = 0, ioapics = 0;

	ck_assert_int_gt(len, 0);
	ck_assert_uint_le((unsigned long)len, MAX);
	/* RSDP: signature, revision 2, both checksums, XSDT pointer */
	ck_assert(!memcmp(rsdp, "RSD PTR ", 8));
	ck_assert_uint_eq(rsdp[15], 2);
	ck_assert_uint_eq(acpi_sum(rsdp, 20), 0);
	ck_assert_uint_eq(get32(rsdp + 20), ACPI_RSDP_SIZE);
	ck_assert_uint_eq(acpi_sum(rsdp, ACPI_RSDP_SIZE), 0);
	xsdt = table(buf, len, get64(rsdp + 24), "XSDT");
	ck_assert_uint_eq(get32(xsdt + 4), ACPI_HDR_SIZE + 2 * 8);
	for (unsigned i = 0; i < (get32(xsdt + 4) - ACPI_HDR_SIZE) / 8; i++) {
		uint64_t a = get64(xsdt + ACPI_HDR_SIZE + i * 8);
		const uint8_t *t = buf + (a - GPA);

		if (!memcmp(t, "FACP", 4))
			fadt = table(buf, len, a, "FACP");
		else
			madt = table(buf, len, a, "APIC"); /* and no SRAT without a topology */
	}
	ck_assert_ptr_nonnull(fadt);
	ck_assert_ptr_nonnull(madt);
	/* FADT: ACPI 6 length, hardware-reduced, DSDT and X_DSDT agree */
	ck_assert_uint_eq(get32(fadt + 4), ACPI_FADT_SIZE);
	ck_assert_uint_eq(fadt[8], 6);
	ck_assert(get32(fadt + 112) & (1u << 20));
	ck_assert_uint_eq(get32(fadt + 40), get64(fadt + 140));
	/* SLEEP_CONTROL_REG and SLEEP_STATUS_REG: without both, no S5 */
	assert_gas_port8(fadt + 244, ACPI_SLEEP_PORT, "SLEEP_CONTROL_REG");
	assert_gas_port8(fadt + 256, ACPI_SLEEP_PORT, "SLEEP_STATUS_REG");
	dsdt = table(buf, len, get64(fadt + 140), "DSDT");
	ck_assert(find(dsdt, get32(dsdt + 4), "LNRO0005", 8));
	/* MADT: local APIC address, ncpus enabled LAPICs with ids 0.., one I/O APIC */
	ck_assert_uint_eq(get32(madt + 36), MPTABLE_LAPIC_ADDR);
	end = madt + get32(madt + 4);
	for (e = madt + 44; e < end; e += e[1]) {
		ck_assert_uint_ge(e[1], 2);
		ck_assert(e + e[1] <= end);
		if (e[0] == 0) {
			ck_assert_uint_eq(e[1], 8);
			ck_assert_uint_eq(e[3], lapics);
			ck_assert_uint_eq(get32(e + 4) & 1, 1);
			lapics++;
		} else if (e[0] == 1) {
			ck_assert_uint_eq(e[2], ncpus);
			ck_assert_uint_eq(get32(e + 4), MPTABLE_IOAPIC_ADDR);
			ck_assert_uint_eq(get32(e + 8), 0);
			ioapics++;
		}
	}
	ck_assert(e == end);
	ck_assert_uint_eq(lapics, ncpus);
	ck_assert_uint_eq(ioapics, 1);
	free(buf);
}
END_TEST

/* The DSDT's _CRS per window n: Memory32Fixed(ReadWrite, window n, 4 KiB)
 * and an Extended Interrupt descriptor (consumer, edge, active high,
 * exclusive) on IRQ 5 + n: what vmm/irq.c raises. */
START_TEST(dsdt_matches_the_virtio_windows)
{
	size_t len;
	const uint8_t *d = acpi_dsdt(&len);

	ck_assert_uint_eq(ACPI_DSDT_MMIO_BASE, FS_MMIO_BASE);
	ck_assert_uint_eq(ACPI_DSDT_IRQ, virtio_mmio_irq_of(FS_MMIO_BASE));
	ck_assert_uint_eq(ACPI_DSDT_IRQ, IRQ_VIRTIO_BASE);
	ck_assert_uint_ge(len, ACPI_HDR_SIZE);
	ck_assert(!memcmp(d, "DSDT", 4));
	ck_assert_uint_eq(get32(d + 4), len);
	ck_assert_uint_eq(acpi_sum(d, len), 0);
	ck_assert(find(d, len, "LNRO0005", 8));
	for (unsigned n = 0; n < ACPI_DSDT_WINDOWS; n++) {
		uint32_t base = ACPI_DSDT_MMIO_BASE + n * ACPI_DSDT_MMIO_LEN;
		uint8_t mem[12] = { 0x86, 0x09, 0x00, 0x01 }, irq[9] = { 0x89, 0x06, 0x00, 0x03, 0x01 };

		ck_assert_uint_eq(ACPI_DSDT_IRQ + n, virtio_mmio_irq_of(base));
		memcpy(mem + 4, &base, 4);
		mem[8] = (uint8_t)ACPI_DSDT_MMIO_LEN;
		mem[9] = (uint8_t)(ACPI_DSDT_MMIO_LEN >> 8);
		ck_assert_msg(find(d, len, mem, sizeof(mem)), "Memory32Fixed(ReadWrite, 0x%x, 0x%x) not in the DSDT",
			      base, ACPI_DSDT_MMIO_LEN);
		irq[5] = (uint8_t)(ACPI_DSDT_IRQ + n);
		ck_assert_msg(find(d, len, irq, sizeof(irq)),
			      "Interrupt(ResourceConsumer, Edge, ActiveHigh, Exclusive) {%u} not in the DSDT",
			      ACPI_DSDT_IRQ + n);
	}
}
END_TEST

/* OperationRegion (FSVP, SystemMemory, ACPI_VIRTIO_PRESENT_GPA, 4): ExtOp
 * 0x5b 0x80, the NameSeg, space 0, the address as a DWordPrefix constant,
 * the length as a BytePrefix one; inside the e820 hole below 1 MiB and
 * clear of the tables. */
START_TEST(dsdt_reads_the_present_mask)
{
	size_t len;
	const uint8_t *d = acpi_dsdt(&len);
	uint8_t op[13] = { 0x5b, 0x80, 'F', 'S', 'V', 'P', 0x00, 0x0c, 0, 0, 0, 0, 0x0a };
	uint32_t gpa = ACPI_VIRTIO_PRESENT_GPA;

	memcpy(op + 8, &gpa, 4);
	ck_assert_msg(find(d, len, op, sizeof(op)), "no OperationRegion (FSVP, SystemMemory, 0x%x, ...)", gpa);
	ck_assert_uint_ge(ACPI_VIRTIO_PRESENT_GPA, 0x9fc00);
	ck_assert_uint_le(ACPI_VIRTIO_PRESENT_GPA + 4, ACPI_TABLES_GPA);
}
END_TEST

/* Name (_S5, Package () { ACPI_SLP_TYP_S5, ... }): the NameSeg, PackageOp,
 * a one-byte PkgLength, NumElements, then the first element as a BytePrefix
 * constant (iasl's encoding of a small integer other than 0 and 1). */
START_TEST(dsdt_has_s5)
{
	size_t len;
	const uint8_t *d = acpi_dsdt(&len), *s5 = find(d, len, "_S5_", 4);

	ck_assert_msg(s5, "no _S5_ in the DSDT");
	ck_assert_uint_le(s5 + 9 - d, len);
	ck_assert_msg(s5[4] == 0x12, "_S5_ is followed by 0x%02x, not a PackageOp", s5[4]);
	ck_assert_uint_ge(s5[6], 1);
	ck_assert_uint_eq(s5[7], 0x0a);
	ck_assert_uint_eq(s5[8], ACPI_SLP_TYP_S5);
}
END_TEST

/* Drive the port as Linux's acpi_hw_extended_sleep() does. */
START_TEST(sleep_register)
{
	struct vm_config cfg = { .kernel_path = "bzImage" };
	struct vm vm = { .cfg = &cfg, .state = VM_RUNNING };
	struct device *dev = device_find(DEV_PIO, ACPI_SLEEP_PORT, 1);
	const uint64_t *bad;
	uint8_t v;

	ck_assert_ptr_nonnull(dev);
	bad = dev->priv;
	pthread_mutex_init(&vm.lock, NULL);
	pthread_cond_init(&vm.cond, NULL);
	/* clearing WAK_STS: no sleep yet; reads as 0 (WAK_STS never set) */
	v = 0x80;
	dev->io(dev, &vm, 0, &v, 1, true);
	v = 0xaa;
	dev->io(dev, &vm, 0, &v, 1, false);
	ck_assert_uint_eq(v, 0);
	ck_assert(!vm.exit_set);
	/* S3 is not declared: a guest error, counted and ignored */
	v = ACPI_SLP_EN | 3 << ACPI_SLP_TYP_SHIFT;
	dev->io(dev, &vm, 0, &v, 1, true);
	ck_assert(!vm.exit_set);
	ck_assert_uint_eq(*bad, 1);
	/* SLP_TYP without SLP_EN does nothing */
	v = ACPI_SLP_TYP_S5 << ACPI_SLP_TYP_SHIFT;
	dev->io(dev, &vm, 0, &v, 1, true);
	ck_assert(!vm.exit_set);
	/* S5: the VM ends with status 0 */
	v = ACPI_SLP_EN | ACPI_SLP_TYP_S5 << ACPI_SLP_TYP_SHIFT;
	dev->io(dev, &vm, 0, &v, 1, true);
	ck_assert(vm.exit_set);
	ck_assert_int_eq(vm.exit_status, 0);
	ck_assert_int_eq(vm.state, VM_STOPPING);
	ck_assert_str_eq(vm.exit_reason, "guest powered off (ACPI S5)");
	ck_assert_uint_eq(*bad, 1);
	/* the test guest (no --kernel) has no ACPI: all ones, writes ignored */
	cfg.kernel_path = NULL;
	vm.exit_set = false;
	vm.state = VM_RUNNING;
	dev->io(dev, &vm, 0, &v, 1, true);
	ck_assert(!vm.exit_set);
	dev->io(dev, &vm, 0, &v, 1, false);
	ck_assert_uint_eq(v, 0xff);
	pthread_cond_destroy(&vm.cond);
	pthread_mutex_destroy(&vm.lock);
}
END_TEST

START_TEST(rejects_what_does_not_fit)
{
	uint8_t *buf = calloc(1, MAX);

	struct fdt_params topo = { .nmem = 1, .mem_node = { 0 }, .cpu_node = { 0, 1 } };

	ck_assert_int_eq(acpi_write(buf, MAX, GPA, 0, NULL), -1);
	ck_assert_int_eq(acpi_write(buf, MAX, GPA, 255, NULL), -1);
	ck_assert_int_eq(acpi_write(buf, 200, GPA, 2, NULL), -1);
	ck_assert_int_eq(acpi_write(buf, MAX, GPA + 4, 2, NULL), -1);
	/* a vCPU on a node without memory */
	ck_assert_int_eq(acpi_write(buf, MAX, GPA, 2, &topo), -1);
	ck_assert_int_eq(acpi_write(buf, MAX, GPA, FDT_MAX_CPUS + 1, &topo), -1);
	free(buf);
}
END_TEST

/* The SRAT and a 2x2 SLIT acpi_write makes of topo with ncpus vCPUs: each
 * vCPU's and each range's proximity domain, both listed in the XSDT */
static void check_srat_and_slit(const struct fdt_params *topo, unsigned ncpus)
{
	uint8_t *buf = calloc(1, MAX);
	long len = acpi_write(buf, MAX, GPA, ncpus, topo);
	const uint8_t *xsdt, *srat = NULL, *slit = NULL, *e;
	unsigned n, cpus = 0, mems = 0;

	ck_assert_int_gt(len, 0);
	xsdt = table(buf, len, get64(buf + 24), "XSDT");
	n = (get32(xsdt + 4) - ACPI_HDR_SIZE) / 8;
	ck_assert_uint_eq(n, 4);
	for (unsigned i = 0; i < n; i++) {
		uint64_t a = get64(xsdt + ACPI_HDR_SIZE + i * 8);

		if (!memcmp(buf + (a - GPA), "SRAT", 4))
			srat = table(buf, len, a, "SRAT");
		else if (!memcmp(buf + (a - GPA), "SLIT", 4))
			slit = table(buf, len, a, "SLIT");
	}
	ck_assert_ptr_nonnull(srat);
	ck_assert_ptr_nonnull(slit);
	for (e = srat + 48; e < srat + get32(srat + 4); e += e[1]) {
		if (e[0] == 0) {
			ck_assert_uint_eq(e[1], 16);
			ck_assert_uint_eq(e[3], cpus);
			ck_assert_uint_eq(e[2], topo->cpu_node[cpus]);
			ck_assert_uint_eq(get32(e + 4) & 1, 1);
			cpus++;
		} else {
			ck_assert_uint_eq(e[0], 1);
			ck_assert_uint_eq(e[1], 40);
			ck_assert_uint_eq(get32(e + 2), topo->mem_node[mems]);
			ck_assert_uint_eq(get64(e + 8), topo->mem[mems].base);
			ck_assert_uint_eq(get64(e + 16), topo->mem[mems].size);
			ck_assert_uint_eq(get32(e + 28) & 1, 1);
			mems++;
		}
	}
	ck_assert_uint_eq(cpus, ncpus);
	ck_assert_uint_eq(mems, topo->nmem);
	ck_assert_uint_eq(get64(slit + 36), 2);
	ck_assert_uint_eq(get32(slit + 4), ACPI_HDR_SIZE + 8 + 4);
	ck_assert_uint_eq(slit[44], 10);
	ck_assert_uint_eq(slit[45], 20);
	ck_assert_uint_eq(slit[46], 20);
	ck_assert_uint_eq(slit[47], 10);
	free(buf);
}

/* --guest-numa 2 with 3 vCPUs */
START_TEST(srat_and_slit)
{
	struct fdt_params topo = {
		.nmem = 2,
		.mem = { { 0, 64ULL << 20 }, { 64ULL << 20, 64ULL << 20 } },
		.mem_node = { 0, 1 },
		.cpu_node = { 0, 1, 0 },
	};

	check_srat_and_slit(&topo, 3);
}
END_TEST

/* --guest-numa 2 with 5 GiB: node 1's cell [2.5 GiB, 5 GiB) of RAM spans the
 * MMIO hole, so it is two affinity ranges, [2.5, 3) and [4, 6) GiB, both on
 * proximity domain 1, and no range claims the hole */
START_TEST(srat_cell_split_by_the_hole)
{
	struct fdt_params topo = { .cpu_node = { 0, 1 } };

	ck_assert_int_eq(fdt_add_ram(&topo, 0, 5ULL << 29, 0), 0);
	ck_assert_int_eq(fdt_add_ram(&topo, 5ULL << 29, 5ULL << 29, 1), 0);
	ck_assert_uint_eq(topo.nmem, 3);
	ck_assert_uint_eq(topo.mem[1].base + topo.mem[1].size, FS_LOW_RAM_MAX);
	ck_assert_uint_eq(topo.mem[2].base, FS_HIGH_RAM_BASE);
	ck_assert_uint_eq(topo.mem_node[2], 1);
	check_srat_and_slit(&topo, 2);
}
END_TEST

START_TEST(zero_page_rsdp)
{
	uint8_t zp[4096] = { 0 };

	linux_set_rsdp(zp, ACPI_TABLES_GPA);
	ck_assert_uint_eq(get64(zp + BP_ACPI_RSDP_ADDR), ACPI_TABLES_GPA);
}
END_TEST

/* iasl (ACPICA's compiler, the tool that builds our DSDT) reads every table
 * we write: disassembled and compiled back, each gives the same bytes but
 * for the checksum and the creator fields, which iasl writes as its own, and
 * the disassembly names every subtable. A field at the wrong offset, a wrong
 * length or an unknown subtable type would show here. */
static void iasl_round_trip(const char *dir, const uint8_t *t)
{
	char path[256], cmd[640], *dsl = NULL;
	uint32_t len = get32(t + 4);
	uint8_t back[4096];
	size_t n = 0, dsl_len = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%.4s", dir, (const char *)t);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(t, 1, len, f), len);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "cd %s && %s -d %.4s >iasl.log 2>&1 && %s -p back-%.4s %.4s.dsl >>iasl.log 2>&1",
		 dir, IASL, (const char *)t, IASL, (const char *)t, (const char *)t);
	ck_assert_msg(system(cmd) == 0, "iasl failed on %.4s (see %s/iasl.log)", (const char *)t, dir);
	snprintf(path, sizeof(path), "%s/%.4s.dsl", dir, (const char *)t);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_ne(getdelim(&dsl, &dsl_len, 0, f), -1);
	fclose(f);
	ck_assert_msg(!strstr(dsl, "Unknown") && !strstr(dsl, "****"), "iasl does not know all of %.4s:\n%s",
		      (const char *)t, dsl);
	free(dsl);
	snprintf(path, sizeof(path), "%s/back-%.4s.aml", dir, (const char *)t);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	n = fread(back, 1, sizeof(back), f);
	fclose(f);
	ck_assert_uint_eq(n, len);
	ck_assert_mem_eq(back, t, 9);                  /* signature, length, revision */
	ck_assert_mem_eq(back + 10, t + 10, 18);       /* OEM ids and revision */
	ck_assert_mem_eq(back + ACPI_HDR_SIZE, t + ACPI_HDR_SIZE, len - ACPI_HDR_SIZE);
}

START_TEST(iasl_reads_every_table)
{
	struct fdt_params topo = {
		.nmem = 2,
		.mem = { { 0, 64ULL << 20 }, { 64ULL << 20, 64ULL << 20 } },
		.mem_node = { 0, 1 },
		.cpu_node = { 0, 1 },
	};
	uint8_t *buf = calloc(1, MAX);
	long len = acpi_write(buf, MAX, GPA, 2, &topo);
	char dir[] = "/tmp/check_acpi.XXXXXX", cmd[64];
	const uint8_t *xsdt;
	unsigned n;

	ck_assert_int_gt(len, 0);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	xsdt = table(buf, len, get64(buf + 24), "XSDT");
	iasl_round_trip(dir, xsdt);
	n = (get32(xsdt + 4) - ACPI_HDR_SIZE) / 8;
	ck_assert_uint_eq(n, 4); /* FADT, MADT, SRAT, SLIT */
	for (unsigned i = 0; i < n; i++)
		iasl_round_trip(dir, buf + (get64(xsdt + ACPI_HDR_SIZE + i * 8) - GPA));
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
	free(buf);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("acpi");
	TCase *t = tcase_create("tables");

	tcase_add_loop_test(t, tables_chain_and_checksums, 0, 4);
	tcase_add_test(t, dsdt_matches_the_virtio_windows);
	tcase_add_test(t, dsdt_reads_the_present_mask);
	tcase_add_test(t, dsdt_has_s5);
	tcase_add_test(t, sleep_register);
	tcase_add_test(t, rejects_what_does_not_fit);
	tcase_add_test(t, srat_and_slit);
	tcase_add_test(t, srat_cell_split_by_the_hole);
	tcase_add_test(t, zero_page_rsdp);
	tcase_add_test(t, iasl_reads_every_table);
	suite_add_tcase(s, t);
	return s;
}
