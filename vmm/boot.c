/* boot.c - ELF loading, boot page tables and the long-mode entry state. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm/boot.h"
#include "include/frameshift/guest-abi.h"

static void add_reserved(struct fdt_params *fp, uint64_t base, uint64_t size)
{
	if (fp->nreserved < FDT_MAX_RESERVED)
		fp->reserved[fp->nreserved++] = (struct fdt_region){ base, size };
}

int read_file(const char *path, size_t max, uint8_t **buf, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t off = 0;

	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
		snprintf(err, errlen, "%s: not a regular file of at most %zu MiB", path, max >> 20);
		close(fd);
		return -1;
	}
	*buf = malloc((size_t)st.st_size + 1);
	if (!*buf) {
		close(fd);
		snprintf(err, errlen, "out of memory reading %s", path);
		return -1;
	}
	while (off < (size_t)st.st_size) {
		ssize_t n = read(fd, *buf + off, (size_t)st.st_size - off);

		if (n <= 0) {
			snprintf(err, errlen, "cannot read %s: %s", path, n ? strerror(errno) : "short file");
			free(*buf);
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	close(fd);
	*len = off;
	return 0;
}

#define ELF_FAIL(...)                                  \
	do {                                           \
		snprintf(err, errlen, __VA_ARGS__);    \
		return -1;                             \
	} while (0)

int elf_check(const uint8_t *img, size_t len, uint64_t ram_size, struct elf_extent *ext,
	      char *err, size_t errlen)
{
	Elf64_Ehdr eh;
	bool entry_ok = false;

	memset(ext, 0, sizeof(*ext));
	if (len < sizeof(eh))
		ELF_FAIL("not an ELF file: only %zu bytes", len);
	memcpy(&eh, img, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG))
		ELF_FAIL("not an ELF file (bad magic)");
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB)
		ELF_FAIL("not a little-endian ELF64 file");
	if (eh.e_type != ET_EXEC || eh.e_machine != EM_X86_64)
		ELF_FAIL("not an x86-64 executable (type %u, machine %u)", eh.e_type, eh.e_machine);
	if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 ||
	    eh.e_phoff > len || (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr) > len - eh.e_phoff)
		ELF_FAIL("bad program header table (offset %llu, %u entries)",
			 (unsigned long long)eh.e_phoff, eh.e_phnum);

	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, img + eh.e_phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		if (ph.p_filesz > ph.p_memsz || ph.p_offset > len || ph.p_filesz > len - ph.p_offset)
			ELF_FAIL("segment %u lies outside the file", i);
		if (ph.p_paddr < FS_GUEST_LOAD_MIN ||
		    fs_gpa_ram_offset(ph.p_paddr, ph.p_memsz, ram_size) == FS_NOT_RAM)
			ELF_FAIL("segment %u [0x%llx, +0x%llx) is not inside one guest RAM range above 1 MiB (RAM is %llu MiB)",
				 i, (unsigned long long)ph.p_paddr, (unsigned long long)ph.p_memsz,
				 (unsigned long long)(ram_size >> 20));
		if ((ph.p_flags & PF_X) && eh.e_entry >= ph.p_paddr &&
		    eh.e_entry - ph.p_paddr < ph.p_memsz)
			entry_ok = true;
		if (!ext->nload || ph.p_paddr < ext->low)
			ext->low = ph.p_paddr;
		if (ph.p_paddr + ph.p_memsz > ext->high)
			ext->high = ph.p_paddr + ph.p_memsz;
		ext->nload++;
	}
	if (!ext->nload)
		ELF_FAIL("no loadable segments");
	if (!entry_ok)
		ELF_FAIL("entry point 0x%llx is not in an executable segment",
			 (unsigned long long)eh.e_entry);
	ext->entry = eh.e_entry;
	return 0;
}

int elf_load(const uint8_t *img, size_t len, uint8_t *ram, uint64_t ram_size,
	     uint64_t *entry, struct fdt_params *fp, char *err, size_t errlen)
{
	struct elf_extent ext;
	Elf64_Ehdr eh;

	/* check every segment and the entry before guest RAM is touched */
	if (elf_check(img, len, ram_size, &ext, err, errlen) < 0)
		return -1;
	/* each one is reserved in the device tree, or the guest would take its
	 * own code for free memory (found by fuzz_elf.c's property check) */
	if (ext.nload > FDT_MAX_RESERVED - fp->nreserved)
		ELF_FAIL("%u loadable segments; at most %u fit the device tree's reservations",
			 ext.nload, FDT_MAX_RESERVED - fp->nreserved);
	memcpy(&eh, img, sizeof(eh));
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, img + eh.e_phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		uint8_t *dst = ram + fs_gpa_ram_offset(ph.p_paddr, ph.p_memsz, ram_size);

		memcpy(dst, img + ph.p_offset, ph.p_filesz);
		memset(dst + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
		add_reserved(fp, ph.p_paddr, ph.p_memsz);
	}
	*entry = ext.entry;
	return 0;
}

