/* check_boot.c - the boot image: the ELF loader (each segment inside one RAM
 * range) and the boot page tables, and the whole of frame 0 as vm_load_guest
 * builds it (the device tree itself: check_fdt.c). */
#include <check.h>
#include <elf.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "vmm/boot.h"
#include "vmm/fdt.h"
#include "include/frameshift/guest-abi.h"
#include "tests/unit.h"

/* ---- ELF loader ---- */

#define RAM_SIZE (4ULL << 20)
#define RAM_FILL 0xa5
#define LOAD_ADDR 0x100000ULL
#define SEG_OFF 0x200
#define SEG_FILESZ 0x100
#define SEG_MEMSZ 0x1000
#define IMG_MAX 0x1000

struct image {
	uint8_t b[IMG_MAX];
	size_t len;
};

static Elf64_Ehdr *ehdr(struct image *im) { return (Elf64_Ehdr *)im->b; }
static Elf64_Phdr *phdr(struct image *im, unsigned i)
{
	return (Elf64_Phdr *)(im->b + sizeof(Elf64_Ehdr) + i * sizeof(Elf64_Phdr));
}

static uint8_t seg_byte(size_t i) { return (uint8_t)(i * 7 + 1); }

/* A valid image: one RX PT_LOAD at 1 MiB, 0x100 bytes of file, 0x1000 of memory. */
static void make_image(struct image *im)
{
	Elf64_Ehdr *e = ehdr(im);
	Elf64_Phdr *ph = phdr(im, 0);

	memset(im, 0, sizeof(*im));
	memcpy(e->e_ident, ELFMAG, SELFMAG);
	e->e_ident[EI_CLASS] = ELFCLASS64;
	e->e_ident[EI_DATA] = ELFDATA2LSB;
	e->e_ident[EI_VERSION] = EV_CURRENT;
	e->e_type = ET_EXEC;
	e->e_machine = EM_X86_64;
	e->e_version = EV_CURRENT;
	e->e_entry = LOAD_ADDR + 0x10;
	e->e_phoff = sizeof(Elf64_Ehdr);
	e->e_ehsize = sizeof(Elf64_Ehdr);
	e->e_phentsize = sizeof(Elf64_Phdr);
	e->e_phnum = 1;
	ph->p_type = PT_LOAD;
	ph->p_flags = PF_R | PF_X;
	ph->p_offset = SEG_OFF;
	ph->p_vaddr = ph->p_paddr = LOAD_ADDR;
	ph->p_filesz = SEG_FILESZ;
	ph->p_memsz = SEG_MEMSZ;
	ph->p_align = 0x1000;
	for (size_t i = 0; i < SEG_FILESZ; i++)
		im->b[SEG_OFF + i] = seg_byte(i);
	im->len = SEG_OFF + SEG_FILESZ;
}

/* Guest RAM for the loader tests; static so that a failed assertion (which
 * leaves the test early) leaks nothing under CK_FORK=no. */
static uint8_t test_ram[RAM_SIZE];

static uint8_t *new_ram(void)
{
	memset(test_ram, RAM_FILL, RAM_SIZE);
	return test_ram;
}

/* The first byte of ram in [from, to) that is not val, or to: one assert per
 * range, not per byte (a per-byte ck_assert over megabytes takes tens of
 * seconds under ASan). */
static uint64_t first_byte_not(const uint8_t *ram, uint64_t from, uint64_t to, uint8_t val)
{
	while (from < to && ram[from] == val)
		from++;
	return from;
}

static bool ram_untouched(const uint8_t *ram, uint64_t *first_diff)
{
	*first_diff = first_byte_not(ram, 0, RAM_SIZE, RAM_FILL);
	return *first_diff == RAM_SIZE;
}

