/* check_linux.c - the Linux boot protocol without KVM: bzImage setup-header
 * checks on synthetic images (each bad one a clear error), the zero page,
 * e820 map, command line and initrd placement of a good one, and the MP
 * table's structure and checksums. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "include/frameshift/guest-abi.h"
#include "vmm/linux.h"
#include "tests/unit.h"

#define SETUP_SECTS 30
#define KSIZE (64 * 1024)
#define RAM (64ULL << 20)

static uint8_t *ram;

static void put16(uint8_t *p, size_t o, uint16_t v) { p[o] = (uint8_t)v; p[o + 1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, size_t o, uint32_t v) { put16(p, o, (uint16_t)v); put16(p, o + 2, (uint16_t)(v >> 16)); }
static void put64(uint8_t *p, size_t o, uint64_t v) { put32(p, o, (uint32_t)v); put32(p, o + 4, (uint32_t)(v >> 32)); }
static uint16_t get16(const uint8_t *p, size_t o) { return (uint16_t)(p[o] | p[o + 1] << 8); }
static uint32_t get32(const uint8_t *p, size_t o) { return get16(p, o) | (uint32_t)get16(p, o + 2) << 16; }
static uint64_t get64(const uint8_t *p, size_t o) { return get32(p, o) | (uint64_t)get32(p, o + 4) << 32; }

/* A synthetic bzImage as Debian's 6.1 kernel lays it out: protocol 2.15,
 * relocatable, 2 MiB alignment, 16 MiB preferred address. */
static uint8_t *make_image(size_t *len)
{
	size_t setup = (SETUP_SECTS + 1) * 512;
	uint8_t *img = calloc(1, setup + KSIZE);

	img[0x1f1] = SETUP_SECTS;
	put32(img, 0x1f4, KSIZE / 16);
	put16(img, 0x1fe, 0xaa55);
	img[0x200] = 0xeb;
	img[0x201] = 0x6a; /* header ends at 0x26c */
	put32(img, 0x202, LINUX_HDRS_MAGIC);
	put16(img, 0x206, 0x020f);
	img[0x211] = LOADED_HIGH;
	put32(img, 0x22c, 0x7fffffff);
	put32(img, 0x230, 0x200000);
	img[0x234] = 1;
	put16(img, 0x236, 0x7f);      /* XLF_KERNEL_64 | CAN_BE_LOADED_ABOVE_4G | ... */
	put32(img, 0x238, 2047);
	put64(img, 0x258, 0x1000000);
	put32(img, 0x260, 8 << 20);   /* init_size */
	for (size_t i = 0; i < KSIZE; i++)
		img[setup + i] = (uint8_t)(i * 7 + 1);
	*len = setup + KSIZE;
	return img;
}

static void setup_ram(void)
{
	ram = calloc(1, RAM);
	ck_assert_ptr_nonnull(ram);
}

static void teardown_ram(void)
{
	free(ram);
}

