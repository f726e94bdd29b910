/* kernel_image.c - undo a bzImage payload's compression through its library
 * (see kernel_image.h). Every codec decompresses into a buffer of the size
 * the payload's trailer states and must fill it exactly: a payload that
 * yields more or less than it claims is refused. */
#include <lzma.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "vmm/kernel_image.h"

#define FAIL(...)                                      \
	do {                                           \
		snprintf(err, errlen, __VA_ARGS__);    \
		return -1;                             \
	} while (0)

/* xz's dictionary for x86 kernels is 32 MiB (scripts/xz_wrap.sh); the
 * decoder's memory stays well under this */
#define XZ_MEMLIMIT (256ull << 20)
/* zstd -22 --ultra windows reach 2^27; allow up to the format's 2^31 */
#define ZSTD_WINDOWLOG_MAX 31

static const struct {
	const char *name;
	uint8_t magic[6];
	size_t len;
} codecs[] = {
	{ "xz", { 0xfd, '7', 'z', 'X', 'Z', 0x00 }, 6 },
	{ "zstd", { 0x28, 0xb5, 0x2f, 0xfd }, 4 },
	{ "gzip", { 0x1f, 0x8b }, 2 },
	{ "lz4", { 0x02, 0x21, 0x4c, 0x18 }, 4 }, /* lz4 legacy frame */
	{ "bzip2", { 'B', 'Z', 'h' }, 3 },
	{ "lzo", { 0x89, 'L', 'Z', 'O' }, 4 },
	{ "lzma", { 0x5d, 0x00, 0x00 }, 3 },
};

const char *kernel_payload_codec(const uint8_t *payload, size_t len)
{
	for (size_t i = 0; i < sizeof(codecs) / sizeof(codecs[0]); i++)
		if (len >= codecs[i].len && !memcmp(payload, codecs[i].magic, codecs[i].len))
			return codecs[i].name;
	return "unknown";
}

uint32_t kernel_payload_size(const uint8_t *payload, size_t len)
{
	const uint8_t *p = payload + len - 4;

	if (len < 4)
		return 0;
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int undo_xz(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len, char *err,
		   size_t errlen)
{
	uint64_t memlimit = XZ_MEMLIMIT;
	size_t in_pos = 0, out_pos = 0;
	lzma_ret r = lzma_stream_buffer_decode(&memlimit, 0, NULL, in, &in_pos, in_len, out, &out_pos,
					       out_len);

	if (r == LZMA_BUF_ERROR && out_pos == out_len)
		FAIL("xz payload is larger than the %zu bytes its trailer states", out_len);
	if (r != LZMA_OK)
		FAIL("xz payload does not decompress (liblzma error %d after %zu of %zu bytes)", (int)r,
		     out_pos, out_len);
	if (out_pos != out_len)
		FAIL("xz payload gave %zu bytes, its trailer states %zu", out_pos, out_len);
	return 0;
}

static int undo_gzip(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len, char *err,
		     size_t errlen)
{
	z_stream z = { 0 };
	int r;

	if (in_len > UINT32_MAX || out_len > UINT32_MAX)
		FAIL("gzip payload too large");
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		FAIL("zlib: inflateInit2 failed");
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)in_len;
	z.next_out = out;
	z.avail_out = (uInt)out_len;
	r = inflate(&z, Z_FINISH);
	inflateEnd(&z);
	if (r == Z_BUF_ERROR && z.avail_out == 0)
		FAIL("gzip payload is larger than the %zu bytes its trailer states", out_len);
	if (r != Z_STREAM_END)
		FAIL("gzip payload does not decompress (zlib error %d after %lu of %zu bytes)", r,
		     z.total_out, out_len);
	if (z.total_out != out_len)
		FAIL("gzip payload gave %lu bytes, its trailer states %zu", z.total_out, out_len);
	return 0;
}

static int undo_zstd(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len, char *err,
		     size_t errlen)
{
	ZSTD_DCtx *dc = ZSTD_createDCtx();
	size_t r;

	if (!dc)
		FAIL("out of memory for the zstd decoder");
	ZSTD_DCtx_setParameter(dc, ZSTD_d_windowLogMax, ZSTD_WINDOWLOG_MAX);
	r = ZSTD_decompressDCtx(dc, out, out_len, in, in_len);
	ZSTD_freeDCtx(dc);
	if (ZSTD_isError(r))
		FAIL("zstd payload does not decompress to the %zu bytes its trailer states (%s)", out_len,
		     ZSTD_getErrorName(r));
	if (r != out_len)
		FAIL("zstd payload gave %zu bytes, its trailer states %zu", r, out_len);
	return 0;
}

int kernel_decompress(const uint8_t *payload, size_t len, size_t max_out, uint8_t **out,
		      size_t *out_len, char *err, size_t errlen)
{
	const char *codec = kernel_payload_codec(payload, len);
	uint32_t size = kernel_payload_size(payload, len);
	int (*undo)(const uint8_t *, size_t, uint8_t *, size_t, char *, size_t);
	uint8_t *buf;

	*out = NULL;
	*out_len = 0;
	if (!strcmp(codec, "xz"))
		undo = undo_xz;
	else if (!strcmp(codec, "zstd"))
		undo = undo_zstd;
	else if (!strcmp(codec, "gzip"))
		undo = undo_gzip;
	else {
		snprintf(err, errlen, "%s payload: not decompressed on the host", codec);
		return 0;
	}
	if (size == 0 || size > max_out)
		FAIL("%s payload states a decompressed size of %u bytes (want 1 to %zu)", codec, size,
		     max_out);
	buf = malloc(size);
	if (!buf)
		FAIL("out of memory for a %u MiB kernel", size >> 20);
	/* the size trailer follows the compressed stream */
	if (undo(payload, len - 4, buf, size, err, errlen) < 0) {
		free(buf);
		return -1;
	}
	*out = buf;
	*out_len = size;
	return 1;
}
