/* check_kernel_image.c - direct boot without KVM: a synthetic vmlinux ELF,
 * compressed by each library the host undoes (liblzma, libzstd, zlib) into
 * a bzImage payload, comes back byte for byte; payloads that lie about their
 * size, are cut short, corrupt or of another codec are refused (or left to
 * the guest); linux_load() puts the decompressed kernel's segments where
 * they belong and enters at its ELF entry; the kernel cache stores, finds,
 * and ignores a damaged entry. */
#include <check.h>
#include <elf.h>
#include <fcntl.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "vmm/kernel_cache.h"
#include "vmm/kernel_image.h"
#include "vmm/linux.h"
#include "tests/unit.h"

#define RAM (64ULL << 20)
#define TEXT_PA 0x1000000ULL
#define DATA_PA 0x1200000ULL
#define TEXT_LEN 8192
#define DATA_LEN 4096
#define DATA_MEM (64 * 1024)
#define RELOCS_LEN 512 /* what the kernel build appends after vmlinux.bin */
#define SETUP_SECTS 30
#define PAYLOAD_OFF 0x4000

static uint8_t *ram;

static void put16(uint8_t *p, size_t o, uint16_t v) { p[o] = (uint8_t)v; p[o + 1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, size_t o, uint32_t v) { put16(p, o, (uint16_t)v); put16(p, o + 2, (uint16_t)(v >> 16)); }
static void put64(uint8_t *p, size_t o, uint64_t v) { put32(p, o, (uint32_t)v); put32(p, o + 4, (uint32_t)(v >> 32)); }

struct buf {
	uint8_t *b;
	size_t len;
};

/* vmlinux as the kernel's payload holds it: an ELF with a text and a
 * data+bss segment at their physical addresses, then relocations */
static struct buf make_vmlinux(void)
{
	size_t hdrs = sizeof(Elf64_Ehdr) + 2 * sizeof(Elf64_Phdr);
	struct buf v = { calloc(1, hdrs + TEXT_LEN + DATA_LEN + RELOCS_LEN), 0 };
	Elf64_Ehdr eh = { .e_type = ET_EXEC, .e_machine = EM_X86_64, .e_version = 1,
			  .e_entry = TEXT_PA, .e_phoff = sizeof(Elf64_Ehdr), .e_ehsize = sizeof(Elf64_Ehdr),
			  .e_phentsize = sizeof(Elf64_Phdr), .e_phnum = 2 };
	Elf64_Phdr ph[2] = {
		{ .p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = hdrs, .p_vaddr = 0xffffffff81000000ULL,
		  .p_paddr = TEXT_PA, .p_filesz = TEXT_LEN, .p_memsz = TEXT_LEN, .p_align = 0x200000 },
		{ .p_type = PT_LOAD, .p_flags = PF_R | PF_W, .p_offset = hdrs + TEXT_LEN,
		  .p_vaddr = 0xffffffff81200000ULL, .p_paddr = DATA_PA, .p_filesz = DATA_LEN,
		  .p_memsz = DATA_MEM, .p_align = 0x200000 },
	};

	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	memcpy(v.b, &eh, sizeof(eh));
	memcpy(v.b + sizeof(eh), ph, sizeof(ph));
	for (size_t i = hdrs; i < hdrs + TEXT_LEN + DATA_LEN + RELOCS_LEN; i++)
		v.b[i] = (uint8_t)(i * 13 + 5);
	v.len = hdrs + TEXT_LEN + DATA_LEN + RELOCS_LEN;
	return v;
}

enum codec { C_XZ, C_ZSTD, C_GZIP, C_NR };
static const char *const codec_name[C_NR] = { "xz", "zstd", "gzip" };

/* compress with the library, then append the size as the kernel build does */
static struct buf compress_payload(enum codec c, const struct buf *in)
{
	size_t cap = in->len * 2 + 65536, n = 0;
	struct buf out = { malloc(cap + 4), 0 };

	if (c == C_XZ) {
		ck_assert_int_eq(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32, NULL, in->b, in->len, out.b, &n,
							 cap), LZMA_OK);
	} else if (c == C_ZSTD) {
		/* with a checksum, as the zstd tool writes it by default */
		ZSTD_CCtx *cc = ZSTD_createCCtx();

		ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, 19);
		ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
		n = ZSTD_compress2(cc, out.b, cap, in->b, in->len);
		ZSTD_freeCCtx(cc);
		ck_assert(!ZSTD_isError(n));
	} else {
		z_stream z = { 0 };

		ck_assert_int_eq(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
		z.next_in = in->b;
		z.avail_in = (uInt)in->len;
		z.next_out = out.b;
		z.avail_out = (uInt)cap;
		ck_assert_int_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
		n = z.total_out;
		deflateEnd(&z);
	}
	put32(out.b, n, (uint32_t)in->len);
	out.len = n + 4;
	return out;
}