START_TEST(elf_valid)
{
	struct image im;
	uint8_t *ram = new_ram();
	struct fdt_params fp = { .nreserved = 1, .reserved = { { 0, FS_BOOT_RESERVED_END } } };
	uint64_t entry = 0;
	char err[256] = "";

	make_image(&im);
	ck_assert_msg(elf_load(&ELF_SOURCE_MEM(im.b, im.len), ram, RAM_SIZE, &entry, &fp, err, sizeof(err)) == 0,
		      "elf_load: %s", err);
	ck_assert_uint_eq(entry, LOAD_ADDR + 0x10);
	/* file bytes copied */
	for (size_t i = 0; i < SEG_FILESZ; i++)
		ck_assert_uint_eq(ram[LOAD_ADDR + i], seg_byte(i));
	/* the tail up to memsz is zeroed */
	ck_assert_uint_eq(first_byte_not(ram, LOAD_ADDR + SEG_FILESZ, LOAD_ADDR + SEG_MEMSZ, 0),
			  LOAD_ADDR + SEG_MEMSZ);
	/* nothing else touched */
	ck_assert_uint_eq(ram[LOAD_ADDR - 1], RAM_FILL);
	ck_assert_uint_eq(ram[LOAD_ADDR + SEG_MEMSZ], RAM_FILL);
	ck_assert_uint_eq(first_byte_not(ram, 0, LOAD_ADDR, RAM_FILL), LOAD_ADDR);
	ck_assert_uint_eq(first_byte_not(ram, LOAD_ADDR + SEG_MEMSZ, RAM_SIZE, RAM_FILL), RAM_SIZE);
	/* the segment is reserved after what was there */
	ck_assert_uint_eq(fp.nreserved, 2);
	ck_assert_uint_eq(fp.reserved[0].base, 0);
	ck_assert_uint_eq(fp.reserved[0].size, FS_BOOT_RESERVED_END);
	ck_assert_uint_eq(fp.reserved[1].base, LOAD_ADDR);
	ck_assert_uint_eq(fp.reserved[1].size, SEG_MEMSZ);
}
END_TEST

START_TEST(elf_valid_multi_segment)
{
	/* text RX at 1 MiB, a note and an empty PT_LOAD (both ignored), then
	 * RW data+bss at 2 MiB; the entry is in the text */
	struct image im;
	uint8_t *ram = new_ram();
	struct fdt_params fp = { 0 };
	uint64_t entry = 0;
	char err[256] = "";
	Elf64_Phdr *ph;

	make_image(&im);
	ehdr(&im)->e_phnum = 4;
	ehdr(&im)->e_entry = LOAD_ADDR + SEG_MEMSZ - 1; /* last byte of text */
	ph = phdr(&im, 1);
	ph->p_type = PT_NOTE;
	ph->p_offset = 0;
	ph->p_paddr = 0; /* would be rejected if it were loaded */
	ph->p_filesz = ph->p_memsz = 0x40;
	ph = phdr(&im, 2);
	ph->p_type = PT_LOAD;
	ph->p_paddr = 0x10; /* empty: ignored */
	ph = phdr(&im, 3);
	ph->p_type = PT_LOAD;
	ph->p_flags = PF_R | PF_W;
	ph->p_offset = SEG_OFF + 0x10;
	ph->p_vaddr = ph->p_paddr = 2 * LOAD_ADDR;
	ph->p_filesz = 0x20;
	ph->p_memsz = 0x3000;

	ck_assert_msg(elf_load(&ELF_SOURCE_MEM(im.b, im.len), ram, RAM_SIZE, &entry, &fp, err, sizeof(err)) == 0,
		      "elf_load: %s", err);
	ck_assert_uint_eq(entry, LOAD_ADDR + SEG_MEMSZ - 1);
	ck_assert_uint_eq(ram[LOAD_ADDR], seg_byte(0));
	for (size_t i = 0; i < 0x20; i++)
		ck_assert_uint_eq(ram[2 * LOAD_ADDR + i], seg_byte(0x10 + i));
	for (size_t i = 0x20; i < 0x3000; i++)
		ck_assert_uint_eq(ram[2 * LOAD_ADDR + i], 0);
	ck_assert_uint_eq(ram[2 * LOAD_ADDR + 0x3000], RAM_FILL);
	ck_assert_uint_eq(ram[0x10], RAM_FILL);
	ck_assert_uint_eq(ram[0], RAM_FILL);
	ck_assert_uint_eq(fp.nreserved, 2);
	ck_assert_uint_eq(fp.reserved[0].base, LOAD_ADDR);
	ck_assert_uint_eq(fp.reserved[0].size, SEG_MEMSZ);
	ck_assert_uint_eq(fp.reserved[1].base, 2 * LOAD_ADDR);
	ck_assert_uint_eq(fp.reserved[1].size, 0x3000);
}
END_TEST

