/* env.c - build struct guest_env from the device tree (docs/boot-protocol.md)
 * and answer questions about it. */
#include <libfdt.h>

#include "runtime.h"

#define PAGE_SIZE 4096ULL

extern char __image_start[], __image_end[];	/* guest.ld */

static void add_range(struct mem_range *list, unsigned *n, uint64_t start,
		      uint64_t size, uint32_t node)
{
	if (*n == GUEST_MAX_RANGES)
		panic("more than %d memory ranges", GUEST_MAX_RANGES);
	list[(*n)++] = (struct mem_range){ start, size, node };
}

static uint64_t read_cells(const fdt32_t *cells, int n)
{
	return n == 2 ? (uint64_t)fdt32_ld(&cells[0]) << 32 | fdt32_ld(&cells[1])
		      : fdt32_ld(&cells[0]);
}

static uint32_t prop_u32(const void *fdt, int node, const char *name, uint32_t def)
{
	int len;
	const fdt32_t *p = fdt_getprop(fdt, node, name, &len);

	return p && len == 4 ? fdt32_ld(p) : def;
}

static bool is_type(const void *fdt, int node, const char *type)
{
	const char *t = fdt_getprop(fdt, node, "device_type", NULL);

	return t && !strcmp(t, type);
}

static void parse_memory(struct guest_env *env, const void *fdt)
{
	/* The devicetree spec's defaults when absent: 2 and 1. */
	int ac = prop_u32(fdt, 0, "#address-cells", 2);
	int sc = prop_u32(fdt, 0, "#size-cells", 1);
	int node, len, i, j;

	if (ac < 1 || ac > 2 || sc < 1 || sc > 2)
		panic("FDT: unsupported #address-cells %d / #size-cells %d", ac, sc);
	fdt_for_each_subnode(node, fdt, 0) {
		const fdt32_t *reg = fdt_getprop(fdt, node, "reg", &len);
		uint32_t nid = prop_u32(fdt, node, "numa-node-id", 0);

		if (!is_type(fdt, node, "memory") || !reg)
			continue;
		for (i = 0; (i + ac + sc) * 4 <= len; i += ac + sc) {
			uint64_t start = read_cells(reg + i, ac);
			uint64_t size = read_cells(reg + i + ac, sc);

			if (!size)
				continue;
			if (start + size < start || start + size > FS_IDENTITY_MAP_END)
				panic("FDT: memory 0x%lx+0x%lx is not identity mapped", start, size);
			add_range(env->mem, &env->nmem, start, size, nid);
		}
	}
	if (!env->nmem)
		panic("FDT: no /memory nodes");

	/* Insertion sort: the FDT need not list nodes in address order. */
	for (i = 1; i < (int)env->nmem; i++) {
		struct mem_range r = env->mem[i];

		for (j = i; j > 0 && env->mem[j - 1].start > r.start; j--)
			env->mem[j] = env->mem[j - 1];
		env->mem[j] = r;
	}
	for (i = 1; i < (int)env->nmem; i++)
		if (env->mem[i - 1].start + env->mem[i - 1].size > env->mem[i].start)
			panic("FDT: memory ranges overlap at 0x%lx", env->mem[i].start);
}

/* Remove [start, end) from the free list, which stays sorted. */
static void exclude(struct guest_env *env, uint64_t start, uint64_t end)
{
	struct mem_range out[GUEST_MAX_RANGES];
	unsigned i, n = 0;

	if (start >= end)
		return;
	for (i = 0; i < env->nfree; i++) {
		struct mem_range *r = &env->free[i];
		uint64_t s = r->start, e = r->start + r->size;

		if (end <= s || start >= e) {
			add_range(out, &n, s, e - s, r->node);
			continue;
		}
		if (s < start)
			add_range(out, &n, s, start - s, r->node);
		if (end < e)
			add_range(out, &n, end, e - end, r->node);
	}
	memcpy(env->free, out, n * sizeof(out[0]));
	env->nfree = n;
}

static void build_free(struct guest_env *env, const void *fdt)
{
	int i, n, nrsv = fdt_num_mem_rsv(fdt);
	uint64_t addr, size;

	if (nrsv < 0)
		panic("FDT: bad reservation map (%d)", nrsv);
	memcpy(env->free, env->mem, env->nmem * sizeof(env->mem[0]));
	env->nfree = env->nmem;
	for (i = 0; i < nrsv; i++) {
		fdt_get_mem_rsv(fdt, i, &addr, &size);
		exclude(env, addr, addr + size);
	}
	/* The map should list these too, but handing them out by mistake would
	 * let a program overwrite page tables, itself or the FDT. */
	exclude(env, 0, FS_BOOT_RESERVED_END);
	exclude(env, (uint64_t)__image_start, (uint64_t)__image_end);
	exclude(env, (uint64_t)fdt, (uint64_t)fdt + fdt_totalsize(fdt));

	/* Page-align inward so programs can work in whole pages. */
	for (i = n = 0; i < (int)env->nfree; i++) {
		struct mem_range r = env->free[i];
		uint64_t s = (r.start + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
		uint64_t e = (r.start + r.size) & ~(PAGE_SIZE - 1);

		if (s < e) {
			env->free[n++] = (struct mem_range){ s, e - s, r.node };
			env->free_bytes += e - s;
		}
	}
	env->nfree = n;
}

/* The chunks the free ranges cut at frame boundaries make. */
static uint64_t count_chunks(const struct guest_env *env)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < env->nfree; i++) {
		uint64_t s = env->free[i].start, e = s + env->free[i].size;

		n += ((e - 1) >> FS_FRAME_SHIFT) - (s >> FS_FRAME_SHIFT) + 1;
	}
	return n;
}

