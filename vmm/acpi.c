/* acpi.c - the ACPI tables of a --kernel guest (see acpi.h). Each table is
 * laid out with a small builder: table_begin() writes the standard header,
 * the caller fills the body, table_end() sets the length and checksum. */
#include <string.h>

#include "vmm/acpi.h"
#include "vmm/acpi/dsdt.hex" /* dsdt_aml_code[]: iasl -tc of vmm/acpi/dsdt.asl */

#define OEM_ID       "FRMSHF"   /* 6 bytes */
#define OEM_TABLE_ID "FRAMESHF" /* 8 bytes */
#define CREATOR_ID   "FSHF"

#define LAPIC_ADDR  0xfee00000u
#define IOAPIC_ADDR 0xfec00000u

/* FADT fields (ACPI 6.5, table 5.9) */
#define FADT_DSDT           40
#define FADT_IAPC_BOOT_ARCH 109
#define FADT_FLAGS          112
#define FADT_MINOR_VERSION  131
#define FADT_X_DSDT         140
#define FADT_SLEEP_CONTROL  244
#define FADT_SLEEP_STATUS   256
#define FADT_HYPERVISOR_ID  268
#define IAPC_8042           (1u << 1)
#define IAPC_VGA_NOT_PRESENT (1u << 2)
#define IAPC_MSI_NOT_PRESENT (1u << 3)
#define FADT_F_PWR_BUTTON   (1u << 4)  /* no fixed power button */
#define FADT_F_SLP_BUTTON   (1u << 5)  /* no fixed sleep button */
#define FADT_F_HW_REDUCED   (1u << 20) /* no PM blocks, no SCI, no PM timer */

/* Generic Address Structure (5.2.3.2) */
#define GAS_SYSTEM_IO   1
#define GAS_ACCESS_BYTE 1

/* MADT */
#define MADT_PCAT_COMPAT 1u
#define MADT_LAPIC       0
#define MADT_IOAPIC      1
#define MADT_LAPIC_NMI   4

struct acpi_buf {
	uint8_t *buf;
	size_t max, off;
	uint64_t gpa;
	int overflow;
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

uint8_t acpi_sum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	while (len--)
		s = (uint8_t)(s + *p++);
	return s;
}

/* the GAS of an 8-bit I/O port register */
static void put_gas_port8(uint8_t *p, uint16_t port)
{
	p[0] = GAS_SYSTEM_IO;
	p[1] = 8;                       /* bit width */
	p[2] = 0;                       /* bit offset */
	p[3] = GAS_ACCESS_BYTE;
	put64(p + 4, port);
}

static uint8_t checksum(const uint8_t *p, size_t len)
{
	return (uint8_t)(0 - acpi_sum(p, len));
}

/* len zeroed bytes, 16-byte aligned; NULL (and overflow set) if they do not fit */
static uint8_t *alloc(struct acpi_buf *b, size_t len)
{
	size_t off = (b->off + 15) & ~(size_t)15;

	if (off > b->max || len > b->max - off) {
		b->overflow = 1;
		return NULL;
	}
	b->off = off + len;
	memset(b->buf + off, 0, len);
	return b->buf + off;
}

static uint64_t gpa_of(const struct acpi_buf *b, const uint8_t *p)
{
	return b->gpa + (uint64_t)(p - b->buf);
}

static uint8_t *table_begin(struct acpi_buf *b, const char sig[4], size_t len, uint8_t rev)
{
	uint8_t *t = alloc(b, len);

	if (!t)
		return NULL;
	memcpy(t, sig, 4);
	t[8] = rev;
	memcpy(t + 10, OEM_ID, 6);
	memcpy(t + 16, OEM_TABLE_ID, 8);
	put32(t + 24, 1);           /* OEM revision */
	memcpy(t + 28, CREATOR_ID, 4);
	put32(t + 32, 1);           /* creator revision */
	return t;
}

static void table_end(uint8_t *t, size_t len)
{
	put32(t + 4, (uint32_t)len);
	t[9] = 0;
	t[9] = checksum(t, len);
}