/* Page-table and descriptor bits used below. */
#define PTE_P  (1ULL << 0)
#define PTE_W  (1ULL << 1)
#define PTE_U  (1ULL << 2)
#define PTE_PS (1ULL << 7)

void boot_write_tables(uint8_t *ram, struct fdt_params *fp)
{
	uint64_t *gdt = (uint64_t *)(ram + FS_BOOT_GDT);
	uint64_t *pml4 = (uint64_t *)(ram + FS_BOOT_PML4);
	uint64_t *pdpt = (uint64_t *)(ram + FS_BOOT_PDPT);
	uint64_t *pd = (uint64_t *)(ram + FS_BOOT_PD);
	unsigned npd = (unsigned)FS_BOOT_NPD;

	_Static_assert(FS_BOOT_NPD <= 512, "one page-directory-pointer table");
	_Static_assert(FS_BOOT_RESERVED_END <= FS_GUEST_LOAD_MIN, "boot tables below the guest");
	memset(ram, 0, FS_BOOT_RESERVED_END);
	gdt[1] = 0x00af9b000000ffffULL; /* 0x08: 64-bit code, DPL0 */
	gdt[2] = 0x00cf93000000ffffULL; /* 0x10: data, DPL0 */
	pml4[0] = FS_BOOT_PDPT | PTE_P | PTE_W | PTE_U;
	for (unsigned i = 0; i < npd; i++)
		pdpt[i] = (FS_BOOT_PD + i * 0x1000ULL) | PTE_P | PTE_W | PTE_U;
	/* user-accessible 2 MiB pages: the guest's programs run at CPL3 */
	for (uint64_t i = 0; i < npd * 512ULL; i++)
		pd[i] = (i << 21) | PTE_P | PTE_W | PTE_U | PTE_PS;
	add_reserved(fp, 0, FS_BOOT_RESERVED_END);
}

static void set_seg(struct kvm_segment *s, uint16_t sel, uint8_t type, bool code)
{
	*s = (struct kvm_segment){
		.base = 0, .limit = 0xffffffff, .selector = sel, .type = type,
		.present = 1, .dpl = 0, .s = 1, .l = code, .db = !code, .g = 1,
	};
}

void boot_vcpu_state(struct kvm_sregs *sregs, struct kvm_regs *regs, uint64_t entry,
		     unsigned index, unsigned ncpus)
{
	set_seg(&sregs->cs, 0x08, 0xb, true);
	set_seg(&sregs->ds, 0x10, 0x3, false);
	sregs->es = sregs->fs = sregs->gs = sregs->ss = sregs->ds;
	sregs->gdt.base = FS_BOOT_GDT;
	sregs->gdt.limit = 3 * 8 - 1;
	sregs->cr3 = FS_BOOT_PML4;
	sregs->cr4 = (1 << 5) | (1 << 9) | (1 << 10);            /* PAE OSFXSR OSXMMEXCPT */
	sregs->cr0 = (1u << 0) | (1u << 1) | (1u << 4) | (1u << 5) | (1u << 16) | (1u << 31);
	sregs->efer = (1 << 0) | (1 << 8) | (1 << 10) | (1 << 11); /* SCE LME LMA NXE */

	memset(regs, 0, sizeof(*regs));
	regs->rip = entry;
	regs->rdi = FS_BOOT_FDT;
	regs->rsi = index;
	regs->rdx = ncpus;
	regs->rflags = 0x2;
}