/* Take bytes, whole pages, from the start of the lowest free range that
 * holds them: they are no longer free. */
static void *take_free(struct guest_env *env, uint64_t bytes)
{
	bytes = (bytes + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	for (unsigned i = 0; i < env->nfree; i++) {
		struct mem_range *r = &env->free[i];
		void *p = (void *)r->start;

		if (r->size < bytes)
			continue;
		r->start += bytes;
		r->size -= bytes;
		env->free_bytes -= bytes;
		if (!r->size) {
			memmove(r, r + 1, (env->nfree - i - 1) * sizeof(*r));
			env->nfree--;
		}
		return p;
	}
	panic("no %lu bytes of free memory for the memory map", bytes);
}

/* Cut the free ranges at frame boundaries, into an array taken from free
 * memory (which can only make fewer chunks). Free memory lies below
 * FS_IDENTITY_MAP_END (parse_memory checks), so there are at most
 * GUEST_MAX_CHUNKS. */
static void build_chunks(struct guest_env *env)
{
	uint64_t last_frame = ~0ULL;
	unsigned i;

	env->chunks = take_free(env, count_chunks(env) * sizeof(env->chunks[0]));
	for (i = 0; i < env->nfree; i++) {
		uint64_t gpa = env->free[i].start, end = gpa + env->free[i].size;

		while (gpa < end) {
			uint64_t frame = gpa >> FS_FRAME_SHIFT;
			uint64_t next = (frame + 1) << FS_FRAME_SHIFT;
			struct mem_chunk *c = &env->chunks[env->nchunks++];

			if (frame != last_frame)
				env->nframes++;
			last_frame = frame;
			*c = (struct mem_chunk){
				.gpa = gpa, .size = (next < end ? next : end) - gpa,
				.frame_idx = env->nframes - 1, .node = env->free[i].node,
			};
			gpa += c->size;
		}
	}
}

/* Copy bootargs into env->args as NUL-separated words ending in "\0\0". */
static void split_args(struct guest_env *env)
{
	const char *s = env->bootargs;
	size_t n = 0;

	while (*s) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		while (*s && *s != ' ' && *s != '\t') {
			if (n + 2 >= sizeof(env->args))
				panic("bootargs longer than %d bytes", GUEST_ARGS_MAX - 2);
			env->args[n++] = *s++;
		}
		env->args[n++] = '\0';
	}
	env->args[n] = '\0';
}

void env_init(struct guest_env *env, const void *fdt, unsigned ncpus)
{
	int chosen, cpus, node, len;
	const char *args;

	if (fdt_check_header(fdt))
		panic("no valid device tree at %p", fdt);
	env->fdt = fdt;
	env->ncpus = ncpus;

	cpus = fdt_path_offset(fdt, "/cpus");
	if (cpus >= 0)
		fdt_for_each_subnode(node, fdt, cpus)
			env->fdt_cpus += is_type(fdt, node, "cpu");

	env->bootargs = "";
	chosen = fdt_path_offset(fdt, "/chosen");
	if (chosen >= 0) {
		args = fdt_getprop(fdt, chosen, "bootargs", &len);
		if (args && len > 0 && args[len - 1] == '\0')
			env->bootargs = args;
		env->sim_nodes = prop_u32(fdt, chosen, "frameshift,simulated-nodes", 0);
	}
	split_args(env);

	parse_memory(env, fdt);
	build_free(env, fdt);
	build_chunks(env);
}

const char *env_arg(const struct guest_env *env, const char *key)
{
	size_t klen = strlen(key);
	const char *w, *val = NULL;

	for (w = env->args; *w; w += strlen(w) + 1) {
		if (strncmp(w, key, klen))
			continue;
		if (w[klen] == '=')
			val = w + klen + 1;
		else if (!w[klen])
			val = w + klen;
	}
	return val;
}

uint64_t env_arg_u64(const struct guest_env *env, const char *key, uint64_t def)
{
	const char *val = env_arg(env, key), *s = val;
	unsigned base = 10, digit;
	uint64_t v = 0;

	if (!val)
		return def;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		goto bad;
	for (; *s; s++) {
		if (*s >= '0' && *s <= '9')
			digit = *s - '0';
		else if (base == 16 && (*s | 0x20) >= 'a' && (*s | 0x20) <= 'f')
			digit = (*s | 0x20) - 'a' + 10;
		else
			break;
		v = v * base + digit;
	}
	switch (*s) {
	case 'K': v <<= 10; s++; break;
	case 'M': v <<= 20; s++; break;
	case 'G': v <<= 30; s++; break;
	}
	if (!*s)
		return v;
bad:
	panic("bootarg %s=%s is not a number", key, val);
}

void env_cpu_chunks(const struct guest_env *env, unsigned cpu,
		    unsigned *first, unsigned *end)
{
	uint32_t lo = (uint64_t)env->nframes * cpu / env->ncpus;
	uint32_t hi = (uint64_t)env->nframes * (cpu + 1) / env->ncpus;
	unsigned i = 0;

	while (i < env->nchunks && env->chunks[i].frame_idx < lo)
		i++;
	*first = i;
	while (i < env->nchunks && env->chunks[i].frame_idx < hi)
		i++;
	*end = i;
}
