/* linux.h - the x86 Linux boot protocol (Documentation/arch/x86/boot.rst):
 * check a bzImage's setup header, lay out the zero page (struct boot_params)
 * with its e820 map, the command line and the initrd in guest RAM, and say
 * where the 64-bit entry point is. Pure functions over buffers (the kernel
 * ELF may be a file, read with pread), so the unit tests (tests/check_linux.c)
 * drive them without KVM. docs/linux-guest.md. */
#ifndef FRAMESHIFT_VMM_LINUX_H
#define FRAMESHIFT_VMM_LINUX_H

#include <stddef.h>
#include <stdint.h>

#include "vmm/boot.h"

#define LINUX_MAX_KERNEL (128u << 20)  /* bzImage file size limit */
#define LINUX_MAX_INITRD (1024u << 20)

/* Guest-physical layout in --kernel mode (below 640 KiB, all inside the
 * identity-mapped boot area that boot_write_tables() sets up). */
#define LINUX_BOOT_STACK   0x8ff0ULL
#define LINUX_ZERO_PAGE    0x9000ULL
#define LINUX_CMDLINE      0x20000ULL
#define LINUX_CMDLINE_MAX  0x10000ULL  /* our own cap, below the header's */
#define LINUX_MPTABLE      0x9fc00ULL  /* MP floating pointer + table: last KiB below 640K */
#define LINUX_EBDA_END     0x100000ULL /* [0x9fc00, 1 MiB) is reserved in the e820 map */
#define LINUX_HIGH_START   0x100000ULL

/* boot_params / setup_header offsets used here */
#define BP_ACPI_RSDP_ADDR    0x070 /* boot protocol 2.14+ */
#define BP_EXT_RAMDISK_IMAGE 0x0c0
#define BP_EXT_RAMDISK_SIZE  0x0c4
#define BP_EXT_CMD_LINE_PTR  0x0c8
#define BP_E820_ENTRIES      0x1e8
#define BP_HDR               0x1f1
#define BP_SETUP_SECTS       0x1f1
#define BP_BOOT_FLAG         0x1fe
#define BP_JUMP              0x200
#define BP_HEADER_MAGIC      0x202
#define BP_VERSION           0x206
#define BP_TYPE_OF_LOADER    0x210
#define BP_LOADFLAGS         0x211
#define BP_CODE32_START      0x214
#define BP_RAMDISK_IMAGE     0x218
#define BP_RAMDISK_SIZE      0x21c
#define BP_HEAP_END_PTR      0x224
#define BP_CMD_LINE_PTR      0x228
#define BP_INITRD_ADDR_MAX   0x22c
#define BP_KERNEL_ALIGNMENT  0x230
#define BP_RELOCATABLE       0x234
#define BP_XLOADFLAGS        0x236
#define BP_CMDLINE_SIZE      0x238
#define BP_PREF_ADDRESS      0x258
#define BP_PAYLOAD_OFFSET    0x248
#define BP_PAYLOAD_LENGTH    0x24c
#define BP_INIT_SIZE         0x260
#define BP_E820_TABLE        0x2d0
#define BP_E820_MAX          128

#define LINUX_HDRS_MAGIC 0x53726448u /* "HdrS" */
#define XLF_KERNEL_64 (1u << 0)
#define LOADED_HIGH   (1u << 0)
#define KASLR_FLAG    (1u << 1)
#define CAN_USE_HEAP  (1u << 7)

#define E820_RAM      1
#define E820_RESERVED 2

#define LINUX_OWN_SETUP 0x400 /* the setup header made up for a bare vmlinux */

/* What linux_parse() found in a bzImage (or linux_parse_vmlinux() in an
 * ELF vmlinux). Points into the caller's buffers, and into itself (setup,
 * for a vmlinux): not to be copied. */