/* a bzImage around a payload: Debian's header fields, the payload at
 * PAYLOAD_OFF in the protected-mode part */
static struct buf make_bzimage(const struct buf *payload)
{
	size_t setup = (SETUP_SECTS + 1) * 512, klen = PAYLOAD_OFF + payload->len;
	struct buf img = { calloc(1, setup + klen), setup + klen };
	uint8_t *p = img.b;

	p[0x1f1] = SETUP_SECTS;
	put32(p, 0x1f4, (uint32_t)(klen / 16));
	put16(p, 0x1fe, 0xaa55);
	p[0x201] = 0x6a;
	put32(p, 0x202, LINUX_HDRS_MAGIC);
	put16(p, 0x206, 0x020f);
	p[0x211] = LOADED_HIGH | KASLR_FLAG;
	put32(p, 0x22c, 0x7fffffff);
	put32(p, 0x230, 0x200000);
	p[0x234] = 1;
	put16(p, 0x236, 0x7f);
	put32(p, 0x238, 2047);
	put32(p, BP_PAYLOAD_OFFSET, PAYLOAD_OFF);
	put32(p, BP_PAYLOAD_LENGTH, (uint32_t)payload->len);
	put64(p, 0x258, 0x1000000);
	put32(p, 0x260, 24 << 20);
	memset(p + setup, 0x90, PAYLOAD_OFF); /* the decompressor's place */
	memcpy(p + setup + PAYLOAD_OFF, payload->b, payload->len);
	return img;
}

static void setup_ram(void)
{
	ram = calloc(1, RAM);
	ck_assert_ptr_nonnull(ram);
}

static void teardown_ram(void)
{
	free(ram);
}

START_TEST(codecs_round_trip)
{
	struct buf v = make_vmlinux(), pl = compress_payload((enum codec)_i, &v);
	uint8_t *out;
	size_t out_len;
	char err[256] = "";

	ck_assert_str_eq(kernel_payload_codec(pl.b, pl.len), codec_name[_i]);
	ck_assert_uint_eq(kernel_payload_size(pl.b, pl.len), v.len);
	ck_assert_msg(kernel_decompress(pl.b, pl.len, KERNEL_MAX_VMLINUX, &out, &out_len, err, sizeof(err)) == 1,
		      "%s: %s", codec_name[_i], err);
	ck_assert_uint_eq(out_len, v.len);
	ck_assert_int_eq(memcmp(out, v.b, v.len), 0);
	free(out);
	free(pl.b);
	free(v.b);
}
END_TEST

/* each lie a payload can tell, for each codec */
enum lie { LIE_BIGGER, LIE_SMALLER, LIE_ZERO, LIE_HUGE, LIE_TRUNCATED, LIE_CORRUPT, LIE_SHORT, LIE_NR };