START_TEST(elf_valid_at_end_of_ram)
{
	/* a segment ending exactly at the end of RAM fits */
	struct image im;
	uint8_t *ram = new_ram();
	struct fdt_params fp = { 0 };
	uint64_t entry = 0;
	char err[256] = "";

	make_image(&im);
	phdr(&im, 0)->p_paddr = RAM_SIZE - SEG_MEMSZ;
	ehdr(&im)->e_entry = RAM_SIZE - SEG_MEMSZ;
	ck_assert_msg(elf_load(&ELF_SOURCE_MEM(im.b, im.len), ram, RAM_SIZE, &entry, &fp, err, sizeof(err)) == 0,
		      "elf_load: %s", err);
	ck_assert_uint_eq(entry, RAM_SIZE - SEG_MEMSZ);
	ck_assert_uint_eq(ram[RAM_SIZE - SEG_MEMSZ], seg_byte(0));
	ck_assert_uint_eq(ram[RAM_SIZE - 1], 0);
}
END_TEST

/* With 5 GiB of RAM, RAM is [0, 3 GiB) and [4 GiB, 6 GiB): a segment in the
 * hole, across its edge or past high RAM is refused like one past RAM. */
START_TEST(elf_check_high_ram)
{
	static const struct {
		uint64_t paddr;
		bool ok;
	} cases[] = {
		{ FS_LOW_RAM_MAX - SEG_MEMSZ, true },
		{ FS_LOW_RAM_MAX - SEG_MEMSZ + 1, false }, /* into the hole */
		{ FS_LOW_RAM_MAX, false },
		{ FS_HIGH_RAM_BASE - SEG_MEMSZ, false },
		{ FS_HIGH_RAM_BASE - 1, false },           /* from the hole into high RAM */
		{ FS_HIGH_RAM_BASE, true },
		{ (6ULL << 30) - SEG_MEMSZ, true },
		{ (6ULL << 30) - SEG_MEMSZ + 1, false },
		{ 5ULL << 30, true },                       /* the size, a GPA in high RAM */
		{ 6ULL << 30, false },
	};
	struct elf_extent ext;
	char err[256];

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		struct image im;

		make_image(&im);
		phdr(&im, 0)->p_paddr = cases[i].paddr;
		ehdr(&im)->e_entry = cases[i].paddr;
		err[0] = '\0';
		ck_assert_msg((elf_check(&ELF_SOURCE_MEM(im.b, im.len), 5ULL << 30, &ext, err, sizeof(err)) == 0) == cases[i].ok,
			      "segment at 0x%llx: %s", (unsigned long long)cases[i].paddr, err[0] ? err : "accepted");
		if (!cases[i].ok)
			ck_assert_ptr_nonnull(strstr(err, "guest RAM"));
	}
}
END_TEST

enum bad_elf {
	BAD_EMPTY, BAD_TRUNC_HDR, BAD_MAGIC, BAD_CLASS32, BAD_BIG_ENDIAN, BAD_MACHINE,
	BAD_ET_DYN, BAD_PHOFF, BAD_PHOFF_HUGE, BAD_PHNUM, BAD_PHNUM_MAX, BAD_PHENTSIZE,
	BAD_PHNUM_ZERO, BAD_SEG_PAST_FILE, BAD_SEG_OFFSET_HUGE, BAD_FILESZ_GT_MEMSZ,
	BAD_PADDR_LOW, BAD_PADDR_ZERO, BAD_PAST_RAM, BAD_PADDR_AT_RAM_END, BAD_PADDR_WRAP,
	BAD_MEMSZ_WRAP, BAD_ENTRY_NOWHERE, BAD_ENTRY_NOT_EXEC, BAD_ENTRY_ONE_PAST,
	BAD_NO_LOAD, BAD_ONLY_EMPTY_LOAD, BAD_SECOND_SEGMENT,
	BAD_NR
};

