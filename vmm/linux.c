/* linux.c - bzImage checks, zero page, e820, command line, initrd and the MP
 * table for the x86 Linux boot protocol (see linux.h, docs/linux-guest.md). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "include/frameshift/guest-abi.h"
#include "vmm/boot.h"
#include "vmm/linux.h"

#define FAIL(...)                                      \
	do {                                           \
		snprintf(err, errlen, __VA_ARGS__);    \
		return -1;                             \
	} while (0)

static uint16_t get16(const uint8_t *p, size_t off)
{
	return (uint16_t)(p[off] | p[off + 1] << 8);
}

static uint32_t get32(const uint8_t *p, size_t off)
{
	return (uint32_t)get16(p, off) | (uint32_t)get16(p, off + 2) << 16;
}

static uint64_t get64(const uint8_t *p, size_t off)
{
	return (uint64_t)get32(p, off) | (uint64_t)get32(p, off + 4) << 32;
}

static void put16(uint8_t *p, size_t off, uint16_t v)
{
	p[off] = (uint8_t)v;
	p[off + 1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, size_t off, uint32_t v)
{
	put16(p, off, (uint16_t)v);
	put16(p, off + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, size_t off, uint64_t v)
{
	put32(p, off, (uint32_t)v);
	put32(p, off + 4, (uint32_t)(v >> 32));
}

#define HDR_END 0x268 /* end of init_size: the last field we read */
#define SETUP_SECTS_MAX 64

int linux_parse(const uint8_t *img, size_t len, struct linux_image *li, char *err, size_t errlen)
{
	unsigned sects;
	uint32_t syssize;

	memset(li, 0, sizeof(*li));
	if (len < HDR_END)
		FAIL("not a Linux bzImage: only %zu bytes, too short for a setup header", len);
	if (get16(img, BP_BOOT_FLAG) != 0xaa55 || get32(img, BP_HEADER_MAGIC) != LINUX_HDRS_MAGIC)
		FAIL("not a Linux bzImage (no boot flag 0xAA55 / \"HdrS\" setup header magic)");
	li->version = get16(img, BP_VERSION);
	if (li->version < 0x020c)
		FAIL("boot protocol %u.%02u is too old: frameshift needs 2.12 or later (Linux 3.8+)",
		     li->version >> 8, li->version & 0xff);
	sects = img[BP_SETUP_SECTS] ? img[BP_SETUP_SECTS] : 4;
	if (sects > SETUP_SECTS_MAX)
		FAIL("setup_sects %u is out of range (at most %u)", sects, SETUP_SECTS_MAX);
	li->setup_size = (size_t)(sects + 1) * 512;
	if (li->setup_size >= len)
		FAIL("truncated bzImage: %zu bytes, but its setup alone takes %zu", len, li->setup_size);
	li->setup = img;
	li->kernel = img + li->setup_size;
	li->kernel_size = len - li->setup_size;
	syssize = get32(img, 0x1f4); /* protected-mode code size in 16-byte paragraphs */
	if ((uint64_t)syssize * 16 > li->kernel_size)
		FAIL("truncated bzImage: the header says %llu bytes of kernel follow the setup, the file has %zu",
		     (unsigned long long)syssize * 16, li->kernel_size);
	if (!(img[BP_LOADFLAGS] & LOADED_HIGH))
		FAIL("not a bzImage: a zImage (loaded low) cannot be booted");
	li->xloadflags = get16(img, BP_XLOADFLAGS);
	if (!(li->xloadflags & XLF_KERNEL_64))
		FAIL("kernel has no 64-bit entry point (xloadflags 0x%x lacks XLF_KERNEL_64): a 32-bit kernel?",
		     li->xloadflags);
	li->relocatable = img[BP_RELOCATABLE];
	li->kernel_alignment = get32(img, BP_KERNEL_ALIGNMENT);
	if (li->relocatable && (li->kernel_alignment < 0x1000 || li->kernel_alignment > (1u << 30) ||
				(li->kernel_alignment & (li->kernel_alignment - 1))))
		FAIL("bad kernel_alignment 0x%x (want a power of two from 4K to 1G)", li->kernel_alignment);
	li->initrd_addr_max = get32(img, BP_INITRD_ADDR_MAX);
	li->cmdline_size = get32(img, BP_CMDLINE_SIZE);
	li->pref_address = get64(img, BP_PREF_ADDRESS);
	li->init_size = get32(img, BP_INIT_SIZE);
	{
		/* the compressed kernel, within the protected-mode part */
		uint32_t poff = get32(img, BP_PAYLOAD_OFFSET), plen = get32(img, BP_PAYLOAD_LENGTH);

		if (poff > li->kernel_size || plen > li->kernel_size - poff)
			FAIL("payload [0x%x, +0x%x) lies outside the %zu bytes of kernel in the file", poff,
			     plen, li->kernel_size);
		li->payload = li->kernel + poff;
		li->payload_len = plen;
	}
	return 0;
}

