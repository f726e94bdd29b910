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

/* path opened for reading: a regular file of at most max bytes */
static int open_file(const char *path, uint64_t max, int *fd, uint64_t *size, char *err, size_t errlen)
{
	struct stat st;

	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(*fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
		snprintf(err, errlen, "%s: not a regular file of at most %llu MiB", path,
			 (unsigned long long)max >> 20);
		close(*fd);
		*fd = -1;
		return -1;
	}
	*size = (uint64_t)st.st_size;
	return 0;
}

int read_file(const char *path, size_t max, uint8_t **buf, size_t *len, char *err, size_t errlen)
{
	uint64_t size;
	size_t off = 0;
	int fd;

	if (open_file(path, max, &fd, &size, err, errlen) < 0)
		return -1;
	*buf = malloc((size_t)size + 1);
	if (!*buf) {
		close(fd);
		snprintf(err, errlen, "out of memory reading %s", path);
		return -1;
	}
	while (off < (size_t)size) {
		ssize_t n = read(fd, *buf + off, (size_t)size - off);

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

int elf_open(const char *path, uint64_t max, struct elf_source *src, char *err, size_t errlen)
{
	*src = (struct elf_source){ .buf = NULL, .fd = -1, .len = 0 };
	return open_file(path, max, &src->fd, &src->len, err, errlen);
}

/* n bytes at off, which the caller checked lie inside src->len, into dst */
static int elf_read(const struct elf_source *src, uint64_t off, void *dst, size_t n)
{
	uint8_t *p = dst;

	if (src->buf) {
		memcpy(dst, src->buf + off, n);
		return 0;
	}
	while (n) {
		ssize_t r = pread(src->fd, p, n, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EIO; /* shorter than it was when checked */
			return -1;
		}
		p += r;
		off += (uint64_t)r;
		n -= (size_t)r;
	}
	return 0;
}

/* Read and check the header and program headers once: the loadable
 * segments go to load[] (at most FDT_MAX_RESERVED), what they span to ext. */
static int elf_headers(const struct elf_source *src, uint64_t ram_size, Elf64_Phdr *load,
		       struct elf_extent *ext, char *err, size_t errlen)
{
	uint64_t len = src->len;
	Elf64_Ehdr eh;
	bool entry_ok = false;

	memset(ext, 0, sizeof(*ext));
	if (len < sizeof(eh))
		ELF_FAIL("not an ELF file: only %llu bytes", (unsigned long long)len);
	if (elf_read(src, 0, &eh, sizeof(eh)) < 0)
		ELF_FAIL("cannot read the ELF header: %s", strerror(errno));
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

		if (elf_read(src, eh.e_phoff + (uint64_t)i * sizeof(ph), &ph, sizeof(ph)) < 0)
			ELF_FAIL("cannot read program header %u: %s", i, strerror(errno));
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		if (ph.p_filesz > ph.p_memsz || ph.p_offset > len || ph.p_filesz > len - ph.p_offset)
			ELF_FAIL("segment %u lies outside the file", i);
		if (ph.p_paddr < FS_GUEST_LOAD_MIN ||
		    fs_gpa_ram_offset(ph.p_paddr, ph.p_memsz, ram_size) == FS_NOT_RAM)
			ELF_FAIL("segment %u [0x%llx, +0x%llx) is not inside one guest RAM range above 1 MiB (RAM is %llu MiB)",
				 i, (unsigned long long)ph.p_paddr, (unsigned long long)ph.p_memsz,
				 (unsigned long long)(ram_size >> 20));
		/* each one is reserved in the device tree, or the guest would take
		 * its own code for free memory (found by fuzz_elf.c's property check) */
		if (ext->nload == FDT_MAX_RESERVED)
			ELF_FAIL("more than %u loadable segments", FDT_MAX_RESERVED);
		if ((ph.p_flags & PF_X) && eh.e_entry >= ph.p_paddr &&
		    eh.e_entry - ph.p_paddr < ph.p_memsz)
			entry_ok = true;
		if (!ext->nload || ph.p_paddr < ext->low)
			ext->low = ph.p_paddr;
		if (ph.p_paddr + ph.p_memsz > ext->high)
			ext->high = ph.p_paddr + ph.p_memsz;
		load[ext->nload++] = ph;
	}
	if (!ext->nload)
		ELF_FAIL("no loadable segments");
	if (!entry_ok)
		ELF_FAIL("entry point 0x%llx is not in an executable segment",
			 (unsigned long long)eh.e_entry);
	ext->entry = eh.e_entry;
	return 0;
}

int elf_check(const struct elf_source *src, uint64_t ram_size, struct elf_extent *ext, char *err,
	      size_t errlen)
{
	Elf64_Phdr load[FDT_MAX_RESERVED];

	return elf_headers(src, ram_size, load, ext, err, errlen);
}

int elf_load(const struct elf_source *src, uint8_t *ram, uint64_t ram_size, uint64_t *entry,
	     struct fdt_params *fp, char *err, size_t errlen)
{
	Elf64_Phdr load[FDT_MAX_RESERVED];
	struct elf_extent ext;

	/* check every segment and the entry before guest RAM is touched */
	if (elf_headers(src, ram_size, load, &ext, err, errlen) < 0)
		return -1;
	if (ext.nload > FDT_MAX_RESERVED - fp->nreserved)
		ELF_FAIL("%u loadable segments; at most %u fit the device tree's reservations",
			 ext.nload, FDT_MAX_RESERVED - fp->nreserved);
	for (unsigned i = 0; i < ext.nload; i++) {
		const Elf64_Phdr *ph = &load[i];
		uint8_t *dst = ram + fs_gpa_ram_offset(ph->p_paddr, ph->p_memsz, ram_size);

		if (elf_read(src, ph->p_offset, dst, ph->p_filesz) < 0)
			ELF_FAIL("cannot read the segment at 0x%llx: %s", (unsigned long long)ph->p_paddr,
				 strerror(errno));
		memset(dst + ph->p_filesz, 0, ph->p_memsz - ph->p_filesz);
		add_reserved(fp, ph->p_paddr, ph->p_memsz);
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
