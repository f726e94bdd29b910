/* fuzz_elf.c - the guest image loader (vmm/boot.c elf_load) and the device
 * tree built from what it loaded, in the order vm_load_guest() uses: boot
 * tables, ELF, FDT. The input is the ELF file.
 *
 * Guest RAM is a 4 MiB heap buffer, so ASan sees a write past its end; the
 * gap between the boot area and 1 MiB is poisoned, so a write below the load
 * limit is caught too. Properties when the image is accepted: the entry point
 * lies in an executable loaded segment, every loaded segment is inside RAM
 * above 1 MiB and reserved in the device tree (else the guest would take its
 * own code for free memory), and the tree is valid. When it is refused,
 * there is a message. */
#include <elf.h>
#include <libfdt.h>
#include <stdbool.h>

#include "vmm/boot.h"
#include "vmm/fdt.h"
#include "include/frameshift/guest-abi.h"
#include "tests/fuzz/fuzz.h"

#define RAM_SIZE (4ULL << 20)

static uint8_t *ram;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	ram = malloc(RAM_SIZE);
	if (!ram)
		abort();
	return 0;
}

static int reserved(const struct fdt_params *fp, uint64_t base, uint64_t size)
{
	for (unsigned i = 0; i < fp->nreserved; i++)
		if (fp->reserved[i].base == base && fp->reserved[i].size == size)
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fdt_params fp = { .mem_size = RAM_SIZE, .ncpus = 1, .bootargs = "" };
	uint8_t *gap = ram + FS_BOOT_RESERVED_END;
	size_t gap_len = FS_GUEST_LOAD_MIN - FS_BOOT_RESERVED_END;
	char err[256] = "";
	uint64_t entry = 0;
	Elf64_Ehdr eh;
	bool exec_entry = false;
	int ret;

	boot_write_tables(ram, &fp);
	FUZZ_POISON(gap, gap_len);
	ret = elf_load(&ELF_SOURCE_MEM(data, size), ram, RAM_SIZE, &entry, &fp, err, sizeof(err));
	FUZZ_UNPOISON(gap, gap_len);
	if (ret < 0) {
		FUZZ_LOG("refused: %s\n", err);
		FUZZ_ASSERT(err[0], "refused without a message");
		return 0;
	}
	FUZZ_ASSERT(ret == 0, "elf_load returned %d", ret);
	FUZZ_ASSERT(size >= sizeof(eh), "accepted %zu bytes", size);
	memcpy(&eh, data, sizeof(eh));
	FUZZ_ASSERT(entry == eh.e_entry, "entry %llx, header says %llx", (unsigned long long)entry,
		    (unsigned long long)eh.e_entry);
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, data + eh.e_phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		FUZZ_ASSERT(ph.p_paddr >= FS_GUEST_LOAD_MIN && ph.p_paddr < RAM_SIZE &&
			    ph.p_memsz <= RAM_SIZE - ph.p_paddr,
			    "segment %u [%llx, +%llx) loaded outside RAM above 1 MiB", i,
			    (unsigned long long)ph.p_paddr, (unsigned long long)ph.p_memsz);
		FUZZ_ASSERT(reserved(&fp, ph.p_paddr, ph.p_memsz),
			    "segment %u [%llx, +%llx) is loaded but not reserved in the device tree", i,
			    (unsigned long long)ph.p_paddr, (unsigned long long)ph.p_memsz);
		if ((ph.p_flags & PF_X) && entry >= ph.p_paddr && entry - ph.p_paddr < ph.p_memsz)
			exec_entry = true;
	}
	FUZZ_ASSERT(exec_entry, "entry %llx is in no executable segment", (unsigned long long)entry);

	ret = fdt_build(ram + FS_BOOT_FDT, FS_BOOT_FDT_MAX, &fp);
	FUZZ_ASSERT(ret == 0, "fdt_build: %s", fdt_strerror(ret));
	FUZZ_ASSERT(fdt_check_full(ram + FS_BOOT_FDT, FS_BOOT_FDT_MAX) == 0, "the tree is not valid");
	FUZZ_ASSERT(fdt_num_mem_rsv(ram + FS_BOOT_FDT) == (int)fp.nreserved, "%d reservations, want %u",
		    fdt_num_mem_rsv(ram + FS_BOOT_FDT), fp.nreserved);
	FUZZ_LOG("loaded: entry %llx, %u reservations\n", (unsigned long long)entry, fp.nreserved);
	return 0;
}
