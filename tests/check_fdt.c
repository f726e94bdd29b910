/* check_fdt.c - the guest's device tree, read back with libfdt (the ELF
 * loader and the boot page tables: check_boot.c). */
#include <check.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "vmm/fdt.h"
#include "include/frameshift/guest-abi.h"
#include "tests/unit.h"

/* ---- device tree ---- */

#define FDT_BUF (64 * 1024)

static uint32_t prop_u32(const void *fdt, const char *path, const char *name)
{
	int off = fdt_path_offset(fdt, path), len = -1;
	const fdt32_t *v;

	ck_assert_msg(off >= 0, "%s: %s", path, fdt_strerror(off));
	v = fdt_getprop(fdt, off, name, &len);
	ck_assert_msg(v != NULL, "%s:%s missing", path, name);
	ck_assert_int_eq(len, 4);
	return fdt32_to_cpu(*v);
}

static const char *prop_str(const void *fdt, const char *path, const char *name)
{
	int off = fdt_path_offset(fdt, path), len = -1;
	const char *v;

	ck_assert_msg(off >= 0, "%s: %s", path, fdt_strerror(off));
	v = fdt_getprop(fdt, off, name, &len);
	ck_assert_msg(v != NULL, "%s:%s missing", path, name);
	/* a string property holds exactly one NUL-terminated string */
	ck_assert_int_eq(len, (int)strlen(v) + 1);
	return v;
}

static bool has_prop(const void *fdt, const char *path, const char *name)
{
	int off = fdt_path_offset(fdt, path), len = 0;

	ck_assert_msg(off >= 0, "%s: %s", path, fdt_strerror(off));
	if (fdt_getprop(fdt, off, name, &len))
		return true;
	ck_assert_int_eq(len, -FDT_ERR_NOTFOUND);
	return false;
}

static void *build_ok(const struct fdt_params *p)
{
	void *buf = malloc(FDT_BUF);
	int ret;

	ck_assert_ptr_nonnull(buf);
	memset(buf, 0xee, FDT_BUF);
	ret = fdt_build(buf, FDT_BUF, p);
	ck_assert_msg(ret == 0, "fdt_build: %s", fdt_strerror(ret));
	ck_assert_int_eq(fdt_check_header(buf), 0);
	ck_assert_uint_eq(fdt_magic(buf), FDT_MAGIC);
	ck_assert_uint_le(fdt_totalsize(buf), FDT_BUF);
	return buf;
}

START_TEST(fdt_root_and_chosen)
{
	struct fdt_params p = {
		.mem_size = 64ULL << 20, .ncpus = 1,
		.bootargs = "console=ttyS0 test=migrate", .sim_nodes = 3, .tsc_khz = 2995200,
	};
	void *fdt = build_ok(&p);

	ck_assert_uint_eq(prop_u32(fdt, "/", "#address-cells"), 2);
	ck_assert_uint_eq(prop_u32(fdt, "/", "#size-cells"), 2);
	ck_assert_str_eq(prop_str(fdt, "/", "compatible"), "frameshift,test-vm");
	ck_assert_str_eq(prop_str(fdt, "/", "model"), "frameshift");
	ck_assert_int_eq(fdt_node_check_compatible(fdt, 0, "frameshift,test-vm"), 0);
	ck_assert_str_eq(prop_str(fdt, "/chosen", "bootargs"), "console=ttyS0 test=migrate");
	ck_assert_uint_eq(prop_u32(fdt, "/chosen", "frameshift,simulated-nodes"), 3);
	ck_assert_uint_eq(prop_u32(fdt, "/chosen", "frameshift,tsc-khz"), 2995200);
	free(fdt);
}
END_TEST

START_TEST(fdt_no_sim_nodes_no_bootargs)
{
	struct fdt_params p = { .mem_size = 64ULL << 20, .ncpus = 1 };
	void *fdt = build_ok(&p);

	ck_assert(!has_prop(fdt, "/chosen", "frameshift,simulated-nodes"));
	ck_assert(!has_prop(fdt, "/chosen", "frameshift,tsc-khz"));
	/* bootargs is always there, empty without --append */
	ck_assert_str_eq(prop_str(fdt, "/chosen", "bootargs"), "");
	ck_assert_int_eq(fdt_num_mem_rsv(fdt), 0);
	free(fdt);
}
END_TEST