static uint8_t *write_dsdt(struct acpi_buf *b)
{
	uint8_t *t = alloc(b, sizeof(dsdt_aml_code));

	if (t)
		memcpy(t, dsdt_aml_code, sizeof(dsdt_aml_code)); /* iasl set its checksum */
	return t;
}

static uint8_t *write_fadt(struct acpi_buf *b, uint64_t dsdt)
{
	uint8_t *t = table_begin(b, "FACP", ACPI_FADT_SIZE, 6);

	if (!t)
		return NULL;
	put32(t + FADT_DSDT, (uint32_t)dsdt);
	put64(t + FADT_X_DSDT, dsdt);
	put16(t + FADT_IAPC_BOOT_ARCH, IAPC_8042 | IAPC_VGA_NOT_PRESENT | IAPC_MSI_NOT_PRESENT);
	put32(t + FADT_FLAGS, FADT_F_HW_REDUCED | FADT_F_PWR_BUTTON | FADT_F_SLP_BUTTON);
	t[FADT_MINOR_VERSION] = 5;
	/* hardware-reduced ACPI has S5 only with both sleep registers */
	put_gas_port8(t + FADT_SLEEP_CONTROL, ACPI_SLEEP_PORT);
	put_gas_port8(t + FADT_SLEEP_STATUS, ACPI_SLEEP_PORT);
	memcpy(t + FADT_HYPERVISOR_ID, "FRMSHIFT", 8);
	table_end(t, ACPI_FADT_SIZE);
	return t;
}

static uint8_t *write_madt(struct acpi_buf *b, unsigned ncpus)
{
	size_t len = ACPI_HDR_SIZE + 8 + ncpus * 8 + 12 + 6;
	uint8_t *t = table_begin(b, "APIC", len, 5), *e;

	if (!t)
		return NULL;
	put32(t + 36, LAPIC_ADDR);
	put32(t + 40, MADT_PCAT_COMPAT); /* KVM's irqchip has the 8259 pair too */
	e = t + 44;
	for (unsigned i = 0; i < ncpus; i++, e += 8) {
		e[0] = MADT_LAPIC;
		e[1] = 8;
		e[2] = (uint8_t)i;      /* ACPI processor uid */
		e[3] = (uint8_t)i;      /* APIC id */
		put32(e + 4, 1);        /* enabled */
	}
	e[0] = MADT_IOAPIC;
	e[1] = 12;
	e[2] = (uint8_t)ncpus;          /* I/O APIC id, as in the MP table */
	put32(e + 4, IOAPIC_ADDR);
	put32(e + 8, 0);                /* GSI base: KVM's default routing is GSI n -> pin n */
	e += 12;
	/* No interrupt source overrides: KVM's default GSI routing sends ISA
	 * IRQ n to I/O APIC pin n (the PIT on pin 0), which is also what ACPI
	 * assumes without an override. LINT1 is NMI on every CPU. */
	e[0] = MADT_LAPIC_NMI;
	e[1] = 6;
	e[2] = 0xff;                    /* all processors */
	put16(e + 3, 0);                /* conforming polarity and trigger */
	e[5] = 1;                       /* LINT1 */
	table_end(t, len);
	return t;
}

/* SRAT (ACPI 6.5, 5.2.16): processor local APIC and memory affinity */
static uint8_t *write_srat(struct acpi_buf *b, unsigned ncpus, const struct fdt_params *topo)
{
	size_t len = ACPI_HDR_SIZE + 12 + ncpus * 16 + topo->nmem * 40;
	uint8_t *t = table_begin(b, "SRAT", len, 3), *e;

	if (!t)
		return NULL;
	put32(t + 36, 1);               /* reserved, 1 for compatibility */
	e = t + 48;
	for (unsigned i = 0; i < ncpus; i++, e += 16) {
		e[0] = 0;                       /* processor local APIC affinity */
		e[1] = 16;
		e[2] = (uint8_t)topo->cpu_node[i];
		e[3] = (uint8_t)i;              /* APIC id */
		put32(e + 4, 1);                /* enabled */
	}
	for (unsigned m = 0; m < topo->nmem; m++, e += 40) {
		e[0] = 1;                       /* memory affinity */
		e[1] = 40;
		put32(e + 2, topo->mem_node[m]);
		put64(e + 8, topo->mem[m].base);
		put64(e + 16, topo->mem[m].size);
		put32(e + 28, 1);               /* enabled */
	}
	table_end(t, len);
	return t;
}