int linux_is_elf(const uint8_t *img, size_t len)
{
	return len >= 4 && !memcmp(img, "\x7f" "ELF", 4);
}

#define VMLINUX_CMDLINE_SIZE 2047      /* x86's COMMAND_LINE_SIZE, less the NUL */
#define VMLINUX_INITRD_ADDR_MAX 0x7fffffffu

int linux_parse_vmlinux(const uint8_t *img, size_t len, struct linux_image *li, char *err,
			size_t errlen)
{
	uint8_t *h = li->own_setup;

	memset(li, 0, sizeof(*li));
	if (!linux_is_elf(img, len))
		FAIL("not an ELF vmlinux (bad magic)");
	put16(h, BP_BOOT_FLAG, 0xaa55);
	h[BP_JUMP + 1] = HDR_END - 0x202; /* the header's length, as a bzImage's jump says */
	put32(h, BP_HEADER_MAGIC, LINUX_HDRS_MAGIC);
	put16(h, BP_VERSION, 0x020f);
	h[BP_LOADFLAGS] = LOADED_HIGH;
	put32(h, BP_INITRD_ADDR_MAX, VMLINUX_INITRD_ADDR_MAX);
	put32(h, BP_KERNEL_ALIGNMENT, 2u << 20);
	put16(h, BP_XLOADFLAGS, XLF_KERNEL_64);
	put32(h, BP_CMDLINE_SIZE, VMLINUX_CMDLINE_SIZE);
	li->setup = h;
	li->setup_size = sizeof(li->own_setup);
	li->version = 0x020f;
	li->xloadflags = XLF_KERNEL_64;
	li->kernel_alignment = 2u << 20;
	li->initrd_addr_max = VMLINUX_INITRD_ADDR_MAX;
	li->cmdline_size = VMLINUX_CMDLINE_SIZE;
	li->vmlinux = ELF_SOURCE_MEM(img, len);
	return 0;
}

int linux_kernel_addr(const struct linux_image *li, uint64_t ram_size, uint64_t *addr,
		      char *err, size_t errlen)
{
	uint64_t a = li->pref_address, need = li->init_size;

	if (need < li->kernel_size)
		need = li->kernel_size;
	if (li->relocatable) {
		uint64_t mask = li->kernel_alignment - 1;

		if (a < LINUX_HIGH_START)
			a = LINUX_HIGH_START;
		if (a > UINT64_MAX - mask) /* it would wrap to 0, under the zero page */
			FAIL("pref_address 0x%llx rounded up to kernel_alignment 0x%x passes 2^64",
			     (unsigned long long)a, li->kernel_alignment);
		a = (a + mask) & ~mask;
	} else if (a < LINUX_HIGH_START) {
		FAIL("non-relocatable kernel wants to load at 0x%llx, below 1 MiB",
		     (unsigned long long)a);
	}
	if (a >= ram_size || need > ram_size - a)
		FAIL("kernel needs %llu MiB of RAM from 0x%llx (init_size), guest RAM is %llu MiB: give more --mem",
		     (unsigned long long)(need + (1 << 20) - 1) >> 20, (unsigned long long)a,
		     (unsigned long long)ram_size >> 20);
	*addr = a;
	return 0;
}

static void e820_add(uint8_t *zp, unsigned *n, uint64_t addr, uint64_t size, uint32_t type)
{
	size_t off = BP_E820_TABLE + (size_t)*n * 20;

	put64(zp, off, addr);
	put64(zp, off + 8, size);
	put32(zp, off + 16, type);
	(*n)++;
}