START_TEST(payload_lies_refused)
{
	enum codec c = (enum codec)(_i % C_NR);
	enum lie lie = (enum lie)(_i / C_NR);
	struct buf v = make_vmlinux(), pl = compress_payload(c, &v);
	uint8_t *out = (uint8_t *)1;
	size_t out_len = 1;
	char err[256] = "";

	switch (lie) {
	case LIE_BIGGER: put32(pl.b, pl.len - 4, (uint32_t)v.len + 100); break;
	case LIE_SMALLER: put32(pl.b, pl.len - 4, (uint32_t)v.len - 100); break;
	case LIE_ZERO: put32(pl.b, pl.len - 4, 0); break;
	case LIE_HUGE: put32(pl.b, pl.len - 4, 0xffffffffu); break;
	case LIE_TRUNCATED: /* the stream cut in half, the true size after it */
		memmove(pl.b + pl.len / 2, pl.b + pl.len - 4, 4);
		pl.len = pl.len / 2 + 4;
		break;
	case LIE_CORRUPT: pl.b[pl.len / 2] ^= 0x55; break;
	case LIE_SHORT: pl.len = 7; break; /* the magic, then next to nothing */
	case LIE_NR: break;
	}
	ck_assert_msg(kernel_decompress(pl.b, pl.len, 1u << 20, &out, &out_len, err, sizeof(err)) == -1,
		      "%s lie %d accepted", codec_name[c], lie);
	ck_assert(err[0]);
	ck_assert_ptr_null(out);
	ck_assert_uint_eq(out_len, 0);
	free(pl.b);
	free(v.b);
}
END_TEST

START_TEST(other_codecs_left_to_the_guest)
{
	static const uint8_t lz4[] = { 0x02, 0x21, 0x4c, 0x18, 1, 2, 3, 4, 0x10, 0, 0, 0 };
	static const uint8_t bz2[] = { 'B', 'Z', 'h', '9', 1, 2, 3, 4, 0x10, 0, 0, 0 };
	uint8_t *out;
	size_t out_len;
	char err[256] = "";

	ck_assert_str_eq(kernel_payload_codec(lz4, sizeof(lz4)), "lz4");
	ck_assert_int_eq(kernel_decompress(lz4, sizeof(lz4), 1 << 20, &out, &out_len, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "lz4"));
	ck_assert_str_eq(kernel_payload_codec(bz2, sizeof(bz2)), "bzip2");
	ck_assert_int_eq(kernel_decompress(bz2, sizeof(bz2), 1 << 20, &out, &out_len, err, sizeof(err)), 0);
	ck_assert_str_eq(kernel_payload_codec(bz2, 2), "unknown");
	ck_assert_uint_eq(kernel_payload_size(bz2, 3), 0);
}
END_TEST

/* the decompressed kernel's segments at their physical addresses, entry at
 * the ELF's entry, the initrd above the kernel, no KASLR flag */