static void check_cpus(unsigned ncpus)
{
	struct fdt_params p = { .mem_size = 64ULL << 20, .ncpus = ncpus };
	void *fdt = build_ok(&p);
	int cpus = fdt_path_offset(fdt, "/cpus"), node;
	unsigned count = 0;
	char path[64];

	ck_assert_int_ge(cpus, 0);
	ck_assert_uint_eq(prop_u32(fdt, "/cpus", "#address-cells"), 1);
	ck_assert_uint_eq(prop_u32(fdt, "/cpus", "#size-cells"), 0);
	fdt_for_each_subnode(node, fdt, cpus) {
		const char *name = fdt_get_name(fdt, node, NULL);

		ck_assert_ptr_nonnull(name);
		ck_assert_msg(strncmp(name, "cpu@", 4) == 0, "unexpected node /cpus/%s", name);
		count++;
	}
	ck_assert_uint_eq(count, ncpus);
	for (unsigned i = 0; i < ncpus; i++) {
		snprintf(path, sizeof(path), "/cpus/cpu@%u", i);
		ck_assert_uint_eq(prop_u32(fdt, path, "reg"), i);
		ck_assert_str_eq(prop_str(fdt, path, "device_type"), "cpu");
		ck_assert_uint_eq(prop_u32(fdt, path, "numa-node-id"), 0);
	}
	snprintf(path, sizeof(path), "/cpus/cpu@%u", ncpus);
	ck_assert_int_eq(fdt_path_offset(fdt, path), -FDT_ERR_NOTFOUND);
	free(fdt);
}

START_TEST(fdt_cpus)
{
	static const unsigned counts[] = { 1, 2, 4, 64 };

	for (unsigned i = 0; i < ARRAY_SIZE(counts); i++)
		check_cpus(counts[i]);
}
END_TEST

/* The reg of memory node `path`: its base and size. */
static void memory_reg(const void *fdt, const char *path, uint64_t *base, uint64_t *size)
{
	int off = fdt_path_offset(fdt, path), len = -1;
	const uint8_t *reg;

	ck_assert_msg(off >= 0, "%s missing", path);
	reg = fdt_getprop(fdt, off, "reg", &len);
	ck_assert_ptr_nonnull(reg);
	ck_assert_int_eq(len, 16);
	*base = fdt64_ld((const fdt64_t *)reg);
	*size = fdt64_ld((const fdt64_t *)(reg + 8));
	ck_assert_str_eq(prop_str(fdt, path, "device_type"), "memory");
}

START_TEST(fdt_memory_reg)
{
	/* 3 GiB sits below the MMIO hole whole: one node */
	struct fdt_params p = { .mem_size = 3ULL << 30, .ncpus = 1 };
	void *fdt = build_ok(&p);
	int off = fdt_path_offset(fdt, "/memory@0"), len = -1;
	const uint8_t *reg = fdt_getprop(fdt, off, "reg", &len);
	static const uint8_t want[16] = {
		0, 0, 0, 0, 0, 0, 0, 0,             /* address 0 */
		0, 0, 0, 0, 0xc0, 0x00, 0, 0,       /* size, big-endian */
	};

	ck_assert_ptr_nonnull(reg);
	ck_assert_int_eq(len, 16);
	ck_assert_int_eq(memcmp(reg, want, 16), 0);
	ck_assert_uint_eq(prop_u32(fdt, "/memory@0", "numa-node-id"), 0);
	/* there is exactly one memory node */
	ck_assert_int_eq(fdt_node_offset_by_prop_value(fdt, off, "device_type", "memory", 7),
			 -FDT_ERR_NOTFOUND);
	free(fdt);
}
END_TEST

/* More than 3 GiB: the rest lies above 4 GiB, in a node of its own, and
 * nothing claims the hole (both halves of the 64-bit cells matter). */
START_TEST(fdt_memory_above_the_hole)
{
	struct fdt_params p = { .mem_size = 0x100200000ULL, .ncpus = 1 };
	void *fdt = build_ok(&p);
	uint64_t base, size;
	int off;

	memory_reg(fdt, "/memory@0", &base, &size);
	ck_assert_uint_eq(base, 0);
	ck_assert_uint_eq(size, 0xc0000000ULL);
	memory_reg(fdt, "/memory@100000000", &base, &size);
	ck_assert_uint_eq(base, 0x100000000ULL);
	ck_assert_uint_eq(size, 0x40200000ULL);
	ck_assert_uint_eq(prop_u32(fdt, "/memory@100000000", "numa-node-id"), 0);
	off = fdt_path_offset(fdt, "/memory@100000000");
	ck_assert_int_eq(fdt_node_offset_by_prop_value(fdt, off, "device_type", "memory", 7),
			 -FDT_ERR_NOTFOUND);
	free(fdt);
}
END_TEST

/* Guest NUMA cells: a cell that spans the hole becomes two ranges on its
 * node; one wholly above it is moved up by the hole's 1 GiB. */
