/* fuzz_fdt.c - the device tree builder (vmm/fdt.c fdt_build) with any
 * parameters a caller may pass: memory size and guest NUMA ranges, vCPU
 * count and nodes, simulated nodes, TSC rate, reservations (at most
 * FDT_MAX_RESERVED, as add_reserved keeps it), bootargs of any bytes, and an
 * output buffer of any size up to the 64 KiB the VMM gives it. The devices
 * linked into the VMM (DEVICE_SOURCES) add their nodes, as in a real boot.
 *
 * Input: a fixed header of little-endian fields (see take_params), then the
 * bootargs (up to the first NUL).
 *
 * Properties: fdt_build either fails with -FDT_ERR_NOSPACE (the buffer, a
 * heap block of exactly that size, is too small) or makes a tree that
 * fdt_check_full accepts and that says what was asked: the bootargs, one
 * cpu node per vCPU with its node id, the memory ranges, every non-empty
 * reservation. */
#include <libfdt.h>
#include <stdbool.h>

#include "vmm/fdt.h"
#include "include/frameshift/guest-abi.h"
#include "tests/fuzz/fuzz.h"

static unsigned take_params(struct fuzz_in *in, struct fdt_params *p, size_t *bufsize)
{
	*bufsize = fuzz_take(in, 2) % (FS_BOOT_FDT_MAX + 1);
	p->mem_size = fuzz_take(in, 8);
	p->ncpus = (unsigned)fuzz_take(in, 2);
	p->sim_nodes = (unsigned)fuzz_take(in, 1);
	p->tsc_khz = (uint32_t)fuzz_take(in, 4);
	p->nreserved = (unsigned)fuzz_take(in, 1) % (FDT_MAX_RESERVED + 1);
	for (unsigned i = 0; i < p->nreserved; i++) {
		p->reserved[i].base = fuzz_take(in, 8);
		p->reserved[i].size = fuzz_take(in, 8);
	}
	p->nmem = (unsigned)fuzz_take(in, 1) % (FDT_MAX_MEM + 1);
	for (unsigned i = 0; i < p->nmem; i++) {
		p->mem[i].base = fuzz_take(in, 8);
		p->mem[i].size = fuzz_take(in, 8);
		p->mem_node[i] = (uint32_t)fuzz_take(in, 1);
	}
	for (unsigned i = 0; i < FDT_MAX_CPUS && i < p->ncpus; i++)
		p->cpu_node[i] = (uint32_t)fuzz_take(in, 1);
	return 0;
}

static uint32_t prop_u32(const void *fdt, int node, const char *name)
{
	int len;
	const fdt32_t *v = fdt_getprop(fdt, node, name, &len);

	FUZZ_ASSERT(v && len == 4, "no u32 %s", name);
	return fdt32_to_cpu(*v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct fdt_params p = { 0 };
	size_t bufsize;
	char *bootargs;
	void *buf;
	int ret, node, len;
	unsigned n, want;

	take_params(&in, &p, &bufsize);
	bootargs = fuzz_take_str(&in, 4096);
	p.bootargs = bootargs;
	buf = malloc(bufsize ? bufsize : 1);
	if (!buf)
		abort();
	ret = fdt_build(buf, bufsize, &p);
	FUZZ_LOG("%u cpus, %u ranges, %u reservations, %zu-byte buffer: %s\n", p.ncpus, p.nmem,
		 p.nreserved, bufsize, ret < 0 ? fdt_strerror(ret) : "built");
	if (ret < 0) {
		FUZZ_ASSERT(ret == -FDT_ERR_NOSPACE, "fdt_build: %s", fdt_strerror(ret));
		goto out;
	}
	FUZZ_ASSERT(ret == 0, "fdt_build returned %d", ret);
	FUZZ_ASSERT(fdt_check_full(buf, bufsize) == 0, "not a valid tree");
	FUZZ_ASSERT(fdt_totalsize(buf) <= bufsize, "tree of %u bytes in a %zu-byte buffer",
		    fdt_totalsize(buf), bufsize);

	node = fdt_path_offset(buf, "/chosen");
	FUZZ_ASSERT(node >= 0, "no /chosen");
	const char *args = fdt_getprop(buf, node, "bootargs", &len);
	FUZZ_ASSERT(args && (size_t)len == strlen(bootargs) + 1 && !strcmp(args, bootargs),
		    "bootargs differ");

	node = fdt_path_offset(buf, "/cpus");
	FUZZ_ASSERT(node >= 0, "no /cpus");
	n = 0;
	for (int c = fdt_first_subnode(buf, node); c >= 0; c = fdt_next_subnode(buf, c), n++) {
		FUZZ_ASSERT(prop_u32(buf, c, "reg") == n, "cpu %u has reg %u", n, prop_u32(buf, c, "reg"));
		FUZZ_ASSERT(prop_u32(buf, c, "numa-node-id") == (n < FDT_MAX_CPUS ? p.cpu_node[n] : 0),
			    "cpu %u on the wrong node", n);
	}
	FUZZ_ASSERT(n == p.ncpus, "%u cpu nodes for %u vCPUs", n, p.ncpus);

	/* every non-empty reservation, in order (an empty one reserves nothing) */
	n = 0;
	for (unsigned i = 0; i < p.nreserved; i++) {
		uint64_t base, sz;

		if (!p.reserved[i].size)
			continue;
		FUZZ_ASSERT(fdt_get_mem_rsv(buf, (int)n, &base, &sz) == 0 && base == p.reserved[i].base &&
			    sz == p.reserved[i].size, "reservation %u is missing or differs", i);
		n++;
	}
	FUZZ_ASSERT(fdt_num_mem_rsv(buf) == (int)n, "%d reservations, want %u", fdt_num_mem_rsv(buf), n);

	n = 0;
	for (node = fdt_node_offset_by_prop_value(buf, -1, "device_type", "memory", sizeof("memory"));
	     node >= 0;
	     node = fdt_node_offset_by_prop_value(buf, node, "device_type", "memory", sizeof("memory")))
		n++;
	/* no ranges given: all of mem_size, split where it crosses the hole */
	want = p.nmem ? p.nmem : (p.mem_size > 0) + (p.mem_size > FS_LOW_RAM_MAX);
	FUZZ_ASSERT(n == want, "%u memory nodes for %u ranges (mem_size %llu), want %u", n, p.nmem,
		    (unsigned long long)p.mem_size, want);
out:
	free(buf);
	free(bootargs);
	return 0;
}