static const struct {
	const char *name;
	const char *msg; /* a word the error must contain */
} bad_elf_info[BAD_NR] = {
	[BAD_EMPTY] = { "empty file", "ELF" },
	[BAD_TRUNC_HDR] = { "truncated header", "ELF" },
	[BAD_MAGIC] = { "bad magic", "magic" },
	[BAD_CLASS32] = { "ELFCLASS32", "ELF64" },
	[BAD_BIG_ENDIAN] = { "big-endian", "ELF64" },
	[BAD_MACHINE] = { "wrong machine", "x86-64" },
	[BAD_ET_DYN] = { "ET_DYN", "executable" },
	[BAD_PHOFF] = { "phoff beyond file", "program header" },
	[BAD_PHOFF_HUGE] = { "phoff near UINT64_MAX", "program header" },
	[BAD_PHNUM] = { "phnum*phentsize beyond file", "program header" },
	[BAD_PHNUM_MAX] = { "phnum 0xffff", "program header" },
	[BAD_PHENTSIZE] = { "wrong phentsize", "program header" },
	[BAD_PHNUM_ZERO] = { "no program headers", "program header" },
	[BAD_SEG_PAST_FILE] = { "segment offset+filesz beyond file", "outside the file" },
	[BAD_SEG_OFFSET_HUGE] = { "segment offset near UINT64_MAX", "outside the file" },
	[BAD_FILESZ_GT_MEMSZ] = { "filesz > memsz", "segment 0" },
	[BAD_PADDR_LOW] = { "paddr below 1 MiB", "1 MiB" },
	[BAD_PADDR_ZERO] = { "paddr 0 (over the boot tables)", "1 MiB" },
	[BAD_PAST_RAM] = { "paddr+memsz beyond RAM", "guest RAM" },
	[BAD_PADDR_AT_RAM_END] = { "paddr at the end of RAM", "guest RAM" },
	[BAD_PADDR_WRAP] = { "paddr near UINT64_MAX", "guest RAM" },
	[BAD_MEMSZ_WRAP] = { "memsz near UINT64_MAX", "guest RAM" },
	[BAD_ENTRY_NOWHERE] = { "entry outside any segment", "entry point" },
	[BAD_ENTRY_NOT_EXEC] = { "entry in a non-executable segment", "entry point" },
	[BAD_ENTRY_ONE_PAST] = { "entry one past the executable segment", "entry point" },
	[BAD_NO_LOAD] = { "no PT_LOAD", "no loadable" },
	[BAD_ONLY_EMPTY_LOAD] = { "only an empty PT_LOAD", "no loadable" },
	[BAD_SECOND_SEGMENT] = { "second segment beyond RAM after a good first", "segment 1" },
};