START_TEST(valid_image_layout)
{
	size_t len, setup = (SETUP_SECTS + 1) * 512;
	uint8_t *img = make_image(&len), *zp = ram + LINUX_ZERO_PAGE;
	uint8_t initrd[10000];
	struct linux_image li;
	struct linux_layout lay;
	char err[256] = "";

	memset(initrd, 0x5a, sizeof(initrd));
	ck_assert_int_eq(linux_parse(img, len, &li, err, sizeof(err)), 0);
	ck_assert_uint_eq(li.version, 0x020f);
	ck_assert_uint_eq(li.setup_size, setup);
	ck_assert_uint_eq(li.kernel_size, KSIZE);
	ck_assert_int_eq(linux_load(&li, ram, RAM, "console=ttyS0 quiet", initrd, sizeof(initrd), &lay,
				    err, sizeof(err)), 0);
	/* kernel at its preferred, aligned address; entry 0x200 above it */
	ck_assert_uint_eq(lay.kernel_addr, 0x1000000);
	ck_assert_uint_eq(lay.entry, 0x1000200);
	ck_assert_int_eq(memcmp(ram + 0x1000000, img + setup, KSIZE), 0);
	/* the setup header is copied, the loader's fields filled in */
	ck_assert_uint_eq(get16(zp, 0x1fe), 0xaa55);
	ck_assert_uint_eq(get32(zp, 0x202), LINUX_HDRS_MAGIC);
	ck_assert_uint_eq(zp[0x1f1], SETUP_SECTS);
	ck_assert_uint_eq(zp[0x210], 0xff);
	ck_assert_uint_eq(get32(zp, 0x228), LINUX_CMDLINE);
	ck_assert_str_eq((char *)ram + LINUX_CMDLINE, "console=ttyS0 quiet");
	/* initrd: as high as RAM allows, page aligned, above the kernel's init_size */
	ck_assert_uint_eq(get32(zp, 0x218), lay.initrd_addr);
	ck_assert_uint_eq(get32(zp, 0x21c), sizeof(initrd));
	ck_assert_uint_eq(lay.initrd_addr % 4096, 0);
	ck_assert(lay.initrd_addr + sizeof(initrd) <= RAM);
	ck_assert(lay.initrd_addr + sizeof(initrd) > RAM - 8192);
	ck_assert(lay.initrd_addr >= 0x1000000 + (8 << 20));
	ck_assert_int_eq(memcmp(ram + lay.initrd_addr, initrd, sizeof(initrd)), 0);
	/* e820: low RAM, the reserved MP-table/BIOS area, high RAM, APIC pages */
	ck_assert_uint_eq(zp[0x1e8], 5);
	ck_assert_uint_eq(get64(zp, 0x2d0), 0);
	ck_assert_uint_eq(get64(zp, 0x2d8), LINUX_MPTABLE);
	ck_assert_uint_eq(get32(zp, 0x2e0), E820_RAM);
	ck_assert_uint_eq(get64(zp, 0x2e4), LINUX_MPTABLE);
	ck_assert_uint_eq(get64(zp, 0x2e4 + 8), 0x100000 - LINUX_MPTABLE);
	ck_assert_uint_eq(get32(zp, 0x2e4 + 16), E820_RESERVED);
	ck_assert_uint_eq(get64(zp, 0x2f8), 0x100000);
	ck_assert_uint_eq(get64(zp, 0x300), RAM - 0x100000);
	ck_assert_uint_eq(get32(zp, 0x308), E820_RAM);
	ck_assert_uint_eq(get64(zp, 0x30c), MPTABLE_IOAPIC_ADDR);
	ck_assert_uint_eq(get32(zp, 0x30c + 16), E820_RESERVED);
	free(img);
}
END_TEST

START_TEST(initrd_below_initrd_addr_max)
{
	size_t len;
	uint8_t *img = make_image(&len), initrd[5000] = { 1 };
	struct linux_image li;
	struct linux_layout lay;
	char err[256] = "";

	put32(img, 0x22c, (32 << 20) - 1); /* initrd must end at or below 32 MiB */
	ck_assert_int_eq(linux_parse(img, len, &li, err, sizeof(err)), 0);
	ck_assert_int_eq(linux_load(&li, ram, RAM, NULL, initrd, sizeof(initrd), &lay, err, sizeof(err)), 0);
	ck_assert(lay.initrd_addr + sizeof(initrd) <= 32 << 20);
	ck_assert(lay.initrd_addr >= 24 << 20);
	ck_assert_str_eq((char *)ram + LINUX_CMDLINE, "");
	free(img);
}
END_TEST

/* 5 GiB of RAM: e820 lists low RAM up to the MMIO hole and the rest above
 * 4 GiB, never the hole; kernel and initrd stay below it. (The initrd is
 * capped at 32 MiB so that everything written lies in the test's 64 MiB.) */
START_TEST(e820_ram_above_the_hole)
{
	size_t len;
	uint8_t *img = make_image(&len), initrd[5000] = { 1 }, *zp = ram + LINUX_ZERO_PAGE;
	struct linux_image li;
	struct linux_layout lay;
	char err[256] = "";

	put32(img, 0x22c, (32 << 20) - 1);
	ck_assert_int_eq(linux_parse(img, len, &li, err, sizeof(err)), 0);
	ck_assert_msg(linux_load(&li, ram, 5ULL << 30, NULL, initrd, sizeof(initrd), &lay, err, sizeof(err)) == 0,
		      "%s", err);
	ck_assert_uint_eq(lay.kernel_addr, 0x1000000);
	ck_assert(lay.initrd_addr + sizeof(initrd) <= 32 << 20);
	ck_assert_uint_eq(zp[0x1e8], 6);
	ck_assert_uint_eq(get64(zp, 0x2f8), 0x100000);
	ck_assert_uint_eq(get64(zp, 0x300), FS_LOW_RAM_MAX - 0x100000);
	ck_assert_uint_eq(get32(zp, 0x308), E820_RAM);
	ck_assert_uint_eq(get64(zp, 0x2d0 + 5 * 20), FS_HIGH_RAM_BASE);
	ck_assert_uint_eq(get64(zp, 0x2d0 + 5 * 20 + 8), 2ULL << 30);
	ck_assert_uint_eq(get32(zp, 0x2d0 + 5 * 20 + 16), E820_RAM);
	free(img);
}
END_TEST

