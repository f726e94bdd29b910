/* fuzz_kernel.c - a Linux kernel image as `run --kernel` takes it, through
 * the direct-boot path: a bzImage's setup header (linux_parse), its payload
 * undone by the library its magic names (kernel_decompress, with a small
 * size limit), the decompressed ELF's segments loaded into guest RAM
 * (linux_load); or a bare vmlinux ELF (linux_parse_vmlinux). The input is the
 * image file.
 *
 * Guest RAM is a 32 MiB heap buffer, so ASan sees a write past its end.
 * Properties when the image is accepted: the entry point lies inside RAM
 * above 1 MiB, and the initrd's place lies inside RAM; when refused, there
 * is a message. */
#include "vmm/kernel_image.h"
#include "vmm/linux.h"
#include "tests/fuzz/fuzz.h"

#define RAM_SIZE (32ULL << 20)
#define MAX_VMLINUX (8u << 20)

static uint8_t *ram;
static const uint8_t initrd[4096];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	ram = malloc(RAM_SIZE);
	if (!ram)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct linux_image li; /* own_setup makes it large */
	struct linux_layout lay;
	uint8_t *vmlinux = NULL;
	size_t vmlinux_len = 0;
	char err[256] = "";
	int ret;

	if (linux_is_elf(data, size)) {
		ret = linux_parse_vmlinux(data, size, &li, err, sizeof(err));
	} else {
		ret = linux_parse(data, size, &li, err, sizeof(err));
		if (ret == 0) {
			ret = kernel_decompress(li.payload, li.payload_len, MAX_VMLINUX, &vmlinux, &vmlinux_len,
						err, sizeof(err));
			FUZZ_ASSERT(ret != 1 || vmlinux_len == kernel_payload_size(li.payload, li.payload_len),
				    "%zu bytes decompressed, the payload states %u", vmlinux_len,
				    kernel_payload_size(li.payload, li.payload_len));
			FUZZ_ASSERT(ret == 1 || (!vmlinux && err[0]), "no kernel without a message");
			li.vmlinux = ELF_SOURCE_MEM(vmlinux, vmlinux_len);
			ret = ret < 0 ? -1 : 0;
		}
	}
	if (ret == 0)
		ret = linux_load(&li, ram, RAM_SIZE, "console=ttyS0", initrd, sizeof(initrd), &lay, err,
				 sizeof(err));
	free(vmlinux);
	if (ret < 0) {
		FUZZ_LOG("refused: %s\n", err);
		FUZZ_ASSERT(err[0], "refused without a message");
		return 0;
	}
	FUZZ_ASSERT(lay.entry >= 1 << 20 && lay.entry < RAM_SIZE, "entry 0x%llx outside RAM above 1 MiB",
		    (unsigned long long)lay.entry);
	FUZZ_ASSERT(lay.initrd_addr + sizeof(initrd) <= RAM_SIZE, "initrd at 0x%llx past RAM",
		    (unsigned long long)lay.initrd_addr);
	FUZZ_LOG("loaded: entry 0x%llx, %s\n", (unsigned long long)lay.entry,
		 li.vmlinux.len ? "direct" : "through the guest's decompressor");
	return 0;
}