static void make_bad(struct image *im, enum bad_elf which)
{
	Elf64_Ehdr *e = ehdr(im);
	Elf64_Phdr *ph = phdr(im, 0);

	make_image(im);
	switch (which) {
	case BAD_EMPTY: im->len = 0; break;
	case BAD_TRUNC_HDR: im->len = sizeof(Elf64_Ehdr) - 1; break;
	case BAD_MAGIC: e->e_ident[EI_MAG1] = 'X'; break;
	case BAD_CLASS32: e->e_ident[EI_CLASS] = ELFCLASS32; break;
	case BAD_BIG_ENDIAN: e->e_ident[EI_DATA] = ELFDATA2MSB; break;
	case BAD_MACHINE: e->e_machine = EM_AARCH64; break;
	case BAD_ET_DYN: e->e_type = ET_DYN; break;
	case BAD_PHOFF: e->e_phoff = im->len + 1; break;
	case BAD_PHOFF_HUGE: e->e_phoff = UINT64_MAX - 8; break;
	case BAD_PHNUM: e->e_phnum = (uint16_t)((im->len - sizeof(Elf64_Ehdr)) / sizeof(Elf64_Phdr) + 1); break;
	case BAD_PHNUM_MAX: e->e_phnum = 0xffff; break;
	case BAD_PHENTSIZE: e->e_phentsize = 32; break;
	case BAD_PHNUM_ZERO: e->e_phnum = 0; break;
	case BAD_SEG_PAST_FILE: ph->p_filesz = im->len - SEG_OFF + 1; break;
	case BAD_SEG_OFFSET_HUGE: ph->p_offset = UINT64_MAX - 0x10; break;
	case BAD_FILESZ_GT_MEMSZ: ph->p_memsz = SEG_FILESZ - 1; break;
	case BAD_PADDR_LOW:
		ph->p_paddr = LOAD_ADDR - 0x1000;
		e->e_entry = ph->p_paddr;
		break;
	case BAD_PADDR_ZERO:
		ph->p_paddr = 0;
		e->e_entry = 0x10;
		break;
	case BAD_PAST_RAM:
		ph->p_paddr = RAM_SIZE - SEG_MEMSZ + 1;
		e->e_entry = ph->p_paddr;
		break;
	case BAD_PADDR_AT_RAM_END:
		ph->p_paddr = RAM_SIZE;
		e->e_entry = ph->p_paddr;
		break;
	case BAD_PADDR_WRAP:
		ph->p_paddr = UINT64_MAX - 0xfff;
		e->e_entry = ph->p_paddr;
		break;
	case BAD_MEMSZ_WRAP: ph->p_memsz = UINT64_MAX - LOAD_ADDR + 2; break;
	case BAD_ENTRY_NOWHERE: e->e_entry = 2 * LOAD_ADDR; break;
	case BAD_ENTRY_NOT_EXEC: ph->p_flags = PF_R | PF_W; break;
	case BAD_ENTRY_ONE_PAST: e->e_entry = LOAD_ADDR + SEG_MEMSZ; break;
	case BAD_NO_LOAD: ph->p_type = PT_NOTE; break;
	case BAD_ONLY_EMPTY_LOAD: ph->p_memsz = 0; ph->p_filesz = 0; break;
	case BAD_SECOND_SEGMENT:
		e->e_phnum = 2;
		*phdr(im, 1) = *ph;
		phdr(im, 1)->p_paddr = RAM_SIZE - 0x10;
		break;
	case BAD_NR: break;
	}
}

START_TEST(elf_rejects)
{
	enum bad_elf which = (enum bad_elf)_i;
	const char *name = bad_elf_info[which].name;
	struct image im;
	uint8_t *ram = new_ram();
	struct fdt_params fp = { .nreserved = 1, .reserved = { { 0, FS_BOOT_RESERVED_END } } };
	uint64_t entry = 0x5555, diff = 0;
	char err[256] = "";

	make_bad(&im, which);
	ck_assert_msg(elf_load(&ELF_SOURCE_MEM(im.b, im.len), ram, RAM_SIZE, &entry, &fp, err, sizeof(err)) == -1,
		      "%s: accepted", name);
	ck_assert_msg(err[0] != '\0', "%s: no message", name);
	ck_assert_msg(strstr(err, bad_elf_info[which].msg) != NULL, "%s: message '%s' lacks '%s'",
		      name, err, bad_elf_info[which].msg);
	ck_assert_msg(entry == 0x5555, "%s: entry written", name);
	/* a rejected image leaves guest RAM and the reservations as they were */
	ck_assert_msg(ram_untouched(ram, &diff), "%s: RAM changed at 0x%llx (err '%s')",
		      name, (unsigned long long)diff, err);
	ck_assert_msg(fp.nreserved == 1, "%s: %u reservations after rejection", name, fp.nreserved);
}
END_TEST

/* ---- boot page tables ---- */

#define PTE_P  (1ULL << 0)
#define PTE_W  (1ULL << 1)
#define PTE_U  (1ULL << 2)
#define PTE_PS (1ULL << 7)
#define PTE_ADDR 0x000ffffffffff000ULL
#define PAGE_2M (2ULL << 20)

