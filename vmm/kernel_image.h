/* kernel_image.h - a bzImage's compressed payload, undone on the host by the
 * library its magic names (xz: liblzma, zstd: libzstd, gzip: zlib), so the
 * guest need not run its own decompressor (docs/linux-guest.md, "Direct
 * boot"). Pure functions over buffers: tests/check_kernel_image.c and
 * tests/fuzz/fuzz_kernel.c drive them. */
#ifndef FRAMESHIFT_VMM_KERNEL_IMAGE_H
#define FRAMESHIFT_VMM_KERNEL_IMAGE_H

#include <stddef.h>
#include <stdint.h>

/* Largest decompressed kernel (vmlinux plus its relocations) accepted: a
 * guard against a payload whose size field lies. Debian's 6.1 is ~60 MiB. */
#define KERNEL_MAX_VMLINUX (512u << 20)

/* The payload's compression, from its magic: "xz", "zstd", "gzip", or the
 * name of one the host does not undo here ("lz4", "bzip2", "lzma", "lzo"),
 * or "unknown". */
const char *kernel_payload_codec(const uint8_t *payload, size_t len);

/* The decompressed size the kernel build appends to every payload (the last
 * 4 bytes, little-endian); 0 if the payload is shorter than that. */
uint32_t kernel_payload_size(const uint8_t *payload, size_t len);

/* Decompress a payload into a malloc'd buffer of exactly
 * kernel_payload_size() bytes, which must be at most max_out.
 * 1: done (*out, *out_len); 0: a codec not undone here (err says which: the
 * guest's decompressor must do it); -1: a bad payload (err says why). */
int kernel_decompress(const uint8_t *payload, size_t len, size_t max_out, uint8_t **out,
		      size_t *out_len, char *err, size_t errlen);

#endif
