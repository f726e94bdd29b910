/* boot.h - put a test guest into guest RAM and describe the CPU state it
 * starts in (docs/boot-protocol.md). */
#ifndef FRAMESHIFT_VMM_BOOT_H
#define FRAMESHIFT_VMM_BOOT_H

#include <stddef.h>
#include <stdint.h>

#include "vmm/fdt.h"

#define ELF_MAX_FILE (64u << 20)

/* What elf_check() found: the loadable segments' span [low, high) of guest
 * physical addresses, their count, and the entry point. */
struct elf_extent {
	uint64_t low, high, entry;
	unsigned nload;
};

/* An ELF image: len bytes in memory (buf), or in an open file (buf NULL,
 * fd), whose segments are then read straight into guest RAM. */
struct elf_source {
	const uint8_t *buf;
	int fd;
	uint64_t len;
};
#define ELF_SOURCE_MEM(b, n) ((struct elf_source){ .buf = (b), .fd = -1, .len = (n) })

/* Open path as an elf_source: a regular file of at most max bytes. The
 * caller closes src->fd. 0, or -1 with a message. */
int elf_open(const char *path, uint64_t max, struct elf_source *src, char *err, size_t errlen);

/* Check an ELF64 x86-64 executable against ram_size bytes of guest RAM
 * (laid out as guest-abi.h says): the header, the program headers inside the
 * file, every PT_LOAD segment inside the file and inside one RAM range at or
 * above 1 MiB, at most FDT_MAX_RESERVED of them, the entry point in an
 * executable segment. Writes nothing. 0, or -1 with a message. */
int elf_check(const struct elf_source *src, uint64_t ram_size, struct elf_extent *ext, char *err,
	      size_t errlen);

/* Check an ELF64 x86-64 executable (elf_check) and copy its PT_LOAD segments into
 * ram (ram_size bytes of guest RAM, by RAM offset). The headers are read once:
 * a file that changes meanwhile can change only what lands in the checked
 * ranges. Each loaded range is appended to fp->reserved. Returns 0 and the
 * entry point, or -1 with a message in err. */
int elf_load(const struct elf_source *src, uint8_t *ram, uint64_t ram_size, uint64_t *entry,
	     struct fdt_params *fp, char *err, size_t errlen);

/* Read a whole file (at most max bytes) into a malloc'd buffer. */
int read_file(const char *path, size_t max, uint8_t **buf, size_t *len, char *err, size_t errlen);

/* Write the boot GDT and identity page tables into frame 0 of guest RAM and
 * reserve them (and the FDT area) in fp. */
void boot_write_tables(uint8_t *ram, struct fdt_params *fp);

struct kvm_sregs;
struct kvm_regs;
/* Long-mode register state for vCPU index of ncpus entering at entry. */
void boot_vcpu_state(struct kvm_sregs *sregs, struct kvm_regs *regs, uint64_t entry,
		     unsigned index, unsigned ncpus);

#endif