START_TEST(direct_load)
{
	struct buf v = make_vmlinux(), pl = compress_payload(C_XZ, &v), img = make_bzimage(&pl);
	size_t hdrs = sizeof(Elf64_Ehdr) + 2 * sizeof(Elf64_Phdr);
	uint8_t initrd[6000], *out, *zp = ram + LINUX_ZERO_PAGE;
	size_t out_len;
	struct linux_image li;
	struct linux_layout lay;
	char err[256] = "";

	memset(initrd, 0x77, sizeof(initrd));
	memset(ram + DATA_PA + DATA_LEN, 0xee, DATA_MEM - DATA_LEN); /* bss to be cleared */
	ck_assert_msg(linux_parse(img.b, img.len, &li, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(li.payload_len, pl.len);
	ck_assert_int_eq(memcmp(li.payload, pl.b, pl.len), 0);
	ck_assert_int_eq(kernel_decompress(li.payload, li.payload_len, KERNEL_MAX_VMLINUX, &out, &out_len, err,
					   sizeof(err)), 1);
	li.vmlinux = ELF_SOURCE_MEM(out, out_len);
	ck_assert_msg(linux_load(&li, ram, RAM, "quiet", initrd, sizeof(initrd), &lay, err, sizeof(err)) == 0,
		      "%s", err);
	ck_assert_uint_eq(lay.kernel_addr, TEXT_PA);
	ck_assert_uint_eq(lay.entry, TEXT_PA);
	ck_assert_int_eq(memcmp(ram + TEXT_PA, v.b + hdrs, TEXT_LEN), 0);
	ck_assert_int_eq(memcmp(ram + DATA_PA, v.b + hdrs + TEXT_LEN, DATA_LEN), 0);
	ck_assert(all_bytes_are(ram + DATA_PA + DATA_LEN, DATA_MEM - DATA_LEN, 0));
	ck_assert(lay.initrd_addr >= DATA_PA + DATA_MEM);
	ck_assert_int_eq(memcmp(ram + lay.initrd_addr, initrd, sizeof(initrd)), 0);
	ck_assert_uint_eq(zp[0x211] & KASLR_FLAG, 0);
	ck_assert_uint_eq(zp[0x211] & LOADED_HIGH, LOADED_HIGH);
	ck_assert_str_eq((char *)ram + LINUX_CMDLINE, "quiet");
	free(out);
	free(img.b);
	free(pl.b);
	free(v.b);
}
END_TEST

/* a bare vmlinux (as Firecracker boots it) gets a made-up setup header */
START_TEST(bare_vmlinux)
{
	struct buf v = make_vmlinux();
	uint8_t *zp = ram + LINUX_ZERO_PAGE;
	struct linux_image li;
	struct linux_layout lay;
	char err[256] = "";

	ck_assert(linux_is_elf(v.b, v.len));
	ck_assert_msg(linux_parse_vmlinux(v.b, v.len, &li, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(linux_load(&li, ram, RAM, "console=ttyS0", NULL, 0, &lay, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(lay.entry, TEXT_PA);
	ck_assert_uint_eq(zp[0x1fe] | zp[0x1ff] << 8, 0xaa55);
	ck_assert_int_eq(memcmp(zp + 0x202, "HdrS", 4), 0);
	ck_assert_uint_eq(zp[0x210], 0xff);
	ck_assert_str_eq((char *)ram + LINUX_CMDLINE, "console=ttyS0");
	ck_assert_int_eq(linux_parse_vmlinux((const uint8_t *)"MZ\0\0", 4, &li, err, sizeof(err)), -1);
	free(v.b);
}
END_TEST

/* ELF program headers that lie about guest RAM or the file: refused before
 * anything is written */
enum elf_lie { EL_OUTSIDE_RAM, EL_BELOW_1M, EL_PAST_FILE, EL_WRAP, EL_PHDRS_PAST_FILE, EL_ENTRY, EL_NR };

START_TEST(vmlinux_lies_refused)
{
	struct buf v = make_vmlinux();
	Elf64_Ehdr *eh = (Elf64_Ehdr *)v.b;
	Elf64_Phdr *ph = (Elf64_Phdr *)(v.b + sizeof(Elf64_Ehdr));
	struct linux_image li;
	struct linux_layout lay;
	char err[256] = "";

	switch ((enum elf_lie)_i) {
	case EL_OUTSIDE_RAM: ph[1].p_memsz = RAM; break;
	case EL_BELOW_1M: ph[0].p_paddr = 0x9000; eh->e_entry = 0x9000; break;
	case EL_PAST_FILE: ph[1].p_filesz = ph[1].p_memsz = v.len; break;
	case EL_WRAP: ph[1].p_paddr = ~0ULL - 0xfff; break;
	case EL_PHDRS_PAST_FILE: eh->e_phnum = 60000; break;
	case EL_ENTRY: eh->e_entry = DATA_PA; break;
	case EL_NR: break;
	}
	ck_assert_int_eq(linux_parse_vmlinux(v.b, v.len, &li, err, sizeof(err)), 0);
	ck_assert_int_eq(linux_load(&li, ram, RAM, "", NULL, 0, &lay, err, sizeof(err)), -1);
	ck_assert(err[0]);
	ck_assert(all_bytes_are(ram, RAM, 0));
	free(v.b);
}
END_TEST

/* a payload that does not lie inside the file */
START_TEST(payload_outside_file)
{
	struct buf v = make_vmlinux(), pl = compress_payload(C_GZIP, &v), img = make_bzimage(&pl);
	struct linux_image li;
	char err[256] = "";

	put32(img.b, BP_PAYLOAD_LENGTH, (uint32_t)pl.len + 1);
	ck_assert_int_eq(linux_parse(img.b, img.len, &li, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "payload"));
	put32(img.b, BP_PAYLOAD_LENGTH, (uint32_t)pl.len);
	put32(img.b, BP_PAYLOAD_OFFSET, 0xfffffff0u);
	ck_assert_int_eq(linux_parse(img.b, img.len, &li, err, sizeof(err)), -1);
	free(img.b);
	free(pl.b);
	free(v.b);
}
END_TEST

static char cache_root[] = "/tmp/check_kernel_cacheXXXXXX";

static void cache_file(char *path, size_t len)
{
	char dir[512];
	FILE *ls;

	snprintf(dir, sizeof(dir), "ls -d %s/fs/vmlinux-* 2>/dev/null", cache_root);
	ls = popen(dir, "r");
	ck_assert_ptr_nonnull(ls);
	path[0] = '\0';
	if (fgets(path, (int)len, ls))
		path[strcspn(path, "\n")] = '\0';
	pclose(ls);
}

/* kernel_cache_get for img, whose payload is pl; the kernel it gives, as
 * bytes (read from the cache's file on a hit) */
static struct buf cache_get(const char *dir, const struct buf *img, const struct buf *pl,
			    enum kernel_cache_source *src)
{
	struct elf_source s;
	struct buf k;
	uint8_t *buf;
	char err[256] = "";

	ck_assert_msg(kernel_cache_get(dir, img->b, img->len, img->b + 31 * 512 + PAYLOAD_OFF, pl->len, &buf,
				       &s, src, err, sizeof(err)) == 1, "%s", err);
	k.len = s.len;
	k.b = malloc(k.len);
	ck_assert_ptr_nonnull(k.b);
	if (*src == KERNEL_CACHE_HIT) {
		ck_assert_ptr_null(buf);
		ck_assert_ptr_null(s.buf);
		ck_assert_int_eq((int)pread(s.fd, k.b, k.len, 0), (int)k.len);
		close(s.fd);
	} else {
		ck_assert_int_eq(s.fd, -1);
		ck_assert_ptr_eq(s.buf, buf);
		memcpy(k.b, buf, k.len);
		free(buf);
	}
	return k;
}

START_TEST(cache_stores_finds_and_repairs)
{
	struct buf v = make_vmlinux(), pl = compress_payload(C_ZSTD, &v), img = make_bzimage(&pl), k;
	enum kernel_cache_source src;
	char dir[256], path[512];
	struct stat st;

	ck_assert_ptr_nonnull(mkdtemp(cache_root));
	snprintf(dir, sizeof(dir), "%s/fs", cache_root); /* made on first store */
	/* first boot: decompressed and stored under the image's SHA-256 */
	k = cache_get(dir, &img, &pl, &src);
	ck_assert_int_eq(src, KERNEL_CACHE_STORED);
	ck_assert_uint_eq(k.len, v.len);
	ck_assert_int_eq(memcmp(k.b, v.b, v.len), 0);
	free(k.b);
	cache_file(path, sizeof(path));
	ck_assert_int_eq((int)strlen(strrchr(path, '-') + 1), 64);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_size, v.len);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	/* second: from the cache, which is proven by changing the entry's
	 * bytes (same size): they come back */
	{
		int fd = open(path, O_WRONLY);

		ck_assert_int_eq((int)pwrite(fd, "CACHED", 6, 100), 6);
		close(fd);
	}
	k = cache_get(dir, &img, &pl, &src);
	ck_assert_int_eq(src, KERNEL_CACHE_HIT);
	ck_assert_int_eq(memcmp(k.b + 100, "CACHED", 6), 0);
	free(k.b);
	/* a cut-short entry is ignored and stored again whole */
	ck_assert_int_eq(truncate(path, 1000), 0);
	k = cache_get(dir, &img, &pl, &src);
	ck_assert_int_eq(src, KERNEL_CACHE_STORED);
	ck_assert_int_eq(memcmp(k.b, v.b, v.len), 0);
	free(k.b);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_size, v.len);
	/* another image (one byte changed) is another entry */
	img.b[0x100] ^= 1;
	k = cache_get(dir, &img, &pl, &src);
	ck_assert_int_eq(src, KERNEL_CACHE_STORED);
	free(k.b);
	/* no cache directory: decompressed, not stored */
	k = cache_get(NULL, &img, &pl, &src);
	ck_assert_int_eq(src, KERNEL_CACHE_UNSTORED);
	free(k.b);
	snprintf(path, sizeof(path), "rm -rf %s", cache_root);
	ck_assert_int_eq(system(path), 0);
	free(img.b);
	free(pl.b);
	free(v.b);
}
END_TEST

/* A kernel read from its file (the cache's way) lands in guest RAM exactly
 * as from memory; a file cut short after the check fails the load with a
 * message and writes nothing outside the checked segments. */
START_TEST(vmlinux_from_file)
{
	struct buf v = make_vmlinux();
	char path[] = "/tmp/check_vmlinuxXXXXXX", err[256] = "";
	uint8_t *ram2 = calloc(1, RAM);
	struct linux_image li;
	struct linux_layout lay;
	struct elf_source s;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_ptr_nonnull(ram2);
	ck_assert_int_eq((int)write(fd, v.b, v.len), (int)v.len);
	close(fd);
	ck_assert_int_eq(linux_parse_vmlinux(v.b, v.len, &li, err, sizeof(err)), 0);
	ck_assert_msg(linux_load(&li, ram2, RAM, "quiet", NULL, 0, &lay, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(elf_open(path, v.len, &s, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(s.len, v.len);
	li.vmlinux = s;
	ck_assert_msg(linux_load(&li, ram, RAM, "quiet", NULL, 0, &lay, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(memcmp(ram, ram2, RAM), 0);
	/* elf_open's limit */
	ck_assert_int_eq(elf_open(path, v.len - 1, &s, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "not a regular file of at most"));
	/* checked whole, then cut short: the data segment's read fails */
	memset(ram, 0, RAM);
	ck_assert_int_eq(truncate(path, (off_t)(sizeof(Elf64_Ehdr) + 2 * sizeof(Elf64_Phdr) + TEXT_LEN)), 0);
	ck_assert_int_eq(linux_load(&li, ram, RAM, "quiet", NULL, 0, &lay, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "cannot read the segment") != NULL, "%s", err);
	ck_assert(all_bytes_are(ram, TEXT_PA, 0));
	ck_assert(all_bytes_are(ram + DATA_PA + DATA_MEM, RAM - DATA_PA - DATA_MEM, 0));
	close(li.vmlinux.fd);
	unlink(path);
	free(ram2);
	free(v.b);
}
END_TEST

START_TEST(cache_dir_follows_xdg)
{
	char dir[256];

	setenv("HOME", "/home/u", 1);
	setenv("XDG_CACHE_HOME", "/xdg", 1);
	ck_assert_int_eq(kernel_cache_dir(dir, sizeof(dir)), 0);
	ck_assert_str_eq(dir, "/xdg/frameshift");
	setenv("XDG_CACHE_HOME", "relative", 1); /* ignored, as the XDG spec says */
	ck_assert_int_eq(kernel_cache_dir(dir, sizeof(dir)), 0);
	ck_assert_str_eq(dir, "/home/u/.cache/frameshift");
	unsetenv("XDG_CACHE_HOME");
	ck_assert_int_eq(kernel_cache_dir(dir, sizeof(dir)), 0);
	ck_assert_str_eq(dir, "/home/u/.cache/frameshift");
	unsetenv("HOME");
	ck_assert_int_eq(kernel_cache_dir(dir, sizeof(dir)), -1);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("kernel_image");
	TCase *tc = tcase_create("decompress");
	TCase *tl = tcase_create("load");
	TCase *tk = tcase_create("cache");

	tcase_add_loop_test(tc, codecs_round_trip, 0, C_NR);
	tcase_add_loop_test(tc, payload_lies_refused, 0, C_NR * LIE_NR);
	tcase_add_test(tc, other_codecs_left_to_the_guest);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(tl, setup_ram, teardown_ram);
	tcase_add_test(tl, direct_load);
	tcase_add_test(tl, bare_vmlinux);
	tcase_add_loop_test(tl, vmlinux_lies_refused, 0, EL_NR);
	tcase_add_test(tl, payload_outside_file);
	tcase_add_test(tl, vmlinux_from_file);
	suite_add_tcase(s, tl);
	tcase_add_test(tk, cache_stores_finds_and_repairs);
	tcase_add_test(tk, cache_dir_follows_xdg);
	suite_add_tcase(s, tk);
	return s;
}
