/* blk.c - the virtio-blk device model: --disk parsing, the image, config
 * space, features, reset and the device's life (see blk.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blk/state.h"
#include "lib/cpus.h"
#include "lib/log.h"
#include "lib/parse.h"

void blk_vguest_error(struct blk *b, uint64_t *counter, const char *fmt, va_list ap)
{
	char prefix[64];

	b->c.guest_errors++;
	snprintf(prefix, sizeof(prefix), "virtio-blk@0x%llx: guest error: ", (unsigned long long)b->t.base);
	vlog_limited(counter, prefix, fmt, ap);
}

void blk_guest_error(struct blk *b, uint64_t *counter, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	blk_vguest_error(b, counter, fmt, ap);
	va_end(ap);
}

/* ---- --disk ---- */

int blk_spec_parse(const char *s, unsigned index, struct blk_spec *spec, char *err, size_t errlen)
{
	size_t len = strcspn(s, ",");

	memset(spec, 0, sizeof(*spec));
	spec->node = -1;
	spec->index = index;
	if (!len || len >= sizeof(spec->path)) {
		snprintf(err, errlen, "--disk '%s': want PATH[,readonly][,serial=S][,node=N]", s);
		return -1;
	}
	memcpy(spec->path, s, len);
	for (s += len; *s == ','; s += len) {
		const char *opt = ++s;

		len = strcspn(s, ",");
		if (len == 8 && !strncmp(opt, "readonly", 8)) {
			spec->readonly = true;
		} else if (len > 7 && !strncmp(opt, "serial=", 7)) {
			size_t n = len - 7;

			if (n > VIRTIO_BLK_ID_BYTES) {
				snprintf(err, errlen, "--disk: serial '%.*s' is longer than %u bytes", (int)n, opt + 7,
					 VIRTIO_BLK_ID_BYTES);
				return -1;
			}
			for (size_t i = 0; i < n; i++)
				if (opt[7 + i] < 0x21 || opt[7 + i] > 0x7e) {
					snprintf(err, errlen, "--disk: serial '%.*s' is not printable ASCII", (int)n,
						 opt + 7);
					return -1;
				}
			memcpy(spec->serial, opt + 7, n);
		} else if (len > 5 && !strncmp(opt, "node=", 5)) {
			unsigned node;

			if (parse_uint_field(opt + 5, len - 5, 0, HOST_NODE_MAX, &node) < 0) {
				snprintf(err, errlen, "--disk: bad node '%.*s' (want a host node number)", (int)len - 5,
					 opt + 5);
				return -1;
			}
			spec->node = (int)node;
		} else {
			snprintf(err, errlen, "--disk: unknown option '%.*s' (want readonly, serial=S or node=N)",
				 (int)len, opt);
			return -1;
		}
	}
	return 0;
}

/* ---- the transport's callbacks (t.lock held) ---- */

static struct blk *to_blk(struct virtio_mmio *t)
{
	return t->priv;
}

static unsigned blk_num_queues(struct virtio_mmio *t, uint64_t f)
{
	return 1;
}

static void put32(uint8_t *cfg, unsigned off, uint32_t v)
{
	memcpy(cfg + off, &v, 4);
}

static void blk_config_read(struct virtio_mmio *t, uint32_t off, uint8_t *data, uint32_t len)
{
	struct blk *b = to_blk(t);
	uint8_t cfg[VIRTIO_BLK_CFG_SIZE] = { 0 };

	memcpy(cfg + VIRTIO_BLK_CFG_CAPACITY, &b->capacity, 8);
	put32(cfg, VIRTIO_BLK_CFG_SIZE_MAX, BLK_SIZE_MAX);
	put32(cfg, VIRTIO_BLK_CFG_SEG_MAX, BLK_SEG_MAX);
	if (!b->spec.readonly) {
		put32(cfg, VIRTIO_BLK_CFG_MAX_DISCARD_SECTORS, BLK_RANGE_SECTORS_MAX);
		put32(cfg, VIRTIO_BLK_CFG_MAX_DISCARD_SEG, BLK_RANGES_MAX);
		put32(cfg, VIRTIO_BLK_CFG_DISCARD_ALIGN, 1);
		put32(cfg, VIRTIO_BLK_CFG_MAX_WZ_SECTORS, BLK_RANGE_SECTORS_MAX);
		put32(cfg, VIRTIO_BLK_CFG_MAX_WZ_SEG, BLK_RANGES_MAX);
		cfg[VIRTIO_BLK_CFG_WZ_MAY_UNMAP] = 1;
	}
	memcpy(data, cfg + off, len);
}

static void blk_config_write(struct virtio_mmio *t, uint32_t off, const uint8_t *data, uint32_t len)
{
	struct blk *b = to_blk(t);

	/* writeback is the one writable field, with CONFIG_WCE: not offered */
	blk_guest_error(b, &b->c.config_errors, "write to read-only config bytes %u-%u", off, off + len - 1);
}

static void blk_notify(struct virtio_mmio *t, unsigned q)
{
	blk_serve(to_blk(t));
}

static void blk_reset(struct virtio_mmio *t)
{
	blk_io_reset(to_blk(t));
}

static void blk_driver_ok(struct virtio_mmio *t)
{
	blk_serve(to_blk(t)); /* buffers may be waiting */
}