struct linux_image {
	const uint8_t *setup;       /* the real-mode part: boot sector + setup */
	size_t setup_size;          /* (setup_sects + 1) * 512 */
	const uint8_t *kernel;      /* the protected-mode kernel */
	size_t kernel_size;
	uint16_t version;           /* boot protocol, e.g. 0x020f */
	uint16_t xloadflags;
	uint32_t kernel_alignment;
	uint8_t relocatable;
	uint32_t initrd_addr_max;   /* highest address the initrd may end at (inclusive) */
	uint32_t cmdline_size;      /* longest command line, without the NUL */
	uint64_t pref_address;
	uint32_t init_size;         /* bytes the kernel needs from its load address */
	const uint8_t *payload;     /* the compressed kernel inside kernel[] */
	size_t payload_len;
	/* the decompressed kernel, an ELF: when set (len > 0), linux_load()
	 * loads its segments and the boot vCPU enters its 64-bit entry point
	 * (the in-guest decompressor never runs); else kernel[] goes in whole */
	struct elf_source vmlinux;
	uint8_t own_setup[LINUX_OWN_SETUP];
};

/* Check a bzImage: boot flag 0xAA55, "HdrS", protocol >= 2.12, setup_sects
 * in range and inside the file, a 64-bit entry point (XLF_KERNEL_64), a
 * loaded-high kernel, a sane alignment. 0, or -1 with a message in err. */
int linux_parse(const uint8_t *img, size_t len, struct linux_image *li, char *err, size_t errlen);

/* Is img an ELF file (a vmlinux rather than a bzImage)? */
int linux_is_elf(const uint8_t *img, size_t len);

/* A bare vmlinux ELF, as Firecracker boots it: make up the setup header a
 * bzImage would carry (protocol 2.15, 2 MiB alignment, 2047-byte command
 * line, initrd below 2 GiB) and set li->vmlinux. Its segments are checked
 * against guest RAM by linux_load(). */
int linux_parse_vmlinux(const uint8_t *img, size_t len, struct linux_image *li, char *err,
			size_t errlen);

struct linux_layout {
	uint64_t kernel_addr;       /* where the protected-mode kernel was copied */
	uint64_t entry;             /* the 64-bit entry point: kernel_addr + 0x200,
				     * or the vmlinux's ELF entry (startup_64) */
	uint64_t zero_page;         /* RSI at entry */
	uint64_t cmdline_addr;
	uint64_t initrd_addr, initrd_size;
	unsigned e820_entries;
};

/* Where the kernel goes: pref_address if relocatable and it fits (rounded up
 * to kernel_alignment), else 1 MiB for an old non-relocatable one. Checks
 * that [addr, addr + max(init_size, kernel_size)) is in guest RAM. */
int linux_kernel_addr(const struct linux_image *li, uint64_t ram_size, uint64_t *addr,
		      char *err, size_t errlen);

/* Copy the kernel into ram (ram_size bytes of guest RAM by RAM offset, laid
 * out as guest-abi.h says) (li->vmlinux: its segments, each inside RAM above
 * 1 MiB), kernel and initrd below the MMIO hole, build the zero page
 * at LINUX_ZERO_PAGE (setup header copied from the image, e820 map, type of
 * loader, command line pointer, initrd image/size; RAM above 4 GiB is an e820
 * entry of its own), the command line at
 * LINUX_CMDLINE, and the initrd as high as the header's initrd_addr_max and
 * guest RAM allow, above the kernel's init_size. Nothing in ram is written
 * before every check passed. 0, or -1 with a message in err. */
int linux_load(const struct linux_image *li, uint8_t *ram, uint64_t ram_size, const char *cmdline,
	       const uint8_t *initrd, size_t initrd_len, struct linux_layout *out,
	       char *err, size_t errlen);

/* boot_params.acpi_rsdp_addr (protocol 2.14+): where the RSDP is. */
void linux_set_rsdp(uint8_t *zero_page, uint64_t rsdp);

/* The MP table (Intel MultiProcessor Specification 1.4) at LINUX_MPTABLE:
 * floating pointer, header, one processor entry per vCPU (APIC id = index),
 * an ISA bus, one I/O APIC (id ncpus, at 0xfec00000), ISA IRQs 0-15 routed
 * to I/O APIC pins 0-15 (plus 16-23 as ISA for the virtio-mmio lines), and
 * ExtINT/NMI on LINT0/LINT1. Returns the bytes written (<= max), or -1
 * if ncpus does not fit. */
#define MPTABLE_IOAPIC_ADDR 0xfec00000u
#define MPTABLE_LAPIC_ADDR  0xfee00000u
#define MPTABLE_IRQS        24
long mptable_write(uint8_t *buf, size_t max, uint64_t gpa, unsigned ncpus);

#endif
