/* emit.c - what a domain's elements say together, checked against the
 * placement frameshift makes, and the run options that mean it. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/domain/dom.h"

static unsigned host_nodes(const struct domain *d)
{
	return d->sim_nodes ? d->sim_nodes : d->host.nnodes;
}

/* "NAME:LINE: <element>: ..." for a line recorded earlier */
static int line_error(struct domain *d, int line, const char *element, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int line_error(struct domain *d, int line, const char *element, const char *fmt, ...)
{
	size_t off = (size_t)snprintf(d->err, d->errlen, "%s:%d: <%s>: ", d->name, line, element);
	va_list ap;

	if (off < d->errlen) {
		va_start(ap, fmt);
		vsnprintf(d->err + off, d->errlen - off, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int check_pins(struct domain *d)
{
	if (!d->npinned)
		return 0;
	for (unsigned v = 0; v < DOM_MAX_VCPUS; v++) {
		if (v >= d->vcpus && d->vcpu_node[v] >= 0)
			return line_error(d, d->vcpupin_line, "vcpupin", "vCPU %u is pinned but the domain has %u",
					  v, d->vcpus);
		if (v < d->vcpus && d->vcpu_node[v] < 0)
			return line_error(d, d->vcpupin_line, "vcpupin", "vCPU %u has no vcpupin: pin every vCPU "
					  "or none", v);
		if (v < d->vcpus && (unsigned)d->vcpu_node[v] >= host_nodes(d))
			return line_error(d, d->vcpupin_line, "vcpupin", "vCPU %u's CPUs are on host node %d, "
					  "beyond the %u nodes the guest runs on", v, d->vcpu_node[v], host_nodes(d));
	}
	return 0;
}

/* Cells are equal slices of <memory> (frameshift cuts guest RAM so), each
 * vCPU in one cell; a vCPU's cell is its --cpu-nodes node modulo the cell
 * count, or its index modulo it. Without vcpupin, vCPUs are pinned to their
 * cell's node where that is what the cells ask for. */
static int check_cells(struct domain *d)
{
	unsigned k = d->ncells, nodes = host_nodes(d);
	uint64_t sum = 0, all = 0;
	bool derived_ok = true;

	for (unsigned c = 0; c < k; c++)
		sum += d->cell_memory[c];
	if (sum != d->memory)
		return line_error(d, d->numa_line, "numa", "the cells' memory adds up to %" PRIu64
				  " KiB but <memory> is %" PRIu64 " KiB", sum >> 10, d->memory >> 10);
	for (unsigned c = 0; c < k; c++) {
		if (d->cell_memory[c] != d->memory / k || d->cell_memory[c] % FRAME_SIZE)
			return line_error(d, d->cell_line[c], "cell", "cell %u has %" PRIu64 " KiB: frameshift "
					  "cuts guest RAM into equal cells of whole 2 MiB frames (%" PRIu64
					  " KiB each here)", c, d->cell_memory[c] >> 10, (d->memory / k) >> 10);
		if (d->cell_cpus[c] & all)
			return line_error(d, d->cell_line[c], "cell", "a vCPU of cell %u is in an earlier cell too", c);
		if (d->cell_cpus[c] >> d->vcpus)
			return line_error(d, d->cell_line[c], "cell", "cell %u names a vCPU beyond the %u vCPUs",
					  c, d->vcpus);
		all |= d->cell_cpus[c];
	}
	if (d->vcpus < 64 && all != (1ULL << d->vcpus) - 1)
		return line_error(d, d->numa_line, "numa", "every vCPU must be in a cell");
	for (unsigned v = 0; v < d->vcpus; v++) {
		unsigned cell, want;

		for (cell = 0; !(d->cell_cpus[cell] & (1ULL << v)); cell++)
			;
		want = d->npinned ? (unsigned)d->vcpu_node[v] % k : v % k;
		if (d->npinned && want != cell)
			return line_error(d, d->vcpupin_line, "vcpupin", "vCPU %u is in cell %u but pinned to "
					  "node %d: frameshift puts a pinned vCPU in cell (node %% %u)", v, cell,
					  d->vcpu_node[v], k);
		derived_ok &= want == cell;
	}
	if (!d->npinned && !derived_ok) {
		for (unsigned v = 0; v < d->vcpus; v++) {
			unsigned cell = 0;

			while (!(d->cell_cpus[cell] & (1ULL << v)))
				cell++;
			if (cell >= nodes)
				return line_error(d, d->cell_line[cell], "cell", "cell %u's vCPUs would run on node "
						  "%u, which the host lacks: list vCPU i in cell i %% %u", cell, cell, k);
			d->vcpu_node[v] = (int)cell;
		}
		d->npinned = d->vcpus;
	}
	for (unsigned c = 0; c < MAX_NODES; c++) {
		if (d->memnode[c] < 0)
			continue;
		if (c >= k)
			return line_error(d, d->memnode_line[c], "memnode", "cell %u is not in <cpu><numa>", c);
		if ((unsigned)d->memnode[c] != c % nodes)
			return line_error(d, d->memnode_line[c], "memnode", "cell %u on node %d: frameshift places "
					  "cell c on node c %% %u (node %u here)", c, d->memnode[c], nodes, c % nodes);
	}
	return 0;
}

int dom_check(struct domain *d, xmlNode *root)
{
	if (!d->memory)
		return dom_error(d, root, "needs a <memory>");
	if (!d->vcpus)
		d->vcpus = 1;
	if (d->current_memory > d->memory)
		return dom_error(d, root, "<currentMemory> is larger than <memory>");
	if (d->hard_limit && d->hard_limit < d->memory)
		return line_error(d, d->hard_limit_line, "hard_limit", "%" PRIu64 " KiB is below the guest's %"
				  PRIu64 " KiB of RAM, which frameshift backs whole", d->hard_limit >> 10,
				  d->memory >> 10);
	if (!d->kernel)
		return dom_error(d, root, "needs an <os> with a <kernel>");
	if (check_pins(d) < 0)
		return -1;
	for (unsigned c = 0; !d->ncells && c < MAX_NODES; c++)
		if (d->memnode[c] >= 0)
			return line_error(d, d->memnode_line[c], "memnode", "needs guest cells (<cpu><numa>)");
	return d->ncells ? check_cells(d) : 0;
}

static int add(struct domain_args *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int add(struct domain_args *a, const char *fmt, ...)
{
	va_list ap;
	int ret;

	if (a->argc == DOMAIN_MAX_ARGS)
		return -1;
	va_start(ap, fmt);
	ret = vasprintf(&a->argv[a->argc], fmt, ap);
	va_end(ap);
	if (ret < 0)
		return -1;
	a->argc++;
	return 0;
}

int dom_emit(struct domain *d, struct domain_args *a)
{
	int bad = add(a, "run");

	bad |= add(a, "--mem") | add(a, "%" PRIu64 "M", d->memory >> 20);
	bad |= add(a, "--cpus") | add(a, "%u", d->vcpus);
	/* all of <memory> (what virsh dumpxml writes for a guest never
	 * ballooned) is the balloon's default: no option */
	if (d->current_memory && d->current_memory != d->memory)
		bad |= add(a, "--current-memory") | add(a, "%" PRIu64 "K", d->current_memory >> 10);
	if (d->policy[0])
		bad |= add(a, "--numa-policy") | add(a, "%s", d->policy);
	if (d->sim_nodes)
		bad |= add(a, "--sim-nodes") | add(a, "%u", d->sim_nodes);
	if (!d->hugepages)
		bad |= add(a, "--no-hugetlb");
	if (d->ondemand)
		bad |= add(a, "--no-prealloc");
	if (d->pool_reserve)
		bad |= add(a, "--pool-reserve") | add(a, "%u", d->pool_reserve);
	if (d->copy_threads)
		bad |= add(a, "--copy-threads") | add(a, "%u", d->copy_threads);
	if (d->npinned) {
		char list[3 * DOM_MAX_VCPUS + 1];
		size_t off = 0;

		for (unsigned v = 0; v < d->vcpus; v++)
			off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%d", v ? "," : "", d->vcpu_node[v]);
		bad |= add(a, "--cpu-nodes") | add(a, "%s", list);
	}
	if (d->ncells)
		bad |= add(a, "--guest-numa") | add(a, "%u", d->ncells);
	if (d->autobalance)
		bad |= add(a, "--autobalance");
	if (d->autobalance_rate)
		bad |= add(a, "--autobalance-rate") | add(a, "%u", d->autobalance_rate);
	if (d->emulator_cpus) {
		char list[3 * 64 + 1];

		dom_format_set(d->emulator_cpus, list, sizeof(list));
		bad |= add(a, "--emulator-cpus") | add(a, "%s", list);
	}
	for (unsigned i = 0; i < d->ndisks; i++)
		bad |= add(a, "--disk") | add(a, "%s", d->disks[i]);
	for (unsigned i = 0; i < d->nnets; i++)
		bad |= add(a, "--net") | add(a, "%s", d->nets[i]);
	if (d->kernel_is_elf) {
		if (d->cmdline)
			bad |= add(a, "--append") | add(a, "%s", d->cmdline);
		a->noptions = a->argc;
		bad |= add(a, "%s", d->kernel);
	} else {
		bad |= add(a, "--kernel") | add(a, "%s", d->kernel);
		if (d->initrd)
			bad |= add(a, "--initrd") | add(a, "%s", d->initrd);
		if (d->cmdline)
			bad |= add(a, "--cmdline") | add(a, "%s", d->cmdline);
		a->noptions = a->argc;
	}
	if (bad) {
		domain_args_free(a);
		snprintf(d->err, d->errlen, "%s: out of memory", d->name);
		return -1;
	}
	return 0;
}