#define BLK_FEATURES (VIRTIO_BIT(VIRTIO_BLK_F_SIZE_MAX) | VIRTIO_BIT(VIRTIO_BLK_F_SEG_MAX) | \
		      VIRTIO_BIT(VIRTIO_BLK_F_FLUSH))
#define BLK_OPS(feat)                                  \
	{                                              \
		.name = "virtio-blk",                  \
		.device_id = VIRTIO_ID_BLOCK,          \
		.features = BLK_FEATURES | (feat),     \
		.queue_num_max = BLK_QUEUE_SIZE,       \
		.config_size = VIRTIO_BLK_CFG_SIZE,    \
		.num_queues = blk_num_queues,          \
		.config_read = blk_config_read,        \
		.config_write = blk_config_write,      \
		.driver_ok = blk_driver_ok,            \
		.notify = blk_notify,                  \
		.reset = blk_reset,                    \
	}

/* A readonly disk offers RO instead of DISCARD and WRITE_ZEROES. */
static const struct virtio_device_ops blk_ops_rw =
	BLK_OPS(VIRTIO_BIT(VIRTIO_BLK_F_DISCARD) | VIRTIO_BIT(VIRTIO_BLK_F_WRITE_ZEROES));
static const struct virtio_device_ops blk_ops_ro = BLK_OPS(VIRTIO_BIT(VIRTIO_BLK_F_RO));

const char *blk_feature_name(unsigned bit)
{
	switch (bit) {
	case VIRTIO_BLK_F_SIZE_MAX: return "SIZE_MAX";
	case VIRTIO_BLK_F_SEG_MAX: return "SEG_MAX";
	case VIRTIO_BLK_F_RO: return "RO";
	case VIRTIO_BLK_F_FLUSH: return "FLUSH";
	case VIRTIO_BLK_F_DISCARD: return "DISCARD";
	case VIRTIO_BLK_F_WRITE_ZEROES: return "WRITE_ZEROES";
	case VIRTIO_F_VERSION_1: return "VERSION_1";
	case VIRTIO_RING_F_EVENT_IDX: return "RING_EVENT_IDX";
	}
	return NULL;
}

/* ---- life ---- */

static int open_image(struct blk *b, char *err, size_t errlen)
{
	struct stat st;

	b->fd = open(b->spec.path, (b->spec.readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (b->fd < 0) {
		snprintf(err, errlen, "--disk %s: %s", b->spec.path, strerror(errno));
		return -1;
	}
	if (fstat(b->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "--disk %s: not a regular file (a raw image)", b->spec.path);
		return -1;
	}
	/* a partial last sector is not part of the disk */
	b->capacity = (uint64_t)st.st_size >> VIRTIO_BLK_SECTOR_SHIFT;
	return 0;
}

struct blk *blk_create(const struct blk_spec *spec, uint64_t base, const struct vq_mem *mem,
		       const struct vq_mem_probe *probe, char *err, size_t errlen)
{
	struct blk *b = calloc(1, sizeof(*b));

	if (!b) {
		snprintf(err, errlen, "virtio-blk: out of memory");
		return NULL;
	}
	b->spec = *spec;
	if (probe)
		b->probe = *probe;
	b->fd = -1;
	pthread_mutex_init(&b->io_lock, NULL);
	pthread_cond_init(&b->io_cond, NULL);
	virtio_mmio_init(&b->t, spec->readonly ? &blk_ops_ro : &blk_ops_rw, b, base, mem);
	if (open_image(b, err, errlen) < 0 || blk_io_start(b, err, errlen) < 0) {
		blk_destroy(b);
		return NULL;
	}
	return b;
}

void blk_destroy(struct blk *b)
{
	if (!b)
		return;
	blk_io_stop(b);
	if (b->fd >= 0)
		close(b->fd);
	virtio_mmio_destroy(&b->t);
	pthread_cond_destroy(&b->io_cond);
	pthread_mutex_destroy(&b->io_lock);
	free(b);
}

void blk_stop(struct blk *b)
{
	blk_io_stop(b);
}

struct virtio_mmio *blk_transport(struct blk *b)
{
	return &b->t;
}

void blk_get_status(struct blk *b, struct blk_status *s)
{
	struct virtio_mmio *t = &b->t;

	memset(s, 0, sizeof(*s));
	pthread_mutex_lock(&t->lock);
	memcpy(s->path, b->spec.path, sizeof(s->path));
	s->node = b->spec.node;
	for (unsigned k = 0; k < BLK_IO_THREADS; k++)
		blk_io_thread_name(b, k, s->threads[k]);
	memcpy(s->serial, b->spec.serial, sizeof(s->serial));
	s->readonly = b->spec.readonly;
	s->capacity = b->capacity;
	s->inflight = b->inflight;
	s->inflight_max = b->inflight_max;
	virtio_mmio_get_status(t, &s->t);
	pthread_mutex_lock(&b->io_lock); /* migration.longest */
	s->c = b->c;
	pthread_mutex_unlock(&b->io_lock);
	pthread_mutex_unlock(&t->lock);
}

bool blk_wait_idle(struct blk *b, unsigned timeout_ms)
{
	for (unsigned waited = 0;; waited++) {
		unsigned n;

		pthread_mutex_lock(&b->t.lock);
		n = b->inflight;
		pthread_mutex_unlock(&b->t.lock);
		if (!n)
			return true;
		if (waited >= timeout_ms)
			return false;
		usleep(1000);
	}
}