/* Walk the boot page tables like the MMU: the physical address of va, or
 * UINT64_MAX if it is not mapped present+writable+user by a 2 MiB page. */
static uint64_t translate(const uint8_t *ram, uint64_t cr3, uint64_t va)
{
	const uint64_t *pml4 = (const uint64_t *)(ram + cr3);
	uint64_t e = pml4[(va >> 39) & 511];
	const uint64_t *pdpt, *pd;
	const uint64_t need = PTE_P | PTE_W | PTE_U;

	if ((e & need) != need)
		return UINT64_MAX;
	pdpt = (const uint64_t *)(ram + (e & PTE_ADDR));
	e = pdpt[(va >> 30) & 511];
	if ((e & need) != need || (e & PTE_PS))
		return UINT64_MAX;
	pd = (const uint64_t *)(ram + (e & PTE_ADDR));
	e = pd[(va >> 21) & 511];
	if ((e & need) != need || !(e & PTE_PS))
		return UINT64_MAX;
	return (e & PTE_ADDR & ~(PAGE_2M - 1)) | (va & (PAGE_2M - 1));
}

START_TEST(boot_tables)
{
	uint8_t *ram = new_ram();
	struct fdt_params fp = { .nreserved = 2, .reserved = { { 1, 2 }, { 3, 4 } } };
	const uint64_t *gdt = (const uint64_t *)(ram + FS_BOOT_GDT);
	const uint64_t *pml4 = (const uint64_t *)(ram + FS_BOOT_PML4);
	const uint64_t *pdpt = (const uint64_t *)(ram + FS_BOOT_PDPT);
	const uint64_t *pd = (const uint64_t *)(ram + FS_BOOT_PD);

	boot_write_tables(ram, &fp);

	/* GDT: null, 64-bit code at 0x08, data at 0x10 */
	ck_assert_uint_eq(gdt[0], 0);
	ck_assert(gdt[1] & (1ULL << 47));              /* present */
	ck_assert(gdt[1] & (1ULL << 44));              /* code/data, not system */
	ck_assert(gdt[1] & (1ULL << 43));              /* executable */
	ck_assert(gdt[1] & (1ULL << 53));              /* L: 64-bit */
	ck_assert(!(gdt[1] & (1ULL << 54)));           /* D clear with L */
	ck_assert_uint_eq((gdt[1] >> 45) & 3, 0);      /* DPL 0 */
	ck_assert(gdt[2] & (1ULL << 47));              /* present */
	ck_assert(!(gdt[2] & (1ULL << 43)));           /* data */
	ck_assert(gdt[2] & (1ULL << 41));              /* writable */

	/* PML4[0] -> PDPT, PDPT[0..64] -> the 65 PDs, the rest empty */
	ck_assert_uint_eq(FS_BOOT_NPD, 65); /* 64 GiB of RAM and the 1 GiB hole */
	ck_assert_uint_eq(pml4[0], FS_BOOT_PDPT | PTE_P | PTE_W | PTE_U);
	for (int i = 1; i < 512; i++)
		ck_assert_uint_eq(pml4[i], 0);
	for (uint64_t i = 0; i < FS_BOOT_NPD; i++)
		ck_assert_uint_eq(pdpt[i], (FS_BOOT_PD + i * 0x1000) | PTE_P | PTE_W | PTE_U);
	for (uint64_t i = FS_BOOT_NPD; i < 512; i++)
		ck_assert_uint_eq(pdpt[i], 0);
	/* identity 2 MiB pages cover [0, 65 GiB): the highest RAM of the largest guest */
	for (uint64_t i = 0; i < FS_BOOT_NPD * 512; i++)
		ck_assert_uint_eq(pd[i], (i << 21) | PTE_P | PTE_W | PTE_U | PTE_PS);

	/* and an MMU walk agrees */
	static const uint64_t vas[] = {
		0, 0x1234, FS_BOOT_FDT, 0x100000, 0x3fffff, 0x40000000, 0xbfffffff,
		FS_MMIO_BASE, FS_HIGH_RAM_BASE, FS_HIGH_RAM_BASE + FS_RAM_MAX - FS_LOW_RAM_MAX - 1,
		FS_IDENTITY_MAP_END - 1,
	};
	for (unsigned i = 0; i < ARRAY_SIZE(vas); i++)
		ck_assert_uint_eq(translate(ram, FS_BOOT_PML4, vas[i]), vas[i]);
	ck_assert_uint_eq(translate(ram, FS_BOOT_PML4, FS_IDENTITY_MAP_END), UINT64_MAX);

	/* the rest of the boot area (FDT space included) is cleared, and only it */
	ck_assert_uint_eq(first_byte_not(ram, FS_BOOT_PD + FS_BOOT_NPD * 0x1000, FS_BOOT_RESERVED_END, 0),
			  FS_BOOT_RESERVED_END);
	ck_assert_uint_eq(first_byte_not(ram, 0, FS_BOOT_GDT, 0), FS_BOOT_GDT);
	ck_assert_uint_eq(ram[FS_BOOT_RESERVED_END], RAM_FILL);
	ck_assert_uint_eq(ram[RAM_SIZE - 1], RAM_FILL);

	/* the boot area is appended to the reservations */
	ck_assert_uint_eq(fp.nreserved, 3);
	ck_assert_uint_eq(fp.reserved[0].base, 1);
	ck_assert_uint_eq(fp.reserved[1].base, 3);
	ck_assert_uint_eq(fp.reserved[2].base, 0);
	ck_assert_uint_eq(fp.reserved[2].size, FS_BOOT_RESERVED_END);
	ck_assert_uint_ge(FS_BOOT_RESERVED_END, FS_BOOT_FDT + FS_BOOT_FDT_MAX);
}
END_TEST