enum bad { BAD_SHORT, BAD_MAGIC, BAD_BOOT_FLAG, BAD_VERSION, BAD_NO64, BAD_TRUNCATED, BAD_SETUP_SECTS,
	   BAD_SETUP_PAST_END, BAD_ZIMAGE, BAD_ALIGN, BAD_NR };

static const char *const bad_msg[BAD_NR] = {
	[BAD_SHORT] = "too short for a setup header",
	[BAD_MAGIC] = "not a Linux bzImage",
	[BAD_BOOT_FLAG] = "not a Linux bzImage",
	[BAD_VERSION] = "boot protocol 2.11 is too old",
	[BAD_NO64] = "no 64-bit entry point",
	[BAD_TRUNCATED] = "truncated bzImage",
	[BAD_SETUP_SECTS] = "setup_sects 200 is out of range",
	[BAD_SETUP_PAST_END] = "truncated bzImage",
	[BAD_ZIMAGE] = "zImage",
	[BAD_ALIGN] = "bad kernel_alignment",
};

START_TEST(parse_rejects)
{
	size_t len;
	uint8_t *img = make_image(&len);
	struct linux_image li;
	char err[256] = "";

	switch (_i) {
	case BAD_SHORT: len = 0x200; break;
	case BAD_MAGIC: memcpy(img + 0x202, "HdrX", 4); break;
	case BAD_BOOT_FLAG: put16(img, 0x1fe, 0); break;
	case BAD_VERSION: put16(img, 0x206, 0x020b); break;
	case BAD_NO64: put16(img, 0x236, 0x7e); break;
	case BAD_TRUNCATED: len -= 100; break;
	case BAD_SETUP_SECTS: img[0x1f1] = 200; break;
	case BAD_SETUP_PAST_END: len = (SETUP_SECTS + 1) * 512; break;
	case BAD_ZIMAGE: img[0x211] = 0; break;
	case BAD_ALIGN: put32(img, 0x230, 0x300000); break;
	}
	ck_assert_int_eq(linux_parse(img, len, &li, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, bad_msg[_i]), "case %d: '%s' lacks '%s'", _i, err, bad_msg[_i]);
	free(img);
}
END_TEST

enum load_bad { LB_CMDLINE, LB_INITRD_BIG, LB_INITRD_MAX, LB_RAM, LB_PREF_WRAP, LB_NR };

START_TEST(load_rejects)
{
	static const char *const msg[LB_NR] = {
		[LB_CMDLINE] = "longer than the 100 the kernel accepts",
		[LB_INITRD_BIG] = "does not fit",
		[LB_INITRD_MAX] = "initrd_addr_max 0x17fffff",
		[LB_RAM] = "give more --mem",
		[LB_PREF_WRAP] = "pref_address 0xffffffffffffefff rounded up to kernel_alignment 0x200000 passes 2^64",
	};
	size_t len, ilen = 4096;
	uint8_t *img = make_image(&len), *initrd = calloc(1, 64 << 20);
	struct linux_image li;
	struct linux_layout lay;
	char cmdline[200], err[256] = "";
	uint64_t ram_size = RAM;

	memset(cmdline, 'a', sizeof(cmdline) - 1);
	cmdline[sizeof(cmdline) - 1] = '\0';
	switch (_i) {
	case LB_CMDLINE: put32(img, 0x238, 100); break;
	case LB_INITRD_BIG: ilen = 60 << 20; break;
	case LB_INITRD_MAX: put32(img, 0x22c, (24 << 20) - 1); break; /* ends inside init_size */
	case LB_RAM: ram_size = 20 << 20; break; /* 16 MiB + 8 MiB init_size does not fit */
	case LB_PREF_WRAP: put64(img, 0x258, ~0ULL - 0x1000); break; /* aligned up, it was 0 */
	}
	ck_assert_int_eq(linux_parse(img, len, &li, err, sizeof(err)), 0);
	memset(ram, 0xcc, 1 << 20);
	ck_assert_int_eq(linux_load(&li, ram, ram_size, _i == LB_CMDLINE ? cmdline : "x",
				    initrd, ilen, &lay, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, msg[_i]), "case %d: '%s' lacks '%s'", _i, err, msg[_i]);
	/* nothing written on failure */
	ck_assert_uint_eq(ram[LINUX_ZERO_PAGE], 0xcc);
	free(initrd);
	free(img);
}
END_TEST

