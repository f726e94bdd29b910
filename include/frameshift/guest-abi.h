/* guest-abi.h - the contract between frameshift and a directly booted test guest.
 * Shared by the VMM and guest-tests/ (freestanding guest side), so it lives in
 * neither and uses only fixed-width types and macros. docs/boot-protocol.md explains it. */
#ifndef FRAMESHIFT_GUEST_ABI_H
#define FRAMESHIFT_GUEST_ABI_H

#ifndef __ASSEMBLER__
#include <stdint.h>
#endif

/* Guest RAM of S bytes lies in at most two ranges, as on a PC: low RAM
 * [0, min(S, FS_LOW_RAM_MAX)) below the 32-bit MMIO window, and when S is
 * larger, high RAM [FS_HIGH_RAM_BASE, FS_HIGH_RAM_BASE + S - FS_LOW_RAM_MAX).
 * [FS_LOW_RAM_MAX, FS_HIGH_RAM_BASE) is the hole: MMIO, never RAM. A RAM
 * offset numbers RAM's bytes 0..S-1 in address order; frame i starts at RAM
 * offset i * FS_FRAME_SIZE (the hole's edges are frame-aligned, so no frame
 * straddles it). */
#define FS_MMIO_BASE     0xC0000000ULL
#define FS_LOW_RAM_MAX   FS_MMIO_BASE
#define FS_HIGH_RAM_BASE 0x100000000ULL /* 4 GiB */
/* The most guest RAM: what the boot page tables below identity-map. */
#define FS_RAM_MAX       (64ULL << 30)
#define FS_RAM_END_MAX   (FS_HIGH_RAM_BASE + FS_RAM_MAX - FS_LOW_RAM_MAX)

/* Every vCPU enters the ELF entry point in 64-bit long mode at CPL0, interrupts
 * off, paging on, with:
 *   RDI = guest-physical address of the flattened device tree
 *   RSI = this vCPU's index (0 .. ncpus-1)
 *   RDX = number of vCPUs
 *   RSP = 0 (the guest sets up its own stacks)
 * The VMM's page tables identity-map [0, FS_IDENTITY_MAP_END) with 2 MiB pages
 * that are present, writable and user-accessible, so CPL3 code may touch all of
 * guest RAM. */
#define FS_IDENTITY_MAP_END FS_RAM_END_MAX /* 65 GiB: all RAM and the hole */

/* The VMM places and moves guest memory in frames of this size. */
#define FS_FRAME_SHIFT 21 /* 2 MiB */
#define FS_FRAME_SIZE (1ULL << FS_FRAME_SHIFT)

/* Boot structures the VMM writes in guest RAM (all inside frame 0). */
#define FS_BOOT_GDT      0x1000ULL  /* null, code64 (sel 0x08), data (sel 0x10) */
#define FS_BOOT_PML4     0x2000ULL
#define FS_BOOT_PDPT     0x3000ULL
#define FS_BOOT_FDT      0x10000ULL
#define FS_BOOT_FDT_MAX  0x10000ULL /* 64 KiB */
/* one page directory (2 MiB pages) per GiB of the identity map, above the
 * FDT and a Linux guest's command line (0x20000-0x2ffff, vmm/linux.h) */
#define FS_BOOT_PD       0x30000ULL
#define FS_BOOT_NPD      (FS_IDENTITY_MAP_END >> 30)
#define FS_BOOT_RESERVED_END (FS_BOOT_PD + FS_BOOT_NPD * 0x1000ULL)
#define FS_GUEST_LOAD_MIN 0x100000ULL /* ELF segments must load at or above 1 MiB */

#ifndef __ASSEMBLER__
/* What fs_gpa_ram_offset answers for an address that is not RAM. */
#define FS_NOT_RAM UINT64_MAX

static inline uint64_t fs_low_ram_size(uint64_t ram_size)
{
	return ram_size < FS_LOW_RAM_MAX ? ram_size : FS_LOW_RAM_MAX;
}

/* The guest-physical address of RAM offset off. */
static inline uint64_t fs_ram_offset_gpa(uint64_t off)
{
	return off < FS_LOW_RAM_MAX ? off : off - FS_LOW_RAM_MAX + FS_HIGH_RAM_BASE;
}

/* The RAM offset of [gpa, gpa+len) if it lies wholly inside one RAM range of
 * a guest with ram_size bytes, else FS_NOT_RAM: an address in the hole is
 * refused exactly like one beyond RAM. */
static inline uint64_t fs_gpa_ram_offset(uint64_t gpa, uint64_t len, uint64_t ram_size)
{
	uint64_t low = fs_low_ram_size(ram_size), high = ram_size - low;

	if (gpa < low)
		return len <= low - gpa ? gpa : FS_NOT_RAM;
	if (gpa < FS_HIGH_RAM_BASE || gpa - FS_HIGH_RAM_BASE >= high ||
	    len > high - (gpa - FS_HIGH_RAM_BASE))
		return FS_NOT_RAM;
	return gpa - FS_HIGH_RAM_BASE + low;
}
#endif

/* I/O ports. */
#define FS_PORT_SERIAL   0x3f8   /* 8250 UART, COM1: write THR for text out */
#define FS_PORT_DEBUG_EXIT 0xf4  /* 32-bit write: the VMM exits with (value & 0xff) */

#endif