/* SLIT (5.2.17): 10 on the diagonal, 20 elsewhere */
static uint8_t *write_slit(struct acpi_buf *b, unsigned nodes)
{
	size_t len = ACPI_HDR_SIZE + 8 + (size_t)nodes * nodes;
	uint8_t *t = table_begin(b, "SLIT", len, 1);

	if (!t)
		return NULL;
	put64(t + 36, nodes);
	for (unsigned i = 0; i < nodes; i++)
		for (unsigned j = 0; j < nodes; j++)
			t[44 + i * nodes + j] = i == j ? 10 : 20;
	table_end(t, len);
	return t;
}

static uint8_t *write_xsdt(struct acpi_buf *b, const uint64_t *tables, unsigned n)
{
	size_t len = ACPI_HDR_SIZE + n * 8;
	uint8_t *t = table_begin(b, "XSDT", len, 1);

	if (!t)
		return NULL;
	for (unsigned i = 0; i < n; i++)
		put64(t + ACPI_HDR_SIZE + i * 8, tables[i]);
	table_end(t, len);
	return t;
}

long acpi_write(uint8_t *buf, size_t max, uint64_t gpa, unsigned ncpus, const struct fdt_params *topo)
{
	struct acpi_buf b = { .buf = buf, .max = max, .gpa = gpa };
	uint8_t *rsdp, *dsdt, *fadt, *madt, *srat, *slit, *xsdt;
	uint64_t tables[4];
	unsigned ntables = 0, nodes = 0;

	if (ncpus == 0 || ncpus > 254 || (gpa & 15))
		return -1;
	if (topo && topo->nmem) {
		if (ncpus > FDT_MAX_CPUS || topo->nmem > FDT_MAX_MEM)
			return -1;
		for (unsigned m = 0; m < topo->nmem; m++)
			nodes = topo->mem_node[m] >= nodes ? topo->mem_node[m] + 1 : nodes;
		for (unsigned i = 0; i < ncpus; i++)
			if (topo->cpu_node[i] >= nodes)
				return -1;
		if (nodes > 255)
			return -1;
	}
	rsdp = alloc(&b, ACPI_RSDP_SIZE);
	dsdt = write_dsdt(&b);
	fadt = dsdt ? write_fadt(&b, gpa_of(&b, dsdt)) : NULL;
	madt = write_madt(&b, ncpus);
	if (b.overflow || !rsdp || !fadt || !madt)
		return -1;
	tables[ntables++] = gpa_of(&b, fadt);
	tables[ntables++] = gpa_of(&b, madt);
	if (nodes) {
		srat = write_srat(&b, ncpus, topo);
		slit = write_slit(&b, nodes);
		if (!srat || !slit)
			return -1;
		tables[ntables++] = gpa_of(&b, srat);
		tables[ntables++] = gpa_of(&b, slit);
	}
	xsdt = write_xsdt(&b, tables, ntables);
	if (!xsdt)
		return -1;
	/* RSDP (ACPI 2.0+): the first 20 bytes have their own checksum */
	memcpy(rsdp, "RSD PTR ", 8);
	memcpy(rsdp + 9, OEM_ID, 6);
	rsdp[15] = 2;                   /* revision: XSDT present */
	put32(rsdp + 16, 0);            /* no RSDT */
	put32(rsdp + 20, ACPI_RSDP_SIZE);
	put64(rsdp + 24, gpa_of(&b, xsdt));
	rsdp[8] = checksum(rsdp, 20);
	rsdp[32] = checksum(rsdp, ACPI_RSDP_SIZE);
	return (long)b.off;
}

const uint8_t *acpi_dsdt(size_t *len)
{
	*len = sizeof(dsdt_aml_code);
	return dsdt_aml_code;
}
