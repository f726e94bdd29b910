/* kernel_cache.c - decompressed kernels on disk, keyed by the bzImage's
 * SHA-256 (nettle). A cached file is used only when its size is the one the
 * payload states; its segments are read from it straight into guest RAM
 * (no copy in the VMM's heap) through the same checks as a fresh kernel's
 * (elf_load reads the headers once), so a damaged entry cannot put anything
 * outside guest RAM. */
#include <errno.h>
#include <fcntl.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/log.h"
#include "vmm/boot.h"
#include "vmm/kernel_cache.h"
#include "vmm/kernel_image.h"

int kernel_cache_dir(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	int n;

	if (xdg && xdg[0] == '/')
		n = snprintf(buf, len, "%s/frameshift", xdg);
	else if (home && home[0] == '/')
		n = snprintf(buf, len, "%s/.cache/frameshift", home);
	else
		return -1;
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* dir/vmlinux-<sha256 of img> */
static int entry_path(const char *dir, const uint8_t *img, size_t len, char *path, size_t pathlen)
{
	struct sha256_ctx ctx;
	uint8_t digest[SHA256_DIGEST_SIZE];
	char hex[2 * SHA256_DIGEST_SIZE + 1];
	int n;

	sha256_init(&ctx);
	sha256_update(&ctx, len, img);
	sha256_digest(&ctx, sizeof(digest), digest);
	for (size_t i = 0; i < sizeof(digest); i++)
		snprintf(hex + 2 * i, 3, "%02x", digest[i]);
	n = snprintf(path, pathlen, "%s/vmlinux-%s", dir, hex);
	return n < 0 || (size_t)n >= pathlen ? -1 : 0;
}

/* mkdir -p, each new level 0700 (the cache is the user's own) */
static int make_dirs(const char *dir)
{
	char p[4096];
	size_t n = strlen(dir);

	if (n >= sizeof(p))
		return -1;
	memcpy(p, dir, n + 1);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	return mkdir(p, 0700) < 0 && errno != EEXIST ? -1 : 0;
}

/* write to a temporary file in dir, then rename: a reader sees the whole
 * entry or none, and two VMMs storing the same kernel do not mix bytes */
static int store(const char *dir, const char *path, const uint8_t *buf, size_t len)
{
	char tmp[4200];
	int fd, saved;
	size_t off = 0;

	if (make_dirs(dir) < 0)
		return -1;
	snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	while (off < len) {
		ssize_t n = write(fd, buf + off, len - off);

		if (n <= 0)
			goto fail;
		off += (size_t)n;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	if (rename(tmp, path) < 0) {
		fd = -1;
		goto fail;
	}
	return 0;
fail:
	saved = errno ? errno : EIO;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	errno = saved;
	return -1;
}

int kernel_cache_get(const char *dir, const uint8_t *img, size_t len, const uint8_t *payload,
		     size_t payload_len, uint8_t **buf, struct elf_source *out,
		     enum kernel_cache_source *source, char *err, size_t errlen)
{
	char path[4096], rerr[256];
	uint32_t want = kernel_payload_size(payload, payload_len);
	size_t n;
	int ret;

	*buf = NULL;
	*out = ELF_SOURCE_MEM(NULL, 0);
	*source = KERNEL_CACHE_UNSTORED;
	if (dir && entry_path(dir, img, len, path, sizeof(path)) < 0)
		dir = NULL;
	if (dir && access(path, F_OK) == 0) {
		if (elf_open(path, KERNEL_MAX_VMLINUX, out, rerr, sizeof(rerr)) == 0 && out->len == want &&
		    want) {
			*source = KERNEL_CACHE_HIT;
			return 1;
		}
		log_info("kernel cache: ignoring %s (%s)", path,
			 out->fd >= 0 ? "not the size the payload states" : rerr);
		if (out->fd >= 0)
			close(out->fd);
		*out = ELF_SOURCE_MEM(NULL, 0);
	}
	ret = kernel_decompress(payload, payload_len, KERNEL_MAX_VMLINUX, buf, &n, err, errlen);
	if (ret <= 0)
		return ret;
	*out = ELF_SOURCE_MEM(*buf, n);
	if (!dir)
		return 1;
	if (store(dir, path, *buf, n) < 0)
		log_info("kernel cache: cannot store %s: %s (booting without it)", path, strerror(errno));
	else
		*source = KERNEL_CACHE_STORED;
	return 1;
}