START_TEST(mptable_structure)
{
	uint8_t buf[0x60400];
	uint8_t sum = 0, *mpc;
	unsigned ncpus = 4, count, len;
	long n = mptable_write(buf, sizeof(buf), LINUX_MPTABLE, ncpus);

	ck_assert(n > 0);
	ck_assert_int_eq(memcmp(buf, "_MP_", 4), 0);
	ck_assert_uint_eq(get32(buf, 4), LINUX_MPTABLE + 16);
	for (int i = 0; i < 16; i++)
		sum = (uint8_t)(sum + buf[i]);
	ck_assert_uint_eq(sum, 0);
	mpc = buf + 16;
	ck_assert_int_eq(memcmp(mpc, "PCMP", 4), 0);
	len = get16(mpc, 4);
	ck_assert_uint_eq(len + 16, (unsigned)n);
	sum = 0;
	for (unsigned i = 0; i < len; i++)
		sum = (uint8_t)(sum + mpc[i]);
	ck_assert_uint_eq(sum, 0);
	ck_assert_uint_eq(get32(mpc, 36), MPTABLE_LAPIC_ADDR);
	count = get16(mpc, 34);
	ck_assert_uint_eq(count, ncpus + 2 + MPTABLE_IRQS + 2);
	/* walk the entries: sizes by type, CPUs first with the BSP flagged */
	unsigned off = 44, cpus = 0, ioapics = 0, ints = 0, lints = 0;
	for (unsigned i = 0; i < count; i++) {
		uint8_t *e = mpc + off;

		switch (e[0]) {
		case 0:
			ck_assert_uint_eq(e[1], cpus);
			ck_assert_uint_eq(e[3], cpus == 0 ? 3 : 1);
			cpus++;
			off += 20;
			break;
		case 1: ck_assert_int_eq(memcmp(e + 2, "ISA   ", 6), 0); off += 8; break;
		case 2:
			ck_assert_uint_eq(e[1], ncpus);
			ck_assert_uint_eq(get32(e, 4), MPTABLE_IOAPIC_ADDR);
			ioapics++;
			off += 8;
			break;
		case 3:
			ck_assert_uint_eq(e[5], ints);
			ck_assert_uint_eq(e[7], ints);
			ck_assert_uint_eq(e[6], ncpus);
			ints++;
			off += 8;
			break;
		case 4: lints++; off += 8; break;
		default: ck_abort_msg("bad entry type %u", e[0]);
		}
	}
	ck_assert_uint_eq(off, len);
	ck_assert_uint_eq(cpus, ncpus);
	ck_assert_uint_eq(ioapics, 1);
	ck_assert_uint_eq(ints, MPTABLE_IRQS);
	ck_assert_uint_eq(lints, 2);
	ck_assert_int_eq(mptable_write(buf, 100, LINUX_MPTABLE, ncpus), -1);
	ck_assert_int_eq(mptable_write(buf, sizeof(buf), LINUX_MPTABLE, 0), -1);
	/* 64 vCPUs still fit the reserved area below 1 MiB */
	ck_assert(mptable_write(buf, 0x100000 - LINUX_MPTABLE, LINUX_MPTABLE, 64) > 0);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("linux");
	TCase *tp = tcase_create("bzImage");
	TCase *tm = tcase_create("mptable");

	tcase_add_checked_fixture(tp, setup_ram, teardown_ram);
	tcase_add_test(tp, valid_image_layout);
	tcase_add_test(tp, initrd_below_initrd_addr_max);
	tcase_add_test(tp, e820_ram_above_the_hole);
	tcase_add_loop_test(tp, parse_rejects, 0, BAD_NR);
	tcase_add_loop_test(tp, load_rejects, 0, LB_NR);
	tcase_set_timeout(tp, 30);
	suite_add_tcase(s, tp);
	tcase_add_test(tm, mptable_structure);
	suite_add_tcase(s, tm);
	return s;
}
