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

/* Check an ELF64 x86-64 executable against ram_size bytes of guest RAM
 * (laid out as guest-abi.h says): the header, the program headers inside the
 * file, every PT_LOAD segment inside the file and inside one RAM range at or
 * above 1 MiB, the entry point
 * in an executable segment. Writes nothing. 0, or -1 with a message. */
int elf_check(const uint8_t *img, size_t len, uint64_t ram_size, struct elf_extent *ext,
	      char *err, size_t errlen);

/* Check an ELF64 x86-64 executable image (elf_check) and copy its PT_LOAD segments into
 * ram (ram_size bytes of guest RAM, by RAM offset). Each loaded range is appended to
 * fp->reserved. Returns 0 and the entry point, or -1 with a message in err. */
int elf_load(const uint8_t *img, size_t len, uint8_t *ram, uint64_t ram_size,
	     uint64_t *entry, struct fdt_params *fp, char *err, size_t errlen);

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