START_TEST(boot_image_end_to_end)
{
	/* what vm_load_guest does: tables, ELF, then the FDT inside frame 0 */
	uint8_t *ram = new_ram();
	struct fdt_params fp = { .mem_size = RAM_SIZE, .ncpus = 2, .bootargs = "a=b" };
	struct image im;
	uint64_t entry = 0, addr, size;
	char err[256] = "";
	void *fdt = ram + FS_BOOT_FDT;

	boot_write_tables(ram, &fp);
	make_image(&im);
	ck_assert_msg(elf_load(&ELF_SOURCE_MEM(im.b, im.len), ram, RAM_SIZE, &entry, &fp, err, sizeof(err)) == 0,
		      "%s", err);
	ck_assert_int_eq(fdt_build(fdt, FS_BOOT_FDT_MAX, &fp), 0);
	ck_assert_int_eq(fdt_check_header(fdt), 0);
	ck_assert_uint_le(fdt_totalsize(fdt), FS_BOOT_FDT_MAX);
	ck_assert_int_eq(fdt_num_mem_rsv(fdt), 2);
	ck_assert_int_eq(fdt_get_mem_rsv(fdt, 0, &addr, &size), 0);
	ck_assert_uint_eq(addr, 0);
	ck_assert_uint_eq(size, FS_BOOT_RESERVED_END);
	ck_assert_int_eq(fdt_get_mem_rsv(fdt, 1, &addr, &size), 0);
	ck_assert_uint_eq(addr, LOAD_ADDR);
	ck_assert_uint_eq(size, SEG_MEMSZ);
	/* the tables survived the FDT */
	ck_assert_uint_eq(translate(ram, FS_BOOT_PML4, entry), entry);
}
END_TEST
static Suite *make_suite(void)
{
	Suite *s = suite_create("boot");
	TCase *te = tcase_create("elf");
	TCase *tb = tcase_create("boot");

	tcase_add_test(te, elf_valid);
	tcase_add_test(te, elf_valid_multi_segment);
	tcase_add_test(te, elf_valid_at_end_of_ram);
	tcase_add_test(te, elf_check_high_ram);
	tcase_add_loop_test(te, elf_rejects, 0, BAD_NR);
	tcase_set_timeout(te, 30);
	suite_add_tcase(s, te);

	tcase_add_test(tb, boot_tables);
	tcase_add_test(tb, boot_image_end_to_end);
	suite_add_tcase(s, tb);
	return s;
}
