/* guest-abi.h - the contract between frameshift and a directly booted test guest.
 * Shared by the VMM and guest-tests/ (freestanding guest side), so it lives in
 * neither and uses only fixed-width types and macros. docs/boot-protocol.md explains it. */
#ifndef FRAMESHIFT_GUEST_ABI_H
#define FRAMESHIFT_GUEST_ABI_H

/* Every vCPU enters the ELF entry point in 64-bit long mode at CPL0, interrupts
 * off, paging on, with:
 *   RDI = guest-physical address of the flattened device tree
 *   RSI = this vCPU's index (0 .. ncpus-1)
 *   RDX = number of vCPUs
 *   RSP = 0 (the guest sets up its own stacks)
 * The VMM's page tables identity-map [0, FS_IDENTITY_MAP_END) with 2 MiB pages
 * that are present, writable and user-accessible, so CPL3 code may touch all of
 * guest RAM. */
#define FS_IDENTITY_MAP_END 0x100000000ULL /* 4 GiB */

/* The VMM places and moves guest memory in frames of this size. */
#define FS_FRAME_SHIFT 21 /* 2 MiB */
#define FS_FRAME_SIZE (1ULL << FS_FRAME_SHIFT)

/* Boot structures the VMM writes in guest RAM (all inside frame 0). */
#define FS_BOOT_GDT      0x1000ULL  /* null, code64 (sel 0x08), data (sel 0x10) */
#define FS_BOOT_PML4     0x2000ULL
#define FS_BOOT_PDPT     0x3000ULL
#define FS_BOOT_PD       0x4000ULL  /* 4 page directories, 0x4000-0x7fff */
#define FS_BOOT_FDT      0x10000ULL
#define FS_BOOT_FDT_MAX  0x10000ULL /* 64 KiB */
#define FS_BOOT_RESERVED_END 0x20000ULL
#define FS_GUEST_LOAD_MIN 0x100000ULL /* ELF segments must load at or above 1 MiB */

/* Guest RAM is contiguous from GPA 0 and ends below the MMIO window. */
#define FS_MMIO_BASE     0xC0000000ULL
#define FS_RAM_MAX       FS_MMIO_BASE

/* I/O ports. */
#define FS_PORT_SERIAL   0x3f8   /* 8250 UART, COM1: write THR for text out */
#define FS_PORT_DEBUG_EXIT 0xf4  /* 32-bit write: the VMM exits with (value & 0xff) */

#endif