START_TEST(fdt_add_ram_splits_at_the_hole)
{
	struct fdt_params p = { .ncpus = 1 };

	/* 5 GiB in two cells of 2.5 GiB: [0, 2.5G) and [2.5G, 5G) of RAM */
	ck_assert_int_eq(fdt_add_ram(&p, 0, 5ULL << 29, 0), 0);
	ck_assert_int_eq(fdt_add_ram(&p, 5ULL << 29, 5ULL << 29, 1), 0);
	ck_assert_uint_eq(p.nmem, 3);
	ck_assert_uint_eq(p.mem[0].base, 0);
	ck_assert_uint_eq(p.mem[0].size, 5ULL << 29);
	ck_assert_uint_eq(p.mem_node[0], 0);
	ck_assert_uint_eq(p.mem[1].base, 5ULL << 29);
	ck_assert_uint_eq(p.mem[1].size, 1ULL << 29);
	ck_assert_uint_eq(p.mem_node[1], 1);
	ck_assert_uint_eq(p.mem[2].base, 4ULL << 30);
	ck_assert_uint_eq(p.mem[2].size, 2ULL << 30);
	ck_assert_uint_eq(p.mem_node[2], 1);
	/* a cell above the hole */
	ck_assert_int_eq(fdt_add_ram(&p, 4ULL << 30, 1ULL << 30, 2), 0);
	ck_assert_uint_eq(p.mem[3].base, 5ULL << 30);
	ck_assert_uint_eq(p.mem[3].size, 1ULL << 30);
	/* full */
	p.nmem = FDT_MAX_MEM;
	ck_assert_int_eq(fdt_add_ram(&p, 0, FS_FRAME_SIZE, 0), -1);
}
END_TEST

START_TEST(fdt_reservations)
{
	struct fdt_params p = {
		.mem_size = 64ULL << 20, .ncpus = 2,
		.reserved = {
			{ 0, FS_BOOT_RESERVED_END },
			{ 0x100000, 0x3000 },
			{ 0x1234567000ULL, 0x89abc000ULL },
		},
		.nreserved = 3,
	};
	void *fdt = build_ok(&p);
	uint64_t addr, size;

	ck_assert_int_eq(fdt_num_mem_rsv(fdt), 3);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(fdt_get_mem_rsv(fdt, i, &addr, &size), 0);
		ck_assert_uint_eq(addr, p.reserved[i].base);
		ck_assert_uint_eq(size, p.reserved[i].size);
	}
	free(fdt);

	/* a full reservation table */
	p.nreserved = FDT_MAX_RESERVED;
	for (unsigned i = 0; i < FDT_MAX_RESERVED; i++)
		p.reserved[i] = (struct fdt_region){ 0x100000ULL * (i + 1), 0x1000ULL * (i + 1) };
	fdt = build_ok(&p);
	ck_assert_int_eq(fdt_num_mem_rsv(fdt), FDT_MAX_RESERVED);
	for (int i = 0; i < FDT_MAX_RESERVED; i++) {
		ck_assert_int_eq(fdt_get_mem_rsv(fdt, i, &addr, &size), 0);
		ck_assert_uint_eq(addr, 0x100000ULL * (uint64_t)(i + 1));
		ck_assert_uint_eq(size, 0x1000ULL * (uint64_t)(i + 1));
	}
	free(fdt);
}
END_TEST

START_TEST(fdt_too_small)
{
	struct fdt_params p = {
		.mem_size = 64ULL << 20, .ncpus = 4, .bootargs = "x", .sim_nodes = 2,
		.reserved = { { 0, 0x20000 } }, .nreserved = 1,
	};
	uint8_t *buf = build_ok(&p);
	uint32_t need = fdt_totalsize(buf);

	ck_assert_int_eq(fdt_build(buf, 64, &p), -FDT_ERR_NOSPACE);
	ck_assert_int_eq(fdt_build(buf, 0, &p), -FDT_ERR_NOSPACE);
	/* every size short of what the tree needs fails, and never writes past it */
	for (uint32_t size = 0; size < need; size++) {
		memset(buf, 0xee, need + 64);
		ck_assert_msg(fdt_build(buf, size, &p) == -FDT_ERR_NOSPACE, "size %u of %u", size, need);
		for (uint32_t i = size; i < need + 64; i++)
			ck_assert_msg(buf[i] == 0xee, "size %u: byte %u written", size, i);
	}
	/* exactly enough works */
	memset(buf, 0xee, FDT_BUF);
	ck_assert_int_eq(fdt_build(buf, need, &p), 0);
	ck_assert_int_eq(fdt_check_header(buf), 0);
	ck_assert_uint_eq(fdt_totalsize(buf), need);
	ck_assert_uint_eq(buf[need], 0xee);
	free(buf);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("fdt");
	TCase *tf = tcase_create("fdt");

	tcase_add_test(tf, fdt_root_and_chosen);
	tcase_add_test(tf, fdt_no_sim_nodes_no_bootargs);
	tcase_add_test(tf, fdt_cpus);
	tcase_add_test(tf, fdt_memory_reg);
	tcase_add_test(tf, fdt_memory_above_the_hole);
	tcase_add_test(tf, fdt_add_ram_splits_at_the_hole);
	tcase_add_test(tf, fdt_reservations);
	tcase_add_test(tf, fdt_too_small);
	tcase_set_timeout(tf, 30);
	suite_add_tcase(s, tf);
	return s;
}