int linux_load(const struct linux_image *li, uint8_t *ram, uint64_t ram_size, const char *cmdline,
	       const uint8_t *initrd, size_t initrd_len, struct linux_layout *out,
	       char *err, size_t errlen)
{
	/* the kernel, initrd and boot data go below the MMIO hole */
	uint64_t low = fs_low_ram_size(ram_size), kaddr, kneed, iaddr = 0, ilimit;
	size_t clen = cmdline ? strlen(cmdline) : 0, hdr_end;
	uint8_t *zp = ram + LINUX_ZERO_PAGE;
	unsigned n = 0;

	struct elf_extent ext;

	memset(out, 0, sizeof(*out));
	if (ram_size < 2 * LINUX_HIGH_START)
		FAIL("guest RAM of %llu KiB is too small for Linux", (unsigned long long)ram_size >> 10);
	if (li->vmlinux.len) {
		/* the decompressed kernel goes where its program headers say:
		 * the physical addresses it was linked for, no KASLR */
		if (elf_check(&li->vmlinux, ram_size, &ext, err, errlen) < 0)
			return -1;
		kaddr = ext.low;
		kneed = ext.high - ext.low; /* init_size's room to decompress is not needed */
	} else {
		if (linux_kernel_addr(li, low, &kaddr, err, errlen) < 0)
			return -1;
		kneed = li->init_size > li->kernel_size ? li->init_size : li->kernel_size;
	}
	if (clen > li->cmdline_size || clen >= LINUX_CMDLINE_MAX)
		FAIL("kernel command line of %zu bytes is longer than the %u the kernel accepts (cmdline_size)",
		     clen, li->cmdline_size < LINUX_CMDLINE_MAX - 1 ? li->cmdline_size
								 : (unsigned)LINUX_CMDLINE_MAX - 1);
	if (initrd_len) {
		/* as high as allowed: below initrd_addr_max (inclusive) and RAM's
		 * end, above everything the kernel may use while decompressing */
		ilimit = (uint64_t)li->initrd_addr_max + 1;
		if (ilimit > low)
			ilimit = low;
		if (initrd_len > ilimit)
			FAIL("initrd of %zu KiB does not fit below 0x%llx (initrd_addr_max 0x%x, RAM %llu MiB)",
			     initrd_len >> 10, (unsigned long long)ilimit, li->initrd_addr_max,
			     (unsigned long long)ram_size >> 20);
		iaddr = (ilimit - initrd_len) & ~0xfffULL;
		if (iaddr < kaddr + kneed)
			FAIL("initrd of %zu KiB does not fit between the kernel's end at 0x%llx and 0x%llx "
			     "(initrd_addr_max 0x%x, RAM %llu MiB): give more --mem or a smaller initrd",
			     initrd_len >> 10, (unsigned long long)(kaddr + kneed), (unsigned long long)ilimit,
			     li->initrd_addr_max, (unsigned long long)ram_size >> 20);
	}

	/* every check passed: write */
	if (li->vmlinux.len) {
		struct fdt_params unused = { 0 };

		if (elf_load(&li->vmlinux, ram, ram_size, &ext.entry, &unused, err, errlen) < 0)
			return -1;
	} else {
		memcpy(ram + kaddr, li->kernel, li->kernel_size);
	}
	if (initrd_len)
		memcpy(ram + iaddr, initrd, initrd_len);
	memset(ram + LINUX_CMDLINE, 0, clen + 1);
	memcpy(ram + LINUX_CMDLINE, cmdline ? cmdline : "", clen);

	memset(zp, 0, 0x1000);
	/* the setup header runs from 0x1f1 to 0x202 + the jump's offset */
	hdr_end = 0x202 + li->setup[BP_JUMP + 1];
	if (hdr_end > li->setup_size)
		hdr_end = li->setup_size;
	if (hdr_end < HDR_END)
		hdr_end = HDR_END;
	memcpy(zp + BP_HDR, li->setup + BP_HDR, hdr_end - BP_HDR);
	zp[BP_TYPE_OF_LOADER] = 0xff; /* undefined boot loader */
	zp[BP_LOADFLAGS] |= CAN_USE_HEAP;
	zp[BP_LOADFLAGS] &= (uint8_t)~KASLR_FLAG; /* nothing randomised the kernel's place */
	put16(zp, BP_HEAP_END_PTR, 0xfe00);
	put32(zp, BP_CMD_LINE_PTR, (uint32_t)LINUX_CMDLINE);
	put32(zp, BP_EXT_CMD_LINE_PTR, (uint32_t)(LINUX_CMDLINE >> 32));
	put32(zp, BP_RAMDISK_IMAGE, (uint32_t)iaddr);
	put32(zp, BP_RAMDISK_SIZE, (uint32_t)initrd_len);
	put32(zp, BP_EXT_RAMDISK_IMAGE, (uint32_t)(iaddr >> 32));
	put32(zp, BP_EXT_RAMDISK_SIZE, (uint32_t)((uint64_t)initrd_len >> 32));
	put32(zp, BP_CODE32_START, (uint32_t)kaddr);
	e820_add(zp, &n, 0, LINUX_MPTABLE, E820_RAM);
	e820_add(zp, &n, LINUX_MPTABLE, LINUX_EBDA_END - LINUX_MPTABLE, E820_RESERVED);
	e820_add(zp, &n, LINUX_HIGH_START, low - LINUX_HIGH_START, E820_RAM);
	/* the I/O APIC and local APIC pages, so nothing takes them for free space */
	e820_add(zp, &n, MPTABLE_IOAPIC_ADDR, 0x1000, E820_RESERVED);
	e820_add(zp, &n, MPTABLE_LAPIC_ADDR, 0x1000, E820_RESERVED);
	if (ram_size > low) /* the rest of RAM, above 4 GiB */
		e820_add(zp, &n, FS_HIGH_RAM_BASE, ram_size - low, E820_RAM);
	zp[BP_E820_ENTRIES] = (uint8_t)n;

	out->kernel_addr = kaddr;
	out->entry = li->vmlinux.len ? ext.entry : kaddr + 0x200;
	out->zero_page = LINUX_ZERO_PAGE;
	out->cmdline_addr = LINUX_CMDLINE;
	out->initrd_addr = iaddr;
	out->initrd_size = initrd_len;
	out->e820_entries = n;
	return 0;
}

