/* kernel_cache.h - the decompressed kernel of a bzImage, kept on disk under
 * the image's SHA-256 so that only the first boot of a kernel pays for its
 * decompression (docs/linux-guest.md, "Direct boot"). */
#ifndef FRAMESHIFT_VMM_KERNEL_CACHE_H
#define FRAMESHIFT_VMM_KERNEL_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/boot.h"

/* $XDG_CACHE_HOME/frameshift, or $HOME/.cache/frameshift when
 * XDG_CACHE_HOME is unset, empty or relative (the XDG rule). -1 when neither
 * gives a path that fits. */
int kernel_cache_dir(char *buf, size_t len);

/* How kernel_cache_get() came by the kernel. */
enum kernel_cache_source {
	KERNEL_CACHE_HIT,       /* read from the cache */
	KERNEL_CACHE_STORED,    /* decompressed now, and stored */
	KERNEL_CACHE_UNSTORED,  /* decompressed now; no cache (or it could not be written) */
};

/* The decompressed payload of the bzImage img[0, len), whose compressed
 * payload is payload[0, payload_len): dir's file for img's SHA-256 when that
 * holds exactly the size the payload states (*out its open file, read later
 * straight into guest RAM; *buf NULL), else decompressed (kernel_decompress;
 * *out over the malloc'd *buf) and written there atomically (a temporary
 * file renamed into place; a failure to write is only logged). dir NULL: no
 * cache. The caller frees *buf and closes out->fd (-1 when none).
 * 1 with *out; 0: the payload's codec is not undone on the host (err says
 * which); -1: a bad payload (err says why). */
int kernel_cache_get(const char *dir, const uint8_t *img, size_t len, const uint8_t *payload,
		     size_t payload_len, uint8_t **buf, struct elf_source *out,
		     enum kernel_cache_source *source, char *err, size_t errlen);

#endif