void linux_set_rsdp(uint8_t *zero_page, uint64_t rsdp)
{
	put64(zero_page, BP_ACPI_RSDP_ADDR, rsdp);
}

/* ---- MP table ---- */

static uint8_t checksum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	while (len--)
		s = (uint8_t)(s + *p++);
	return (uint8_t)(0 - s);
}

#define MPC_HDR 44

long mptable_write(uint8_t *buf, size_t max, uint64_t gpa, unsigned ncpus)
{
	size_t size = 16 + MPC_HDR + ncpus * 20 + 8 + 8 + MPTABLE_IRQS * 8 + 2 * 8, off;
	uint8_t *mpc = buf + 16, *e;
	unsigned ioapic_id = ncpus;

	if (ncpus == 0 || ncpus > 254 || size > max)
		return -1;
	memset(buf, 0, size);
	/* floating pointer structure */
	memcpy(buf, "_MP_", 4);
	put32(buf, 4, (uint32_t)(gpa + 16));
	buf[8] = 1;   /* length in 16-byte units */
	buf[9] = 4;   /* spec 1.4 */
	/* header */
	memcpy(mpc, "PCMP", 4);
	mpc[6] = 4;
	memcpy(mpc + 8, "FRAMESHF", 8);
	memcpy(mpc + 16, "000000000000", 12);
	put32(mpc, 36, MPTABLE_LAPIC_ADDR);
	off = MPC_HDR;
	for (unsigned i = 0; i < ncpus; i++, off += 20) {
		e = mpc + off;
		e[0] = 0;                       /* processor */
		e[1] = (uint8_t)i;              /* local APIC id */
		e[2] = 0x14;                    /* local APIC version */
		e[3] = 1 | (i == 0 ? 2 : 0);    /* enabled, bootstrap processor */
		put32(e, 4, 0x600);             /* family 6 signature */
		put32(e, 8, 0x201);             /* FPU, APIC */
	}
	e = mpc + off;                          /* bus 0: ISA */
	e[0] = 1;
	memcpy(e + 2, "ISA   ", 6);
	off += 8;
	e = mpc + off;                          /* the I/O APIC */
	e[0] = 2;
	e[1] = (uint8_t)ioapic_id;
	e[2] = 0x11;
	e[3] = 1;
	put32(e, 4, MPTABLE_IOAPIC_ADDR);
	off += 8;
	for (unsigned irq = 0; irq < MPTABLE_IRQS; irq++, off += 8) {
		e = mpc + off;                  /* I/O interrupt: ISA irq -> pin irq */
		e[0] = 3;
		e[1] = 0;                       /* INT */
		put16(e, 2, 0);                 /* conforming polarity and trigger */
		e[4] = 0;
		e[5] = (uint8_t)irq;
		e[6] = (uint8_t)ioapic_id;
		e[7] = (uint8_t)irq;
	}
	e = mpc + off;                          /* LINT0: ExtINT (the PIC), all CPUs */
	e[0] = 4;
	e[1] = 3;
	e[6] = 0xff;
	e[7] = 0;
	off += 8;
	e = mpc + off;                          /* LINT1: NMI */
	e[0] = 4;
	e[1] = 1;
	e[6] = 0xff;
	e[7] = 1;
	off += 8;
	put16(mpc, 4, (uint16_t)off);           /* base table length */
	put16(mpc, 34, (uint16_t)(ncpus + 2 + MPTABLE_IRQS + 2)); /* entry count */
	mpc[7] = checksum(mpc, off);
	buf[10] = checksum(buf, 16);
	return (long)(16 + off);
}
